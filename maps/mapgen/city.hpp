// The demo city as built in memory: a metric plane (metres east/north of the city centre) that
// the writers project to CGCS2000 lon/lat (vector layers) or Web Mercator (basemap).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "geos_util.hpp"

namespace citywall::mapgen {

// Local equirectangular frame around the city centre; over 40 km its distortion is far below
// anything visible, and an affine map keeps shared edges shared after projection.
struct LocalFrame {
    static constexpr double kLon0 = 114.175;
    static constexpr double kLat0 = 22.675;
    static constexpr double kMetresPerDegreeLat = 110574.0;
    static double metresPerDegreeLon();

    static Point toLonLat(Point metric);
    static Point toMercator(Point metric);
};

// One administrative or police area. `parent` indexes the next level up (district for a street,
// street for a community, community for a grid, station for a police beat).
struct Area {
    Geom shape;
    std::string code;
    std::string name;
    std::string nameEn;
    int parent = -1;
    Point centre;
};

struct Polyline {
    std::string name;
    std::string roadClass;  // "primary" / "secondary" for roads, empty for rivers
    std::vector<Point> points;
};

struct CityMap {
    std::string name;
    Geom outline;   // the drawn outline the grids were clipped to
    Geom boundary;  // union of all districts, so it matches the grid tiling exactly
    std::vector<Area> districts;
    std::vector<Area> streets;
    std::vector<Area> communities;
    std::vector<Area> grids;
    std::vector<Area> beats;
    std::vector<std::string> stations;
    std::vector<Polyline> rivers;
    std::vector<Polyline> roads;
    std::vector<Geom> parks;  // basemap only: green patches inside and around the city
};

CityMap buildCity(std::uint64_t seed);

}  // namespace citywall::mapgen
