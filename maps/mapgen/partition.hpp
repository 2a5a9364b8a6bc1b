// Geometry of the partition: Voronoi cells for the leaves, graph region growing for every level
// above them, so each parent is an exact union of whole children.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "geos_util.hpp"
#include "random.hpp"

namespace citywall::mapgen {

// `count` points inside `outline`, accepted with probability density(p) (in [0, 1]).
std::vector<Point> scatterSeeds(int count, const std::vector<Point>& outline,
                                const std::function<double(Point)>& density, Random& rng);

// Voronoi cells of `seeds`, clipped to `clip`, returned in seed order.
std::vector<Geom> voronoiCells(const std::vector<Point>& seeds, const GEOSGeometry* clip);

// Lloyd relaxation: move each seed to its cell's centroid, `steps` times.
void relaxSeeds(std::vector<Point>& seeds, const GEOSGeometry* clip, int steps);

struct Neighbour {
    int index;
    double sharedLength;
};
using Adjacency = std::vector<std::vector<Neighbour>>;

// Cells that share an edge (not just a corner) are neighbours.
Adjacency sharedEdges(const std::vector<const GEOSGeometry*>& cells);

// Neighbour relation one level up, derived from the children's relation and their labels.
Adjacency coarsen(const Adjacency& children, const std::vector<int>& labels, int regions);

struct GrowthParams {
    int regions = 0;
    double noiseScale = 3000.0;    // metres per noise lattice cell: the wander of the borders
    double noiseAmount = 0.6;      // edge cost varies by +-this fraction
    double crossingPenalty = 1.0;  // edge cost factor for stepping across the river
    int relaxSteps = 3;            // rounds of moving seeds and re-weighting regions
    std::uint64_t seed = 0;
};

// Groups graph nodes into `regions` connected regions by multi-source Dijkstra from k-means
// seeds over noise-weighted edges; `crosses` says whether an edge crosses the river.
std::vector<int> growRegions(const std::vector<Point>& centres, const Adjacency& adjacency,
                             const GrowthParams& params,
                             const std::function<bool(Point, Point)>& crosses);

}  // namespace citywall::mapgen
