// The simulator's units (tools/feedsim/unit_fleet.cpp): the nearest free unit of the department
// is sent, drives straight at its speed, stays on scene until the incident is over, patrols on
// between points, and reports each fix as the department's JSON.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <deque>
#include <numbers>
#include <string>

#include "unit_fleet.hpp"

namespace citywall::feedsim {
namespace {

constexpr double kMetresPerDegree = 111'320.0;
constexpr LonLat kBase{114.05, 22.55};

LonLat north_of(LonLat p, double metres) {
    return {p.lon, p.lat + metres / kMetresPerDegree};
}
LonLat east_of(LonLat p, double metres) {
    return {p.lon + metres / kMetresPerDegree / std::cos(p.lat * std::numbers::pi / 180), p.lat};
}
double metres_between(LonLat a, LonLat b) {
    const double east =
        (b.lon - a.lon) * kMetresPerDegree * std::cos(a.lat * std::numbers::pi / 180);
    return std::hypot(east, (b.lat - a.lat) * kMetresPerDegree);
}

// Patrol points handed out in order; the base once they run out.
class Places {
  public:
    void push(LonLat p) { queue_.push_back(p); }
    LonLat next() {
        if (queue_.empty()) return kBase;
        const LonLat p = queue_.front();
        queue_.pop_front();
        return p;
    }

  private:
    std::deque<LonLat> queue_;
};

rapidjson::Document fix_of(const UnitFleet& fleet, std::size_t k, TimeMs now = 1000) {
    rapidjson::Document doc;
    doc.Parse(fleet.fixes(now).at(k).second.c_str());
    EXPECT_FALSE(doc.HasParseError());
    return doc;
}

TEST(UnitFleet, TheNearestFreeUnitOfTheDepartmentIsSent) {
    Places places;
    UnitFleet fleet([&] { return places.next(); });
    EXPECT_TRUE(fleet.empty());
    EXPECT_FALSE(fleet.dispatch(0, "P-1", kBase));  // nobody to send
    for (double metres : {900.0, 300.0, 600.0}) {
        places.push(north_of(kBase, metres));  // where it is
        places.push(north_of(kBase, metres));  // where it patrols to
    }
    fleet.add(0, "far", "巡逻1", "police_car", 10);
    fleet.add(0, "near", "巡逻2", "police_car", 10);
    fleet.add(1, "other", "消防1", "fire_engine", 10);  // 600 m: another department's
    EXPECT_FALSE(fleet.empty());

    ASSERT_TRUE(fleet.dispatch(0, "P-1", north_of(kBase, 400)));
    auto near = fix_of(fleet, 1);
    EXPECT_STREQ(near["status"].GetString(), "en_route");
    EXPECT_STREQ(near["incident"].GetString(), "P-1");
    EXPECT_STREQ(fix_of(fleet, 2)["status"].GetString(), "available");
    // The next incident gets the other one, even though it is farther; then nobody is free.
    ASSERT_TRUE(fleet.dispatch(0, "P-2", kBase));
    EXPECT_STREQ(fix_of(fleet, 0)["incident"].GetString(), "P-2");
    EXPECT_FALSE(fleet.dispatch(0, "P-3", kBase));
    EXPECT_TRUE(fleet.dispatch(1, "F-1", kBase));
}

TEST(UnitFleet, ASentUnitDrivesStraightAtItsSpeedAndStaysOnScene) {
    Places places;
    places.push(kBase);
    places.push(kBase);
    UnitFleet fleet([&] { return places.next(); });
    fleet.add(0, "u", "", "ambulance", 10);  // 10 m/s
    const LonLat scene = east_of(kBase, 250);
    ASSERT_TRUE(fleet.dispatch(0, "M-1", scene));

    fleet.advance(10);  // 100 m of 250
    auto moving = fix_of(fleet, 0);
    const LonLat at{moving["lon"].GetDouble(), moving["lat"].GetDouble()};
    EXPECT_NEAR(metres_between(kBase, at), 100, 0.5);
    EXPECT_NEAR(metres_between(at, scene), 150, 0.5);
    EXPECT_NEAR(moving["heading"].GetDouble(), 90.0, 0.1);  // due east
    EXPECT_DOUBLE_EQ(moving["speed"].GetDouble(), 10.0);
    EXPECT_STREQ(moving["status"].GetString(), "en_route");

    fleet.advance(20);  // more than the rest of the way: it stops at the scene
    auto arrived = fix_of(fleet, 0);
    EXPECT_STREQ(arrived["status"].GetString(), "on_scene");
    EXPECT_DOUBLE_EQ(arrived["lon"].GetDouble(), scene.lon);
    EXPECT_DOUBLE_EQ(arrived["lat"].GetDouble(), scene.lat);
    EXPECT_DOUBLE_EQ(arrived["speed"].GetDouble(), 0.0);
    fleet.advance(60);
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "on_scene");
    EXPECT_DOUBLE_EQ(fix_of(fleet, 0)["lon"].GetDouble(), scene.lon);
}

TEST(UnitFleet, WhenTheIncidentIsOverItsUnitsPatrolOn) {
    Places places;
    places.push(kBase);
    places.push(kBase);
    UnitFleet fleet([&] { return places.next(); });
    fleet.add(0, "a", "", "patrol", 5);
    fleet.add(0, "b", "", "patrol", 5);
    ASSERT_TRUE(fleet.dispatch(0, "C-1", kBase));
    ASSERT_TRUE(fleet.dispatch(0, "C-2", kBase));
    fleet.advance(1);
    fleet.release(0, "C-9");  // no unit works it: nothing changes
    fleet.release(1, "C-1");  // another department's id
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "on_scene");
    places.push(north_of(kBase, 50));  // unit a's next patrol point
    fleet.release(0, "C-1");
    auto released = fix_of(fleet, 0);
    EXPECT_STREQ(released["status"].GetString(), "available");
    EXPECT_FALSE(released.HasMember("incident"));
    EXPECT_STREQ(fix_of(fleet, 1)["status"].GetString(), "on_scene");  // still on C-2
    fleet.advance(4);                                                  // 20 m north of 50
    auto patrolling = fix_of(fleet, 0);
    EXPECT_NEAR(patrolling["lat"].GetDouble(), north_of(kBase, 20).lat, 1e-7);
    EXPECT_NEAR(patrolling["heading"].GetDouble(), 0.0, 0.1);  // due north
    EXPECT_STREQ(patrolling["status"].GetString(), "available");
}

