#include "city.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <numeric>

#include "geography.hpp"
#include "naming.hpp"
#include "partition.hpp"

namespace citywall::mapgen {
namespace {

constexpr double kDegree = std::numbers::pi / 180.0;

// Sizes of the hierarchy; real centres report e.g. 1,593 grids under 325 communities.
constexpr int kGridCount = 1700;
constexpr int kCommunityCount = 300;
constexpr int kStreetCount = 60;
constexpr int kDistrictCount = 12;
constexpr int kBeatCount = 170;
constexpr int kStationCount = 20;

// The old town sits just north of the river; grids and beats are densest there.
constexpr Point kCore{0.0, 1500.0};

double distance(Point a, Point b) {
    return std::hypot(a.x - b.x, a.y - b.y);
}

std::string zeroPadded(int value, int width) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%0*d", width, value);
    return buffer;
}

// Signed distance north of the main river, measured along the meridian.
double riverOffset(const std::vector<Point>& river, Point p) {
    const auto nearest = std::min_element(river.begin(), river.end(), [&](Point a, Point b) {
        return std::abs(a.x - p.x) < std::abs(b.x - p.x);
    });
    return p.y - nearest->y;
}

// One level of the hierarchy before ordering: shapes, centres and the label of each child.
struct Level {
    std::vector<Geom> shapes;
    std::vector<Point> centres;
};

Level unite(const std::vector<const GEOSGeometry*>& children, const std::vector<int>& labels,
            int regions) {
    std::vector<std::vector<const GEOSGeometry*>> members(static_cast<size_t>(regions));
    for (size_t i = 0; i < children.size(); ++i) {
        members[static_cast<size_t>(labels[i])].push_back(children[i]);
    }
    Level level;
    for (const auto& group : members) {
        level.shapes.push_back(unionAll(group));
        level.centres.push_back(centroid(level.shapes.back().get()));
    }
    return level;
}

std::vector<const GEOSGeometry*> views(const std::vector<Geom>& shapes) {
    std::vector<const GEOSGeometry*> out;
    for (const Geom& g : shapes)
        out.push_back(g.get());
    return out;
}

// Code order: by parent first, then outward from the parent's centre (its hub gets 001).
std::vector<int> codeOrder(const std::vector<int>& parentRank, const std::vector<Point>& centres,
                           const std::vector<Point>& parentCentres) {
    std::vector<int> order(centres.size());
    std::iota(order.begin(), order.end(), 0);
    auto key = [&](int i) {
        const auto u = static_cast<size_t>(i);
        const int parent = parentRank[u];
        return std::make_pair(parent,
                              distance(centres[u], parentCentres[static_cast<size_t>(parent)]));
    };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key(a) < key(b); });
    return order;
}

std::vector<int> inverse(const std::vector<int>& order) {
    std::vector<int> rank(order.size());
    for (size_t i = 0; i < order.size(); ++i)
        rank[static_cast<size_t>(order[i])] = static_cast<int>(i);
    return rank;
}

// Moves shapes into Areas in code order, giving each the code parentCode + serial.
std::vector<Area> makeAreas(std::vector<Geom>& shapes, const std::vector<Point>& centres,
                            const std::vector<int>& order, const std::vector<int>& parentRankOfOld,
                            const std::vector<std::string>& parentCodes, int serialWidth) {
    std::vector<Area> areas;
    int serial = 0;
    int lastParent = -1;
    for (int old : order) {
        const auto u = static_cast<size_t>(old);
        Area a;
        a.parent = parentRankOfOld[u];
        serial = a.parent == lastParent ? serial + 1 : 1;
        lastParent = a.parent;
        a.code = parentCodes[static_cast<size_t>(a.parent)] + zeroPadded(serial, serialWidth);
        a.shape = std::move(shapes[u]);
        a.centre = centres[u];
        areas.push_back(std::move(a));
    }
    return areas;
}

std::vector<std::string> codesOf(const std::vector<Area>& areas) {
    std::vector<std::string> codes;
    for (const Area& a : areas)
        codes.push_back(a.code);
    return codes;
}

}  // namespace

double LocalFrame::metresPerDegreeLon() {
    return 111320.0 * std::cos(kLat0 * kDegree);
}

Point LocalFrame::toLonLat(Point metric) {
    return {kLon0 + metric.x / metresPerDegreeLon(), kLat0 + metric.y / kMetresPerDegreeLat};
}

Point LocalFrame::toMercator(Point metric) {
    constexpr double kEarthRadius = 6378137.0;  // EPSG:3857 sphere
    const Point ll = toLonLat(metric);
    return {kEarthRadius * ll.x * kDegree,
            kEarthRadius * std::log(std::tan(std::numbers::pi / 4 + ll.y * kDegree / 2))};
}

