// A department's times in its own format and zone (docs/config.md, "Feed times"): the patterns,
// the epoch words, DST edges read by the documented rule, values that must be refused, the checks
// at config load, and the real San Francisco incident data in its own time format.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "citywall/config.hpp"
#include "citywall/feed_time.hpp"
#include "citywall/time_zone.hpp"
#include "feed_adapter.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;  // 2026-11-18

TimeMs utc(const char* iso) {
    auto ms = parse_iso8601(iso);
    EXPECT_TRUE(ms) << iso;
    return ms.value_or(0);
}

FeedTimeFormat format(std::vector<std::string> formats, const char* zone) {
    auto found = TimeZone::find(zone);
    EXPECT_TRUE(found) << found.error();
    auto made = FeedTimeFormat::make(formats, found ? *found : TimeZone{});
    EXPECT_TRUE(made) << made.error();
    return made ? *made : FeedTimeFormat{};
}

std::string format_error(std::vector<std::string> formats) {
    auto made = FeedTimeFormat::make(formats, TimeZone{});
    EXPECT_FALSE(made) << "accepted: " << formats.front();
    if (!made) {
        EXPECT_EQ(made.error_kind(), ErrorKind::invalid);
    }
    return made ? std::string() : made.error();
}

TEST(TimeZoneTest, ComesFromTheSystemDatabaseAndRefusesWhatItLacks) {
    auto berlin = TimeZone::find("Europe/Berlin");
    ASSERT_TRUE(berlin) << berlin.error();
    EXPECT_EQ(berlin->name(), "Europe/Berlin");
    EXPECT_EQ(berlin->offset_at(utc("2024-01-15T12:00:00Z") / 1000), 3600);
    EXPECT_EQ(berlin->offset_at(utc("2024-07-15T12:00:00Z") / 1000), 7200);
    EXPECT_TRUE(TimeZone::find("UTC"));
    EXPECT_TRUE(TimeZone::find("PRC"));  // a link is a name too
    for (const char* bad : {"", "Bogus/Zone", "CST-8", "+08:00", "../../etc/passwd", "Asia"}) {
        auto zone = TimeZone::find(bad);
        EXPECT_FALSE(zone) << bad;
        if (!zone) {
            EXPECT_EQ(zone.error_kind(), ErrorKind::invalid) << bad;
        }
    }
}

// Debian's tzdata is "fat": transitions are written out to 2037. A "slim" database would leave
// the library (which does not read the POSIX rule at the end of a file) without today's DST:
// this test says so at once.
TEST(TimeZoneTest, KnowsTodaysDaylightSavingTime) {
    auto la = TimeZone::find("America/Los_Angeles");
    ASSERT_TRUE(la);
    EXPECT_EQ(la->offset_at(utc("2030-07-01T12:00:00Z") / 1000), -7 * 3600);
    EXPECT_EQ(la->offset_at(utc("2030-12-01T12:00:00Z") / 1000), -8 * 3600);
}

std::string machine_zone() {
    auto name = TimeZone::machine_zone_name();
    return name ? *name : "error: " + name.error();
}

TEST(TimeZoneTest, TheMachinesZoneIsTzWhenItNamesAZone) {
    const char* was = std::getenv("TZ");
    const std::string saved = was ? was : "";
    ::setenv("TZ", "Asia/Shanghai", 1);
    EXPECT_EQ(machine_zone(), "Asia/Shanghai");
    ::setenv("TZ", ":Europe/Berlin", 1);
    EXPECT_EQ(machine_zone(), "Europe/Berlin");
    ::setenv("TZ", "CST-8", 1);  // a POSIX rule is no zone of the database
    auto rule = TimeZone::machine_zone_name();
    EXPECT_FALSE(rule);
    EXPECT_NE(rule.error().find("TZ=\"CST-8\""), std::string::npos) << rule.error();
    ::unsetenv("TZ");
    EXPECT_TRUE(TimeZone::machine_zone_name()) << "/etc/localtime names no zone";
    if (was) ::setenv("TZ", saved.c_str(), 1);
}

