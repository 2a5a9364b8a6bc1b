// Reading map layers with GDAL into GPU-ready arrays, once at start-up: vector layers are
// reprojected to Web Mercator, polygons triangulated (GEOS constrained Delaunay), rings and
// lines cut into segments; rasters are warped to Web Mercator if needed and downsampled.
// All coordinates come out as float metres relative to a double-precision origin.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "camera.hpp"
#include "citywall/placement.hpp"
#include "citywall/result.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

// One straight piece of an outline or line; `distance` is metres along its line to `from`,
// so dashes run on across vertices.
struct LineSegment {
    float from_x, from_y, to_x, to_y, distance;
};

// A feature's label, anchored at a point inside it.
struct MapLabel {
    MercatorPoint at;
    std::string text;
    double extent_m = 0;  // the feature's width: the label shows once it fits inside
};

struct VectorGeometry {
    MercatorPoint origin;
    MercatorBox bounds;
    std::vector<float> fill_triangles;  // x, y pairs; three vertices per triangle
    std::vector<LineSegment> segments;
    std::vector<MapLabel> labels;
    std::size_t features = 0;
    std::size_t skipped = 0;  // features whose geometry could not be read or triangulated
};

struct RasterImage {
    MercatorBox bounds;
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgba;  // rows top (north) to bottom
};

// Areas (core's MapArea, lon/lat) as fill triangles whose vertices carry their area's index,
// so one draw call colours every area from a per-area table. Also each area's box and a point
// inside it (for counts and zoom-to), in Web Mercator.
struct AreaVertex {
    float x, y;  // metres relative to origin
    float area;  // index into the areas given
};
struct AreaMesh {
    MercatorPoint origin;
    std::vector<AreaVertex> vertices;
    std::vector<MercatorBox> boxes;
    std::vector<MercatorPoint> anchors;
    std::size_t skipped = 0;  // areas that could not be triangulated
};
AreaMesh triangulate_areas(const std::vector<MapArea>& areas, bool with_triangles);

// Registers GDAL drivers; call once before loading.
void init_gdal();
Result<VectorGeometry> load_vector_layer(const LayerStyle& style);
Result<RasterImage> load_raster_layer(const LayerStyle& style, int max_side = 4096);

}  // namespace citywall::viewer