TEST(UnitFleet, AUnitTheCentreNamesDrivesToTheCaseAndPatrolsOnOnceItIsOver) {
    Places places;
    UnitFleet fleet([&] { return places.next(); });
    places.push(kBase);                  // where it starts
    places.push(north_of(kBase, 5000));  // its first patrol point
    fleet.add(0, "110-U1", "巡逻1", "police_car", 10);
    EXPECT_FALSE(fleet.send(1, "110-U1", "O-1", kBase)) << "another department's unit";
    EXPECT_FALSE(fleet.send(0, "110-U9", "O-1", kBase)) << "no such unit";
    const LonLat scene = east_of(kBase, 50);
    ASSERT_TRUE(fleet.send(0, "110-U1", "O-1", scene));
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "en_route");
    EXPECT_FALSE(fix_of(fleet, 0).HasMember("incident")) << "the case is the centre's, not its own";
    fleet.advance(10);
    const auto on_scene = fix_of(fleet, 0);
    EXPECT_STREQ(on_scene["status"].GetString(), "on_scene");
    EXPECT_NEAR(metres_between({on_scene["lon"].GetDouble(), on_scene["lat"].GetDouble()}, scene),
                0, 0.5);
    fleet.release_order("O-2");
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "on_scene") << "another order's end";
    fleet.release_order("O-1");
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "available");
}

TEST(UnitFleet, AFixIsTheDepartmentsJsonForTheUnit) {
    Places places;
    UnitFleet fleet([&] { return places.next(); });
    fleet.add(3, "沪A1234", "巡逻12", "police_car", 10);
    const auto fixes = fleet.fixes(1'795'000'000'000);
    ASSERT_EQ(fixes.size(), 1u);
    EXPECT_EQ(fixes[0].first, 3u);  // the department it goes out as
    auto fix = fix_of(fleet, 0, 1'795'000'000'000);
    EXPECT_STREQ(fix["type"].GetString(), "unit");
    EXPECT_STREQ(fix["id"].GetString(), "沪A1234");
    EXPECT_STREQ(fix["callsign"].GetString(), "巡逻12");
    EXPECT_STREQ(fix["kind"].GetString(), "police_car");
    EXPECT_STREQ(fix["status"].GetString(), "available");
    EXPECT_DOUBLE_EQ(fix["lon"].GetDouble(), kBase.lon);
    EXPECT_EQ(fix["time"].GetInt64(), 1'795'000'000'000);
    EXPECT_FALSE(fix.HasMember("heading"));  // not moved yet: unknown
    EXPECT_FALSE(fix.HasMember("incident"));
}

// With the city's roads a unit goes by way of each point of its route, at its speed, turning
// at the corner, and is on scene only at the end.
TEST(UnitFleet, AUnitSentAlongTheRoadsPassesEachPointOfItsRoute) {
    Places places;
    places.push(kBase);  // where it is
    places.push(kBase);  // its first patrol point: here
    const LonLat corner = east_of(kBase, 1000);
    const LonLat scene = north_of(corner, 500);
    std::vector<std::pair<LonLat, LonLat>> asked;
    UnitFleet fleet([&] { return places.next(); },
                    [&](LonLat from, LonLat to) {
                        asked.emplace_back(from, to);
                        return metres_between(to, scene) < 1 ? std::vector<LonLat>{corner, scene}
                                                             : std::vector<LonLat>{};
                    });
    fleet.add(0, "car-1", "巡逻1", "police_car", 10.0);
    ASSERT_TRUE(fleet.send(0, "car-1", "O-1", scene));
    ASSERT_FALSE(asked.empty());
    EXPECT_LT(metres_between(asked.back().second, scene), 1);
    fleet.advance(50);  // 500 m east
    EXPECT_NEAR(metres_between(fleet.units()[0].at, east_of(kBase, 500)), 0, 2);
    EXPECT_NEAR(fix_of(fleet, 0)["heading"].GetDouble(), 90, 1);
    // 990 m more: round the corner and 10 m short of the scene (straight, 1,118 m, it would be
    // there); heading north now.
    fleet.advance(99);
    EXPECT_NEAR(metres_between(fleet.units()[0].at, scene), 10, 2);
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "en_route");
    EXPECT_NEAR(fix_of(fleet, 0)["heading"].GetDouble(), 0, 1);
    fleet.advance(1);
    EXPECT_NEAR(metres_between(fleet.units()[0].at, scene), 0, 1);
    EXPECT_STREQ(fix_of(fleet, 0)["status"].GetString(), "on_scene");
    EXPECT_EQ(fix_of(fleet, 0)["speed"].GetDouble(), 0);
}

}  // namespace
}  // namespace citywall::feedsim