TEST(FeedTimeTest, TheDefaultIsIsoWithAZoneOrEpochMilliseconds) {
    const FeedTimeFormat times;
    EXPECT_EQ(times.read_text("2024-05-01T12:00:03+08:00"), utc("2024-05-01T04:00:03Z"));
    EXPECT_EQ(times.read_integer(1714536003000), 1714536003000);
    EXPECT_EQ(times.read_text("1714536003000"), 1714536003000);  // its digits as text
    EXPECT_FALSE(times.read_text("2024-05-01 12:00:03"));        // no zone: no instant
    EXPECT_FALSE(times.read_number(1714536003.5));
    EXPECT_EQ(times.tried(), "iso8601, epoch_ms");
}

TEST(FeedTimeTest, LocalTimesAreReadInTheDepartmentsZone) {
    const auto shanghai =
        format({"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"}, "Asia/Shanghai");
    EXPECT_EQ(shanghai.read_text("2024-05-01 12:00:03"), utc("2024-05-01T04:00:03Z"));
    EXPECT_EQ(shanghai.read_text("2024-05-01T12:00:03"), utc("2024-05-01T04:00:03Z"));
    EXPECT_EQ(shanghai.read_text("2024-05-01T12:00:03.25"), utc("2024-05-01T04:00:03.250Z"));
    EXPECT_EQ(shanghai.read_text("2024-5-1 9:05:03"), utc("2024-05-01T01:05:03Z"));
    EXPECT_EQ(shanghai.read_text("2024-05-01  12:00:03"), utc("2024-05-01T04:00:03Z"));
    // China kept summer time from 1986 to 1991: the database knows.
    EXPECT_EQ(shanghai.read_text("1990-07-01 12:00:00"), utc("1990-07-01T03:00:00Z"));
    EXPECT_EQ(shanghai.tried(),
              "'%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f' "
              "(in Asia/Shanghai)");
}

TEST(FeedTimeTest, UsStyleWithAmAndPm) {
    const auto la = format({"%m/%d/%Y %I:%M:%S %p"}, "America/Los_Angeles");
    EXPECT_EQ(la.read_text("05/01/2022 12:00:03 AM"), utc("2022-05-01T07:00:03Z"));  // midnight
    EXPECT_EQ(la.read_text("05/01/2022 12:00:03 PM"), utc("2022-05-01T19:00:03Z"));  // noon
    EXPECT_EQ(la.read_text("5/1/2022 1:00:03 pm"), utc("2022-05-01T20:00:03Z"));
    EXPECT_EQ(la.read_text("12/31/2013 09:33:00 PM"), utc("2014-01-01T05:33:00Z"));
    EXPECT_FALSE(la.read_text("05/01/2022 13:00:03 PM"));
    EXPECT_FALSE(la.read_text("05/01/2022 00:00:03 AM"));
    EXPECT_FALSE(la.read_text("05/01/2022 12:00:03"));
    EXPECT_FALSE(la.read_text("2022-05-01 12:00:03 AM"));
    const auto months = format({"%b %d, %Y %I:%M %p"}, "America/Los_Angeles");
    EXPECT_EQ(months.read_text("May 1, 2022 12:00 AM"), utc("2022-05-01T07:00:00Z"));
    EXPECT_EQ(months.read_text("december 31, 2013 9:33 PM"), utc("2014-01-01T05:33:00Z"));
}

TEST(FeedTimeTest, ChineseDatesWithTheirOwnWords) {
    const auto shanghai =
        format({"%Y年%m月%d日 %H时%M分", "%Y年%m月%d日%p%I点%M分"}, "Asia/Shanghai");
    EXPECT_EQ(shanghai.read_text("2024年5月1日 12时00分"), utc("2024-05-01T04:00:00Z"));
    EXPECT_EQ(shanghai.read_text("2024年05月01日 08时30分"), utc("2024-05-01T00:30:00Z"));
    EXPECT_EQ(shanghai.read_text("2024年5月1日下午3点15分"), utc("2024-05-01T07:15:00Z"));
    EXPECT_EQ(shanghai.read_text("2024年5月1日上午12点15分"), utc("2024-04-30T16:15:00Z"));
    EXPECT_FALSE(shanghai.read_text("2024年5月1日 12时00"));
    EXPECT_FALSE(shanghai.read_text("2024年5月1日 12时00分钟"));
}

