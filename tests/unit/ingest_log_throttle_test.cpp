// Repeated log lines: one per kind and interval, the count of those held back on the next.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log_throttle.hpp"

namespace citywall::ingest {
namespace {

TEST(LogThrottle, OneLineAKindAnIntervalAndTheCountOnTheNext) {
    std::vector<std::string> lines;
    LogThrottle log([&](const std::string& line) { lines.push_back(line); }, 1000);
    for (int k = 0; k < 100'000; ++k)
        log.write("garbage", "refused a request", 5000 + k / 100);  // 1,000 ms of garbage
    log.write("checkpoint", "checkpoint failed", 5500);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "refused a request");
    EXPECT_EQ(lines[1], "checkpoint failed");
    EXPECT_EQ(log.held_back(), 99'999u);

    log.write("garbage", "refused a request", 6000);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[2], "refused a request (and 99999 more like it in the last 1 s)");
    log.write("garbage", "refused a request", 7001);
    EXPECT_EQ(lines.back(), "refused a request");  // nothing held back since
}

}  // namespace
}  // namespace citywall::ingest
