// Geometry the model needs: polygons in lon/lat, exact point-in-polygon with one rule for
// points on shared edges, a spatial index, and the Web Mercator display projection.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "citywall/incident.hpp"

namespace citywall::geo {

using Ring = std::vector<LonLat>;  // closed implicitly; a repeated last vertex is harmless

struct Polygon {
    Ring outer;
    std::vector<Ring> holes;
};
using MultiPolygon = std::vector<Polygon>;

struct Bounds {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
    bool contains(LonLat p) const {
        return p.lon >= min_lon && p.lon <= max_lon && p.lat >= min_lat && p.lat <= max_lat;
    }
};
Bounds bounds_of(const MultiPolygon& shape);

// Half-open rule: a point on an edge shared by two polygons belongs to exactly one of them,
// the one that lies east of it (north of it, for an east-west edge). docs/geo.md explains.
bool contains(const Ring& ring, LonLat p);
bool contains(const Polygon& polygon, LonLat p);
bool contains(const MultiPolygon& shape, LonLat p);

// Finds which of many non-overlapping areas holds a point.
class AreaIndex {
  public:
    // Adds an area; returns its index in insertion order.
    std::uint32_t add(MultiPolygon shape);
    // Must be called after the last add() and before locate().
    void build();
    std::optional<std::uint32_t> locate(LonLat p) const;
    // How far p is from the nearest area's outline, in metres (on a local plane around p: a few
    // metres off at 100 km, which is what it is for); infinity with no area. Not 0 inside an
    // area: ask locate() first. Walks the areas whose box could be nearer than the best so far.
    double distance_m(LonLat p) const;
    std::size_t size() const { return shapes_.size(); }

  private:
    int column_of(double lon) const;
    int row_of(double lat) const;
    struct Cell {
        std::uint32_t begin = 0, end = 0;
    };
    std::vector<MultiPolygon> shapes_;
    std::vector<Bounds> bounds_;
    Bounds extent_;
    int columns_ = 0, rows_ = 0;
    std::vector<Cell> cells_;
    std::vector<std::uint32_t> cell_items_;
};

// Web Mercator (EPSG:3857) in metres.
struct Mercator {
    double x = 0.0;
    double y = 0.0;
};
Mercator to_mercator(LonLat p);
LonLat from_mercator(Mercator m);

}  // namespace citywall::geo
