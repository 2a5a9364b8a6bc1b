// Unit position fixes from department feeds: the native fields, a department's own field names
// and words, GeoJSON Points, every reject, and the roster's ordering by fix time.
#include <gtest/gtest.h>

#include <string>

#include "feed_adapter.hpp"
#include "feed_message.hpp"
#include "unit_roster.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;

FeedUnitFix as_fix(const FeedMessage& message) {
    if (const auto* why = std::get_if<FeedReject>(&message))
        ADD_FAILURE() << "rejected: " << to_string(why->reason) << " (" << why->detail << ")";
    const auto* fix = std::get_if<FeedUnitFix>(&message);
    if (!fix && !std::holds_alternative<FeedReject>(message)) ADD_FAILURE() << "not a unit fix";
    return fix ? *fix : FeedUnitFix{};
}

std::string reason_of(const FeedMessage& message) {
    if (const auto* why = std::get_if<FeedReject>(&message))
        return std::string(to_string(why->reason));
    return std::holds_alternative<FeedUnitFix>(message) ? "unit" : "other";
}

// The fire service's vehicle-location system: its own names and words.
DepartmentConfig fire_service() {
    DepartmentConfig d;
    d.code = "119";
    d.unit_fields.id = "vehicle.plate";
    d.unit_fields.callsign = "vehicle.name";
    d.unit_fields.kind = "vehicle.type";
    d.unit_fields.status = "state";
    d.unit_fields.lon = "gps.x";
    d.unit_fields.lat = "gps.y";
    d.unit_fields.heading = "gps.dir";
    d.unit_fields.speed = "gps.v";
    d.unit_fields.incident = "task";
    d.unit_fields.time = "gps.t";
    d.unit_kinds = {{"水罐车", "fire_engine"}, {"云梯车", "fire_engine"}};
    d.unit_statuses = {{"待命", "available"}, {"出动", "en_route"}, {"到场", "on_scene"}};
    return d;
}

class UnitFixTest : public testing::Test {
  protected:
    FeedLimits limits_;
    std::unique_ptr<FeedAdapter> native_ = make_feed_adapter(DepartmentConfig{}, {}, limits_);
    std::unique_ptr<FeedAdapter> fire_ = make_feed_adapter(fire_service(), {}, limits_);

    std::string native_reason(const std::string& fields) {
        return reason_of(native_->decode(R"({"type":"unit",)" + fields + "}", kNow));
    }
};

TEST_F(UnitFixTest, NativeFixHasEveryField) {
    auto fix = as_fix(native_->decode(
        R"({"type":"unit","id":"沪A1234","callsign":"巡逻12","kind":"police_car",
            "status":"en_route","lon":121.47,"lat":"31.23","heading":87.5,"speed":11,
            "incident":"P2026-42","time":"2026-11-18T04:26:00Z"})",
        kNow));
    EXPECT_EQ(fix.id, "沪A1234");
    EXPECT_EQ(fix.callsign, "巡逻12");
    EXPECT_EQ(fix.kind, UnitKind::police_car);
    EXPECT_EQ(fix.status, UnitStatus::en_route);
    EXPECT_DOUBLE_EQ(fix.position.lon, 121.47);
    EXPECT_DOUBLE_EQ(fix.position.lat, 31.23);
    EXPECT_FLOAT_EQ(fix.heading, 87.5f);
    EXPECT_FLOAT_EQ(fix.speed, 11.f);
    EXPECT_EQ(fix.incident, "P2026-42");
    EXPECT_EQ(fix.time, 1794975960000);  // 2026-11-18T04:26:00Z
}

TEST_F(UnitFixTest, OnlyIdAndPositionAreRequired) {
    auto fix = as_fix(native_->decode(R"({"type":"unit","id":7,"lon":1,"lat":2})", kNow));
    EXPECT_EQ(fix.id, "7");
    EXPECT_EQ(fix.kind, UnitKind::other);
    EXPECT_EQ(fix.status, UnitStatus::available);
    EXPECT_LT(fix.heading, 0.f);  // unknown
    EXPECT_EQ(fix.time, 0);       // ingest's clock will do
    EXPECT_TRUE(fix.incident.empty());
}

TEST_F(UnitFixTest, DepartmentFieldNamesAndWords) {
    auto fix = as_fix(fire_->decode(
        R"({"type":"unit","vehicle":{"plate":"粤B-119-07","name":"特勤一站 水罐1","type":"水罐车"},
            "state":"出动","gps":{"x":114.05,"y":22.6,"dir":360,"v":"16.5","t":1794999999000},
            "task":"F-88"})",
        kNow));
    EXPECT_EQ(fix.id, "粤B-119-07");
    EXPECT_EQ(fix.kind, UnitKind::fire_engine);
    EXPECT_EQ(fix.status, UnitStatus::en_route);
    EXPECT_EQ(fix.heading, 0.f);  // 360 is north
    EXPECT_FLOAT_EQ(fix.speed, 16.5f);
    EXPECT_EQ(fix.incident, "F-88");
    // A word outside the department's map is refused, ours included: the map is the vocabulary.
    EXPECT_EQ(
        reason_of(fire_->decode(
            R"({"type":"unit","vehicle":{"plate":"x","type":"fire_engine"},"gps":{"x":1,"y":2}})",
            kNow)),
        "bad_field");
    EXPECT_EQ(
        reason_of(fire_->decode(
            R"({"type":"unit","vehicle":{"plate":"x"},"state":"休息","gps":{"x":1,"y":2}})", kNow)),
        "bad_status");
}