TEST(FeedTimeTest, EpochSecondsAndMilliseconds) {
    const auto seconds = format({"epoch_s"}, "UTC");
    EXPECT_EQ(seconds.read_integer(1714536003), 1714536003000);
    EXPECT_EQ(seconds.read_text("1714536003"), 1714536003000);
    EXPECT_EQ(seconds.read_text("1714536003.25"), 1714536003250);
    EXPECT_EQ(seconds.read_number(1714536003.25), 1714536003250);
    EXPECT_FALSE(seconds.read_text("1714536003."));
    EXPECT_FALSE(seconds.read_text("1.7e9"));
    EXPECT_FALSE(seconds.read_text(" 1714536003"));
    EXPECT_FALSE(seconds.read_integer(9'000'000'000'000'000'000));  // past year 9999
    EXPECT_FALSE(seconds.read_text("2024-05-01T12:00:03Z"));        // only the listed formats
    const auto millis = format({"epoch_ms", "iso8601"}, "UTC");
    EXPECT_EQ(millis.read_integer(1714536003250), 1714536003250);
    EXPECT_FALSE(millis.read_number(1714536003250.5));
    EXPECT_EQ(millis.read_text("2024-05-01T12:00:03Z"), utc("2024-05-01T12:00:03Z"));
}

TEST(FeedTimeTest, AnOffsetInTheValueWinsOverTheZone) {
    const auto la = format({"%d.%m.%Y %H:%M %z"}, "America/Los_Angeles");
    EXPECT_EQ(la.read_text("01.05.2024 12:00 +0800"), utc("2024-05-01T04:00:00Z"));
    EXPECT_EQ(la.read_text("01.05.2024 12:00 +08:00"), utc("2024-05-01T04:00:00Z"));
    EXPECT_EQ(la.read_text("01.05.2024 12:00 -05"), utc("2024-05-01T17:00:00Z"));
    EXPECT_EQ(la.read_text("01.05.2024 12:00 Z"), utc("2024-05-01T12:00:00Z"));
    EXPECT_FALSE(la.read_text("01.05.2024 12:00 +08:"));
    EXPECT_FALSE(la.read_text("01.05.2024 12:00 +2400"));
    EXPECT_EQ(la.tried(), "'%d.%m.%Y %H:%M %z'");  // no zone is used
}

// The documented rule (RFC 5545, as java.time and Python's zoneinfo): a time that happens twice
// is the earlier instant; a time in the gap is read with the offset before it.
TEST(FeedTimeTest, DaylightSavingEdgesFollowTheDocumentedRule) {
    const auto la = format({"%Y-%m-%d %H:%M:%S"}, "America/Los_Angeles");
    EXPECT_EQ(la.read_text("2024-03-10 01:59:59"), utc("2024-03-10T09:59:59Z"));  // PST
    EXPECT_EQ(la.read_text("2024-03-10 02:30:00"), utc("2024-03-10T10:30:00Z"));  // the gap
    EXPECT_EQ(la.read_text("2024-03-10 03:00:00"), utc("2024-03-10T10:00:00Z"));  // PDT
    EXPECT_EQ(la.read_text("2024-11-03 00:59:59"), utc("2024-11-03T07:59:59Z"));  // PDT
    EXPECT_EQ(la.read_text("2024-11-03 01:30:00"), utc("2024-11-03T08:30:00Z"));  // twice: PDT
    EXPECT_EQ(la.read_text("2024-11-03 02:00:00"), utc("2024-11-03T10:00:00Z"));  // PST

    const auto berlin = format({"%d.%m.%Y %H:%M"}, "Europe/Berlin");
    EXPECT_EQ(berlin.read_text("31.03.2024 01:59"), utc("2024-03-31T00:59:00Z"));  // CET
    EXPECT_EQ(berlin.read_text("31.03.2024 02:30"), utc("2024-03-31T01:30:00Z"));  // the gap
    EXPECT_EQ(berlin.read_text("31.03.2024 03:00"), utc("2024-03-31T01:00:00Z"));  // CEST
    EXPECT_EQ(berlin.read_text("27.10.2024 02:30"), utc("2024-10-27T00:30:00Z"));  // twice: CEST
    EXPECT_EQ(berlin.read_text("27.10.2024 03:00"), utc("2024-10-27T02:00:00Z"));  // CET

    // No DST in China today: the same offset all year, and nothing happens twice.
    const auto shanghai = format({"%Y-%m-%d %H:%M"}, "Asia/Shanghai");
    EXPECT_EQ(shanghai.read_text("2024-03-10 02:30"), utc("2024-03-09T18:30:00Z"));
    EXPECT_EQ(shanghai.read_text("2024-11-03 01:30"), utc("2024-11-02T17:30:00Z"));
}

