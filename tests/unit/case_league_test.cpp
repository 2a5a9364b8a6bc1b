// The league table's one rule (citywall/case_league.hpp): each step for the department the case
// is with after it and for the incident's area of the league's level, a journal's repeated step
// counted once, and the wall's order of the rows.
#include <gtest/gtest.h>

#include "citywall/case_league.hpp"

namespace citywall {
namespace {

constexpr TimeMs kT0 = 1'780'000'000'000;

Incident case_of(std::uint64_t id, const std::string& department, const std::string& street) {
    Incident incident;
    incident.id = id;
    incident.areas = {{"district", "D1", "福田区"}, {"street", street, "街道 " + street}};
    incident.case_state.department = department;
    incident.case_state.sign_due = kT0 + 600'000;
    return incident;
}

void take(Incident& incident, CaseAction action, TimeMs at) {
    CaseStep step;
    step.number = incident.case_state.last.number + 1;
    step.time = at;
    step.action = action;
    incident.case_state.last = step;
}

TEST(CaseLeague, CountsEachStepForTheDepartmentAfterItAndTheIncidentsArea) {
    CaseLeague league;
    league.area_level = "street";
    Incident a = case_of(1, "city-mgmt", "S1");
    league.count(a);  // no step yet: nothing
    EXPECT_EQ(league.total, CaseCounts{});
    take(a, CaseAction::order, kT0);
    league.count(a);
    take(a, CaseAction::sign, kT0 + 60'000);
    league.count(a);
    Incident b = case_of(2, "water", "S2");
    take(b, CaseAction::order, kT0);
    league.count(b);
    take(b, CaseAction::sign, kT0 + 3'600'000);  // late
    league.count(b);

    EXPECT_EQ(league.total.ordered, 2u);
    EXPECT_EQ(league.total.signed_on_time, 1u);
    EXPECT_EQ(league.departments.at("city-mgmt").signed_on_time, 1u);
    EXPECT_EQ(league.departments.at("water").signed_on_time, 0u);
    EXPECT_EQ(league.areas.at("S2").name, "街道 S2");
    EXPECT_EQ(league.areas.at("S2").counts.signed_for, 1u);
    EXPECT_FALSE(league.areas.contains("D1")) << "only the league's level";

    CaseLeague no_areas;
    no_areas.count(a);
    EXPECT_TRUE(no_areas.areas.empty());
    EXPECT_EQ(no_areas.total.signed_for, 1u);
}

TEST(CaseLeague, AJournalsRepeatedStepCountsOnceAndANewDayKeepsWhatWasSeen) {
    CaseLeague league;
    league.area_level = "street";
    Incident a = case_of(1, "city-mgmt", "S1");
    EXPECT_FALSE(league.count_if_new(a)) << "no step";
    take(a, CaseAction::order, kT0);
    EXPECT_TRUE(league.count_if_new(a));
    a.severity = Severity::major;  // another event of the incident, the same step
    EXPECT_FALSE(league.count_if_new(a));
    league.clear();
    EXPECT_EQ(league.total, CaseCounts{});
    EXPECT_FALSE(league.count_if_new(a)) << "seen before the clear";
    take(a, CaseAction::sign, kT0 + 1000);
    EXPECT_TRUE(league.count_if_new(a));
    EXPECT_EQ(league.total.signed_for, 1u);
    EXPECT_EQ(league.total.ordered, 0u);
}

TEST(CaseLeague, RanksByOnTimeResolutionThenSigningThenSatisfactionThenFewestReturns) {
    CaseCounts resolves{
        .ordered = 4, .signed_for = 4, .signed_on_time = 1, .resolved = 4, .resolved_on_time = 4};
    CaseCounts signs = resolves;
    signs.signed_on_time = 4;
    signs.resolved_on_time = 3;
    EXPECT_TRUE(ranks_above(resolves, signs));
    CaseCounts same = resolves;
    same.returns = 2;
    EXPECT_TRUE(ranks_above(resolves, same)) << "fewer returns";
    same = resolves;
    same.satisfied = 1;
    EXPECT_TRUE(ranks_above(same, resolves)) << "a satisfied citizen over none called back";
    EXPECT_TRUE(ranks_above(signs, CaseCounts{})) << "a rate earned over none";
    EXPECT_FALSE(ranks_above(resolves, resolves));
}

}  // namespace
}  // namespace citywall
