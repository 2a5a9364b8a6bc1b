// The wall's one animation clock: it starts with the stream's first time, runs on with the local
// clock between messages (or only by hand, for reference pictures), never steps back for a late
// message, follows the stream back when it is rewound, and is the same all through a frame.
#include <gtest/gtest.h>

#include <chrono>

#include "animation_clock.hpp"

namespace citywall::viewer {
namespace {

using std::chrono::milliseconds;
constexpr TimeMs kT = 1'795'000'000'000;
const AnimationClock::Steady::time_point kAt{};  // the local clock when the first message came

TEST(AnimationClock, StandsStillUntilTheStreamGivesItATime) {
    AnimationClock clock;
    EXPECT_FALSE(clock.started());
    clock.tick(kAt + milliseconds(5000));
    EXPECT_EQ(clock.now(), 0);
    clock.observe(0, kAt);  // a message without a time
    clock.observe(-5, kAt);
    EXPECT_FALSE(clock.started());
    clock.observe(kT, kAt);
    EXPECT_TRUE(clock.started());
    EXPECT_EQ(clock.now(), kT);
}

TEST(AnimationClock, RunsOnWithTheLocalClockBetweenMessagesAndHoldsForTheFrame) {
    AnimationClock clock;
    clock.observe(kT, kAt);
    clock.tick(kAt + milliseconds(1500));
    EXPECT_EQ(clock.now(), kT + 1500);
    EXPECT_EQ(clock.now(), kT + 1500);  // read again in the same frame: the same time
    clock.observe(kT + 2000, kAt + milliseconds(1900));  // the stream is 100 ms ahead
    EXPECT_EQ(clock.now(), kT + 1500);                   // until the next frame
    clock.tick(kAt + milliseconds(2000));
    EXPECT_EQ(clock.now(), kT + 2100);
}

TEST(AnimationClock, ALateMessageDoesNotStepItBack) {
    AnimationClock clock;
    clock.observe(kT, kAt);
    clock.tick(kAt + milliseconds(3000));
    ASSERT_EQ(clock.now(), kT + 3000);
    // A heartbeat stamped 2 s ago arrives now: the pulses do not stutter.
    clock.observe(kT + 1000, kAt + milliseconds(3000));
    clock.tick(kAt + milliseconds(3000));
    EXPECT_EQ(clock.now(), kT + 3000);
    clock.tick(kAt + milliseconds(5000));  // and it catches up from the new anchor
    EXPECT_EQ(clock.now(), kT + 3000);
    clock.tick(kAt + milliseconds(6000));
    EXPECT_EQ(clock.now(), kT + 4000);
}

TEST(AnimationClock, ARewoundStreamIsFollowedBack) {
    AnimationClock clock;
    clock.observe(kT, kAt);
    clock.tick(kAt + milliseconds(60'000));
    ASSERT_EQ(clock.now(), kT + 60'000);
    // A drill rewound to its start, more than a few seconds back.
    clock.observe(kT - 3'600'000, kAt + milliseconds(60'000));
    EXPECT_EQ(clock.now(), kT - 3'600'000);
    clock.tick(kAt + milliseconds(61'000));
    EXPECT_EQ(clock.now(), kT - 3'599'000);
    // Five seconds back is only late, not rewound.
    AnimationClock late;
    late.observe(kT, kAt);
    late.observe(kT - 5000, kAt);
    EXPECT_EQ(late.now(), kT);
    late.observe(kT - 5001, kAt);
    EXPECT_EQ(late.now(), kT - 5001);
}

TEST(AnimationClock, WithoutTheLocalClockItMovesOnlyWithTheStreamAndByHand) {
    AnimationClock clock(false);
    clock.observe(kT, kAt);
    clock.tick(kAt + milliseconds(10'000));
    EXPECT_EQ(clock.now(), kT);
    clock.advance(5);  // "let 5 seconds pass"
    EXPECT_EQ(clock.now(), kT + 5000);
    clock.tick(kAt + milliseconds(20'000));
    EXPECT_EQ(clock.now(), kT + 5000);
    clock.advance(0.25);
    EXPECT_EQ(clock.now(), kT + 5250);
    // The stream moves it too, and the time let pass stays added.
    clock.observe(kT + 10'000, kAt);
    clock.tick(kAt);
    EXPECT_EQ(clock.now(), kT + 15'250);
}

}  // namespace
}  // namespace citywall::viewer
