#include "citywall/geo.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace citywall::geo {

Bounds bounds_of(const MultiPolygon& shape) {
    Bounds b{INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (const auto& polygon : shape) {
        for (const auto& p : polygon.outer) {
            b.min_lon = std::min(b.min_lon, p.lon);
            b.max_lon = std::max(b.max_lon, p.lon);
            b.min_lat = std::min(b.min_lat, p.lat);
            b.max_lat = std::max(b.max_lat, p.lat);
        }
    }
    return b;
}

// Crossing number with half-open edges. Each edge is evaluated from its lower endpoint to its
// upper one, so two polygons that share an edge compute the very same crossing and exactly one
// of them claims a point on it: the one east of the edge (north, for an east-west edge).
bool contains(const Ring& ring, LonLat p) {
    bool inside = false;
    const std::size_t n = ring.size();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        LonLat a = ring[i], b = ring[j];
        if ((a.lat > p.lat) == (b.lat > p.lat)) continue;
        if (a.lat > b.lat) std::swap(a, b);
        // Sign of the cross product (b - a) x (p - a): positive means p is left of the upward
        // edge, i.e. the eastward ray from p crosses it.
        double cross = (b.lon - a.lon) * (p.lat - a.lat) - (p.lon - a.lon) * (b.lat - a.lat);
        if (cross > 0) inside = !inside;
    }
    return inside;
}

bool contains(const Polygon& polygon, LonLat p) {
    if (!contains(polygon.outer, p)) return false;
    for (const auto& hole : polygon.holes) {
        if (contains(hole, p)) return false;
    }
    return true;
}

bool contains(const MultiPolygon& shape, LonLat p) {
    for (const auto& polygon : shape) {
        if (contains(polygon, p)) return true;
    }
    return false;
}

std::uint32_t AreaIndex::add(MultiPolygon shape) {
    bounds_.push_back(bounds_of(shape));
    shapes_.push_back(std::move(shape));
    return static_cast<std::uint32_t>(shapes_.size() - 1);
}

// A uniform grid of buckets over the extent; each bucket lists the areas whose bounds touch it.
// About four areas per bucket keeps a lookup to a handful of exact tests.
void AreaIndex::build() {
    cells_.clear();
    cell_items_.clear();
    if (shapes_.empty()) {
        columns_ = rows_ = 0;
        return;
    }
    extent_ = bounds_.front();
    for (const auto& b : bounds_) {
        extent_.min_lon = std::min(extent_.min_lon, b.min_lon);
        extent_.min_lat = std::min(extent_.min_lat, b.min_lat);
        extent_.max_lon = std::max(extent_.max_lon, b.max_lon);
        extent_.max_lat = std::max(extent_.max_lat, b.max_lat);
    }
    int side = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(shapes_.size()))));
    columns_ = rows_ = side;
    std::vector<std::vector<std::uint32_t>> buckets(static_cast<std::size_t>(columns_ * rows_));
    for (std::uint32_t id = 0; id < shapes_.size(); ++id) {
        const auto& b = bounds_[id];
        int c0 = column_of(b.min_lon), c1 = column_of(b.max_lon);
        int r0 = row_of(b.min_lat), r1 = row_of(b.max_lat);
        for (int r = r0; r <= r1; ++r) {
            for (int c = c0; c <= c1; ++c)
                buckets[static_cast<std::size_t>(r * columns_ + c)].push_back(id);
        }
    }
    for (const auto& bucket : buckets) {
        Cell cell{static_cast<std::uint32_t>(cell_items_.size()), 0};
        cell_items_.insert(cell_items_.end(), bucket.begin(), bucket.end());
        cell.end = static_cast<std::uint32_t>(cell_items_.size());
        cells_.push_back(cell);
    }
}

int AreaIndex::column_of(double lon) const {
    double span = extent_.max_lon - extent_.min_lon;
    int c = span > 0 ? static_cast<int>((lon - extent_.min_lon) / span * columns_) : 0;
    return std::clamp(c, 0, columns_ - 1);
}

int AreaIndex::row_of(double lat) const {
    double span = extent_.max_lat - extent_.min_lat;
    int r = span > 0 ? static_cast<int>((lat - extent_.min_lat) / span * rows_) : 0;
    return std::clamp(r, 0, rows_ - 1);
}

std::optional<std::uint32_t> AreaIndex::locate(LonLat p) const {
    if (cells_.empty() || !extent_.contains(p)) return std::nullopt;
    const Cell& cell =
        cells_[static_cast<std::size_t>(row_of(p.lat) * columns_ + column_of(p.lon))];
    for (std::uint32_t k = cell.begin; k < cell.end; ++k) {
        std::uint32_t id = cell_items_[k];
        if (bounds_[id].contains(p) && contains(shapes_[id], p)) return id;
    }
    return std::nullopt;
}

namespace {
constexpr double kEarthRadius = 6378137.0;
constexpr double kMaxLat = 85.0511287798066;
}  // namespace

double AreaIndex::distance_m(LonLat p) const {
    // Metres per degree around p: an equirectangular plane, exact enough for "how far out".
    const double my = kEarthRadius * std::numbers::pi / 180.0;
    const double mx = my * std::cos(p.lat * std::numbers::pi / 180.0);
    const auto box_distance = [&](const Bounds& b) {
        const double dx = std::max({b.min_lon - p.lon, 0.0, p.lon - b.max_lon}) * mx;
        const double dy = std::max({b.min_lat - p.lat, 0.0, p.lat - b.max_lat}) * my;
        return std::hypot(dx, dy);
    };
    const auto segment_distance = [&](LonLat a, LonLat b) {
        const double ax = (a.lon - p.lon) * mx, ay = (a.lat - p.lat) * my;
        const double bx = (b.lon - p.lon) * mx, by = (b.lat - p.lat) * my;
        const double dx = bx - ax, dy = by - ay;
        const double length2 = dx * dx + dy * dy;
        const double t = length2 > 0 ? std::clamp(-(ax * dx + ay * dy) / length2, 0.0, 1.0) : 0.0;
        return std::hypot(ax + t * dx, ay + t * dy);
    };
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < shapes_.size(); ++k) {
        if (box_distance(bounds_[k]) >= best) continue;
        for (const Polygon& polygon : shapes_[k]) {
            const auto ring_distance = [&](const Ring& ring) {
                for (std::size_t i = 0; i + 1 < ring.size(); ++i)
                    best = std::min(best, segment_distance(ring[i], ring[i + 1]));
                if (ring.size() > 1) best = std::min(best, segment_distance(ring.back(), ring[0]));
            };
            ring_distance(polygon.outer);
            for (const Ring& hole : polygon.holes)
                ring_distance(hole);
        }
    }
    return best;
}

Mercator to_mercator(LonLat p) {
    double lat = std::clamp(p.lat, -kMaxLat, kMaxLat) * std::numbers::pi / 180.0;
    return {kEarthRadius * p.lon * std::numbers::pi / 180.0,
            kEarthRadius * std::log(std::tan(std::numbers::pi / 4.0 + lat / 2.0))};
}

LonLat from_mercator(Mercator m) {
    return {m.x / kEarthRadius * 180.0 / std::numbers::pi,
            (2.0 * std::atan(std::exp(m.y / kEarthRadius)) - std::numbers::pi / 2.0) * 180.0 /
                std::numbers::pi};
}

}  // namespace citywall::geo