TEST(FeedTimeTest, ImpossibleDatesAndTimesAreRefused) {
    const auto times = format({"%Y-%m-%d %H:%M:%S"}, "Asia/Shanghai");
    EXPECT_TRUE(times.read_text("2024-02-29 12:00:00"));
    for (const char* bad : {"2023-02-29 12:00:00", "2024-04-31 12:00:00", "2024-13-01 12:00:00",
                            "2024-00-10 12:00:00", "2024-05-00 12:00:00", "2024-05-01 24:00:00",
                            "2024-05-01 12:60:00", "2024-05-01 12:00:61", "24-05-01 12:00:00",
                            "2024-05-01 12:00:00Z", "2024-05-01 12:00:00 ", " 2024-05-01 12:00:00",
                            "2024-05-01", "", "２０２４-05-01 12:00:00", "2024-05-011 12:00:00",
                            "2024-05-01T12:00:00", "-024-05-01 12:00:00"})
        EXPECT_FALSE(times.read_text(bad)) << bad;
}

TEST(FeedTimeTest, FormatsAreCheckedWhenTheyAreMade) {
    EXPECT_EQ(format_error({"%Y-%m-%d %H:%Q"}),
              "\"%Y-%m-%d %H:%Q\": %Q is not one of the directives %Y %m %b %d %H %I %M %S %f "
              "%p %z %%");
    EXPECT_EQ(format_error({"%Y-%m-%d %H:%M%"}), "\"%Y-%m-%d %H:%M%\": ends with a lone %");
    EXPECT_EQ(format_error({"%Y-%m-%d"}), "\"%Y-%m-%d\": has no %H or %I (the hour)");
    EXPECT_EQ(format_error({"%m/%d %H:%M"}), "\"%m/%d %H:%M\": has no %Y (the year, four digits)");
    EXPECT_EQ(format_error({"%m/%d/%Y %I:%M"}),
              "\"%m/%d/%Y %I:%M\": %I (1..12) and %p (AM or PM) go together");
    EXPECT_EQ(format_error({"%Y-%m-%d %H:%M %p"}),
              "\"%Y-%m-%d %H:%M %p\": %I (1..12) and %p (AM or PM) go together");
    EXPECT_EQ(format_error({"%Y-%m-%d %H:%M:%M"}), "\"%Y-%m-%d %H:%M:%M\": %M appears twice");
    EXPECT_EQ(format_error({"iso"}),
              "\"iso\": neither a pattern (with %Y, %m, %d, %H …) nor iso8601, epoch_s or "
              "epoch_ms");
    EXPECT_EQ(format_error({"epoch_s", "epoch_ms"}),
              "epoch_s and epoch_ms both: a number would always be read by the first");
    EXPECT_EQ(format_error({"iso8601", "iso8601"}), "\"iso8601\" is listed twice");
    EXPECT_NE(format_error({"%Y-%m-%d %H:%M:%S.%f %Q"}), "");
    EXPECT_NE(format_error({"%Y-%m-%d %H时%\xE6"}), "");  // not UTF-8
}

