// "Today" is the local calendar day of the machine's time zone: its midnight at or before the
// time, in a zone east of Greenwich, at Greenwich, west of it, on a day whose midnight the clocks
// skip, and before 1970.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "citywall/local_day.hpp"

namespace citywall {
namespace {

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kDay = 24 * kHour;

// The process's time zone for one test, restored after it.
class TimeZone {
  public:
    explicit TimeZone(const char* zone) {
        const char* was = std::getenv("TZ");
        had_ = was != nullptr;
        if (had_) saved_ = was;
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    ~TimeZone() {
        if (had_) {
            ::setenv("TZ", saved_.c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    TimeZone(const TimeZone&) = delete;
    TimeZone& operator=(const TimeZone&) = delete;

  private:
    bool had_ = false;
    std::string saved_;
};

// 2026-11-23 00:00:00 UTC.
constexpr TimeMs kUtcMidnight = 1'795'392'000'000;

TEST(LocalDay, AtGreenwichTheDayStartsAtUtcMidnight) {
    TimeZone zone("UTC");
    EXPECT_EQ(local_day_start(kUtcMidnight), kUtcMidnight);  // midnight itself is that day's
    EXPECT_EQ(local_day_start(kUtcMidnight + 1), kUtcMidnight);
    EXPECT_EQ(local_day_start(kUtcMidnight + 12 * kHour + 345), kUtcMidnight);
    EXPECT_EQ(local_day_start(kUtcMidnight + kDay - 1), kUtcMidnight);
    EXPECT_EQ(local_day_start(kUtcMidnight + kDay), kUtcMidnight + kDay);
    EXPECT_EQ(local_day_start(kUtcMidnight - 1), kUtcMidnight - kDay);
}

TEST(LocalDay, EastOfGreenwichTheDayStartsTheEveningBefore) {
    TimeZone zone("Asia/Shanghai");  // UTC+8 all year
    const TimeMs midnight = kUtcMidnight - 8 * kHour;
    EXPECT_EQ(local_day_start(kUtcMidnight), midnight);
    EXPECT_EQ(local_day_start(midnight), midnight);
    EXPECT_EQ(local_day_start(midnight - 1), midnight - kDay);
    EXPECT_EQ(local_day_start(midnight + kDay - 1), midnight);
}

TEST(LocalDay, WestOfGreenwichTheDayStartsLater) {
    TimeZone zone("America/New_York");  // UTC-5 in November
    const TimeMs midnight = kUtcMidnight + 5 * kHour;
    EXPECT_EQ(local_day_start(kUtcMidnight + 4 * kHour), midnight - kDay);
    EXPECT_EQ(local_day_start(midnight), midnight);
    EXPECT_EQ(local_day_start(midnight + 23 * kHour), midnight);
}

// In São Paulo on 2018-11-04 the clocks went from 23:59:59 straight to 01:00: the day began at
// 01:00 local (03:00 UTC), not in the day before.
TEST(LocalDay, ADayWhoseMidnightTheClocksSkipStartsAtItsFirstHour) {
    TimeZone zone("America/Sao_Paulo");
    const TimeMs first_hour = 1'541'300'400'000;  // 2018-11-04 03:00 UTC, 01:00 -02
    EXPECT_EQ(local_day_start(first_hour + 11 * kHour), first_hour);
    EXPECT_EQ(local_day_start(first_hour), first_hour);
    // The day before had 24 hours and began at 00:00 -03.
    EXPECT_EQ(local_day_start(first_hour - 1), first_hour - kDay);
}

// Times before 1970 are negative: the second they fall in is rounded down, not towards zero,
// or a time in the last second of 1969 would be given the day that follows it.
TEST(LocalDay, BeforeNineteenSeventyTheDayIsStillTheOneAtOrBefore) {
    TimeZone zone("UTC");
    EXPECT_EQ(local_day_start(0), 0);
    EXPECT_EQ(local_day_start(-1), -kDay);
    EXPECT_EQ(local_day_start(-500), -kDay);
    EXPECT_EQ(local_day_start(-kDay), -kDay);
    EXPECT_EQ(local_day_start(-kDay - 1), -2 * kDay);
    for (const TimeMs t : {TimeMs{-1}, TimeMs{-999}, TimeMs{-1000}, TimeMs{-1001}, -kDay + 1})
        EXPECT_LE(local_day_start(t), t) << t;
}

}  // namespace
}  // namespace citywall
