// Thin RAII layer over the GEOS C API, so the generator never leaks or double-frees geometries.
#pragma once

#include <geos_c.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace citywall::mapgen {

struct Point {
    double x = 0.0;
    double y = 0.0;
};

// One reentrant GEOS context for the whole (single-threaded) generator.
GEOSContextHandle_t geos();

struct GeomDeleter {
    void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(geos(), g); }
};
using Geom = std::unique_ptr<GEOSGeometry, GeomDeleter>;

// Wraps a GEOS result; throws with `what` when GEOS returned null (an exception inside GEOS).
Geom own(GEOSGeometry* g, const char* what);

Geom clone(const GEOSGeometry* g);
Geom makePolygon(const std::vector<Point>& ring);
Geom makeLine(const std::vector<Point>& points);
Geom makeMultiPoint(const std::vector<Point>& points);
// Takes ownership of the parts; the type is e.g. GEOS_MULTIPOLYGON or GEOS_GEOMETRYCOLLECTION.
Geom makeCollection(int type, std::vector<Geom> parts);

// Union of polygons that share edges exactly (a coverage); keeps their vertices as they are.
Geom unionAll(const std::vector<const GEOSGeometry*>& parts);
Geom intersection(const GEOSGeometry* a, const GEOSGeometry* b, double gridSize);
Geom buffer(const GEOSGeometry* g, double width);

double area(const GEOSGeometry* g);
double length(const GEOSGeometry* g);
Point centroid(const GEOSGeometry* g);
bool intersects(const GEOSGeometry* a, const GEOSGeometry* b);

// The direct children of a multi-geometry or collection (the geometry itself when single).
std::vector<const GEOSGeometry*> parts(const GEOSGeometry* g);
std::vector<Point> coordinates(const GEOSGeometry* lineOrRing);
std::vector<Point> exteriorRing(const GEOSGeometry* polygon);

// Applies `fn` to every coordinate (used to go from the metric plane to lon/lat or Mercator).
Geom transform(const GEOSGeometry* g, const std::function<Point(Point)>& fn);

std::vector<unsigned char> toWkb(const GEOSGeometry* g);
Geom fromWkb(const unsigned char* wkb, size_t size);

}  // namespace citywall::mapgen