// What the reject says: the value, quoted, and every format tried.
TEST(FeedTimeTest, ARejectQuotesTheValueAndTheFormatsTried) {
    DepartmentConfig d;
    d.code = "sfpd";
    d.fields.occurred = "when";
    d.time_formats = {"%m/%d/%Y %H:%M", "iso8601"};
    d.time_zone = "America/Los_Angeles";
    ASSERT_TRUE(check_feed_mapping(d));
    auto adapter = make_feed_adapter(d, {}, {});
    const auto message = [](const std::string& when) {
        return R"({"id":"1","category":"police.theft","lon":-122.4,"lat":37.8,"when":)" + when +
               "}";
    };
    auto good = adapter->decode(message("\"12/31/2013 21:33\""), kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(good));
    EXPECT_EQ(std::get<FeedReport>(good).occurred, utc("2014-01-01T05:33:00Z"));

    auto bad = adapter->decode(message("\"31/12/2013 21:33\""), kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(bad));
    EXPECT_EQ(std::get<FeedReject>(bad).reason, RejectReason::bad_time);
    EXPECT_EQ(std::get<FeedReject>(bad).detail,
              "occurred ('when') '31/12/2013 21:33' is in none of the formats '%m/%d/%Y %H:%M', "
              "iso8601 (in America/Los_Angeles)");
    auto number = adapter->decode(message("1388554380"), kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(number));
    EXPECT_EQ(std::get<FeedReject>(number).detail,
              "occurred ('when') 1388554380 is in none of the formats '%m/%d/%Y %H:%M', iso8601 "
              "(in America/Los_Angeles)");
    auto boolean = adapter->decode(message("true"), kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(boolean));
    EXPECT_EQ(std::get<FeedReject>(boolean).reason, RejectReason::bad_time);

    // A department made in code with a bad format is refused at start and rejects every message.
    d.time_formats = {"%m/%d/%Y %H:%Q"};
    EXPECT_FALSE(check_feed_mapping(d));
    auto broken = make_feed_adapter(d, {}, {})->decode(message("\"12/31/2013 21:33\""), kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(broken));
    EXPECT_EQ(std::get<FeedReject>(broken).reason, RejectReason::bad_mapping);
    EXPECT_NE(std::get<FeedReject>(broken).detail.find("time_format: "), std::string::npos);
}

// Every place a department's time is read: a report's occurred (JSON and GeoJSON) and a unit's
// fix time. CAP keeps its standard's ISO-8601 with a zone.
TEST(FeedTimeTest, EveryFeedTimeIsReadInTheDepartmentsFormat) {
    DepartmentConfig d;
    d.time_formats = {"%Y-%m-%d %H:%M:%S"};
    d.time_zone = "Asia/Shanghai";
    const auto expected = utc("2026-11-18T02:00:00Z");

    auto report = make_feed_adapter(d, {}, {})->decode(
        R"({"id":"A","category":"police.theft","lon":114,"lat":22,"occurred":"2026-11-18 10:00:00"})",
        kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(report));
    EXPECT_EQ(std::get<FeedReport>(report).occurred, expected);

    auto fix = make_feed_adapter(d, {}, {})->decode(
        R"({"type":"unit","id":"沪A1234","lon":114,"lat":22,"time":"2026-11-18 10:00:00"})", kNow);
    ASSERT_TRUE(std::holds_alternative<FeedUnitFix>(fix));
    EXPECT_EQ(std::get<FeedUnitFix>(fix).time, expected);

    d.format = FeedFormat::geojson;
    auto feature = make_feed_adapter(d, {}, {})->decode(
        R"({"type":"Feature","id":"S1","geometry":{"type":"Point","coordinates":[114,22]},
            "properties":{"category":"sensor.bridge_tilt","occurred":"2026-11-18 10:00:00"}})",
        kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(feature));
    EXPECT_EQ(std::get<FeedReport>(feature).occurred, expected);

    d.format = FeedFormat::cap;
    auto alert = make_feed_adapter(d, {}, {})->decode(
        R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>X1</identifier>
        <sent>2026-11-18T10:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>
        <info><event>fire.building</event><severity>Severe</severity>
        <area><circle>22.5,114.0 0.5</circle></area></info></alert>)",
        kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(alert));
    EXPECT_EQ(std::get<FeedReport>(alert).occurred, expected);
    auto local_cap = make_feed_adapter(d, {}, {})->decode(
        R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>X1</identifier>
        <sent>2026-11-18 10:00:00</sent><status>Actual</status><msgType>Alert</msgType>
        <info><event>fire.building</event><severity>Severe</severity>
        <area><circle>22.5,114.0 0.5</circle></area></info></alert>)",
        kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(local_cap));
    EXPECT_EQ(std::get<FeedReject>(local_cap).reason, RejectReason::bad_time);
}

// ---- configuration -----------------------------------------------------------------------------

constexpr const char* kDepartment =
    "[[department]]\ncode = \"110\"\n"
    "endpoint = \"tcp://127.0.0.1:5601\"\n";

