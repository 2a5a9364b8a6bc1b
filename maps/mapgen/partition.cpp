#include "partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "geography.hpp"

namespace citywall::mapgen {
namespace {

// Buckets points on a square lattice so a cell finds its own seed without a scan of all seeds.
class PointBuckets {
  public:
    PointBuckets(const std::vector<Point>& points, double size) : points_(points), size_(size) {
        for (size_t i = 0; i < points.size(); ++i)
            buckets_[key(points[i])].push_back(static_cast<int>(i));
    }

    template <typename Fn>
    void forEachIn(double minX, double minY, double maxX, double maxY, Fn fn) const {
        for (auto bx = cell(minX); bx <= cell(maxX); ++bx) {
            for (auto by = cell(minY); by <= cell(maxY); ++by) {
                auto it = buckets_.find(pack(bx, by));
                if (it == buckets_.end()) continue;
                for (int i : it->second) {
                    const Point& p = points_[static_cast<size_t>(i)];
                    if (p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY) fn(i);
                }
            }
        }
    }

  private:
    long long cell(double v) const { return static_cast<long long>(std::floor(v / size_)); }
    static long long pack(long long bx, long long by) { return bx * 1000003LL + by; }
    long long key(Point p) const { return pack(cell(p.x), cell(p.y)); }

