// The escalation schedule on its own: when an overdue incident takes its next step, that only
// what is due is taken, each step once, and that entries left by changed or closed incidents
// are dropped rather than acted on.
#include <gtest/gtest.h>

#include <vector>

#include "city_state.hpp"
#include "escalation.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kStart = 1795000000000;
constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kEvery = 30 * kMinute;

Incident overdue_at(std::uint64_t id, TimeMs due) {
    Incident i;
    i.id = id;
    i.sources = {{"110", "P-" + std::to_string(id)}};
    i.category = "police.theft";
    i.severity = Severity::critical;
    i.received = kStart;
    i.due = due;
    return i;
}

class EscalationScheduleTest : public ::testing::Test {
  protected:
    // Commits as ingest does: the schedule learns of every change.
    void commit(Incident incident) {
        const IncidentChange change = state_.change(std::move(incident));
        state_.commit(state_.next_seq(), change);
        schedule_.changed(state_, change);
    }
    // Takes every step due at `now` as ingest's loop does, and returns the ids stepped.
    std::vector<std::uint64_t> step(TimeMs now) {
        std::vector<std::uint64_t> stepped;
        while (auto id = schedule_.take_due(state_, now)) {
            Incident incident = *state_.incident(*id);
            ++incident.escalation;
            commit(std::move(incident));
            stepped.push_back(*id);
        }
        return stepped;
    }
    int level(std::uint64_t id) const { return state_.open_incident(id)->escalation; }

    CityState state_;
    EscalationSchedule schedule_{kEvery};
};

TEST(NextEscalation, AtTheDeadlineThenEveryIntervalUpToTheDistrict) {
    CityState state;
    Incident incident = overdue_at(1, kStart + 15 * kMinute);
    state.commit({1, incident});
    EXPECT_EQ(next_escalation(*state.open_incident(1), kEvery), kStart + 15 * kMinute);
    incident.escalation = 2;
    state.commit({2, incident});
    EXPECT_EQ(next_escalation(*state.open_incident(1), kEvery), kStart + 75 * kMinute);
    incident.escalation = kEscalationLevels;
    state.commit({3, incident});
    EXPECT_EQ(next_escalation(*state.open_incident(1), kEvery), std::nullopt);  // the district

    Incident no_deadline = overdue_at(2, 0);
    state.commit({4, no_deadline});
    EXPECT_EQ(next_escalation(*state.open_incident(2), kEvery), std::nullopt);
    // Another centre's incident: that centre escalates it.
    Incident federated = overdue_at(3, kStart);
    federated.provenance = {"county-a", 77, 1000};
    state.commit({5, federated});
    EXPECT_EQ(next_escalation(*state.open_incident(3), kEvery), std::nullopt);
}

TEST_F(EscalationScheduleTest, OnlyWhatIsDueIsTakenOneLevelAtATime) {
    commit(overdue_at(1, kStart + 15 * kMinute));
    commit(overdue_at(2, kStart + 60 * kMinute));
    commit(overdue_at(3, 0));  // no deadline: never scheduled
    EXPECT_EQ(schedule_.next_at(), kStart + 15 * kMinute);

    EXPECT_TRUE(step(kStart + 15 * kMinute - 1).empty());
    EXPECT_EQ(step(kStart + 15 * kMinute), std::vector<std::uint64_t>{1});
    EXPECT_EQ(level(1), 1);
    EXPECT_TRUE(step(kStart + 15 * kMinute).empty());  // once
    EXPECT_EQ(schedule_.next_at(), kStart + 45 * kMinute);

    EXPECT_EQ(step(kStart + 45 * kMinute), std::vector<std::uint64_t>{1});
    EXPECT_EQ(level(1), 2);
    EXPECT_EQ(step(kStart + 60 * kMinute), std::vector<std::uint64_t>{2});
    EXPECT_EQ(step(kStart + 75 * kMinute), std::vector<std::uint64_t>{1});
    EXPECT_EQ(level(1), 3);
    EXPECT_TRUE(step(kStart + 24 * 60 * kMinute).size() == 2);  // 2 catches up to 3, 1 stays
    EXPECT_EQ(level(1), 3);
    EXPECT_EQ(level(2), 3);
    EXPECT_EQ(level(3), 0);
    EXPECT_EQ(schedule_.next_at(), std::nullopt);
}

TEST_F(EscalationScheduleTest, ATimeLongPastTakesEveryMissedStepInOrder) {
    commit(overdue_at(1, kStart + 15 * kMinute));
    commit(overdue_at(2, kStart + 10 * kMinute));
    // Ingest was stopped for hours: each step is still a step of its own.
    EXPECT_EQ(step(kStart + 10 * 60 * kMinute), (std::vector<std::uint64_t>{2, 1, 2, 1, 2, 1}));
    EXPECT_EQ(level(1), 3);
    EXPECT_EQ(level(2), 3);
}

TEST_F(EscalationScheduleTest, AClosedOrRescheduledIncidentLeavesNoStepBehind) {
    commit(overdue_at(1, kStart + 15 * kMinute));
    commit(overdue_at(2, kStart + 15 * kMinute));
    Incident closed = overdue_at(1, kStart + 15 * kMinute);
    closed.status = IncidentStatus::resolved;
    commit(closed);
    // A lower severity moved the deadline later: the old time is stale.
    commit(overdue_at(2, kStart + 60 * kMinute));
    EXPECT_TRUE(step(kStart + 59 * kMinute).empty());
    EXPECT_EQ(level(2), 0);
    EXPECT_EQ(step(kStart + 60 * kMinute), std::vector<std::uint64_t>{2});
    // A report that changes nothing of the deadline adds no entry.
    const std::size_t entries = schedule_.entries();
    Incident same = *state_.incident(2);
    same.title = "新的标题";
    commit(same);
    EXPECT_EQ(schedule_.entries(), entries);
}

TEST_F(EscalationScheduleTest, EntriesOfClosedIncidentsDoNotPileUp) {
    // A busy day: incidents that close long before their deadline.
    for (std::uint64_t id = 1; id <= 20'000; ++id) {
        commit(overdue_at(id, kStart + 60 * kMinute));
        Incident closed = overdue_at(id, kStart + 60 * kMinute);
        closed.status = IncidentStatus::closed;
        commit(closed);
    }
    commit(overdue_at(30'000, kStart + 60 * kMinute));
    EXPECT_LE(schedule_.entries(), 2 * state_.open_count() + 4096);
    EXPECT_EQ(step(kStart + 60 * kMinute), std::vector<std::uint64_t>{30'000});
}

TEST_F(EscalationScheduleTest, ARebuildFromTheStateKeepsTheLevelsReached) {
    commit(overdue_at(1, kStart + 15 * kMinute));
    commit(overdue_at(2, kStart + 20 * kMinute));
    EXPECT_EQ(step(kStart + 49 * kMinute).size(), 3u);  // 1 twice, 2 once
    // As after a restart: the state recovered from the journal, a new schedule from it.
    EscalationSchedule rebuilt(kEvery);
    rebuilt.rebuild(state_);
    EXPECT_EQ(rebuilt.next_at(), kStart + 50 * kMinute);  // 2's second step
    EXPECT_EQ(rebuilt.take_due(state_, kStart + 50 * kMinute), std::uint64_t{2});
    EXPECT_EQ(rebuilt.take_due(state_, kStart + 50 * kMinute), std::nullopt);
    EXPECT_EQ(rebuilt.next_at(), kStart + 75 * kMinute);  // 1's third
}

}  // namespace
}  // namespace citywall::ingest