TEST_F(UnitFixTest, EveryBadFieldIsRejectedWithAReason) {
    EXPECT_EQ(native_reason(R"("lon":1,"lat":2)"), "missing_field");
    EXPECT_EQ(native_reason(R"("id":"a","lat":2)"), "missing_field");
    EXPECT_EQ(native_reason(R"("id":"a","lon":"x","lat":2)"), "bad_location");
    EXPECT_EQ(native_reason(R"("id":"a\u001fb","lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","callsign":"\n","lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","kind":"tank","lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","status":"asleep","lon":1,"lat":2)"), "bad_status");
    EXPECT_EQ(native_reason(R"("id":"a","heading":-5,"lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","heading":361,"lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","heading":"north","lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","speed":-1,"lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","speed":400,"lon":1,"lat":2)"), "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","time":"yesterday","lon":1,"lat":2)"), "bad_time");
    EXPECT_EQ(native_reason(R"("id":"a","time":1895000000000,"lon":1,"lat":2)"), "future_time");
    EXPECT_EQ(native_reason(R"("id":"a","time":-1,"lon":1,"lat":2)"), "bad_time");
    EXPECT_EQ(native_reason(R"("id":")" + std::string(200, 'x') + R"(","lon":1,"lat":2)"),
              "bad_field");
    EXPECT_EQ(native_reason(R"("id":"a","incident":[1],"lon":1,"lat":2)"), "bad_field");
}

TEST_F(UnitFixTest, UnusableUnitMappingRejectsEveryMessage) {
    auto d = fire_service();
    d.unit_kinds["摩托"] = "motorbike";
    EXPECT_NE(check_feed_mapping(d).error().find("unit_kinds"), std::string::npos);
    auto adapter = make_feed_adapter(d, {}, limits_);
    EXPECT_EQ(reason_of(adapter->decode(R"({"id":"a","category":"x.y","lon":1,"lat":2})", kNow)),
              "bad_mapping");
    d = fire_service();
    d.unit_fields.heading = "gps..dir";
    EXPECT_NE(check_feed_mapping(d).error().find("unit_fields.heading"), std::string::npos);
}

TEST_F(UnitFixTest, GeoJsonPointCarriesTheFix) {
    DepartmentConfig d;
    d.code = "120";
    d.format = FeedFormat::geojson;
    auto adapter = make_feed_adapter(d, {}, limits_);
    auto fix = as_fix(adapter->decode(
        R"({"type":"Feature","geometry":{"type":"Point","coordinates":[114.1,22.7]},
            "properties":{"type":"unit","id":"急救-3","kind":"ambulance","heading":45}})",
        kNow));
    EXPECT_EQ(fix.id, "急救-3");
    EXPECT_EQ(fix.kind, UnitKind::ambulance);
    EXPECT_DOUBLE_EQ(fix.position.lon, 114.1);
    EXPECT_DOUBLE_EQ(fix.position.lat, 22.7);
}

Unit fix(const std::string& id, TimeMs time, UnitStatus status = UnitStatus::available) {
    Unit u;
    u.department = "110";
    u.id = id;
    u.status = status;
    u.reported = time;
    u.received = time + 100;
    return u;
}

TEST(UnitRosterTest, FixesAreOrderedByTheirOwnTime) {
    UnitRoster roster;
    EXPECT_TRUE(roster.is_newer(fix("a", 1000)));
    roster.apply(fix("a", 1000));
    EXPECT_FALSE(roster.is_newer(fix("a", 900)));  // late: superseded
    EXPECT_TRUE(roster.is_newer(fix("a", 1000)));  // same time: a repeat is fine
    EXPECT_TRUE(roster.is_newer(fix("b", 10)));    // another unit
    roster.apply(fix("a", 2000, UnitStatus::off_duty));
    EXPECT_EQ(roster.size(), 0u);
    EXPECT_FALSE(roster.is_newer(fix("a", 1500)));  // a late fix does not bring it back
    EXPECT_TRUE(roster.is_newer(fix("a", 2500)));   // back on duty
}

TEST(UnitRosterTest, SnapshotLeavesOutSilentUnits) {
    UnitRoster roster;
    roster.apply(fix("old", 1000));
    roster.apply(fix("new", 100'000));
    auto units = roster.on_duty(100'500, 60'000);
    ASSERT_EQ(units.size(), 1u);
    EXPECT_EQ(units[0].id, "new");
}

}  // namespace
}  // namespace citywall::ingest
