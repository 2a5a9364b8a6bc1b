// The city as ingest knows it, part by part: numbering after the last commit, department ids
// remembered after their incident closes, the neighbour index following each incident's place,
// time, category and drill flag (and a radius set after the fact), the case history of each
// department's new word, snapshot chunks, and a restore that replaces everything. Merging and
// storage round trips are tested in tests/integration/report_merge_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "city_state.hpp"
#include "sample_incidents.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kT0 = 1'795'000'000'000;
constexpr LonLat kSite{114.05, 22.55};

// About 111 m per 0.001 degree of latitude.
LonLat north_of(LonLat p, double metres) {
    return {p.lon, p.lat + metres / 111'320.0};
}

Incident incident(std::uint64_t id, LonLat where, TimeMs occurred = kT0,
                  const std::string& category = "fire.building",
                  const std::string& department = "110") {
    Incident i;
    i.id = id;
    i.sources.emplace_back(department, "S" + std::to_string(id), IncidentStatus::reported,
                           occurred);
    i.category = category;
    i.location = where;
    i.occurred = occurred;
    i.received = occurred + 1000;
    i.updated = i.received;
    i.title = "火警 " + std::to_string(id);
    return i;
}

std::set<std::uint64_t> ids_near(const CityState& state, LonLat p, double metres,
                                 std::optional<std::pair<TimeMs, TimeMs>> when = {}) {
    std::set<std::uint64_t> ids;
    for (const auto& near : state.open_near(p, metres, when))
        ids.insert(near.id);
    return ids;
}

class CityStateTest : public ::testing::Test {
  protected:
    void commit(const Incident& i) { state_.commit({state_.next_seq(), i}); }
    CityState state_;
};

TEST_F(CityStateTest, NumbersContinueAfterTheLastCommit) {
    EXPECT_EQ(state_.next_id(), 1u);
    EXPECT_EQ(state_.next_seq(), 1u);
    EXPECT_EQ(state_.last_seq(), 0u);
    commit(incident(5, kSite));
    EXPECT_EQ(state_.next_id(), 6u);
    EXPECT_EQ(state_.last_seq(), 1u);
    commit(incident(3, kSite));  // an older id (a replay) does not lower the next one
    EXPECT_EQ(state_.next_id(), 6u);
    Incident closed = incident(5, kSite);
    closed.status = IncidentStatus::closed;
    commit(closed);
    EXPECT_EQ(state_.open_count(), 1u);
    EXPECT_EQ(state_.next_id(), 6u);  // a closed incident's id is never given again
    state_.skip_to(10);
    EXPECT_EQ(state_.next_seq(), 11u);
    state_.skip_to(4);  // never back
    EXPECT_EQ(state_.last_seq(), 10u);
}

TEST_F(CityStateTest, ADepartmentsIdsAreKnownOpenAndClosed) {
    Incident merged = incident(1, kSite);
    merged.sources.emplace_back("119", "F-9", IncidentStatus::dispatched, kT0 + 5);
    commit(merged);
    EXPECT_EQ(state_.find("110", "S1"), std::optional<std::uint64_t>(1));
    EXPECT_EQ(state_.find("119", "F-9"), std::optional<std::uint64_t>(1));
    EXPECT_FALSE(state_.find("119", "S1"));  // ids are per department
    EXPECT_FALSE(state_.find("120", "F-9"));
    merged.status = IncidentStatus::resolved;
    commit(merged);
    EXPECT_FALSE(state_.incident(1));
    EXPECT_EQ(state_.find(SourceRef{"119", "F-9"}), std::optional<std::uint64_t>(1));
    // And a checkpoint lists both as closed sources.
    const Checkpoint checkpoint = state_.checkpoint();
    EXPECT_TRUE(checkpoint.open.empty());
    EXPECT_EQ(checkpoint.closed.size(), 2u);
}

TEST_F(CityStateTest, NeighboursAreThoseWithinTheTimeWindowToo) {
    state_.set_neighbour_radius(150);
    commit(incident(1, kSite, kT0));
    commit(incident(2, north_of(kSite, 50), kT0 + 600'000));
    commit(incident(3, north_of(kSite, 100), kT0 - 600'001));
    EXPECT_EQ(ids_near(state_, kSite, 150), (std::set<std::uint64_t>{1, 2, 3}));
    // Within 10 minutes of kT0: the window's edge is in, a millisecond past it is not.
    EXPECT_EQ(ids_near(state_, kSite, 150, std::pair{kT0, TimeMs{600'000}}),
              (std::set<std::uint64_t>{1, 2}));
    EXPECT_EQ(ids_near(state_, kSite, 150, std::pair{kT0, TimeMs{600'001}}),
              (std::set<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(ids_near(state_, kSite, 150, std::pair{kT0 + 600'000, TimeMs{0}}),
              (std::set<std::uint64_t>{2}));
    EXPECT_EQ(ids_near(state_, kSite, 40), (std::set<std::uint64_t>{1}));
}

TEST_F(CityStateTest, ANeighbourCarriesWhatAMergeLooksAtFirst) {
    state_.set_neighbour_radius(150);
    Incident drill = incident(7, kSite, kT0 + 42, "medical.burn");
    drill.drill = true;
    commit(drill);
    const auto near = state_.open_near(kSite, 10);
    ASSERT_EQ(near.size(), 1u);
    EXPECT_EQ(near[0].id, 7u);
    EXPECT_EQ(near[0].location, kSite);
    EXPECT_EQ(near[0].occurred, kT0 + 42);
    EXPECT_EQ(state_.category_name(near[0].category), "medical.burn");
    EXPECT_TRUE(near[0].drill);
}

TEST_F(CityStateTest, TheIndexFollowsAMoveAChangeOfCategoryOrTimeAndAClose) {
    state_.set_neighbour_radius(150);
    Incident i = incident(1, kSite, kT0, "fire.building");
    commit(i);
    i.category = "police.fire_report";
    i.occurred = kT0 + 3'600'000;
    commit(i);
    auto near = state_.open_near(kSite, 10);
    ASSERT_EQ(near.size(), 1u);  // indexed once, not once per commit
    EXPECT_EQ(state_.category_name(near[0].category), "police.fire_report");
    EXPECT_EQ(near[0].occurred, kT0 + 3'600'000);
    EXPECT_TRUE(ids_near(state_, kSite, 10, std::pair{kT0, TimeMs{60'000}}).empty());

    i.location = north_of(kSite, 2000);
    commit(i);
    EXPECT_TRUE(ids_near(state_, kSite, 150).empty());
    EXPECT_EQ(ids_near(state_, i.location, 10), (std::set<std::uint64_t>{1}));

    i.status = IncidentStatus::cancelled;
    commit(i);
    EXPECT_TRUE(ids_near(state_, i.location, 10).empty());
    EXPECT_TRUE(state_.open_near(i.location, 1e7).empty());
}

TEST_F(CityStateTest, ARadiusSetAfterIncidentsAreOpenIndexesThemAgain) {
    // Committed with the default cells (300 m), then searched at 2 km.
    for (std::uint64_t id = 1; id <= 20; ++id)
        commit(incident(id, north_of(kSite, 100.0 * static_cast<double>(id))));
    state_.set_neighbour_radius(2000);
    std::set<std::uint64_t> expected;
    for (std::uint64_t id = 1; id <= 19; ++id)
        expected.insert(id);
    EXPECT_EQ(ids_near(state_, kSite, 1950), expected);
    EXPECT_EQ(ids_near(state_, kSite, 150), (std::set<std::uint64_t>{1}));
    // A search far wider than the cells: every incident, once.
    EXPECT_EQ(state_.open_near(kSite, 50'000).size(), 20u);
}

TEST_F(CityStateTest, EachDepartmentsNewWordIsAStepInTheCaseHistory) {
    Incident i = incident(1, kSite, kT0);
    commit(i);
    i.sources[0].status = IncidentStatus::dispatched;
    i.sources[0].reported = kT0 + 60'000;
    i.status = IncidentStatus::dispatched;
    commit(i);
    i.title = "新标题";  // no new word on the case
    commit(i);
    i.sources.emplace_back("120", "M-1", IncidentStatus::en_route, kT0 + 90'000);
    i.status = IncidentStatus::en_route;
    commit(i);
    // The incident's status changes with no department's new word: the latest speaker's step.
    i.status = IncidentStatus::on_scene;
    i.updated = kT0 + 120'000;
    commit(i);

    const CaseHistory history = state_.history(1);
    EXPECT_EQ(history.omitted, 0u);
    using S = IncidentStatus;
    EXPECT_EQ(history.changes,
              (std::vector<StatusChange>{{kT0, "110", S::reported, S::reported},
                                         {kT0 + 60'000, "110", S::dispatched, S::dispatched},
                                         {kT0 + 90'000, "120", S::en_route, S::en_route},
                                         {kT0 + 120'000, "120", S::en_route, S::on_scene}}));
    // fill() gives the same into storage it reuses; an incident never seen has none.
    CaseHistory reused;
    reused.changes.resize(10);
    reused.omitted = 3;
    state_.fill(reused, 1);
    EXPECT_EQ(reused, history);
    state_.fill(reused, 99);
    EXPECT_EQ(reused, CaseHistory{});
}

TEST_F(CityStateTest, ACaseIsTheOpenIncidentWithItsHistoryOrTheClosedOneKept) {
    using Found = wire::IncidentCase::Found;
    commit(testing::sample_incident(4));
    const wire::IncidentCase open = state_.incident_case(4);
    EXPECT_TRUE(open.open);
    EXPECT_EQ(open.found, Found::open);
    EXPECT_EQ(open.id, 4u);
    EXPECT_EQ(open.seq, state_.last_seq());
    EXPECT_EQ(open.incident, testing::sample_incident(4));
    EXPECT_EQ(open.history, state_.history(4));
    EXPECT_FALSE(open.history.changes.empty());

    Incident closed = testing::sample_incident(4);
    closed.status = IncidentStatus::closed;
    closed.sources[0].status = IncidentStatus::closed;
    closed.updated += 60'000;
    commit(closed);
    EXPECT_TRUE(state_.history(4).changes.empty());  // no longer an open one's
    // Kept whole, with the step that closed it.
    const wire::IncidentCase kept = state_.incident_case(4);
    EXPECT_FALSE(kept.open);
    EXPECT_EQ(kept.found, Found::kept);
    EXPECT_TRUE(kept.has_incident());
    EXPECT_EQ(kept.seq, state_.last_seq());
    EXPECT_EQ(kept.incident, closed);
    ASSERT_EQ(kept.history.changes.size(), open.history.changes.size() + 1);
    EXPECT_EQ(kept.history.changes.back().status, IncidentStatus::closed);
    EXPECT_EQ(state_.closed_kept(), 1u);

    // A number never given is neither.
    const wire::IncidentCase none = state_.incident_case(99);
    EXPECT_EQ(none.found, Found::none);
    EXPECT_FALSE(none.has_incident());
    EXPECT_EQ(none.incident, Incident{});
    EXPECT_TRUE(none.history.changes.empty());
}

TEST_F(CityStateTest, AReopenedCaseGoesOnWithItsHistoryAndLeavesTheKeptOnes) {
    Incident i = incident(1, kSite);
    commit(i);
    i.status = IncidentStatus::resolved;
    i.sources[0].status = IncidentStatus::resolved;
    i.sources[0].reported = kT0 + 60'000;
    commit(i);
    const std::size_t closed_steps = state_.incident_case(1).history.changes.size();
    i.status = IncidentStatus::reported;
    i.sources[0].status = IncidentStatus::reported;
    i.sources[0].reported = kT0 + 120'000;
    commit(i);
    EXPECT_EQ(state_.closed_kept(), 0u);
    const wire::IncidentCase reopened = state_.incident_case(1);
    EXPECT_EQ(reopened.found, wire::IncidentCase::Found::open);
    EXPECT_EQ(reopened.history.changes.size(), closed_steps + 1);
}

TEST_F(CityStateTest, TheLatestClosedCasesAreKeptAndTheOldestLetGo) {
    const std::uint64_t n = CityState::kClosedCasesKept + 10;
    for (std::uint64_t id = 1; id <= n; ++id) {
        Incident i = incident(id, kSite);
        commit(i);
        i.status = IncidentStatus::closed;
        commit(i);
    }
    EXPECT_EQ(state_.closed_kept(), CityState::kClosedCasesKept);
    EXPECT_EQ(state_.incident_case(10).found, wire::IncidentCase::Found::none);
    EXPECT_EQ(state_.incident_case(11).found, wire::IncidentCase::Found::kept);
    EXPECT_EQ(state_.incident_case(n).found, wire::IncidentCase::Found::kept);
    // A restore replaces them too: a checkpoint does not hold closed cases.
    state_.restore(state_.checkpoint());
    EXPECT_EQ(state_.closed_kept(), 0u);
}

TEST_F(CityStateTest, ASnapshotIsChunksInIdOrderAndTheLastCarriesTheFeeds) {
    const std::vector<FeedHealth> feeds = {testing::feed_health("110", true, false, kT0, 5, 0)};
    const auto chunks = [&](std::size_t size) {
        std::vector<wire::SnapshotChunk> all;
        state_.snapshot(size, feeds, [&](const wire::SnapshotChunk& c) { all.push_back(c); });
        return all;
    };
    // Nothing open: still one chunk, the last, so a wall knows the snapshot is complete.
    auto empty = chunks(2);
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_TRUE(empty[0].last);
    EXPECT_TRUE(empty[0].incidents.empty());
    EXPECT_EQ(empty[0].feeds, feeds);

    for (std::uint64_t id : {5, 1, 4, 2, 3})
        commit(testing::sample_incident(id));
    auto five = chunks(2);
    ASSERT_EQ(five.size(), 3u);
    std::vector<std::uint64_t> order;
    for (std::size_t k = 0; k < five.size(); ++k) {
        EXPECT_EQ(five[k].seq, 5u);
        EXPECT_EQ(five[k].last, k == 2);
        EXPECT_EQ(five[k].feeds.empty(), k != 2);
        EXPECT_LE(five[k].incidents.size(), 2u);
        for (const auto& i : five[k].incidents)
            order.push_back(i.id);
    }
    EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(five[0].incidents[0], testing::sample_incident(1));
    // Exactly full chunks: no empty chunk after them.
    commit(testing::sample_incident(6));
    auto six = chunks(3);
    ASSERT_EQ(six.size(), 2u);
    EXPECT_EQ(six[1].incidents.size(), 3u);
    EXPECT_TRUE(six[1].last);
    EXPECT_EQ(chunks(100).size(), 1u);
}

TEST_F(CityStateTest, ARestoreReplacesEverything) {
    state_.set_neighbour_radius(150);
    commit(incident(1, kSite));
    commit(incident(2, north_of(kSite, 30)));

    Checkpoint checkpoint;
    checkpoint.seq = 70;
    checkpoint.last_id = 40;
    CaseHistory recorded;
    recorded.changes.push_back({kT0, "119", IncidentStatus::reported, IncidentStatus::reported});
    recorded.omitted = 2;
    checkpoint.open.push_back(
        {incident(30, north_of(kSite, 60), kT0, "fire.building", "119"), recorded});
    checkpoint.closed.push_back({{"110", "OLD-1"}, 12});
    state_.restore(checkpoint);

    EXPECT_EQ(state_.last_seq(), 70u);
    EXPECT_EQ(state_.next_id(), 41u);
    EXPECT_EQ(state_.open_count(), 1u);
    EXPECT_FALSE(state_.incident(1));
    EXPECT_FALSE(state_.find("110", "S1"));  // what was there before is gone
    EXPECT_EQ(state_.find("119", "S30"), std::optional<std::uint64_t>(30));
    EXPECT_EQ(state_.find("110", "OLD-1"), std::optional<std::uint64_t>(12));
    EXPECT_EQ(ids_near(state_, kSite, 150), (std::set<std::uint64_t>{30}));
    EXPECT_EQ(state_.history(30), recorded);
    EXPECT_EQ(state_.checkpoint(), checkpoint);
}

}  // namespace
}  // namespace citywall::ingest