    const std::vector<Point>& points_;
    double size_;
    std::unordered_map<long long, std::vector<int>> buckets_;
};

double distance(Point a, Point b) {
    return std::hypot(a.x - b.x, a.y - b.y);
}

}  // namespace

std::vector<Point> scatterSeeds(int count, const std::vector<Point>& outline,
                                const std::function<double(Point)>& density, Random& rng) {
    double minX = outline[0].x, maxX = minX, minY = outline[0].y, maxY = minY;
    for (const Point& p : outline) {
        minX = std::min(minX, p.x);
        maxX = std::max(maxX, p.x);
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    std::vector<Point> seeds;
    seeds.reserve(static_cast<size_t>(count));
    while (static_cast<int>(seeds.size()) < count) {
        const Point p{rng.range(minX, maxX), rng.range(minY, maxY)};
        const double accept = rng.uniform();
        if (accept < density(p) && insideRing(outline, p)) seeds.push_back(p);
    }
    return seeds;
}

std::vector<Geom> voronoiCells(const std::vector<Point>& seeds, const GEOSGeometry* clip) {
    // Node the Voronoi edges together with the outline once and polygonize: every crossing of a
    // cell border with the outline is computed a single time, so neighbours share it exactly.
    Geom sites = makeMultiPoint(seeds);
    Geom edges = own(GEOSVoronoiDiagram_r(geos(), sites.get(), clip, 0.0, 1), "voronoi");
    std::vector<Geom> linework;
    linework.push_back(std::move(edges));
    linework.push_back(own(GEOSBoundary_r(geos(), clip), "outline"));
    Geom bundle = makeCollection(GEOS_GEOMETRYCOLLECTION, std::move(linework));
    Geom noded = own(GEOSNode_r(geos(), bundle.get()), "node");
    const GEOSGeometry* nodedView = noded.get();
    Geom faces = own(GEOSPolygonize_r(geos(), &nodedView, 1), "polygonize");

    // A face belongs to the nearest seed (the Voronoi property); faces outside the clip are
    // dropped.
    const std::vector<Point> outline = exteriorRing(clip);
    const PointBuckets buckets(seeds, 1500.0);
    std::vector<std::vector<Geom>> pieces(seeds.size());
    for (const GEOSGeometry* face : parts(faces.get())) {
        Geom inner = own(GEOSPointOnSurface_r(geos(), face), "point on surface");
        Point p;
        GEOSGeomGetX_r(geos(), inner.get(), &p.x);
        GEOSGeomGetY_r(geos(), inner.get(), &p.y);
        if (!insideRing(outline, p)) continue;
        int owner = -1;
        double best = std::numeric_limits<double>::max();
        for (double reach = 1500.0; owner < 0; reach *= 2.0) {
            buckets.forEachIn(p.x - reach, p.y - reach, p.x + reach, p.y + reach, [&](int i) {
                const double d = distance(p, seeds[static_cast<size_t>(i)]);
                if (d < best) {
                    best = d;
                    owner = i;
                }
            });
        }
        // The nearest seed within a square may still lose to one just outside its corner.
        buckets.forEachIn(p.x - best, p.y - best, p.x + best, p.y + best, [&](int i) {
            const double d = distance(p, seeds[static_cast<size_t>(i)]);
            if (d < best) {
                best = d;
                owner = i;
            }
        });
        pieces[static_cast<size_t>(owner)].push_back(clone(face));
    }
    std::vector<Geom> cells;
    cells.reserve(seeds.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
        if (pieces[i].empty())
            throw std::runtime_error("voronoi: seed " + std::to_string(i) + " has no cell");
        if (pieces[i].size() == 1) {
            cells.push_back(std::move(pieces[i][0]));
        } else {
            cells.push_back(makeCollection(GEOS_MULTIPOLYGON, std::move(pieces[i])));
        }
    }
    return cells;
}

void relaxSeeds(std::vector<Point>& seeds, const GEOSGeometry* clip, int steps) {
    for (int step = 0; step < steps; ++step) {
        const std::vector<Geom> cells = voronoiCells(seeds, clip);
        for (size_t i = 0; i < seeds.size(); ++i)
            seeds[i] = centroid(cells[i].get());
    }
}

Adjacency sharedEdges(const std::vector<const GEOSGeometry*>& cells) {
    Adjacency adjacency(cells.size());
    GEOSSTRtree* tree = GEOSSTRtree_create_r(geos(), 10);
    std::vector<int> ids(cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
        ids[i] = static_cast<int>(i);
        GEOSSTRtree_insert_r(geos(), tree, cells[i], &ids[i]);
    }
    std::vector<Geom> outlines;
    outlines.reserve(cells.size());
    for (const GEOSGeometry* c : cells)
        outlines.push_back(own(GEOSBoundary_r(geos(), c), "boundary"));

    struct Query {
        std::vector<int> hits;
    } query;
    auto collect = [](void* item, void* userdata) {
        static_cast<Query*>(userdata)->hits.push_back(*static_cast<int*>(item));
    };
    for (size_t i = 0; i < cells.size(); ++i) {
        query.hits.clear();
        GEOSSTRtree_query_r(geos(), tree, cells[i], collect, &query);
        std::sort(query.hits.begin(), query.hits.end());
        for (int j : query.hits) {
            if (j <= static_cast<int>(i)) continue;
            Geom common = own(GEOSIntersection_r(geos(), outlines[i].get(),
                                                 outlines[static_cast<size_t>(j)].get()),
                              "shared edge");
            const double shared = length(common.get());
            if (shared < 1.0) continue;  // touching at a corner is not a border
            adjacency[i].push_back({j, shared});
            adjacency[static_cast<size_t>(j)].push_back({static_cast<int>(i), shared});
        }
    }
    GEOSSTRtree_destroy_r(geos(), tree);
    return adjacency;
}

Adjacency coarsen(const Adjacency& children, const std::vector<int>& labels, int regions) {
    std::vector<std::map<int, double>> borders(static_cast<size_t>(regions));
    for (size_t i = 0; i < children.size(); ++i) {
        for (const Neighbour& n : children[i]) {
            const int a = labels[i];
            const int b = labels[static_cast<size_t>(n.index)];
            if (a != b) borders[static_cast<size_t>(a)][b] += n.sharedLength;
        }
    }
    Adjacency out(static_cast<size_t>(regions));
    for (size_t r = 0; r < borders.size(); ++r) {
        for (const auto& [other, shared] : borders[r])
            out[r].push_back({other, shared});
    }
    return out;
}

std::vector<int> growRegions(const std::vector<Point>& centres, const Adjacency& adjacency,
                             const GrowthParams& params,
                             const std::function<bool(Point, Point)>& crosses) {
    const size_t n = centres.size();
    const auto k = static_cast<size_t>(params.regions);
    if (k == 0 || k > n) throw std::runtime_error("growRegions: bad region count");
    Random rng(params.seed);
    const ValueNoise noise(rng.next());

    // Edge costs are fixed per level: centre distance, wandering with noise, dearer over water.
    std::vector<std::vector<std::pair<int, double>>> edges(n);
    for (size_t i = 0; i < n; ++i) {
        for (const Neighbour& nb : adjacency[i]) {
            const Point a = centres[i];
            const Point b = centres[static_cast<size_t>(nb.index)];
            const double wander = noise.fbm((a.x + b.x) / 2 / params.noiseScale,
                                            (a.y + b.y) / 2 / params.noiseScale, 3);
            double cost = distance(a, b) * (1.0 + params.noiseAmount * (2.0 * wander - 1.0));
            if (params.crossingPenalty != 1.0 && crosses(a, b)) cost *= params.crossingPenalty;
            edges[i].push_back({nb.index, cost});
        }
    }

    // k-means++ seeding: spread the region seeds out, following the density of nodes.
    std::vector<int> seeds{rng.below(static_cast<int>(n))};
    std::vector<double> nearest(n, std::numeric_limits<double>::max());
    while (seeds.size() < k) {
        const Point last = centres[static_cast<size_t>(seeds.back())];
        double total = 0.0;
        for (size_t i = 0; i < n; ++i) {
            const double d = distance(centres[i], last);
            nearest[i] = std::min(nearest[i], d * d);
            total += nearest[i];
        }
        double pick = rng.uniform() * total;
        // Fallback for rounding at the end of the scan: the farthest node.
        size_t chosen =
            static_cast<size_t>(std::max_element(nearest.begin(), nearest.end()) - nearest.begin());
        for (size_t i = 0; i < n; ++i) {
            pick -= nearest[i];
            if (pick <= 0.0 && nearest[i] > 0.0) {
                chosen = i;
                break;
            }
        }
        seeds.push_back(static_cast<int>(chosen));
    }

    std::vector<int> labels(n, -1);
    // Per-region cost factors: a region that came out too big gets dearer to grow into next round
    // (a weighted Voronoi on the graph), which evens out the number of children per parent.
    std::vector<double> weight(k, 1.0);
    const double target = static_cast<double>(n) / static_cast<double>(k);
    for (int round = 0; round <= params.relaxSteps; ++round) {
        // Multi-source Dijkstra; a node inherits the label of the node that reached it, so every
        // region is a shortest-path tree and therefore connected.
        std::vector<double> dist(n, std::numeric_limits<double>::max());
        std::fill(labels.begin(), labels.end(), -1);
        using Item = std::pair<double, int>;
        std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
        for (size_t r = 0; r < k; ++r) {
            const auto s = static_cast<size_t>(seeds[r]);
            dist[s] = 0.0;
            labels[s] = static_cast<int>(r);
            queue.push({0.0, seeds[r]});
        }
        while (!queue.empty()) {
            const auto [d, node] = queue.top();
            queue.pop();
            if (d > dist[static_cast<size_t>(node)]) continue;
            const double factor = weight[static_cast<size_t>(labels[static_cast<size_t>(node)])];
            for (const auto& [next, cost] : edges[static_cast<size_t>(node)]) {
                const auto nx = static_cast<size_t>(next);
                if (d + cost * factor < dist[nx]) {
                    dist[nx] = d + cost * factor;
                    labels[nx] = labels[static_cast<size_t>(node)];
                    queue.push({dist[nx], next});
                }
            }
        }
        // An island the graph cannot reach (a boundary sliver) joins the nearest region seed.
        for (size_t i = 0; i < n; ++i) {
            if (labels[i] >= 0) continue;
            double best = std::numeric_limits<double>::max();
            for (size_t r = 0; r < k; ++r) {
                const double dd = distance(centres[i], centres[static_cast<size_t>(seeds[r])]);
                if (dd < best) {
                    best = dd;
                    labels[i] = static_cast<int>(r);
                }
            }
        }
        if (round == params.relaxSteps) break;

        // Lloyd step on the graph: the new seed is the member nearest the region's mean.
        std::vector<Point> mean(k);
        std::vector<int> members(k, 0);
        for (size_t i = 0; i < n; ++i) {
            const auto r = static_cast<size_t>(labels[i]);
            mean[r].x += centres[i].x;
            mean[r].y += centres[i].y;
            ++members[r];
        }
        std::vector<double> best(k, std::numeric_limits<double>::max());
        for (size_t i = 0; i < n; ++i) {
            const auto r = static_cast<size_t>(labels[i]);
            const Point m{mean[r].x / members[r], mean[r].y / members[r]};
            const double d = distance(centres[i], m);
            if (d < best[r]) {
                best[r] = d;
                seeds[r] = static_cast<int>(i);
            }
        }
        for (size_t r = 0; r < k; ++r) {
            weight[r] = std::clamp(weight[r] * std::sqrt(members[r] / target), 0.3, 3.0);
        }
    }
    return labels;
}

}  // namespace citywall::mapgen
