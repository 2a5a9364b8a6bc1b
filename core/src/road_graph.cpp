#include "citywall/road_graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <queue>
#include <unordered_map>
#include <utility>

namespace citywall {

namespace {

constexpr double kEarthRadius = 6'378'137.0;  // Web Mercator's sphere
// Points closer than this are one node: a shared vertex written twice, a crossing found from
// two pairs of segments.
constexpr double kJoinM = 0.5;

std::uint64_t cell_key(std::int64_t cx, std::int64_t cy) {
    return (static_cast<std::uint64_t>(cx) << 32) ^ static_cast<std::uint32_t>(cy);
}

// Calls `visit` with every grid cell the box of a..b covers.
template <class Visit>
void for_cells(geo::Mercator a, geo::Mercator b, double cell, Visit&& visit) {
    const auto x0 = static_cast<std::int64_t>(std::floor(std::min(a.x, b.x) / cell));
    const auto x1 = static_cast<std::int64_t>(std::floor(std::max(a.x, b.x) / cell));
    const auto y0 = static_cast<std::int64_t>(std::floor(std::min(a.y, b.y) / cell));
    const auto y1 = static_cast<std::int64_t>(std::floor(std::max(a.y, b.y) / cell));
    for (auto cx = x0; cx <= x1; ++cx)
        for (auto cy = y0; cy <= y1; ++cy)
            visit(cell_key(cx, cy));
}

double length(geo::Mercator a, geo::Mercator b) {
    return std::hypot(b.x - a.x, b.y - a.y);
}

// Where two segments cross, as (s, t) along each; nothing when they are parallel or miss.
// Touching at an end counts: a road that ends on another joins it.
std::optional<std::pair<double, double>> crossing(geo::Mercator a, geo::Mercator b, geo::Mercator c,
                                                  geo::Mercator d) {
    const double rx = b.x - a.x, ry = b.y - a.y, sx = d.x - c.x, sy = d.y - c.y;
    const double denominator = rx * sy - ry * sx;
    if (std::abs(denominator) < 1e-12 * (rx * rx + ry * ry + sx * sx + sy * sy)) return {};
    const double qx = c.x - a.x, qy = c.y - a.y;
    const double s = (qx * sy - qy * sx) / denominator;
    const double t = (qx * ry - qy * rx) / denominator;
    const double slack_s = kJoinM / std::max(length(a, b), kJoinM);
    const double slack_t = kJoinM / std::max(length(c, d), kJoinM);
    if (s < -slack_s || s > 1 + slack_s || t < -slack_t || t > 1 + slack_t) return {};
    return std::pair{std::clamp(s, 0.0, 1.0), std::clamp(t, 0.0, 1.0)};
}

}  // namespace

double ground_per_mercator(double mercator_y) {
    // Web Mercator's sphere is the equator's radius; ground distances here, as everywhere on the
    // wall (ground_metres), are on the mean radius.
    constexpr double kMeanRadius = 6'371'008.8;
    return kMeanRadius / kEarthRadius / std::cosh(mercator_y / kEarthRadius);
}

RoadGraph RoadGraph::build(std::span<const Piece> pieces, RoadJunctions junctions) {
    RoadGraph graph;
    std::unordered_map<std::uint64_t, std::uint32_t> by_place;
    auto node_at = [&](geo::Mercator p) {
        const auto key = cell_key(std::llround(p.x / kJoinM), std::llround(p.y / kJoinM));
        const auto [it, added] =
            by_place.try_emplace(key, static_cast<std::uint32_t>(graph.points_.size()));
        if (added) graph.points_.push_back(p);
        return it->second;
    };
    // Each piece's joins: where along it (0..1) and at which node.
    std::vector<std::vector<std::pair<double, std::uint32_t>>> joins(pieces.size());
    for (std::size_t k = 0; k < pieces.size(); ++k) {
        joins[k].push_back({0.0, node_at(pieces[k].from)});
        joins[k].push_back({1.0, node_at(pieces[k].to)});
    }
    if (junctions == RoadJunctions::crossings) {
        // Pieces by the cells their boxes cover; each crossing is taken in the cell it lies in,
        // so a pair sharing several cells is joined once.
        std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> cells;
        for (std::size_t k = 0; k < pieces.size(); ++k) {
            for_cells(pieces[k].from, pieces[k].to, graph.cell_, [&](std::uint64_t cell) {
                cells[cell].push_back(static_cast<std::uint32_t>(k));
            });
        }
        for (const auto& [key, in_cell] : cells) {
            for (std::size_t i = 0; i < in_cell.size(); ++i) {
                for (std::size_t j = i + 1; j < in_cell.size(); ++j) {
                    const Piece& p = pieces[in_cell[i]];
                    const Piece& q = pieces[in_cell[j]];
                    const auto found = crossing(p.from, p.to, q.from, q.to);
                    if (!found) continue;
                    const geo::Mercator at{p.from.x + (p.to.x - p.from.x) * found->first,
                                           p.from.y + (p.to.y - p.from.y) * found->first};
                    const auto here =
                        cell_key(static_cast<std::int64_t>(std::floor(at.x / graph.cell_)),
                                 static_cast<std::int64_t>(std::floor(at.y / graph.cell_)));
                    if (here != key) continue;
                    const std::uint32_t node = node_at(at);
                    joins[in_cell[i]].push_back({found->first, node});
                    joins[in_cell[j]].push_back({found->second, node});
                }
            }
        }
    }
    for (auto& along : joins) {
        std::sort(along.begin(), along.end());
        for (std::size_t i = 1; i < along.size(); ++i) {
            const std::uint32_t a = along[i - 1].second, b = along[i].second;
            if (a == b) continue;
            const geo::Mercator pa = graph.points_[a], pb = graph.points_[b];
            const double ground = length(pa, pb) * ground_per_mercator((pa.y + pb.y) / 2);
            graph.edges_.push_back({a, b, ground});
        }
    }
    graph.adjacency_.assign(graph.points_.size(), {});
    for (std::uint32_t e = 0; e < graph.edges_.size(); ++e) {
        graph.adjacency_[graph.edges_[e].a].push_back(e);
        graph.adjacency_[graph.edges_[e].b].push_back(e);
        for_cells(graph.points_[graph.edges_[e].a], graph.points_[graph.edges_[e].b], graph.cell_,
                  [&](std::uint64_t cell) {
                      graph.cells_.push_back({cell, e});
                  });
    }
    std::sort(graph.cells_.begin(), graph.cells_.end());
    return graph;
}

RoadGraph::Snap RoadGraph::snap(geo::Mercator at, double snap_m) const {
    Snap best;
    const double scale = ground_per_mercator(at.y);
    const double reach = snap_m / scale;  // Mercator metres
    double nearest = reach;
    const auto x0 = static_cast<std::int64_t>(std::floor((at.x - reach) / cell_));
    const auto x1 = static_cast<std::int64_t>(std::floor((at.x + reach) / cell_));
    const auto y0 = static_cast<std::int64_t>(std::floor((at.y - reach) / cell_));
    const auto y1 = static_cast<std::int64_t>(std::floor((at.y + reach) / cell_));
    for (auto cx = x0; cx <= x1; ++cx) {
        for (auto cy = y0; cy <= y1; ++cy) {
            const std::uint64_t key = cell_key(cx, cy);
            auto it = std::lower_bound(cells_.begin(), cells_.end(),
                                       std::pair<std::uint64_t, std::uint32_t>{key, 0});
            for (; it != cells_.end() && it->first == key; ++it) {
                const Edge& edge = edges_[it->second];
                const geo::Mercator a = points_[edge.a], b = points_[edge.b];
                const double dx = b.x - a.x, dy = b.y - a.y;
                const double squared = dx * dx + dy * dy;
                const double t =
                    squared > 0
                        ? std::clamp(((at.x - a.x) * dx + (at.y - a.y) * dy) / squared, 0.0, 1.0)
                        : 0.0;
                const double off = std::hypot(a.x + dx * t - at.x, a.y + dy * t - at.y);
                if (off <= nearest) {
                    nearest = off;
                    best = {it->second, t, off * scale};
                }
            }
        }
    }
    return best;
}

std::vector<RoadGraph::Way> RoadGraph::ways(LonLat from, std::span<const LonLat> to,
                                            double snap_m) const {
    std::vector<Way> found(to.size());
    if (empty()) return found;
    const Snap start = snap(geo::to_mercator(from), snap_m);
    std::vector<Snap> ends(to.size());
    for (std::size_t k = 0; k < to.size(); ++k) {
        ends[k] = snap(geo::to_mercator(to[k]), snap_m);
        found[k].off_road_m = ends[k].ground_m;
    }
    if (start.ground_m < 0) {
        for (Way& way : found)
            way.off_road_m = -1;
        return found;
    }
    // Dijkstra from both ends of the incident's edge, until every end's edge is settled.
    std::vector<char> wanted(points_.size(), 0);
    for (const Snap& end : ends) {
        if (end.ground_m < 0) continue;
        wanted[edges_[end.edge].a] = wanted[edges_[end.edge].b] = 1;
    }
    const std::vector<double> distance = search(start, std::move(wanted)).distance;
    constexpr double kFar = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < to.size(); ++k) {
        const Snap& end = ends[k];
        if (end.ground_m < 0) continue;
        const Edge& edge = edges_[end.edge];
        double road = std::min(distance[edge.a] + end.t * edge.ground_m,
                               distance[edge.b] + (1 - end.t) * edge.ground_m);
        if (end.edge == start.edge)
            road = std::min(road, std::abs(end.t - start.t) * edge.ground_m);
        if (road == kFar) continue;
        found[k] = {true, road, start.ground_m + end.ground_m};
    }
    return found;
}