TEST(FeedTimeConfigTest, ADepartmentTakesTheCentresZoneUnlessItNamesItsOwn) {
    auto config = parse_ingest_config(
        std::string("[centre]\ntime_zone = \"Asia/Shanghai\"\n") + kDepartment +
            "time_format = \"%Y-%m-%d %H:%M:%S\"\n"
            "[[department]]\ncode = \"sfpd\"\nendpoint = \"tcp://127.0.0.1:5602\"\n"
            "time_zone = \"America/Los_Angeles\"\n"
            "time_format = [\"%m/%d/%Y %I:%M:%S %p\", \"epoch_s\"]\n",
        "/tmp");
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->centre.time_zone, "Asia/Shanghai");
    EXPECT_EQ(config->departments[0].time_zone, "Asia/Shanghai");
    EXPECT_EQ(config->departments[0].time_formats, std::vector<std::string>{"%Y-%m-%d %H:%M:%S"});
    EXPECT_EQ(config->departments[1].time_zone, "America/Los_Angeles");
    EXPECT_EQ(config->departments[1].time_formats,
              (std::vector<std::string>{"%m/%d/%Y %I:%M:%S %p", "epoch_s"}));
    for (const auto& department : config->departments)
        EXPECT_TRUE(check_feed_mapping(department)) << department.code;
}

TEST(FeedTimeConfigTest, WithoutACentreZoneTheMachinesIsTaken) {
    const char* was = std::getenv("TZ");
    const std::string saved = was ? was : "";
    ::setenv("TZ", "Europe/Berlin", 1);
    auto config = parse_ingest_config(kDepartment, "/tmp");
    ::setenv("TZ", "CST-8", 1);
    auto refused = parse_ingest_config(kDepartment, "/tmp");
    if (was) {
        ::setenv("TZ", saved.c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->centre.time_zone, "Europe/Berlin");
    EXPECT_EQ(config->departments[0].time_zone, "Europe/Berlin");
    EXPECT_TRUE(config->departments[0].time_formats.empty());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(),
              "[centre] time_zone: the machine's zone TZ=\"CST-8\" is not an IANA zone name of "
              "the system's database; name the zone");
}

TEST(FeedTimeConfigTest, ABadZoneOrFormatNamesTheDepartmentAndTheKey) {
    const auto error = [](const std::string& text) {
        auto config = parse_ingest_config("[centre]\ntime_zone = \"UTC\"\n" + text, "/tmp");
        EXPECT_FALSE(config) << text;
        if (!config) {
            EXPECT_EQ(config.error_kind(), ErrorKind::invalid);
        }
        return config ? std::string() : config.error();
    };
    EXPECT_EQ(error(std::string(kDepartment) + "time_zone = \"Pacific/Atlantis\"\n"),
              "line 6: [[department]] #1 time_zone: \"Pacific/Atlantis\" is not a time zone of "
              "the system's database (an IANA name such as \"Asia/Shanghai\")");
    EXPECT_EQ(error(std::string(kDepartment) + "time_format = \"%Y/%m/%d %k\"\n"),
              "line 6: [[department]] #1 time_format: \"%Y/%m/%d %k\": %k is not one of the "
              "directives %Y %m %b %d %H %I %M %S %f %p %z %%");
    EXPECT_EQ(error(std::string(kDepartment) + "time_format = []\n"),
              "line 6: [[department]] #1 time_format: an empty list; leave the key out for the "
              "default");
    EXPECT_EQ(error(std::string(kDepartment) + "time_format = 3\n"),
              "line 6: [[department]] #1 time_format: expected a string or a list of strings, got "
              "an integer");
    auto centre = parse_ingest_config(
        std::string("[centre]\ntime_zone = \"Mars/Olympus\"\n") + kDepartment, "/tmp");
    ASSERT_FALSE(centre);
    EXPECT_EQ(centre.error(),
              "line 2: [centre] time_zone: \"Mars/Olympus\" is not a time zone of the system's "
              "database (an IANA name such as \"Asia/Shanghai\")");
}

