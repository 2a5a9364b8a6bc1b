// The wall's KPIs on their own: what the wall saw, counted per department and district, until
// ingest sends the day's counts, which then win; overdue is always the wall's own; a new day
// forgets yesterday's closed incidents.
#include <gtest/gtest.h>

#include "citywall/picture.hpp"
#include "citywall/wire.hpp"
#include "day_stats.hpp"
#include "pictures.hpp"
#include "sample_incidents.hpp"

namespace citywall::viewer {
namespace {

const TimeMs kMidnight = local_day_start(1'795'000'000'000);
const TimeMs kNoon = kMidnight + 12 * 3'600'000;

Incident incident(std::uint64_t id, IncidentStatus status, TimeMs received = kNoon,
                  TimeMs due = 0) {
    Incident i = testing::sample_incident(id);
    i.status = status;
    i.received = received;
    i.due = due;
    return i;
}

TEST(DayStats, CountsWhatTheWallSawPerDepartmentAndDistrict) {
    CityPicture picture = testing::picture_of(
        {incident(1, IncidentStatus::reported),
         incident(2, IncidentStatus::on_scene, kNoon, kNoon + 60'000),
         incident(3, IncidentStatus::reported, kMidnight - 1000)});  // yesterday's
    DayStats stats;
    stats.observe_all(picture);
    stats.observe(incident(4, IncidentStatus::closed));  // an update that closed it
    stats.refresh(picture, kNoon + 120'000, true);
    EXPECT_FALSE(stats.from_ingest());
    EXPECT_EQ(stats.day_start(), kMidnight);
    EXPECT_EQ(stats.total().received, 3u);
    EXPECT_EQ(stats.total().dispatched, 2u);
    EXPECT_EQ(stats.total().resolved, 1u);
    EXPECT_NEAR(stats.total().resolution_rate(), 1.0 / 3, 1e-9);
    EXPECT_EQ(stats.total().overdue, 1u);  // incident 2, past its due and open
    EXPECT_EQ(stats.by_department().at("110").received, 3u);
    EXPECT_EQ(stats.by_district().at("449901").received, 3u);
    EXPECT_EQ(stats.district_name("449901"), "东湖区");
    EXPECT_EQ(stats.district_name("000000"), "000000");
}

TEST(DayStats, IngestsCountsForTheDayWinAndOverdueStaysTheWalls) {
    CityPicture picture =
        testing::picture_of({incident(1, IncidentStatus::reported, kNoon, kNoon + 60'000)});
    wire::DayCountsReport day{10, kNoon, kMidnight, {}};
    day.counts.push_back({wire::DayCount::Scope::total, "", "", 120, 90, 60, {}});
    day.counts.push_back({wire::DayCount::Scope::department, "119", "", 20, 15, 10, {}});
    day.counts.push_back({wire::DayCount::Scope::district, "449902", "西山区", 7, 5, 3, {}});
    ASSERT_EQ(picture.apply(day), CityPicture::Outcome::applied);
    DayStats stats;
    stats.observe_all(picture);
    stats.refresh(picture, kNoon + 120'000, true);
    EXPECT_TRUE(stats.from_ingest());
    EXPECT_EQ(stats.total().received, 120u);
    EXPECT_EQ(stats.total().resolved, 60u);
    EXPECT_EQ(stats.total().overdue, 1u);
    EXPECT_EQ(stats.by_department().at("119").dispatched, 15u);
    EXPECT_EQ(stats.district_name("449902"), "西山区");
    // The next day ingest's report is yesterday's: the wall counts what it sees again.
    stats.refresh(picture, kNoon + 24 * 3'600'000, true);
    EXPECT_FALSE(stats.from_ingest());
}

// The league table comes from ingest's rows with case steps, ranked: on-time resolution first,
// then on-time signing; a department with no resolution yet ranks below every one with some;
// street rows are the league's own and never counted as districts.
TEST(DayStats, TheLeagueIsIngestsCaseCountsRankedBestFirst) {
    CityPicture picture = testing::picture_of({incident(1, IncidentStatus::reported)});
    wire::DayCountsReport day{10, kNoon, kMidnight, {}};
    using Scope = wire::DayCount::Scope;
    day.counts.push_back({Scope::total, "", "", 50, 30, 20, {}});
    day.counts.push_back({Scope::department, "110", "", 20, 15, 10, {8, 8, 6, 4, 2, 1, 0, 0, 0}});
    day.counts.push_back({Scope::department, "119", "", 5, 4, 3, {4, 4, 4, 2, 2, 0, 1, 0, 0}});
    day.counts.push_back({Scope::department, "120", "", 5, 4, 3, {3, 2, 2, 0, 0, 0, 0, 0, 0}});
    day.counts.push_back({Scope::department, "iot", "", 9, 0, 0, {}});  // no case steps
    day.counts.push_back({Scope::street, "S1", "滨江街道", 9, 5, 2, {5, 5, 5, 2, 1, 0, 0, 0, 1}});
    ASSERT_EQ(picture.apply(day), CityPicture::Outcome::applied);
    DayStats stats;
    stats.observe_all(picture);
    stats.refresh(picture, kNoon + 1000, true);
    std::vector<std::string> order;
    for (const auto& row : stats.league_departments())
        order.push_back(row.code);
    EXPECT_EQ(order, (std::vector<std::string>{"119", "110", "120"}));
    ASSERT_EQ(stats.league_streets().size(), 1u);
    EXPECT_EQ(stats.league_streets()[0].name, "滨江街道");
    EXPECT_EQ(stats.league_streets()[0].cases.satisfaction_rate(), 0.0);
    EXPECT_FALSE(stats.by_district().contains("S1"));
}

TEST(DayStats, ANewDayForgetsYesterdaysClosedIncidents) {
    CityPicture picture = testing::picture_of({incident(1, IncidentStatus::reported)});
    DayStats stats;
    stats.observe_all(picture);
    stats.observe(incident(2, IncidentStatus::closed));
    stats.refresh(picture, kNoon, true);
    EXPECT_EQ(stats.total().received, 2u);
    const TimeMs tomorrow = kNoon + 24 * 3'600'000;
    stats.refresh(picture, tomorrow, true);
    EXPECT_EQ(stats.day_start(), local_day_start(tomorrow));
    EXPECT_EQ(stats.total().received, 0u);  // both were received yesterday
    stats.observe(incident(5, IncidentStatus::reported, tomorrow));
    stats.refresh(picture, tomorrow + 1000, true);
    EXPECT_EQ(stats.total().received, 1u);
}

}  // namespace
}  // namespace citywall::viewer
