// `--span`: one window over the bounding box of every monitor of the machine driving a wall.
#include <gtest/gtest.h>

#include "wall_app.hpp"

namespace citywall::viewer {
namespace {

TEST(Span, CoversEveryMonitorOfAWall) {
    // Four 3840x2160 panels in a row: a 15360x2160 wall.
    std::vector<MonitorRect> row;
    for (int i = 0; i < 4; ++i)
        row.push_back({i * 3840, 0, 3840, 2160});
    EXPECT_EQ(span_of(row), (MonitorRect{0, 0, 15360, 2160}));

    // Two rows of two, listed out of order, the desktop's origin on the second monitor.
    const std::vector<MonitorRect> grid = {{0, 0, 1920, 1080},
                                           {-1920, 1080, 1920, 1080},
                                           {-1920, 0, 1920, 1080},
                                           {0, 1080, 1920, 1080}};
    EXPECT_EQ(span_of(grid), (MonitorRect{-1920, 0, 3840, 2160}));

    // One monitor: itself; none: an empty rectangle (the caller falls back to a window).
    EXPECT_EQ(span_of({{100, 50, 1280, 720}}), (MonitorRect{100, 50, 1280, 720}));
    const MonitorRect none = span_of({});
    EXPECT_EQ(none.width, 0);
    EXPECT_EQ(none.height, 0);
}

TEST(Span, MonitorsOfDifferentSizesLeaveNoneOutside) {
    // A 4K panel beside a 1080p one hanging from the top: the span is as tall as the taller.
    const std::vector<MonitorRect> mixed = {{0, 0, 3840, 2160}, {3840, 0, 1920, 1080}};
    const MonitorRect span = span_of(mixed);
    EXPECT_EQ(span, (MonitorRect{0, 0, 5760, 2160}));
    for (const MonitorRect& m : mixed) {
        EXPECT_GE(m.x, span.x);
        EXPECT_GE(m.y, span.y);
        EXPECT_LE(m.x + m.width, span.x + span.width);
        EXPECT_LE(m.y + m.height, span.y + span.height);
    }
}

}  // namespace
}  // namespace citywall::viewer
