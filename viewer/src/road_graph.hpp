// The city's roads as a graph, for the console's proposals of whom to send (docs/dispatch.md,
// "Units"): the shortest way along the roads from a unit to an incident. Built once from the
// line layer the viewer's config names as its road network. No GL, no GDAL: it takes the
// layer's segments as the viewer already reads them (Web Mercator, relative to an origin).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "camera.hpp"
#include "citywall/geo.hpp"

namespace citywall::viewer {

// How a road layer's lines meet. Networks made for routing (OpenStreetMap and its extracts)
// share a vertex wherever two roads join, and a bridge crossing a road without one is no
// junction; simpler layers (drawn lines, the demo city's) cross without sharing vertices, and
// every crossing is one.
enum class RoadJunctions : std::uint8_t { shared_vertices, crossings };

class RoadGraph {
  public:
    // One piece of road, in Web Mercator metres.
    struct Piece {
        MercatorPoint from, to;
    };
    RoadGraph() = default;
    static RoadGraph build(std::span<const Piece> pieces, RoadJunctions junctions);

    bool empty() const { return edges_.empty(); }
    std::size_t nodes() const { return adjacency_.size(); }
    std::size_t edges() const { return edges_.size(); }

    // The way from `from` to each of `to`: along the roads, from where each point is nearest
    // a road (at most `snap_m` away) to where `from` is. `reached` is false when a point is
    // further than that from any road, or no road joins the two; then only `off_road_m` (its
    // distance to the nearest road, or -1 when none is within `snap_m`) says why.
    struct Way {
        bool reached = false;
        double road_m = 0;      // along the roads, ground metres
        double off_road_m = 0;  // to and from the roads at both ends, ground metres
    };
    std::vector<Way> ways(LonLat from, std::span<const LonLat> to, double snap_m) const;

  private:
    struct Edge {
        std::uint32_t a, b;
        double ground_m;
    };
    struct Snap {
        std::uint32_t edge = 0;
        double t = 0;          // where along the edge, 0 at a, 1 at b
        double ground_m = -1;  // to the road; negative: none within reach
    };
    Snap snap(MercatorPoint at, double snap_m) const;

    std::vector<MercatorPoint> points_;                  // a node's position
    std::vector<Edge> edges_;                            //
    std::vector<std::vector<std::uint32_t>> adjacency_;  // a node's edges
    // Edges by the grid cell(s) their boxes cover, for snapping.
    double cell_ = 250;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> cells_;  // (cell, edge), sorted
};

// Ground metres (on the mean radius, as ground_metres) per Web Mercator metre at a Mercator y:
// the map's scale grows toward the poles.
double ground_per_mercator(double mercator_y);

}  // namespace citywall::viewer