RoadGraph::Search RoadGraph::search(const Snap& start, std::vector<char> wanted) const {
    constexpr double kFar = std::numeric_limits<double>::infinity();
    constexpr std::uint32_t kUnset = std::numeric_limits<std::uint32_t>::max();
    Search found{std::vector<double>(points_.size(), kFar),
                 std::vector<std::uint32_t>(points_.size(), kUnset)};
    std::size_t waiting = static_cast<std::size_t>(std::count(wanted.begin(), wanted.end(), 1));
    using Entry = std::pair<double, std::uint32_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> frontier;
    const Edge& first = edges_[start.edge];
    found.distance[first.a] = start.t * first.ground_m;
    found.distance[first.b] = (1 - start.t) * first.ground_m;
    found.from[first.a] = first.a;
    found.from[first.b] = first.b;
    frontier.push({found.distance[first.a], first.a});
    frontier.push({found.distance[first.b], first.b});
    while (!frontier.empty() && waiting > 0) {
        const auto [d, node] = frontier.top();
        frontier.pop();
        if (d > found.distance[node]) continue;
        if (wanted[node] == 1) wanted[node] = 2, --waiting;
        for (std::uint32_t e : adjacency_[node]) {
            const Edge& edge = edges_[e];
            const std::uint32_t next = edge.a == node ? edge.b : edge.a;
            if (d + edge.ground_m < found.distance[next]) {
                found.distance[next] = d + edge.ground_m;
                found.from[next] = node;
                frontier.push({found.distance[next], next});
            }
        }
    }
    return found;
}

