// The units a duty leader sees beside an incident: those working it first, however far, then the
// nearest others, at most the number asked for; distances on the ground (haversine).
#include <gtest/gtest.h>

#include <numbers>
#include <string>
#include <vector>

#include "citywall/picture.hpp"
#include "citywall/wire.hpp"
#include "nearby_units.hpp"
#include "sample_incidents.hpp"
#include "unit_picture.hpp"

namespace citywall::viewer {
namespace {

constexpr double kMetresPerDegree = 6'371'008.8 * std::numbers::pi / 180;  // a meridian
constexpr LonLat kIncidentAt{114.05, 22.55};
constexpr std::uint64_t kIncident = 1000;

Unit unit(const std::string& id, double metres_north, std::uint64_t incident = 0) {
    Unit u = testing::sample_unit(1);
    u.id = id;
    u.location = {kIncidentAt.lon, kIncidentAt.lat + metres_north / kMetresPerDegree};
    u.incident = incident;
    return u;
}

CityPicture picture_with(std::vector<Unit> units) {
    CityPicture picture = testing::picture_with_units(std::move(units));
    EXPECT_TRUE(picture.has_snapshot());
    return picture;
}

std::vector<std::string> ids(const std::vector<NearUnit>& near) {
    std::vector<std::string> out;
    for (const NearUnit& n : near)
        out.push_back(n.unit->id + (n.assigned ? "*" : ""));
    return out;
}

TEST(GroundMetres, KnownDistancesOnTheSphere) {
    EXPECT_DOUBLE_EQ(ground_metres(kIncidentAt, kIncidentAt), 0.0);
    EXPECT_NEAR(ground_metres({114, 22}, {114, 23}), kMetresPerDegree, 1e-6);
    EXPECT_NEAR(ground_metres({0, 0}, {1, 0}), kMetresPerDegree, 1e-6);  // the equator
    // A degree of longitude shrinks with the cosine of the latitude.
    EXPECT_NEAR(ground_metres({10, 60}, {11, 60}), kMetresPerDegree * 0.5, 5.0);
    // Half way round, and across the antimeridian the short way.
    EXPECT_NEAR(ground_metres({0, 0}, {180, 0}), kMetresPerDegree * 180, 1e-3);
    EXPECT_NEAR(ground_metres({179.5, 0}, {-179.5, 0}), kMetresPerDegree, 1e-6);
    EXPECT_NEAR(ground_metres({0, 90}, {0, -90}), kMetresPerDegree * 180, 1e-3);
    const LonLat a{114.0521, 22.6013}, b{114.1033, 22.5431};
    EXPECT_DOUBLE_EQ(ground_metres(a, b), ground_metres(b, a));
}

TEST(NearestUnits, AssignedUnitsFirstThenTheNearestOthers) {
    const CityPicture picture = picture_with(
        {unit("far", 900), unit("near", 100), unit("on-it-far", 5000, kIncident),
         unit("middle", 400), unit("other-case", 50, 7), unit("on-it", 200, kIncident)});
    const auto near = nearest_units(picture, kIncident, kIncidentAt, 4);
    EXPECT_EQ(ids(near), (std::vector<std::string>{"on-it*", "on-it-far*", "other-case", "near"}));
    ASSERT_EQ(near.size(), 4u);
    EXPECT_NEAR(near[0].metres, 200, 0.01);
    EXPECT_NEAR(near[1].metres, 5000, 0.01);
    EXPECT_NEAR(near[2].metres, 50, 0.01);
    EXPECT_EQ(near[3].unit, &picture.units().at(unit_key(unit("near", 0))));
}

TEST(NearestUnits, EveryAssignedUnitIsShownWhateverTheCount) {
    const CityPicture picture = picture_with({unit("a", 300, kIncident), unit("b", 100, kIncident),
                                              unit("c", 200, kIncident), unit("free", 10)});
    EXPECT_EQ(ids(nearest_units(picture, kIncident, kIncidentAt, 2)),
              (std::vector<std::string>{"b*", "c*", "a*"}));
    EXPECT_EQ(ids(nearest_units(picture, kIncident, kIncidentAt, 0)),
              (std::vector<std::string>{"b*", "c*", "a*"}));
    // Another incident: none of them is working it.
    EXPECT_EQ(ids(nearest_units(picture, 1001, kIncidentAt, 2)),
              (std::vector<std::string>{"free", "b"}));
}

TEST(NearestUnits, FewerUnitsThanAskedForAreAllShownAndNoneIsNothing) {
    const CityPicture picture = picture_with({unit("x", 700), unit("y", 70)});
    EXPECT_EQ(ids(nearest_units(picture, kIncident, kIncidentAt, kNearUnits)),
              (std::vector<std::string>{"y", "x"}));
    EXPECT_TRUE(nearest_units(picture_with({}), kIncident, kIncidentAt, kNearUnits).empty());
    EXPECT_TRUE(nearest_units(picture, kIncident, kIncidentAt, 0).empty());
}

}  // namespace
}  // namespace citywall::viewer