// The example of docs/config.md's "Feed times" is real configuration, and its values read as the
// page says.
TEST(FeedTimeConfigTest, TheDocumentedExampleReadsTheDocumentedTimes) {
    std::ifstream in(std::filesystem::path(CITYWALL_DOCS) / "config.md");
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = doc.find("```toml\n", doc.find("## Feed times")) + 8;
    auto config = parse_ingest_config(doc.substr(at, doc.find("```", at) - at), "/tmp");
    ASSERT_TRUE(config) << config.error();
    ASSERT_EQ(config->departments.size(), 2u);
    const auto read = [&](std::size_t department, const std::string& value) {
        auto decoded = make_feed_adapter(config->departments[department], {}, {})
                           ->decode(R"({"id":"1","category":"police.theft","lon":1,"lat":2,)"
                                    R"("occurred":)" +
                                        value + "}",
                                    kNow);
        const auto* report = std::get_if<FeedReport>(&decoded);
        EXPECT_TRUE(report) << value << ": " << std::get<FeedReject>(decoded).detail;
        return report ? report->occurred : 0;
    };
    EXPECT_EQ(read(0, "\"05/01/2022 12:00:03 AM\""), utc("2022-05-01T07:00:03Z"));
    for (const char* value : {"\"2024-05-01 12:00:03\"", "\"2024-05-01T12:00:03\"", "1714536003"})
        EXPECT_EQ(read(1, value), utc("2024-05-01T04:00:03Z")) << value;
    EXPECT_EQ(read(1, "\"2024年5月1日 12时00分\""), utc("2024-05-01T04:00:00Z"));
}

// ---- real data ---------------------------------------------------------------------------------

// SFPD's incident reports (tests/data/real, December 2013) carry the police's local wall-clock
// time as Date "12/31/2013" and Time "21:33", in San Francisco's zone: every one of the 9,030
// rows, sent as one field "Date Time", must read as that wall-clock time in Pacific Standard Time
// (December has no DST), computed here without the zone database.
TEST(FeedTimeRealDataTest, SanFranciscoIncidentTimesReadInTheirOwnFormatAndZone) {
    DepartmentConfig sfpd;
    sfpd.code = "sfpd";
    sfpd.fields.id = "IncidntNum";
    sfpd.fields.lon = "lng";
    sfpd.fields.lat = "lat";
    sfpd.fields.occurred = "when";
    sfpd.time_formats = {"%m/%d/%Y %H:%M"};
    sfpd.time_zone = "America/Los_Angeles";
    ASSERT_TRUE(check_feed_mapping(sfpd));
    auto adapter = make_feed_adapter(sfpd, {}, {});

    std::ifstream in(std::filesystem::path(CITYWALL_TEST_DATA) / "real" / "sfpd_incidents.csv");
    ASSERT_TRUE(in) << "tests/data/real/sfpd_incidents.csv";
    std::string line;
    std::getline(in, line);
    ASSERT_EQ(line.substr(0, 50), "IncidntNum,Category,Descript,DayOfWeek,Date,Time,P");
    int rows = 0, read = 0;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> f(1);  // quoted fields hold commas
        bool quoted = false;
        for (char c : line) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                f.emplace_back();
            } else {
                f.back().push_back(c);
            }
        }
        ASSERT_GE(f.size(), 11u) << line;
        ++rows;
        const std::string& date = f[4];  // MM/DD/YYYY
        const std::string& time = f[5];  // HH:MM
        const int month = std::stoi(date.substr(0, 2)), day = std::stoi(date.substr(3, 2));
        const int year = std::stoi(date.substr(6, 4));
        const int hour = std::stoi(time.substr(0, 2)), minute = std::stoi(time.substr(3, 2));
        ASSERT_EQ(month, 12) << line;
        const TimeMs pst =
            (days_from_civil(year, month, day) * 86400 + (hour + 8) * 3600 + minute * 60) * 1000;
        const std::string message =
            R"({"IncidntNum":")" + f[0] + R"(","category":"police.theft",)" + R"("lng":)" + f[9] +
            R"(,"lat":)" + f[10] + R"(,"when":")" + date + " " + time + "\"}";
        auto decoded = adapter->decode(message, kNow);
        const auto* report = std::get_if<FeedReport>(&decoded);
        ASSERT_TRUE(report) << message << ": " << std::get<FeedReject>(decoded).detail;
        EXPECT_EQ(report->occurred, pst) << message;
        read += report->occurred == pst;
    }
    EXPECT_EQ(rows, 9030);
    EXPECT_EQ(read, rows);
}

}  // namespace
}  // namespace citywall::ingest
