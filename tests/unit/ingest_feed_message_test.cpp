// The times departments write (RFC 3339): a date, a time, an optional fraction and a zone, read
// to milliseconds since 1970; anything that is not such a time, or names a day or an offset that
// does not exist, is nothing rather than some other time. The native message format's decoding
// is tested with the adapters (feed_adapter_test.cpp, NativeFormat…).
#include <gtest/gtest.h>

#include "feed_message.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kNovember18 = 1'794'971'520'000;  // 2026-11-18T03:12:00Z

TEST(Iso8601, ADateTimeAndZoneAreMillisecondsSince1970) {
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00Z"), kNovember18);
    EXPECT_EQ(parse_iso8601("2026-11-18 03:12:00Z"), kNovember18);  // a space for the T
    EXPECT_EQ(parse_iso8601("2026-11-18T11:12:00+08:00"), kNovember18);
    EXPECT_EQ(parse_iso8601("2026-11-18T11:12:00+0800"), kNovember18);
    EXPECT_EQ(parse_iso8601("2026-11-17T22:12:00-05:00"), kNovember18);
    EXPECT_EQ(parse_iso8601("2026-11-18T08:42:00+05:30"), kNovember18);
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00+00:00"), kNovember18);
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00-00:00"), kNovember18);
    EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59Z"), -1000);
    EXPECT_EQ(parse_iso8601("2026-12-31T23:59:59Z"), TimeMs{1'798'761'599'000});
    EXPECT_EQ(parse_iso8601("1600-03-01T00:00:00Z"), TimeMs{-11'670'912'000'000});
}

TEST(Iso8601, AFractionGivesItsMilliseconds) {
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00.5Z"), kNovember18 + 500);
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00.05Z"), kNovember18 + 50);
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00.123Z"), kNovember18 + 123);
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00.123999999+08:00"), kNovember18 - 8 * kHour + 123);
    EXPECT_EQ(parse_iso8601("2026-11-18T03:12:00.000Z"), kNovember18);
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00.Z"));
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00."));
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00,5Z"));
}

TEST(Iso8601, LeapDaysAndTheLeapSecond) {
    EXPECT_EQ(parse_iso8601("2024-02-29T00:00:00Z"), TimeMs{1'709'164'800'000});
    EXPECT_EQ(parse_iso8601("2000-02-29T12:00:00Z"), TimeMs{951'825'600'000});
    // 23:59:60 is the leap second: the same instant as the next day's 00:00:00.
    EXPECT_EQ(parse_iso8601("2016-12-31T23:59:60Z"), parse_iso8601("2017-01-01T00:00:00Z"));
}

TEST(Iso8601, ATimeWithoutAZoneIsAmbiguousAndRefused) {
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00"));
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00.5"));
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00 CST"));
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00+08"));  // an offset needs its minutes
    EXPECT_FALSE(parse_iso8601("2026-11-18T03:12:00+8:00"));
}

TEST(Iso8601, WhatIsNotSuchATimeIsNothing) {
    for (const char* bad : {
             "",
             "2026-11-18",
             "2026-11-18T03:12Z",
             "2026/11/18T03:12:00Z",
             "2026-11-18X03:12:00Z",
             "26-11-18T03:12:00Z",
             "2026-11-18T03:12:00Zjunk",
             "2026-11-18T03:12:00+08:00 ",
             "2026-11-18T03:12:00ZZ",
             "2026-1a-18T03:12:00Z",
             "2026-11-18T-3:12:00Z",  // a sign where a digit goes
             "2026-11-18T+3:12:00Z",
             "-026-11-18T03:12:00Z",
             "2026-11-18T03:12:00+0a:00",
             "2026-11-18T03:12:00+08:0",
             "yesterday at noon, local time",
         })
        EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(Iso8601, FieldsOutOfTheirRangeAreNothing) {
    for (const char* bad : {
             "2026-00-18T03:12:00Z",
             "2026-13-18T03:12:00Z",
             "2026-11-00T03:12:00Z",
             "2026-11-32T03:12:00Z",
             "2026-11-18T24:00:00Z",
             "2026-11-18T03:60:00Z",
             "2026-11-18T03:12:61Z",
             "2026-11-18T03:12:00+24:00",
         })
        EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

// A day the month does not have is not quietly the first days of the next month, and an offset's
// minutes are minutes: a department's clock gone wrong is a bad time, not another time.
TEST(Iso8601, DaysTheMonthLacksAndMinutesPastSixtyAreNothing) {
    for (const char* bad : {
             "2026-02-29T00:00:00Z",  // 2026 is no leap year
             "2026-02-30T00:00:00Z",
             "2026-02-31T00:00:00Z",
             "1900-02-29T00:00:00Z",  // a century that is no leap year
             "2026-04-31T00:00:00Z",
             "2026-06-31T00:00:00Z",
             "2026-09-31T00:00:00Z",
             "2026-11-31T00:00:00Z",
             "2026-11-18T03:12:00+08:60",
             "2026-11-18T03:12:00+0899",
         })
        EXPECT_FALSE(parse_iso8601(bad)) << bad;
    for (const char* good : {"2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-12-31T00:00:00Z",
                             "2026-02-28T00:00:00Z", "2026-11-18T03:12:00+08:59"})
        EXPECT_TRUE(parse_iso8601(good)) << good;
}

}  // namespace
}  // namespace citywall::ingest
