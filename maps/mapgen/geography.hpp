// The physical city: its outline, rivers, main roads and green patches, in the metric plane.
#pragma once

#include <vector>

#include "city.hpp"
#include "geos_util.hpp"
#include "random.hpp"

namespace citywall::mapgen {

// An irregular blob: an ellipse whose radius is modulated by a few harmonics and noise.
std::vector<Point> cityOutline(Random rng);

// The main river first (crossing the whole city west to east), then its tributary.
std::vector<Polyline> cityRivers(Random rng);

// A ring road, cross-town arterials and a riverside road, clipped to the outline.
std::vector<Polyline> cityRoads(Random rng, const GEOSGeometry* outline, const Polyline& river);

// Parks inside the built-up area and wooded hills on its edge.
std::vector<Geom> cityParks(Random rng, const std::vector<Point>& outline,
                            const GEOSGeometry* water);

// Even-odd ray test; the outline is a plain ring, so no GEOS call is needed per sample.
bool insideRing(const std::vector<Point>& ring, Point p);

}  // namespace citywall::mapgen
