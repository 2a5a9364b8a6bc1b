// Feed health, as the wall's feed panel shows it: never heard or silent past its heartbeat is
// stale, a socket peer makes it connected, rates over the last report interval, lag
// percentiles over the last minute, rejects by reason, a flood shown for a few seconds, and the
// key gate's refusals with when they were last seen and why.
#include <gtest/gtest.h>

#include "feed_health.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kStart = 1'800'000'000'000;

std::vector<DepartmentConfig> departments() {
    DepartmentConfig police;
    police.code = "110";
    police.name = "公安110";
    police.heartbeat_s = 10;
    DepartmentConfig fire;
    fire.code = "119";  // no display name: the code stands in
    fire.heartbeat_s = 5;
    return {police, fire};
}

const FeedHealth& of(const std::vector<FeedHealth>& report, const std::string& code) {
    for (const auto& feed : report)
        if (feed.department == code) return feed;
    throw std::runtime_error("no feed " + code);
}

TEST(FeedHealthBoard, NeverHeardIsStaleAndSilencePastTheHeartbeatIsStaleAgain) {
    FeedHealthBoard board(departments(), kStart);
    auto report = board.report(kStart);
    ASSERT_EQ(report.size(), 2u);
    EXPECT_TRUE(of(report, "110").stale);
    EXPECT_EQ(of(report, "110").name, "公安110");
    EXPECT_EQ(of(report, "119").name, "119");
    board.heard("110", kStart + 1000);
    EXPECT_FALSE(of(board.report(kStart + 2000), "110").stale);
    EXPECT_FALSE(of(board.report(kStart + 11'000), "110").stale);  // exactly its heartbeat
    EXPECT_TRUE(of(board.report(kStart + 11'001), "110").stale);
}

TEST(FeedHealthBoard, ConnectedWhileASocketPeerIsThere) {
    FeedHealthBoard board(departments(), kStart);
    board.peers_changed("110", +1);
    board.peers_changed("110", +1);
    board.peers_changed("110", -1);
    EXPECT_TRUE(of(board.report(kStart), "110").connected);
    board.peers_changed("110", -1);
    board.peers_changed("110", -1);  // a stray disconnect never goes below none
    EXPECT_FALSE(of(board.report(kStart), "110").connected);
    board.peers_changed("110", +1);
    EXPECT_TRUE(of(board.report(kStart), "110").connected);
}

TEST(FeedHealthBoard, RateIsOverTheLastReportInterval) {
    FeedHealthBoard board(departments(), kStart);
    for (int k = 0; k < 50; ++k)
        board.heard("110", kStart + k * 10);
    EXPECT_DOUBLE_EQ(of(board.report(kStart + 2000), "110").rate_per_s, 25.0);
    // Under a second later the rate is not recomputed from a sliver of time.
    board.heard("110", kStart + 2100);
    EXPECT_DOUBLE_EQ(of(board.report(kStart + 2500), "110").rate_per_s, 25.0);
    EXPECT_DOUBLE_EQ(of(board.report(kStart + 4000), "110").rate_per_s, 0.5);
}

TEST(FeedHealthBoard, LagPercentilesOverTheLastMinute) {
    FeedHealthBoard board(departments(), kStart);
    for (int k = 1; k <= 100; ++k)
        board.accepted("110", TimeMs{k} * 10, kStart + k);
    board.accepted("110", std::nullopt, kStart + 200);  // no event time: counted, no lag
    auto feed = of(board.report(kStart + 1000), "110");
    EXPECT_EQ(feed.accepted, 101u);
    EXPECT_NEAR(feed.lag_p50_ms, 510, 10);
    EXPECT_NEAR(feed.lag_p99_ms, 990, 10);
    // A minute later those samples are gone.
    feed = of(board.report(kStart + 70'000), "110");
    EXPECT_EQ(feed.lag_p50_ms, 0);
    EXPECT_EQ(feed.lag_p99_ms, 0);
}

TEST(FeedHealthBoard, RejectsAreCountedByReason) {
    FeedHealthBoard board(departments(), kStart);
    board.rejected("119", RejectReason::invalid_json);
    board.rejected("119", RejectReason::invalid_json);
    board.rejected("119", RejectReason::superseded);
    const auto feed = of(board.report(kStart), "119");
    EXPECT_EQ(feed.rejected, 3u);
    ASSERT_EQ(feed.rejects.size(), 2u);
    EXPECT_EQ(feed.rejects[0].reason, "invalid_json");
    EXPECT_EQ(feed.rejects[0].count, 2u);
    EXPECT_EQ(board.rejects_by_reason("119").at("superseded"), 1u);
    EXPECT_TRUE(board.rejects_by_reason("nobody").empty());
}

TEST(FeedHealthBoard, AFloodIsShownForAFewSecondsAfterTheLastPassThatHeldItBack) {
    FeedHealthBoard board(departments(), kStart);
    EXPECT_FALSE(of(board.report(kStart), "110").flooding);
    board.held_back("110", kStart + 1000);
    EXPECT_TRUE(of(board.report(kStart + 1000), "110").flooding);
    EXPECT_TRUE(of(board.report(kStart + 5999), "110").flooding);
    EXPECT_FALSE(of(board.report(kStart + 6000), "110").flooding);
    EXPECT_FALSE(of(board.report(kStart + 6000), "119").flooding);
}

// The gate counts refusals by ZAP domain; each report carries its department's, by reason.
TEST(FeedHealthBoard, KeyRefusalsAreCarriedWithWhenAndWhyTheLatestWas) {
    std::map<std::string, GateCounts> gate;
    FeedHealthBoard board(departments(), kStart, [&] { return gate; });
    auto feed = of(board.report(kStart), "119");
    EXPECT_TRUE(feed.refusals.empty());
    EXPECT_EQ(feed.last_refused, 0);
    EXPECT_EQ(feed.last_refusal_reason, "");

    // A plain sender first, then one with 110's key; the wall stream's and an unknown
    // domain's refusals are no department's.
    gate["119"].of(Refusal::wrong_mechanism) = 30;
    gate[std::string(kWallDomain)].of(Refusal::unknown_key) = 5;
    gate["999"].of(Refusal::unknown_department) = 2;
    feed = of(board.report(kStart + 1000), "119");
    ASSERT_EQ(feed.refusals.size(), 1u);
    EXPECT_EQ(feed.refusals[0], (RejectCount{"wrong_mechanism", 30}));
    EXPECT_EQ(feed.last_refused, kStart + 1000);
    EXPECT_EQ(feed.last_refusal_reason, "wrong_mechanism");
    EXPECT_TRUE(of(board.report(kStart + 1000), "110").refusals.empty());

    gate["119"].of(Refusal::other_department_key) = 4;
    feed = of(board.report(kStart + 2000), "119");
    ASSERT_EQ(feed.refusals.size(), 2u);
    EXPECT_EQ(feed.refusals[0], (RejectCount{"other_department_key", 4}));
    EXPECT_EQ(feed.refusals[1], (RejectCount{"wrong_mechanism", 30}));
    // The reason that is growing now, not the one with the larger count.
    EXPECT_EQ(feed.last_refusal_reason, "other_department_key");
    EXPECT_EQ(feed.last_refused, kStart + 2000);

    // Nothing new: the counts stay, and so does when the last one was.
    feed = of(board.report(kStart + 9000), "119");
    EXPECT_EQ(feed.refusals.size(), 2u);
    EXPECT_EQ(feed.last_refused, kStart + 2000);
    EXPECT_EQ(feed.last_refusal_reason, "other_department_key");

    // Both grow: the one that grew most since the last report is the latest.
    gate["119"].of(Refusal::other_department_key) = 5;
    gate["119"].of(Refusal::wrong_mechanism) = 40;
    feed = of(board.report(kStart + 10'000), "119");
    EXPECT_EQ(feed.last_refusal_reason, "wrong_mechanism");
    EXPECT_EQ(feed.last_refused, kStart + 10'000);
}

TEST(FeedHealthBoard, WithoutAGateThereAreNoRefusals) {
    FeedHealthBoard board(departments(), kStart);
    const auto feed = of(board.report(kStart), "110");
    EXPECT_TRUE(feed.refusals.empty());
    EXPECT_EQ(feed.last_refused, 0);
}

// The codes are what the wall stream carries and the wall puts in words: never renamed.
TEST(FeedHealthBoard, RefusalCodesAreStable) {
    EXPECT_EQ(code_of(Refusal::unknown_key), "unknown_key");
    EXPECT_EQ(code_of(Refusal::other_department_key), "other_department_key");
    EXPECT_EQ(code_of(Refusal::wrong_mechanism), "wrong_mechanism");
    EXPECT_EQ(code_of(Refusal::broken_handshake), "broken_handshake");
    EXPECT_EQ(code_of(Refusal::unknown_department), "unknown_department");
    EXPECT_EQ(code_of(Refusal::department_key_on_wall), "department_key_on_wall");
    EXPECT_EQ(code_of(Refusal::too_many_walls), "too_many_walls");
    GateCounts counts;
    counts.of(Refusal::unknown_key) = 1;
    counts.of(Refusal::other_department_key) = 2;
    counts.of(Refusal::wrong_mechanism) = 3;
    counts.of(Refusal::unknown_department) = 4;
    counts.of(Refusal::department_key_on_wall) = 5;
    counts.of(Refusal::too_many_walls) = 6;
    counts.of(Refusal::broken_handshake) = 7;
    std::uint64_t total = 0;
    for (const RefusalKind& kind : kRefusalKinds)
        total += counts.of(kind.reason);
    EXPECT_EQ(total, 28u);
    EXPECT_EQ(total, counts.refused());
    EXPECT_EQ(counts.of(Refusal::wrong_mechanism), 3u);
}

}  // namespace
}  // namespace citywall::ingest
