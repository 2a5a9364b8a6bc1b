// Feed health, as the wall's feed panel shows it: never heard or silent past its heartbeat is
// stale, a socket peer makes it connected, rates over the last report interval, lag
// percentiles over the last minute, rejects by reason, and a flood shown for a few seconds.
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

}  // namespace
}  // namespace citywall::ingest
