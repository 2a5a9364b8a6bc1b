// Whom the console proposes to send (viewer/src/road_graph.*, unit_proposals.*): the shortest
// way along the road layer, roads joined where they share a vertex or wherever they cross as
// the layer is told, a unit off the roads or cut off from them measured by straight line and
// said so; free units only, quickest first, and what each place rests on.
#include <gtest/gtest.h>

#include <numbers>
#include <string>
#include <vector>

#include "citywall/geo.hpp"
#include "citywall/picture.hpp"
#include "citywall/road_graph.hpp"
#include "citywall/wire.hpp"
#include "console.hpp"
#include "nearby_units.hpp"
#include "sample_incidents.hpp"
#include "unit_layer.hpp"
#include "unit_picture.hpp"
#include "unit_proposals.hpp"

namespace citywall::viewer {
namespace {

// A town at 22.55° N, in metres east and north of its centre (small enough to be flat).
constexpr LonLat kCentre{114.05, 22.55};
constexpr double kMetresPerDegree = 6'371'008.8 * std::numbers::pi / 180;

LonLat at(double east, double north) {
    return {
        kCentre.lon + east / (kMetresPerDegree * std::cos(kCentre.lat * std::numbers::pi / 180)),
        kCentre.lat + north / kMetresPerDegree};
}

geo::Mercator mercator(double east, double north) {
    return geo::to_mercator(at(east, north));
}

RoadGraph::Piece road(double e0, double n0, double e1, double n1) {
    return {mercator(e0, n0), mercator(e1, n1)};
}

TEST(RoadGraph, CrossingLinesJoinWhereTheyCrossWhenTheLayerIsToldSo) {
    // A plus sign of two 2 km roads that share no vertex, and a road east of it on its own.
    const std::vector<RoadGraph::Piece> plus = {road(-1000, 0, 1000, 0), road(0, -1000, 0, 1000),
                                                road(3000, -500, 3000, 500)};
    const RoadGraph crossing = RoadGraph::build(plus, RoadJunctions::crossings);
    EXPECT_EQ(crossing.edges(), 5u);  // each line cut in two where they cross, and the third
    // From the east end to the north end: 1 km west to the crossing, 1 km north.
    const std::vector<LonLat> to = {at(0, 1000), at(3000, 0), at(500, 30)};
    const auto ways = crossing.ways(at(1000, 0), to, 400);
    ASSERT_TRUE(ways[0].reached);
    EXPECT_NEAR(ways[0].road_m, 2000, 2);
    EXPECT_NEAR(ways[0].off_road_m, 0, 0.5);
    EXPECT_FALSE(ways[1].reached) << "no road joins the road on its own";
    EXPECT_NEAR(ways[1].off_road_m, 0, 0.5) << "it is on a road, only not a joined one";
    // 30 m north of the east road, half way along: 500 m by road and 30 m to reach it.
    ASSERT_TRUE(ways[2].reached);
    EXPECT_NEAR(ways[2].road_m, 500, 2);
    EXPECT_NEAR(ways[2].off_road_m, 30, 1);

    // The same lines as a routing network: crossing without a shared vertex is a bridge.
    const RoadGraph bridged = RoadGraph::build(plus, RoadJunctions::shared_vertices);
    EXPECT_EQ(bridged.edges(), 3u);
    EXPECT_FALSE(bridged.ways(at(1000, 0), to, 400)[0].reached);
}

TEST(RoadGraph, SharedVerticesJoinAndTheShortestWayIsTaken) {
    // A square block 1 km a side with one diagonal street, drawn as separate lines meeting at
    // their corners.
    const std::vector<RoadGraph::Piece> block = {road(0, 0, 1000, 0), road(1000, 0, 1000, 1000),
                                                 road(1000, 1000, 0, 1000), road(0, 1000, 0, 0),
                                                 road(0, 0, 1000, 1000)};
    const RoadGraph graph = RoadGraph::build(block, RoadJunctions::shared_vertices);
    EXPECT_EQ(graph.nodes(), 4u);
    const std::vector<LonLat> to = {at(1000, 1000), at(1000, 500), at(5000, 5000)};
    const auto ways = graph.ways(at(0, 0), to, 400);
    ASSERT_TRUE(ways[0].reached);
    EXPECT_NEAR(ways[0].road_m, 1000 * std::numbers::sqrt2, 3) << "the diagonal, not the sides";
    EXPECT_NEAR(ways[1].road_m, 1000 + 500, 3) << "along the bottom and half way up the east";
    EXPECT_FALSE(ways[2].reached);
    EXPECT_LT(ways[2].off_road_m, 0) << "nothing within reach of it";
    // From off the roads altogether: nothing is reached.
    for (const auto& way : graph.ways(at(-3000, -3000), to, 400))
        EXPECT_FALSE(way.reached);
    EXPECT_TRUE(RoadGraph{}.ways(at(0, 0), to, 400).size() == 3);
}

// Metres east and north of the town's centre, as a test reads a route.
std::pair<double, double> metres(LonLat p) {
    return {
        (p.lon - kCentre.lon) * kMetresPerDegree * std::cos(kCentre.lat * std::numbers::pi / 180),
        (p.lat - kCentre.lat) * kMetresPerDegree};
}

TEST(RoadGraph, ARouteGoesOnToTheRoadAlongItsJunctionsAndOffAtTheEnd) {
    const std::vector<RoadGraph::Piece> block = {road(0, 0, 1000, 0), road(1000, 0, 1000, 1000),
                                                 road(1000, 1000, 0, 1000), road(0, 1000, 0, 0)};
    const RoadGraph graph = RoadGraph::build(block, RoadJunctions::shared_vertices);
    // From 20 m south of the bottom road near its west end to 30 m east of the east road half
    // way up: on at (100, 0), east to the corner, north to (1000, 500), off to the point.
    const auto way = graph.route(at(100, -20), at(1030, 500), 400);
    ASSERT_EQ(way.size(), 4u);
    const std::vector<std::pair<double, double>> expected = {
        {100, 0}, {1000, 0}, {1000, 500}, {1030, 500}};
    for (std::size_t k = 0; k < way.size(); ++k) {
        EXPECT_NEAR(metres(way[k]).first, expected[k].first, 1) << k;
        EXPECT_NEAR(metres(way[k]).second, expected[k].second, 1) << k;
    }
    // Both on one stretch: along it only.
    const auto short_way = graph.route(at(100, 10), at(600, 10), 400);
    ASSERT_EQ(short_way.size(), 3u);
    EXPECT_NEAR(metres(short_way[1]).first, 600, 1);
    // Off the roads, or on a road no road joins: no route.
    EXPECT_TRUE(graph.route(at(5000, 5000), at(0, 0), 400).empty());
    const RoadGraph apart = RoadGraph::build(
        std::vector<RoadGraph::Piece>{road(0, 0, 1000, 0), road(0, 2000, 1000, 2000)},
        RoadJunctions::shared_vertices);
    EXPECT_TRUE(apart.route(at(100, 0), at(100, 2000), 400).empty());
    EXPECT_TRUE(RoadGraph{}.route(at(0, 0), at(1, 1), 400).empty());
}

CityPicture picture_with(std::vector<Unit> units) {
    CityPicture picture = testing::picture_with_units(std::move(units));
    EXPECT_TRUE(picture.has_snapshot());
    return picture;
}

constexpr TimeMs kNow = 1795000100000;

Unit unit(const std::string& id, LonLat where, UnitStatus status = UnitStatus::available) {
    Unit u = testing::sample_unit(1);
    u.id = id;
    u.callsign.clear();
    u.kind = UnitKind::police_car;
    u.status = status;
    u.location = where;
    u.incident = 0;
    u.reported = kNow - 5000;
    u.drill = false;
    return u;
}

std::vector<std::string> ids(const std::vector<UnitProposal>& proposals) {
    std::vector<std::string> out;
    for (const UnitProposal& p : proposals)
        out.push_back(p.unit.id);
    return out;
}

TEST(UnitProposals, QuickestByRoadFirstThoughAnotherIsNearerInAStraightLine) {
    // A river along north = 500 with one bridge at east = 3000: the incident is north of it,
    // "near" is 700 m away across the water, "far" 1.5 km away on the same bank.
    const std::vector<RoadGraph::Piece> roads = {
        road(-1000, 1000, 4000, 1000),  // north bank
        road(-1000, 0, 4000, 0),        // south bank
        road(3000, 0, 3000, 1000),      // the bridge
    };
    const RoadGraph graph = RoadGraph::build(roads, RoadJunctions::crossings);
    Incident incident = testing::sample_incident(1);
    incident.location = at(0, 1000);
    incident.drill = false;
    const CityPicture picture = picture_with({
        unit("near", at(0, 300)),  // 700 m across the water; 7.3 km by road over the bridge
        unit("far", at(1500, 1000)),
        unit("busy", at(10, 1000), UnitStatus::en_route),
        unit("broken", at(20, 1000), UnitStatus::out_of_service),
        unit("cleared", at(2500, 1000), UnitStatus::cleared),
    });
    const auto by_road = propose_units(picture, incident, &graph, kNow, 5);
    EXPECT_EQ(ids(by_road), (std::vector<std::string>{"far", "cleared", "near"}));
    EXPECT_EQ(by_road[0].basis, ProposalBasis::road);
    EXPECT_NEAR(by_road[0].metres, 1500, 3);
    EXPECT_NEAR(by_road[0].eta_s, 1500 / (40 / 3.6), 1);
    EXPECT_EQ(by_road[2].basis, ProposalBasis::road);
    EXPECT_NEAR(by_road[2].metres, 3000 + 1000 + 3000 + 300, 5) << "over the bridge and back";

    // Without the road layer the one across the water comes first, by straight line ×1.3.
    const auto straight = propose_units(picture, incident, nullptr, kNow, 5);
    EXPECT_EQ(ids(straight), (std::vector<std::string>{"near", "far", "cleared"}));
    EXPECT_EQ(straight[0].basis, ProposalBasis::no_roads);
    EXPECT_NEAR(straight[0].metres, 700 * kDetour, 2);
    EXPECT_NE(proposal_reason(straight[0], straight[0]).find("no road layer"), std::string::npos);
    EXPECT_NE(proposal_reason(by_road[1], by_road[0]).find("after the first"), std::string::npos);
    EXPECT_EQ(propose_units(picture, incident, &graph, kNow, 1).size(), 1u);
}

TEST(UnitProposals, OffTheRoadsIsAStraightLineAndSaysSo) {
    const std::vector<RoadGraph::Piece> roads = {road(-1000, 0, 1000, 0)};
    const RoadGraph graph = RoadGraph::build(roads, RoadJunctions::crossings);
    Incident incident = testing::sample_incident(1);
    incident.location = at(0, 0);
    incident.drill = false;
    Unit walker = unit("walker", at(0, 2000));
    walker.kind = UnitKind::grid_worker;
    const CityPicture picture = picture_with({walker});
    const auto proposals = propose_units(picture, incident, &graph, kNow, 5);
    ASSERT_EQ(proposals.size(), 1u);
    EXPECT_EQ(proposals[0].basis, ProposalBasis::off_road);
    EXPECT_NEAR(proposals[0].eta_s, 2000 * kDetour / (12 / 3.6), 2) << "a grid worker's pace";
    EXPECT_NE(proposal_reason(proposals[0], proposals[0]).find("off the roads"), std::string::npos);
}

TEST(UnitProposals, OnlyFreeUnitsHeardFromLatelyOfTheSameDrillOrReality) {
    Incident incident = testing::sample_incident(1);
    incident.location = at(0, 0);
    incident.drill = false;
    Unit old = unit("old", at(0, 100));
    old.reported = kNow - kUnitStaleMs - 1;
    Unit drill = unit("drill", at(0, 100));
    drill.drill = true;
    std::vector<Unit> units = {old, drill, unit("returning", at(0, 300), UnitStatus::returning)};
    for (int s = 0; s < kUnitStatusCount; ++s)
        units.push_back(unit("s" + std::to_string(s), at(0, 200 + s), static_cast<UnitStatus>(s)));
    const CityPicture picture = picture_with(units);
    EXPECT_EQ(ids(propose_units(picture, incident, nullptr, kNow, 10)),
              (std::vector<std::string>{"s0", "s4", "s7", "returning"}));
    incident.drill = true;
    EXPECT_EQ(ids(propose_units(picture, incident, nullptr, kNow, 10)),
              std::vector<std::string>{"drill"});
}

TEST(UnitProposals, ChoosingBelowTheFirstAsksWhyAndTheNoteNamesTheOnePassedOver) {
    Incident incident = testing::sample_incident(1);
    incident.location = at(0, 0);
    incident.drill = false;
    const CityPicture picture = picture_with({unit("A1", at(0, 100)), unit("B2", at(0, 900))});
    const auto proposals = propose_units(picture, incident, nullptr, kNow, 5);
    ASSERT_EQ(ids(proposals), (std::vector<std::string>{"A1", "B2"}));

    Console console(WallRole::leader, "w");
    console.choose(incident.id, CaseAction::order);
    choose_proposal(proposals, 0, console.form());
    EXPECT_EQ(console.form().unit, "A1");
    EXPECT_EQ(console.form().department, "110");
    EXPECT_TRUE(console.missing().empty()) << "the first needs no why";

    choose_proposal(proposals, 1, console.form());
    EXPECT_EQ(console.form().unit, "B2");
    EXPECT_NE(console.missing().find("why not A1"), std::string::npos) << console.missing();
    console.form().note = "A1 is a patrol car with no ladder";
    const auto command = console.take_command();
    ASSERT_TRUE(command);
    EXPECT_EQ(command->unit, "B2");
    EXPECT_EQ(command->department, "110");
    EXPECT_EQ(command->note.rfind("chosen instead of the proposed A1 (110), ", 0), 0u)
        << command->note;
    EXPECT_NE(command->note.find(": A1 is a patrol car with no ladder"), std::string::npos);
}

TEST(UnitProposals, AUnitChosenOnTheMapIsAProposalOrPassesOverTheFirst) {
    Incident incident = testing::sample_incident(1);
    incident.location = at(0, 0);
    incident.drill = false;
    const Unit far = unit("C3", at(0, 5000));
    const CityPicture picture = picture_with({unit("A1", at(0, 100)), unit("B2", at(0, 900)), far});
    const auto proposals = propose_units(picture, incident, nullptr, kNow, 2);
    ASSERT_EQ(ids(proposals), (std::vector<std::string>{"A1", "B2"}));

    Console console(WallRole::leader, "w");
    console.choose(incident.id, CaseAction::order);
    choose_unit(proposals, proposals[0].unit, console.form());
    EXPECT_EQ(console.form().unit, "A1");
    EXPECT_TRUE(console.form().passed_over.empty());

    choose_unit(proposals, proposals[1].unit, console.form());
    EXPECT_EQ(console.form().unit, "B2");
    EXPECT_EQ(console.form().passed_over.rfind("A1 (110), ", 0), 0u) << console.form().passed_over;

    // Not among the proposals (the list is short): the first is passed over all the same.
    choose_unit(proposals, far, console.form());
    EXPECT_EQ(console.form().unit, "C3");
    EXPECT_EQ(console.form().department, "110");
    EXPECT_EQ(console.form().passed_over.rfind("A1 (110), ", 0), 0u) << console.form().passed_over;
    EXPECT_NE(console.missing().find("why not A1"), std::string::npos) << console.missing();

    // Nothing proposed: nothing passed over.
    choose_unit({}, far, console.form());
    EXPECT_EQ(console.form().unit, "C3");
    EXPECT_TRUE(console.form().passed_over.empty());
}

}  // namespace
}  // namespace citywall::viewer
