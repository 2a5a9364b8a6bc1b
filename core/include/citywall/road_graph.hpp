// The city's roads as a graph: the shortest way along the roads from a unit to an incident, for
// the console's proposals of whom to send (docs/dispatch.md, "Units") and for the simulated
// units that drive there. Built once from the line layer of the city's road network: from the
// segments as the layer's reader has them (Web Mercator metres), or read here (read_road_graph).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "citywall/geo.hpp"
#include "citywall/result.hpp"

namespace citywall {

// How a road layer's lines meet. Networks made for routing (OpenStreetMap and its extracts)
// share a vertex wherever two roads join, and a bridge crossing a road without one is no
// junction; simpler layers (drawn lines, the demo city's) cross without sharing vertices, and
// every crossing is one.
enum class RoadJunctions : std::uint8_t { shared_vertices, crossings };

class RoadGraph {
  public:
    // One piece of road, in Web Mercator metres.
    struct Piece {
        geo::Mercator from, to;
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
    // The shortest way along the roads from `from` to `to`, as the points to pass through: where
    // `from` meets the road, the junctions between, where `to` meets the road, and `to`. Empty
    // when either is further than `snap_m` from a road, or no road joins them.
    std::vector<LonLat> route(LonLat from, LonLat to, double snap_m) const;

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
    Snap snap(geo::Mercator at, double snap_m) const;
    // Where a snap lies on its edge.
    geo::Mercator on_edge(const Snap& snap) const;
    // Dijkstra from the two ends of `start`'s edge until every node of `wanted` is settled (or
    // all that can be): each node's distance, and the node it was reached from (itself for the
    // two it starts from; unset: not reached).
    struct Search {
        std::vector<double> distance;
        std::vector<std::uint32_t> from;
    };
    Search search(const Snap& start, std::vector<char> wanted) const;

    std::vector<geo::Mercator> points_;                  // a node's position
    std::vector<Edge> edges_;                            //
    std::vector<std::vector<std::uint32_t>> adjacency_;  // a node's edges
    // Edges by the grid cell(s) their boxes cover, for snapping.
    double cell_ = 250;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> cells_;  // (cell, edge), sorted
};

// Every line of layer `layer` of `source` (empty: its first layer), in any CRS GDAL knows, as a
// road network joined as `junctions` says. Refused: no such file or layer, no transformation to
// WGS84, no lines in it.
Result<RoadGraph> read_road_graph(const std::filesystem::path& source, const std::string& layer,
                                  RoadJunctions junctions);

// Ground metres (on the mean radius, as ground_metres) per Web Mercator metre at a Mercator y:
// the map's scale grows toward the poles.
double ground_per_mercator(double mercator_y);

}  // namespace citywall
