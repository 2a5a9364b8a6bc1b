// The operator's queue on its own: overdue first, then the chosen order with ties by id; each
// filter; ages and overdue on the stream's clock; at most two rebuilds a second unless forced.
#include <gtest/gtest.h>

#include "citywall/picture.hpp"
#include "citywall/wire.hpp"
#include "incident_queue.hpp"
#include "pictures.hpp"
#include "sample_incidents.hpp"

namespace citywall::viewer {
namespace {

constexpr TimeMs kT0 = 1'795'000'000'000;

Incident incident(std::uint64_t id, std::string department, Severity severity, TimeMs received,
                  TimeMs due = 0) {
    Incident i = testing::sample_incident(id);
    i.sources = {{std::move(department), "S-" + std::to_string(id)}};
    i.category = i.sources[0].department == "119" ? "fire.building" : "police.theft";
    i.severity = severity;
    i.received = received;
    i.due = due;
    if (id == 4) i.areas[0] = {"district", "449902", "西山区"};
    return i;
}

std::vector<std::uint64_t> ids(const IncidentQueue& queue) {
    std::vector<std::uint64_t> out;
    for (const auto& row : queue.rows())
        out.push_back(row.id);
    return out;
}

// 1: 110 moderate, oldest; 2: 119 critical; 3: 110 critical, overdue; 4: 119 low, another
// district; 5: 110 critical, newest.
CityPicture city() {
    return testing::picture_of(
        {incident(1, "110", Severity::moderate, kT0),
         incident(2, "119", Severity::critical, kT0 + 60'000),
         incident(3, "110", Severity::critical, kT0 + 120'000, kT0 + 300'000),
         incident(4, "119", Severity::low, kT0 + 180'000),
         incident(5, "110", Severity::critical, kT0 + 240'000)});
}

TEST(IncidentQueue, OverdueFirstThenBySeverityAndAge) {
    const CityPicture picture = city();
    IncidentQueue queue;
    queue.refresh(picture, kT0 + 600'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{3, 2, 5, 1, 4}));
    EXPECT_TRUE(queue.rows().front().overdue);
    EXPECT_EQ(queue.open_total(), 5u);
    EXPECT_EQ(queue.overdue_total(), 1u);
    // Before its deadline it is not overdue, and takes its place by severity and age.
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{2, 3, 5, 1, 4}));
    EXPECT_EQ(queue.overdue_total(), 0u);
}

TEST(IncidentQueue, OtherOrders) {
    const CityPicture picture = city();
    IncidentQueue queue;
    queue.filter().sort = QueueSort::age;
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    queue.filter().sort = QueueSort::department;
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{3, 5, 1, 2, 4}));
}

TEST(IncidentQueue, EachFilterNarrowsAndTheBoxesOfferWhatIsOpen) {
    const CityPicture picture = city();
    IncidentQueue queue;
    queue.filter().department = "119";
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{2, 4}));
    EXPECT_EQ(queue.departments(), (std::vector<std::string>{"110", "119"}));
    ASSERT_EQ(queue.districts().size(), 2u);
    queue.filter() = {};
    queue.filter().family = "police";
    queue.filter().severity = static_cast<int>(Severity::critical);
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{3, 5}));
    queue.filter() = {};
    queue.filter().district = "449902";
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{4}));
    queue.filter() = {};
    queue.filter().older_than_s = 150;  // open longer than 2.5 minutes at +4:10
    queue.refresh(picture, kT0 + 250'000, true);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{2, 1}));  // critical before moderate
    EXPECT_EQ(queue.open_total(), 5u);  // the totals are of every open incident
}

TEST(IncidentQueue, ABurstOfChangesCostsOneRebuildNotOnePerMessage) {
    CityPicture picture = city();
    IncidentQueue queue;
    queue.refresh(picture, kT0);
    ASSERT_EQ(queue.rows().size(), 5u);
    wire::IncidentUpdate update{11, incident(6, "120", Severity::major, kT0 + 1000)};
    ASSERT_EQ(picture.apply(update), CityPicture::Outcome::applied);
    queue.invalidate();
    queue.refresh(picture, kT0 + 1000);  // within half a second of the last rebuild: later
    EXPECT_EQ(queue.rows().size(), 5u);
    queue.refresh(picture, kT0 + 1000, true);
    EXPECT_EQ(queue.rows().size(), 6u);
    // A new filter is applied at once.
    queue.filter().department = "120";
    queue.refresh(picture, kT0 + 1000);
    EXPECT_EQ(ids(queue), (std::vector<std::uint64_t>{6}));
}

