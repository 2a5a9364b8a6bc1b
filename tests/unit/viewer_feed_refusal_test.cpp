// What the feed health panel says of a department whose connections ingest's key gate refuses:
// the latest refusal's reason in words and its count, only while it is being refused (refused
// since it was last heard).
#include <gtest/gtest.h>

#include "panels.hpp"

namespace citywall::viewer {
namespace {

constexpr TimeMs kNow = 1'800'000'000'000;

FeedHealth refused(std::string reason, std::uint64_t count, TimeMs last_message) {
    FeedHealth feed;
    feed.department = "119";
    feed.stale = true;
    feed.last_message = last_message;
    feed.refusals = {{reason, count}, {"wrong_mechanism", 3000}};
    feed.last_refused = kNow - 1000;
    feed.last_refusal_reason = reason;
    return feed;
}

TEST(FeedRefusal, SaysTheLatestReasonInWordsWithItsCount) {
    EXPECT_EQ(feed_refusal(refused("unknown_key", 12, 0)), "refused: wrong key ×12");
    EXPECT_EQ(feed_refusal(refused("other_department_key", 4, kNow - 60'000)),
              "refused: another dept's key ×4");
    EXPECT_EQ(feed_refusal(refused("wrong_mechanism", 3000, 0)), "refused: no key ×3,000");
    EXPECT_EQ(feed_refusal(refused("broken_handshake", 1, 0)), "refused: no key shown ×1");
    // A reason newer than this wall: its code.
    EXPECT_EQ(feed_refusal(refused("key_revoked", 2, 0)), "refused: key_revoked ×2");
}

TEST(FeedRefusal, NothingWhenItWasHeardSinceOrNeverRefused) {
    EXPECT_EQ(feed_refusal(refused("unknown_key", 12, kNow)), "");
    EXPECT_EQ(feed_refusal(FeedHealth{}), "");
    FeedHealth heard_before = refused("unknown_key", 12, kNow - 1000);
    EXPECT_EQ(feed_refusal(heard_before), "");  // the same report: heard, so not refused now
}

}  // namespace
}  // namespace citywall::viewer