geo::Mercator RoadGraph::on_edge(const Snap& at) const {
    const Edge& edge = edges_[at.edge];
    const geo::Mercator a = points_[edge.a], b = points_[edge.b];
    return {a.x + (b.x - a.x) * at.t, a.y + (b.y - a.y) * at.t};
}

std::vector<LonLat> RoadGraph::route(LonLat from, LonLat to, double snap_m) const {
    if (empty()) return {};
    const Snap start = snap(geo::to_mercator(from), snap_m);
    const Snap end = snap(geo::to_mercator(to), snap_m);
    if (start.ground_m < 0 || end.ground_m < 0) return {};
    std::vector<LonLat> way{geo::from_mercator(on_edge(start))};
    const Edge& last = edges_[end.edge];
    std::vector<char> wanted(points_.size(), 0);
    wanted[last.a] = wanted[last.b] = 1;
    const Search found = search(start, std::move(wanted));
    // Into the end's edge from one of its two nodes, or along the one edge both lie on.
    const double via_a = found.distance[last.a] + end.t * last.ground_m;
    const double via_b = found.distance[last.b] + (1 - end.t) * last.ground_m;
    const double along = end.edge == start.edge ? std::abs(end.t - start.t) * last.ground_m
                                                : std::numeric_limits<double>::infinity();
    const double best = std::min({via_a, via_b, along});
    if (best == std::numeric_limits<double>::infinity()) return {};
    if (best != along) {
        std::vector<std::uint32_t> nodes;
        for (std::uint32_t node = via_a <= via_b ? last.a : last.b;; node = found.from[node]) {
            nodes.push_back(node);
            if (found.from[node] == node) break;
        }
        for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
            way.push_back(geo::from_mercator(points_[*it]));
    }
    way.push_back(geo::from_mercator(on_edge(end)));
    way.push_back(to);
    return way;
}

}  // namespace citywall