TEST(IncidentQueue, AgesAndSortsAreReadFromText) {
    EXPECT_EQ(parse_age("30m"), 1800.0);
    EXPECT_EQ(parse_age("2h"), 7200.0);
    EXPECT_EQ(parse_age("90s"), 90.0);
    EXPECT_EQ(parse_age("1800"), 1800.0);
    EXPECT_EQ(parse_age("any"), 0.0);
    EXPECT_FALSE(parse_age("-5m"));
    EXPECT_FALSE(parse_age("soon"));
    EXPECT_FALSE(parse_age("m"));
    EXPECT_EQ(parse_queue_sort("age"), QueueSort::age);
    EXPECT_FALSE(parse_queue_sort("colour"));
}

// A case's band on the wall changes with time alone twice: near its deadline (its last fifth,
// at least five minutes), then overdue; the marker layer is told when, so it recolours only
// those then. Each band has its colour; a new case has none (the marker's own rim).
TEST(IncidentQueue, ABandChangesWithTimeNearItsDeadlineThenOverdue) {
    const TimeMs due = kT0 + 100 * 60'000;  // 100 min: near from 80 min
    const CityPicture picture = testing::picture_of({incident(1, "110", Severity::low, kT0, due)});
    const IncidentView view = *picture.incidents().find(1);
    EXPECT_EQ(case_band(view, kT0), CaseBand::fresh);
    EXPECT_EQ(next_band_change(view, kT0), kT0 + 80 * 60'000);
    EXPECT_EQ(case_band(view, kT0 + 80 * 60'000), CaseBand::near_deadline);
    EXPECT_EQ(next_band_change(view, kT0 + 80 * 60'000), due + 1);
    EXPECT_EQ(case_band(view, due), CaseBand::near_deadline);
    EXPECT_EQ(case_band(view, due + 1), CaseBand::overdue);
    EXPECT_EQ(next_band_change(view, due + 1), std::nullopt);
    // A deadline of minutes is near for its last half only, not from the start.
    const CityPicture quick =
        testing::picture_of({incident(4, "110", Severity::critical, kT0, kT0 + 2 * 60'000)});
    EXPECT_EQ(case_band(*quick.incidents().find(4), kT0), CaseBand::fresh);
    EXPECT_EQ(next_band_change(*quick.incidents().find(4), kT0), kT0 + 60'000);
    const CityPicture undated = testing::picture_of({incident(2, "110", Severity::low, kT0)});
    EXPECT_EQ(next_band_change(*undated.incidents().find(2), kT0), std::nullopt);
    EXPECT_EQ(case_band_color(CaseBand::fresh)[3], 0.0f);
    for (int b = 1; b < kCaseBandCount; ++b) {
        EXPECT_EQ(case_band_color(static_cast<CaseBand>(b))[3], 1.0f);
        for (int other = 1; other < b; ++other)
            EXPECT_NE(case_band_color(static_cast<CaseBand>(b)),
                      case_band_color(static_cast<CaseBand>(other)));
    }
}

// The markers' rims follow the bands through a schedule: each incident comes due once at each
// change, a rescheduled or closed one only when its latest time comes.
TEST(IncidentQueue, TheBandScheduleNamesEachIncidentWhenItsBandChanges) {
    const TimeMs due = kT0 + 100 * 60'000;
    CityPicture picture = testing::picture_of({incident(1, "110", Severity::low, kT0, due),
                                               incident(2, "110", Severity::low, kT0, due),
                                               incident(3, "110", Severity::low, kT0)});
    CaseBandSchedule schedule;
    for (std::uint64_t id : {1, 2, 3})
        schedule.schedule(*picture.incidents().find(id), kT0);
    EXPECT_EQ(schedule.size(), 2u);  // 3 has no deadline
    EXPECT_TRUE(schedule.take_due(kT0 + 79 * 60'000).empty());
    schedule.forget(2);  // closed
    EXPECT_EQ(schedule.take_due(kT0 + 80 * 60'000), std::vector<std::uint64_t>{1});
    EXPECT_TRUE(schedule.take_due(kT0 + 80 * 60'000).empty());  // once
    schedule.schedule(*picture.incidents().find(1), kT0 + 80 * 60'000);
    EXPECT_TRUE(schedule.take_due(due).empty());
    EXPECT_EQ(schedule.take_due(due + 1), std::vector<std::uint64_t>{1});
    schedule.schedule(*picture.incidents().find(1), due + 1);  // overdue: nothing more
    EXPECT_EQ(schedule.size(), 0u);
}

}  // namespace
}  // namespace citywall::viewer
