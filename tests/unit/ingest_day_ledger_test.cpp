// The day's counts on their own: received, dispatched and resolved counted once per step, per
// department and district; the league's case steps per department and street; yesterday's incidents
// not counted today; a new day from zero; kept beside a checkpoint and restored only for that
// checkpoint and that day.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "citywall/local_day.hpp"
#include "day_ledger.hpp"
#include "sample_incidents.hpp"
#include "scratch_dir.hpp"

namespace citywall::ingest {
namespace {

// Noon of some day on this machine's clock, whatever its time zone.
const TimeMs kMidnight = local_day_start(1'795'000'000'000);
const TimeMs kNoon = kMidnight + 12 * 3'600'000;

Incident incident(std::uint64_t id, IncidentStatus status, TimeMs received = kNoon) {
    Incident i = testing::sample_incident(id);
    i.status = status;
    i.received = received;
    return i;
}

wire::DayCount row(const wire::DayCountsReport& report, wire::DayCount::Scope scope,
                   const std::string& code) {
    for (const auto& count : report.counts)
        if (count.scope == scope && count.code == code) return count;
    return {};
}

TEST(DayLedger, EachStepCountsOnce) {
    DayLedger ledger;
    ledger.count_areas_of("district");  // the city's first level
    ledger.observe(std::nullopt, incident(1, IncidentStatus::reported), kNoon);
    ledger.observe(IncidentStatus::reported, incident(1, IncidentStatus::dispatched), kNoon + 1);
    ledger.observe(IncidentStatus::dispatched, incident(1, IncidentStatus::en_route), kNoon + 2);
    ledger.observe(IncidentStatus::en_route, incident(1, IncidentStatus::resolved), kNoon + 3);
    ledger.observe(IncidentStatus::resolved, incident(1, IncidentStatus::closed), kNoon + 4);
    ledger.observe(std::nullopt, incident(2, IncidentStatus::reported), kNoon + 5);
    ledger.observe(IncidentStatus::reported, incident(2, IncidentStatus::cancelled), kNoon + 6);
    const auto report = ledger.report(7, kNoon + 10);
    EXPECT_EQ(report.seq, 7u);
    EXPECT_EQ(report.day_start, kMidnight);
    const auto total = row(report, wire::DayCount::Scope::total, "");
    EXPECT_EQ(total.received, 2u);
    EXPECT_EQ(total.dispatched, 1u);
    EXPECT_EQ(total.resolved, 1u);  // cancelled is not resolved
    EXPECT_EQ(row(report, wire::DayCount::Scope::department, "110").received, 2u);
    const auto district = row(report, wire::DayCount::Scope::district, "449901");
    EXPECT_EQ(district.name, "东湖区");
    EXPECT_EQ(district.received, 2u);
}

// One step of incident `id`'s case, as ingest records it: the state after the step.
Incident stepped(std::uint64_t id, CaseAction action, TimeMs at, const std::string& department,
                 TimeMs sign_due, TimeMs resolve_due,
                 Satisfaction satisfaction = Satisfaction::none) {
    Incident i = incident(id, IncidentStatus::dispatched, kNoon - 24 * 3'600'000);  // yesterday's
    static std::uint32_t number = 0;
    i.case_state.last = {++number, at, action, "leader-li", department, {}, {}, {}, {}, 0};
    i.case_state.stage = CaseStage::assigned;
    i.case_state.department = department;
    i.case_state.sign_due = sign_due;
    i.case_state.resolve_due = resolve_due;
    i.case_state.satisfaction = satisfaction;
    return i;
}

// The league table: each step counts once, for the department the case is with and for its
// street, on the day of the step (the incident itself came in yesterday); a step on time is
// one taken by its deadline; events that are not steps count nothing.
TEST(DayLedger, TheLeagueCountsEachCaseStepForItsDepartmentAndStreet) {
    DayLedger ledger;
    ledger.count_areas_of("district");
    ledger.count_league_of("street");
    const TimeMs sign_due = kNoon + 600'000, resolve_due = kNoon + 7'200'000;
    auto step = [&](std::uint64_t id, CaseAction action, TimeMs at, const char* department,
                    Satisfaction satisfaction = Satisfaction::none) {
        ledger.observe(IncidentStatus::dispatched,
                       stepped(id, action, at, department, sign_due, resolve_due, satisfaction), at,
                       true);
    };
    step(1, CaseAction::order, kNoon, "water");
    step(1, CaseAction::sign, kNoon + 60'000, "water");        // on time
    step(1, CaseAction::resolve, kNoon + 3'600'000, "water");  // on time
    step(1, CaseAction::feedback, kNoon + 3'700'000, "water", Satisfaction::satisfied);
    step(2, CaseAction::order, kNoon, "water");
    step(2, CaseAction::return_request, kNoon + 30'000, "water");
    step(2, CaseAction::return_agree, kNoon + 40'000, "city-mgmt");
    step(2, CaseAction::sign, kNoon + 900'000, "city-mgmt");       // late
    step(2, CaseAction::resolve, kNoon + 8'000'000, "city-mgmt");  // late
    step(2, CaseAction::feedback, kNoon + 8'100'000, "city-mgmt", Satisfaction::dissatisfied);
    // The same state observed again without a new step (a department's status report).
    ledger.observe(IncidentStatus::dispatched,
                   stepped(2, CaseAction::feedback, kNoon + 8'100'000, "city-mgmt", sign_due,
                           resolve_due, Satisfaction::dissatisfied),
                   kNoon + 8'200'000, false);
    const auto report = ledger.report(9, kNoon + 9'000'000);

    const CaseCounts water = row(report, wire::DayCount::Scope::department, "water").cases;
    EXPECT_EQ(water.ordered, 2u);
    EXPECT_EQ(water.signed_for, 1u);
    EXPECT_EQ(water.signed_on_time, 1u);
    EXPECT_EQ(water.resolved_on_time, 1u);
    EXPECT_EQ(water.returns, 1u);
    EXPECT_EQ(water.return_rate(), 0.5);
    EXPECT_EQ(water.satisfaction_rate(), 1.0);
    const CaseCounts city = row(report, wire::DayCount::Scope::department, "city-mgmt").cases;
    EXPECT_EQ(city.ordered, 1u);  // the agreed return brought it the case
    EXPECT_EQ(city.sign_on_time_rate(), 0.0);
    EXPECT_EQ(city.resolve_on_time_rate(), 0.0);
    EXPECT_EQ(city.dissatisfied, 1u);
    EXPECT_EQ(city.returns, 0u);
    // Both cases are on the sample's street; the total has every step.
    const auto street = row(report, wire::DayCount::Scope::street, "449901003");
    EXPECT_EQ(street.name, "滨江街道");
    EXPECT_EQ(street.cases.ordered, 3u);
    EXPECT_EQ(street.cases.resolved, 2u);
    EXPECT_EQ(street.cases.resolved_on_time, 1u);
    EXPECT_EQ(row(report, wire::DayCount::Scope::total, "").cases, street.cases);
    // Yesterday's incidents are not among today's received.
    EXPECT_EQ(row(report, wire::DayCount::Scope::total, "").received, 0u);
    // Kept beside a checkpoint with the rest.
    testing::ScratchDir dir("citywall-day-ledger-league");
    ASSERT_TRUE(ledger.save(dir.path(), 9));
    DayLedger restored;
    ASSERT_TRUE(restored.load(dir.path(), 9, kNoon + 9'000'000));
    EXPECT_EQ(restored.report(9, kNoon + 9'000'000).counts, report.counts);
}

TEST(DayLedger, YesterdaysIncidentsAreNotTodaysAndANewDayStartsFromZero) {
    DayLedger ledger;
    // Received yesterday, resolved today: not one of today's.
    ledger.observe(IncidentStatus::on_scene,
                   incident(3, IncidentStatus::resolved, kMidnight - 3'600'000), kNoon);
    ledger.observe(std::nullopt, incident(4, IncidentStatus::reported), kNoon);
    EXPECT_EQ(row(ledger.report(1, kNoon), wire::DayCount::Scope::total, "").received, 1u);
    EXPECT_EQ(row(ledger.report(1, kNoon), wire::DayCount::Scope::total, "").resolved, 0u);
    const TimeMs tomorrow = kNoon + 24 * 3'600'000;
    const auto report = ledger.report(2, tomorrow);
    EXPECT_EQ(report.day_start, local_day_start(tomorrow));
    EXPECT_EQ(row(report, wire::DayCount::Scope::total, "").received, 0u);
    EXPECT_EQ(report.counts.size(), 1u);  // the total only: no department has a count today
}

TEST(DayLedger, KeptBesideACheckpointAndRestoredOnlyForItAndForThatDay) {
    testing::ScratchDir dir("citywall-day-ledger");
    DayLedger ledger;
    ledger.observe(std::nullopt, incident(5, IncidentStatus::dispatched), kNoon);
    ASSERT_TRUE(ledger.save(dir.path(), 40));

    DayLedger restored;
    auto loaded = restored.load(dir.path(), 40, kNoon + 60'000);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ(*loaded, Restored::yes);
    EXPECT_EQ(restored.report(41, kNoon + 60'000).counts, ledger.report(41, kNoon + 60'000).counts);

    DayLedger other_checkpoint;
    EXPECT_EQ(*other_checkpoint.load(dir.path(), 39, kNoon), Restored::absent);
    DayLedger next_day;
    EXPECT_EQ(*next_day.load(dir.path(), 40, kNoon + 24 * 3'600'000), Restored::absent);
    DayLedger nothing_kept;
    testing::ScratchDir empty("citywall-day-ledger-empty");
    EXPECT_EQ(*nothing_kept.load(empty.path(), 40, kNoon), Restored::absent);
}

TEST(DayLedger, ALedgerThatCannotBeReadIsAFailureNotAbsent) {
    testing::ScratchDir dir("citywall-day-ledger");
    std::filesystem::create_directory(dir / "day.ledger");  // there, but no file to read
    DayLedger ledger;
    auto loaded = ledger.load(dir.path(), 40, kNoon);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error_kind(), ErrorKind::io);
}

// A ledger given the centre's zone counts that zone's day, whatever the machine's is.
TEST(DayLedger, TheCentresZoneDecidesWhenTheDayStarts) {
    auto shanghai = TimeZone::find("Asia/Shanghai");
    ASSERT_TRUE(shanghai) << shanghai.error();
    DayLedger ledger(*shanghai);
    const TimeMs midnight = 1'700'064'000'000;  // 2023-11-16 00:00 in Shanghai (16:00 UTC)
    ledger.observe(std::nullopt, incident(1, IncidentStatus::reported, midnight - 1), midnight - 1);
    ledger.observe(std::nullopt, incident(2, IncidentStatus::reported, midnight), midnight);
    EXPECT_EQ(ledger.day_start(), midnight);
    EXPECT_EQ(row(ledger.report(1, midnight), wire::DayCount::Scope::total, "").received, 1u);
}

// The ledger remembers where its day ends; a new day still starts at the first event after local
// midnight, on days of 23 and 25 hours too, and a clock set back finds the earlier day.
TEST(DayLedger, ANewDayStartsAtEachLocalMidnightWhateverItsLength) {
    const char* was = std::getenv("TZ");
    const std::string saved = was ? was : "";
    ::setenv("TZ", "Europe/Berlin", 1);
    ::tzset();
    const auto counted = [](DayLedger& ledger, TimeMs now) {
        return row(ledger.report(1, now), wire::DayCount::Scope::total, "").received;
    };
    // 2026-03-29 has 23 hours in Berlin, 2026-10-25 has 25: midnight is 22:00 or 23:00 UTC.
    for (const auto& [midnight_utc, next_midnight_utc] :
         {std::pair<TimeMs, TimeMs>{1774738800000, 1774821600000},
          std::pair<TimeMs, TimeMs>{1792879200000, 1792969200000}}) {
        ASSERT_EQ(local_day_start(midnight_utc + 3'600'000), midnight_utc);
        DayLedger ledger;
        ledger.observe(std::nullopt, incident(1, IncidentStatus::reported, midnight_utc + 1),
                       midnight_utc + 1);
        ledger.observe(std::nullopt, incident(2, IncidentStatus::reported, next_midnight_utc - 1),
                       next_midnight_utc - 1);
        EXPECT_EQ(counted(ledger, next_midnight_utc - 1), 2u);
        ledger.observe(std::nullopt, incident(3, IncidentStatus::reported, next_midnight_utc),
                       next_midnight_utc);
        EXPECT_EQ(ledger.day_start(), next_midnight_utc);
        EXPECT_EQ(counted(ledger, next_midnight_utc), 1u);
        // A clock set back an hour is yesterday again: counted from zero, as before.
        ledger.observe(std::nullopt, incident(4, IncidentStatus::reported, next_midnight_utc - 5),
                       next_midnight_utc - 5);
        EXPECT_EQ(ledger.day_start(), midnight_utc);
        EXPECT_EQ(counted(ledger, next_midnight_utc - 5), 1u);
    }
    if (was) {
        ::setenv("TZ", saved.c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
}

}  // namespace
}  // namespace citywall::ingest
