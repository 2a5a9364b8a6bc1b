// When the wall asks ingest for the selected incident's case, and what it shows meanwhile.
#include "selected_case.hpp"

#include <gtest/gtest.h>

namespace citywall::viewer {
namespace {

using namespace std::chrono_literals;
using State = SelectedCase::State;

wire::IncidentCase reply_for(std::uint64_t id, std::uint64_t seq, const std::string& text) {
    wire::IncidentCase reply{seq, id, true, {}, {}};
    reply.incident.id = id;
    reply.incident.description = text;
    return reply;
}

TEST(SelectedCase, AsksOnceOnSelectionAndRetriesWhenNoReplyComes) {
    SelectedCase selected;
    const auto t0 = SelectedCase::Clock::now();
    EXPECT_EQ(selected.due(t0), 0u);  // nothing selected
    EXPECT_EQ(selected.state(t0), State::none);
    selected.select(7);
    EXPECT_EQ(selected.due(t0), 7u);
    EXPECT_EQ(selected.due(t0 + 1s), 0u);  // asked already
    EXPECT_EQ(selected.state(t0 + 1s), State::waiting);
    EXPECT_EQ(selected.state(t0 + 3s), State::unavailable);
    EXPECT_EQ(selected.due(t0 + 3s), 7u);  // asked again
    selected.receive(reply_for(7, 10, "后门被撬"));
    EXPECT_EQ(selected.state(t0 + 4s), State::current);
    EXPECT_EQ(selected.reply()->incident.description, "后门被撬");
    EXPECT_EQ(selected.due(t0 + 10s), 0u);  // current: nothing to ask
}

TEST(SelectedCase, AChangeAsksAgainAtMostTwiceASecondAndKeepsShowingTheOldReply) {
    SelectedCase selected;
    const auto t0 = SelectedCase::Clock::now();
    selected.select(7);
    ASSERT_EQ(selected.due(t0), 7u);
    selected.receive(reply_for(7, 10, "old"));
    selected.changed(8, 11);  // another incident: no matter
    EXPECT_EQ(selected.due(t0 + 100ms), 0u);
    selected.changed(7, 12);
    EXPECT_EQ(selected.state(t0 + 100ms), State::updating);
    EXPECT_EQ(selected.due(t0 + 100ms), 0u);  // too soon after the last request
    EXPECT_EQ(selected.due(t0 + 600ms), 7u);
    selected.changed(7, 13);  // changed again while that request is in flight
    EXPECT_EQ(selected.due(t0 + 700ms), 0u);
    EXPECT_EQ(selected.due(t0 + 1200ms), 7u);
    // The reply to the first request is newer than what is shown, older than needed.
    selected.receive(reply_for(7, 12, "newer"));
    EXPECT_EQ(selected.reply()->incident.description, "newer");
    EXPECT_EQ(selected.state(t0 + 1300ms), State::updating);
    selected.receive(reply_for(7, 9, "stale"));  // crossed on the way: dropped
    EXPECT_EQ(selected.reply()->incident.description, "newer");
    selected.receive(reply_for(7, 13, "newest"));
    EXPECT_EQ(selected.state(t0 + 1400ms), State::current);
    EXPECT_EQ(selected.reply()->incident.description, "newest");
}

TEST(SelectedCase, ANewSelectionForgetsTheOldCaseAndItsLateReplies) {
    SelectedCase selected;
    const auto t0 = SelectedCase::Clock::now();
    selected.select(7);
    ASSERT_EQ(selected.due(t0), 7u);
    selected.select(9);
    EXPECT_EQ(selected.due(t0 + 10ms), 9u);  // a new incident is asked for at once
    selected.receive(reply_for(7, 10, "the other one"));
    EXPECT_EQ(selected.reply(), nullptr);
    EXPECT_EQ(selected.state(t0 + 20ms), State::waiting);
    selected.select(0);
    EXPECT_EQ(selected.state(t0 + 20ms), State::none);
    EXPECT_EQ(selected.due(t0 + 10s), 0u);
}

// A closed case opened by its number: ingest says it is reading its journal, which is neither
// an answer nor silence; then the case, or that it has none of that number.
TEST(SelectedCase, ASearchInTheJournalIsWaitedForAndANumberFoundNowhereSaysSo) {
    using Found = wire::IncidentCase::Found;
    SelectedCase selected;
    const auto t0 = SelectedCase::Clock::now();
    selected.select(42);
    ASSERT_EQ(selected.due(t0), 42u);
    wire::IncidentCase searching{5, 42, false, {}, {}, Found::searching};
    selected.receive(searching);
    EXPECT_EQ(selected.state(t0 + 1s), State::searching);
    EXPECT_EQ(selected.reply(), nullptr);
    EXPECT_EQ(selected.due(t0 + 1s), 0u);
    EXPECT_EQ(selected.due(t0 + 3s), 42u);  // asked again; ingest says searching again
    selected.receive(searching);
    EXPECT_EQ(selected.state(t0 + 5s), State::searching);
    EXPECT_EQ(selected.state(t0 + 9s), State::unavailable);  // no word for two retries
    wire::IncidentCase closed = reply_for(42, 5, "积水已排");
    closed.open = false;
    closed.found = Found::journal;
    closed.incident.status = IncidentStatus::closed;
    selected.receive(closed);
    EXPECT_EQ(selected.state(t0 + 9s), State::current);
    EXPECT_EQ(selected.reply()->found, Found::journal);

    selected.select(43);
    ASSERT_EQ(selected.due(t0 + 10s), 43u);
    selected.receive(wire::IncidentCase{5, 43, false, {}, {}, Found::none});
    EXPECT_EQ(selected.state(t0 + 10s), State::not_found);
    EXPECT_EQ(selected.due(t0 + 20s), 0u);  // an answer: not asked again
}

}  // namespace
}  // namespace citywall::viewer
