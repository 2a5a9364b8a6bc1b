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
class MachineZone {
  public:
    explicit MachineZone(const char* zone) {
        const char* was = std::getenv("TZ");
        had_ = was != nullptr;
        if (had_) saved_ = was;
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    ~MachineZone() {
        if (had_) {
            ::setenv("TZ", saved_.c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    MachineZone(const MachineZone&) = delete;
    MachineZone& operator=(const MachineZone&) = delete;

  private:
    bool had_ = false;
    std::string saved_;
};

// 2026-11-23 00:00:00 UTC.
constexpr TimeMs kUtcMidnight = 1'795'392'000'000;

TEST(LocalDay, AtGreenwichTheDayStartsAtUtcMidnight) {
    MachineZone zone("UTC");
    EXPECT_EQ(local_day_start(kUtcMidnight), kUtcMidnight);  // midnight itself is that day's
    EXPECT_EQ(local_day_start(kUtcMidnight + 1), kUtcMidnight);
    EXPECT_EQ(local_day_start(kUtcMidnight + 12 * kHour + 345), kUtcMidnight);
    EXPECT_EQ(local_day_start(kUtcMidnight + kDay - 1), kUtcMidnight);
    EXPECT_EQ(local_day_start(kUtcMidnight + kDay), kUtcMidnight + kDay);
    EXPECT_EQ(local_day_start(kUtcMidnight - 1), kUtcMidnight - kDay);
}

TEST(LocalDay, EastOfGreenwichTheDayStartsTheEveningBefore) {
    MachineZone zone("Asia/Shanghai");  // UTC+8 all year
    const TimeMs midnight = kUtcMidnight - 8 * kHour;
    EXPECT_EQ(local_day_start(kUtcMidnight), midnight);
    EXPECT_EQ(local_day_start(midnight), midnight);
    EXPECT_EQ(local_day_start(midnight - 1), midnight - kDay);
    EXPECT_EQ(local_day_start(midnight + kDay - 1), midnight);
}

TEST(LocalDay, WestOfGreenwichTheDayStartsLater) {
    MachineZone zone("America/New_York");  // UTC-5 in November
    const TimeMs midnight = kUtcMidnight + 5 * kHour;
    EXPECT_EQ(local_day_start(kUtcMidnight + 4 * kHour), midnight - kDay);
    EXPECT_EQ(local_day_start(midnight), midnight);
    EXPECT_EQ(local_day_start(midnight + 23 * kHour), midnight);
}

// In São Paulo on 2018-11-04 the clocks went from 23:59:59 straight to 01:00: the day began at
// 01:00 local (03:00 UTC), not in the day before.
TEST(LocalDay, ADayWhoseMidnightTheClocksSkipStartsAtItsFirstHour) {
    MachineZone zone("America/Sao_Paulo");
    const TimeMs first_hour = 1'541'300'400'000;  // 2018-11-04 03:00 UTC, 01:00 -02
    EXPECT_EQ(local_day_start(first_hour + 11 * kHour), first_hour);
    EXPECT_EQ(local_day_start(first_hour), first_hour);
    // The day before had 24 hours and began at 00:00 -03.
    EXPECT_EQ(local_day_start(first_hour - 1), first_hour - kDay);
}

// Times before 1970 are negative: the second they fall in is rounded down, not towards zero,
// or a time in the last second of 1969 would be given the day that follows it.
TEST(LocalDay, BeforeNineteenSeventyTheDayIsStillTheOneAtOrBefore) {
    MachineZone zone("UTC");
    EXPECT_EQ(local_day_start(0), 0);
    EXPECT_EQ(local_day_start(-1), -kDay);
    EXPECT_EQ(local_day_start(-500), -kDay);
    EXPECT_EQ(local_day_start(-kDay), -kDay);
    EXPECT_EQ(local_day_start(-kDay - 1), -2 * kDay);
    for (const TimeMs t : {TimeMs{-1}, TimeMs{-999}, TimeMs{-1000}, TimeMs{-1001}, -kDay + 1})
        EXPECT_LE(local_day_start(t), t) << t;
}

// In a zone of its own, whatever the machine's (TZ is set to another on purpose): the same
// days, found without the C library's zone.
TEST(LocalDay, InAGivenZoneTheDayIsThatZonesWhateverTheMachinesIs) {
    MachineZone machine("Asia/Shanghai");
    const auto zone = [](const char* name) {
        auto found = citywall::TimeZone::find(name);
        EXPECT_TRUE(found) << name;
        return found ? *found : citywall::TimeZone{};
    };
    // 2026-03-29 has 23 hours in Berlin, 2026-10-25 has 25: midnight is 22:00 or 23:00 UTC.
    const citywall::TimeZone berlin = zone("Europe/Berlin");
    EXPECT_EQ(local_day_start(1774738800000 + 3 * kHour, berlin), 1774738800000);
    EXPECT_EQ(local_day_start(1774821600000 - 1, berlin), 1774738800000);
    EXPECT_EQ(local_day_start(1774821600000, berlin), 1774821600000);
    EXPECT_EQ(local_day_start(1792879200000 + 24 * kHour, berlin), 1792879200000);
    EXPECT_EQ(local_day_start(1792969200000, berlin), 1792969200000);
    // São Paulo's skipped midnight: the day begins at its first hour.
    const TimeMs first_hour = 1'541'300'400'000;
    const citywall::TimeZone sao_paulo = zone("America/Sao_Paulo");
    EXPECT_EQ(local_day_start(first_hour + 11 * kHour, sao_paulo), first_hour);
    EXPECT_EQ(local_day_start(first_hour - 1, sao_paulo), first_hour - kDay);
    // Before 1970, and UTC by default.
    EXPECT_EQ(local_day_start(-1, citywall::TimeZone{}), -kDay);
    EXPECT_EQ(local_day_start(0, citywall::TimeZone{}), 0);
    // The machine's own zone gives the same days both ways.
    const citywall::TimeZone shanghai = zone("Asia/Shanghai");
    for (TimeMs t = 1'700'000'000'000; t < 1'700'000'000'000 + 3 * kDay; t += 7 * kHour / 3)
        EXPECT_EQ(local_day_start(t, shanghai), local_day_start(t)) << t;
}

}  // namespace
}  // namespace citywall
