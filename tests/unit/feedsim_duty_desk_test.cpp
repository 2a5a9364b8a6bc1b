// The demo's simulated duty leader (tools/feedsim/duty_desk.hpp): each case's next step as a
// centre would take it, a moment after the case got there, one command at a time per case, and
// every step it takes is one the lifecycle's table gives a leader from that stage.
#include <gtest/gtest.h>

#include "duty_desk.hpp"

namespace citywall::feedsim {
namespace {

constexpr TimeMs kT0 = 1'780'000'000'000;

DutyRules rules() {
    DutyRules r;
    r.family_to_department = {{"hotline", "grid"}, {"fire", "119"}};
    r.can_take_orders = {"119", "grid", "12319", "110"};
    r.fallback_department = "12319";
    r.think_ms = 3000;
    return r;
}

Incident incident(std::uint64_t id, std::string category, std::string department,
                  CaseStage stage = CaseStage::received) {
    Incident i;
    i.id = id;
    i.category = std::move(category);
    i.sources = {{std::move(department), "S-" + std::to_string(id)}};
    i.case_state.stage = stage;
    if (stage != CaseStage::received) i.case_state.last.number = 1;
    return i;
}

TEST(DutyDesk, OrdersEachCaseToItsDepartmentAMomentAfterItArrives) {
    DutyDesk desk(rules(), "duty", 1);
    const std::vector<Incident> open = {
        incident(1, "hotline.noise", "12345"), incident(2, "fire.building", "119"),
        incident(3, "police.theft", "110"), incident(4, "sensor.tilt", "iot")};
    EXPECT_TRUE(desk.decide(open, kT0, 10).empty()) << "nothing before its think time";
    const auto commands = desk.decide(open, kT0 + 3000, 10);
    ASSERT_EQ(commands.size(), 3u) << "iot takes no orders";
    EXPECT_EQ(commands[0].department, "grid");
    EXPECT_EQ(commands[1].department, "119");
    EXPECT_EQ(commands[2].department, "110");
    for (const auto& c : commands) {
        EXPECT_EQ(c.action, CaseAction::order);
        CaseStep step;
        step.action = c.action;
        step.department = c.department;
        step.command = c.id;
        EXPECT_FALSE(check_step({}, step, Doer::leader)) << c.id;
    }
    EXPECT_TRUE(desk.decide(open, kT0 + 60'000, 10).empty()) << "one command a case at a time";
    desk.answered({5, commands[0].id, 1, false, "wrong_stage", "x"});
    EXPECT_EQ(desk.refused(), 1u);
    EXPECT_TRUE(desk.decide(open, kT0 + 61'000, 10).empty()) << "and a moment after a refusal";
    EXPECT_EQ(desk.decide(open, kT0 + 64'000, 10).size(), 1u);
}

TEST(DutyDesk, ReviewsCallsBackAndClosesAndHandsReturnedCasesOn) {
    DutyDesk desk(rules(), "duty", 1);
    Incident returned = incident(1, "city.road_damage", "110", CaseStage::returning);
    returned.case_state.department = "110";
    Incident resolved = incident(2, "fire.building", "119", CaseStage::resolved);
    Incident hotline = incident(3, "hotline.noise", "12345", CaseStage::reviewed);
    Incident called = incident(4, "hotline.noise", "12345", CaseStage::reviewed);
    called.case_state.satisfaction = Satisfaction::satisfied;
    Incident done = incident(5, "fire.building", "119", CaseStage::closed);
    const std::vector<Incident> open = {returned, resolved, hotline, called, done};
    desk.decide(open, kT0, 10);
    const auto commands = desk.decide(open, kT0 + 3000, 10);
    ASSERT_EQ(commands.size(), 4u);
    EXPECT_EQ(commands[0].action, CaseAction::return_agree);
    EXPECT_EQ(commands[0].department, "12319");
    EXPECT_EQ(commands[1].action, CaseAction::review_pass);
    EXPECT_EQ(commands[2].action, CaseAction::feedback);
    EXPECT_FALSE(commands[2].reason.empty());
    EXPECT_EQ(commands[3].action, CaseAction::close);
    EXPECT_EQ(commands[3].reason, "resolved");
    for (std::size_t k = 0; k < commands.size(); ++k) {
        CaseStep step;
        step.action = commands[k].action;
        step.department = commands[k].department;
        step.reason = commands[k].reason;
        step.command = commands[k].id;
        EXPECT_FALSE(check_step(open[k].case_state, step, Doer::leader)) << k;
    }
}

// A case with its department that escalated past its deadline is supervised once; one that has
// not escalated, or is supervised already, is left to its department.
TEST(DutyDesk, SupervisesACaseThatEscalatedOnce) {
    DutyDesk desk(rules(), "duty", 1);
    Incident late = incident(5, "hotline.noise", "12345", CaseStage::signed_for);
    late.escalation = 1;
    Incident on_time = incident(6, "hotline.noise", "12345", CaseStage::signed_for);
    Incident watched = incident(7, "fire.building", "119", CaseStage::on_scene);
    watched.escalation = 2;
    watched.case_state.supervised = true;
    const std::vector<Incident> open = {late, on_time, watched};
    (void)desk.decide(open, kT0, 10);
    const auto commands = desk.decide(open, kT0 + 3000, 10);
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].incident, 5u);
    EXPECT_EQ(commands[0].action, CaseAction::supervise);
    EXPECT_FALSE(check_step(late.case_state,
                            CaseStep{0, kT0, CaseAction::supervise, "duty", {}, {}, {}, {}, {}, 0},
                            Doer::leader))
        << "a step the table gives a leader from there";
}

Unit unit_at(std::string department, std::string id, LonLat where, TimeMs heard,
             UnitStatus status = UnitStatus::available) {
    Unit u;
    u.department = std::move(department);
    u.id = std::move(id);
    u.callsign = "巡逻" + u.id;
    u.location = where;
    u.status = status;
    u.reported = u.received = heard;
    return u;
}

// A critical case's order names the department's nearest free unit heard from lately, within
// reach, and not one already named; other cases are ordered to the department alone.
TEST(DutyDesk, ACriticalCaseIsOrderedWithTheNearestFreeUnitOfItsDepartment) {
    DutyDesk desk(rules(), "duty", 1);
    constexpr LonLat kHere{114.05, 22.55};
    auto north = [&](double metres) { return LonLat{kHere.lon, kHere.lat + metres / 111'320.0}; };
    desk.see_units({unit_at("110", "far", north(9000), kT0),
                    unit_at("110", "busy", north(100), kT0, UnitStatus::on_scene),
                    unit_at("110", "old", north(150), kT0 - 200'000),
                    unit_at("119", "other", north(50), kT0),
                    unit_at("110", "near", north(800), kT0),
                    unit_at("110", "next", north(1500), kT0, UnitStatus::cleared)});
    Incident first = incident(1, "police.theft", "110");
    first.severity = Severity::critical;
    first.location = kHere;
    Incident second = first;
    second.id = 2;
    Incident minor = first;
    minor.id = 3;
    minor.severity = Severity::moderate;
    const std::vector<Incident> open = {first, second, minor};
    (void)desk.decide(open, kT0, 10);
    const auto commands = desk.decide(open, kT0 + 3000, 10);
    ASSERT_EQ(commands.size(), 3u);
    EXPECT_EQ(commands[0].department, "110");
    EXPECT_EQ(commands[0].unit, "near");
    EXPECT_EQ(commands[1].unit, "next") << "the nearest is named already";
    EXPECT_EQ(commands[2].unit, "") << "a moderate case goes to the department alone";
    EXPECT_NE(commands[0].note.find("巡逻near"), std::string::npos) << commands[0].note;
}

}  // namespace
}  // namespace citywall::feedsim