CityMap buildCity(std::uint64_t seed) {
    const Random root(seed);
    CityMap city;
    city.name = "示范市";

    const std::vector<Point> outlineRing = cityOutline(root.fork(1));
    city.outline = makePolygon(outlineRing);
    city.rivers = cityRivers(root.fork(2));
    city.roads = cityRoads(root.fork(3), city.outline.get(), city.rivers[0]);
    {
        Geom wide = buffer(makeLine(city.rivers[0].points).get(), 250.0);
        Geom narrow = buffer(makeLine(city.rivers[1].points).get(), 120.0);
        Geom water = own(GEOSUnion_r(geos(), wide.get(), narrow.get()), "water");
        city.parks = cityParks(root.fork(4), outlineRing, water.get());
    }

    const Geom river = makeLine(city.rivers[0].points);
    const GEOSPreparedGeometry* preparedRiver = GEOSPrepare_r(geos(), river.get());
    auto crossesRiver = [&](Point a, Point b) {
        const Geom step = makeLine({a, b});
        return GEOSPreparedIntersects_r(geos(), preparedRiver, step.get()) == 1;
    };

    // Basic grids: Voronoi cells of seeds that thin out from the core to the rural rim.
    Random seedRng = root.fork(5);
    std::vector<Point> gridSeeds = scatterSeeds(
        kGridCount, outlineRing,
        [](Point p) { return 0.2 + 0.8 * std::exp(-std::pow(distance(p, kCore) / 9000.0, 2)); },
        seedRng);
    relaxSeeds(gridSeeds, city.outline.get(), 2);
    std::vector<Geom> gridShapes = voronoiCells(gridSeeds, city.outline.get());
    std::vector<Point> gridCentres;
    for (const Geom& g : gridShapes)
        gridCentres.push_back(centroid(g.get()));
    const Adjacency gridAdjacency = sharedEdges(views(gridShapes));

    // Each level up is grown over the level below, so nesting is exact by construction.
    const std::vector<int> communityOf =
        growRegions(gridCentres, gridAdjacency,
                    {kCommunityCount, 1200.0, 0.6, 1.5, 10, root.fork(6).next()}, crossesRiver);
    Level communities = unite(views(gridShapes), communityOf, kCommunityCount);
    const Adjacency communityAdjacency = coarsen(gridAdjacency, communityOf, kCommunityCount);

    const std::vector<int> streetOf =
        growRegions(communities.centres, communityAdjacency,
                    {kStreetCount, 3000.0, 0.6, 4.0, 10, root.fork(7).next()}, crossesRiver);
    Level streets = unite(views(communities.shapes), streetOf, kStreetCount);
    const Adjacency streetAdjacency = coarsen(communityAdjacency, streetOf, kStreetCount);

    const std::vector<int> districtOf =
        growRegions(streets.centres, streetAdjacency,
                    {kDistrictCount, 6000.0, 0.5, 8.0, 10, root.fork(8).next()}, crossesRiver);
    Level districts = unite(views(streets.shapes), districtOf, kDistrictCount);
    city.boundary = unionAll(views(districts.shapes));

    // Codes top-down: districts outward from the core, children outward from their parent.
    std::vector<int> districtOrder(kDistrictCount);
    std::iota(districtOrder.begin(), districtOrder.end(), 0);
    std::stable_sort(districtOrder.begin(), districtOrder.end(), [&](int a, int b) {
        return distance(districts.centres[static_cast<size_t>(a)], kCore) <
               distance(districts.centres[static_cast<size_t>(b)], kCore);
    });
    const std::vector<int> districtRank = inverse(districtOrder);
    for (size_t rank = 0; rank < districtOrder.size(); ++rank) {
        const auto old = static_cast<size_t>(districtOrder[rank]);
        Area a;
        a.code = "4499" + zeroPadded(static_cast<int>(rank) + 1, 2);
        a.shape = std::move(districts.shapes[old]);
        a.centre = districts.centres[old];
        city.districts.push_back(std::move(a));
    }
    std::vector<Point> districtCentres;
    for (const Area& a : city.districts)
        districtCentres.push_back(a.centre);

    // Labels map a child to its (unordered) parent: districtOf[street], streetOf[community], ...
    std::vector<int> streetParent(districtOf.size());
    for (size_t i = 0; i < districtOf.size(); ++i)
        streetParent[i] = districtRank[static_cast<size_t>(districtOf[i])];
    const std::vector<int> streetOrder = codeOrder(streetParent, streets.centres, districtCentres);
    city.streets = makeAreas(streets.shapes, streets.centres, streetOrder, streetParent,
                             codesOf(city.districts), 3);
    const std::vector<int> streetRank = inverse(streetOrder);
    std::vector<Point> streetCentres;
    for (const Area& a : city.streets)
        streetCentres.push_back(a.centre);

    std::vector<int> communityParent(streetOf.size());
    for (size_t i = 0; i < streetOf.size(); ++i)
        communityParent[i] = streetRank[static_cast<size_t>(streetOf[i])];
    const std::vector<int> communityOrder =
        codeOrder(communityParent, communities.centres, streetCentres);
    city.communities = makeAreas(communities.shapes, communities.centres, communityOrder,
                                 communityParent, codesOf(city.streets), 3);
    const std::vector<int> communityRank = inverse(communityOrder);
    std::vector<Point> communityCentres;
    for (const Area& a : city.communities)
        communityCentres.push_back(a.centre);

    std::vector<int> gridParent(gridShapes.size());
    for (size_t i = 0; i < gridShapes.size(); ++i)
        gridParent[i] = communityRank[static_cast<size_t>(communityOf[i])];
    const std::vector<int> gridOrder = codeOrder(gridParent, gridCentres, communityCentres);
    city.grids =
        makeAreas(gridShapes, gridCentres, gridOrder, gridParent, codesOf(city.communities), 3);

    // Names, in code order so the most central places pick first.
    Namer namer(root.fork(9));
    for (Area& d : city.districts) {
        const DistrictName n =
            namer.district({d.centre, riverOffset(city.rivers[0].points, d.centre)});
        d.name = n.name;
        d.nameEn = n.nameEn;
    }
    for (Area& s : city.streets)
        s.name = namer.street(intersects(s.shape.get(), river.get()));
    for (Area& c : city.communities)
        c.name = namer.community();
    int gridSerial = 0;
    for (size_t i = 0; i < city.grids.size(); ++i) {
        Area& g = city.grids[i];
        gridSerial = (i > 0 && city.grids[i - 1].parent == g.parent) ? gridSerial + 1 : 1;
        g.name = city.communities[static_cast<size_t>(g.parent)].name + "第" +
                 std::to_string(gridSerial) + "网格";
    }

    // Police beats: an independent Voronoi, so beat borders cut across grid borders.
    Random beatRng = root.fork(10);
    std::vector<Point> beatSeeds = scatterSeeds(
        kBeatCount, outlineRing,
        [](Point p) { return 0.3 + 0.7 * std::exp(-std::pow(distance(p, kCore) / 11000.0, 2)); },
        beatRng);
    relaxSeeds(beatSeeds, city.outline.get(), 2);
    std::vector<Geom> beatShapes = voronoiCells(beatSeeds, city.outline.get());
    std::vector<Point> beatCentres;
    for (const Geom& g : beatShapes)
        beatCentres.push_back(centroid(g.get()));
    const std::vector<int> stationOf =
        growRegions(beatCentres, sharedEdges(views(beatShapes)),
                    {kStationCount, 5000.0, 0.5, 3.0, 10, root.fork(11).next()}, crossesRiver);
    GEOSPreparedGeom_destroy_r(geos(), preparedRiver);

    std::vector<Point> stationCentres(kStationCount);
    std::vector<int> stationSize(kStationCount, 0);
    for (size_t i = 0; i < stationOf.size(); ++i) {
        const auto s = static_cast<size_t>(stationOf[i]);
        stationCentres[s].x += beatCentres[i].x;
        stationCentres[s].y += beatCentres[i].y;
        ++stationSize[s];
    }
    for (size_t s = 0; s < stationCentres.size(); ++s) {
        stationCentres[s] = {stationCentres[s].x / stationSize[s],
                             stationCentres[s].y / stationSize[s]};
    }
    std::vector<int> stationOrder(kStationCount);
    std::iota(stationOrder.begin(), stationOrder.end(), 0);
    std::stable_sort(stationOrder.begin(), stationOrder.end(), [&](int a, int b) {
        return distance(stationCentres[static_cast<size_t>(a)], kCore) <
               distance(stationCentres[static_cast<size_t>(b)], kCore);
    });
    const std::vector<int> stationRank = inverse(stationOrder);
    std::vector<Point> rankedStationCentres;
    for (int old : stationOrder) {
        const Point c = stationCentres[static_cast<size_t>(old)];
        rankedStationCentres.push_back(c);
        // The station takes the name of the street whose centre is nearest to its own.
        size_t street = 0;
        double best = 1e300;
        for (size_t i = 0; i < city.streets.size(); ++i) {
            const double d = distance(city.streets[i].centre, c);
            if (d < best) {
                best = d;
                street = i;
            }
        }
        city.stations.push_back(namer.station(city.streets[street].name, {c, 0.0}));
    }
    std::vector<int> beatParent(stationOf.size());
    for (size_t i = 0; i < stationOf.size(); ++i)
        beatParent[i] = stationRank[static_cast<size_t>(stationOf[i])];
    const std::vector<int> beatOrder = codeOrder(beatParent, beatCentres, rankedStationCentres);
    std::vector<std::string> noCodes(kStationCount, "");
    city.beats = makeAreas(beatShapes, beatCentres, beatOrder, beatParent, noCodes, 0);
    int beatSerial = 0;
    for (size_t i = 0; i < city.beats.size(); ++i) {
        Area& b = city.beats[i];
        beatSerial = (i > 0 && city.beats[i - 1].parent == b.parent) ? beatSerial + 1 : 1;
        b.code = "PB" + zeroPadded(static_cast<int>(i) + 1, 4);
        b.name = city.stations[static_cast<size_t>(b.parent)] + "第" + std::to_string(beatSerial) +
                 "警格";
    }
    return city;
}

}  // namespace citywall::mapgen
