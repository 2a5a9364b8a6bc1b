// The drill timeline's arithmetic: pixels to the recording's time and back, the speed ladder a
// trainer steps through, and which answers are the timeline's.
#include <gtest/gtest.h>

#include "drill_timeline.hpp"

namespace citywall::viewer {
namespace {

wire::DrillClock window(TimeMs from, TimeMs to) {
    wire::DrillClock c;
    c.from = from;
    c.to = to;
    return c;
}

TEST(DrillTimeline, PixelsAndTimesMapOntoEachOtherAcrossTheWindow) {
    Camera camera;
    camera.width = 1920;
    camera.height = 1080;
    const TimelineBox box = timeline_box(camera, 400, 0, 20, true);
    EXPECT_GT(box.left, 400);
    EXPECT_LT(box.right, 1920);
    EXPECT_LT(box.bottom, 1080);
    EXPECT_GT(box.track_top, box.top);
    EXPECT_LT(box.track_top, box.bottom);
    const auto clock = window(1'700'000'000'000, 1'700'005'400'000);  // 90 minutes
    EXPECT_EQ(timeline_time_at(clock, box, box.left), clock.from);    // clamped
    EXPECT_EQ(timeline_time_at(clock, box, box.right + 50), clock.to);
    for (TimeMs minutes : {0, 1, 45, 89, 90}) {
        const TimeMs t = clock.from + minutes * 60'000;
        const float x = timeline_x_of(clock, box, t);
        // One pixel is about 3.6 s of a 90-minute window 1,500 pixels wide.
        EXPECT_NEAR(static_cast<double>(timeline_time_at(clock, box, x)), static_cast<double>(t),
                    4'000.0);
    }
    EXPECT_LT(timeline_x_of(clock, box, clock.from + 1), timeline_x_of(clock, box, clock.to - 1));
    // A window of one moment does not divide by nothing.
    const auto instant = window(5, 5);
    EXPECT_EQ(timeline_time_at(instant, box, 900), 5);
    EXPECT_EQ(timeline_x_of(instant, box, 5), box.left + 10);
}

TEST(DrillTimeline, SpeedsStepFromAQuarterToSixtyFourThenAsFastAsPossible) {
    EXPECT_EQ(faster_speed(1), 2);
    EXPECT_EQ(faster_speed(0.25), 0.5);
    EXPECT_EQ(faster_speed(32), 64);
    EXPECT_EQ(faster_speed(64), 0);  // as fast as possible
    EXPECT_EQ(faster_speed(0), 0);
    EXPECT_EQ(slower_speed(0), 64);
    EXPECT_EQ(slower_speed(8), 4);
    EXPECT_EQ(slower_speed(0.25), 0.25);
    EXPECT_EQ(slower_speed(3), 2);  // a speed between steps goes to the next one down
    EXPECT_EQ(speed_words(8), "8×");
    EXPECT_EQ(speed_words(0.25), "0.25×");
}

TEST(DrillTimeline, ItsCommandsAreNumberedAndItsAnswersKnown) {
    DrillTimeline timeline;
    const auto first = timeline.command(wire::DrillAction::play);
    const auto second = timeline.command(wire::DrillAction::pause);
    EXPECT_NE(first.id, second.id);
    wire::CommandReply reply;
    reply.id = second.id;
    reply.refusal = "forbidden";
    reply.detail = "only a trainer's key steers a drill";
    EXPECT_TRUE(DrillTimeline::is_ours(reply));
    timeline.answered(reply);
    EXPECT_NE(timeline.refusal().find("forbidden"), std::string::npos);
    (void)timeline.command(wire::DrillAction::play);  // the next command clears it
    EXPECT_TRUE(timeline.refusal().empty());
    reply.id = "cmd-3";  // a case's command: the console's
    EXPECT_FALSE(DrillTimeline::is_ours(reply));
}

}  // namespace
}  // namespace citywall::viewer
