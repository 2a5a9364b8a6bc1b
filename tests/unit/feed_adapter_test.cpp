// Department feeds configured, not compiled: JSON through a field mapping, GeoJSON Features,
// the native format as the JSON adapter with the default mapping, and every reject reason.
#include <gtest/gtest.h>

#include <string>

#include "feed_adapter.hpp"
#include "json_path.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;  // 2026-11-18

FeedReport as_report(const FeedMessage& message) {
    if (const auto* why = std::get_if<FeedReject>(&message))
        ADD_FAILURE() << "rejected: " << to_string(why->reason) << " (" << why->detail << ")";
    const auto* report = std::get_if<FeedReport>(&message);
    return report ? *report : FeedReport{};
}

std::string reason_of(const FeedMessage& message) {
    if (const auto* why = std::get_if<FeedReject>(&message))
        return std::string(to_string(why->reason));
    return std::holds_alternative<FeedHeartbeat>(message) ? "heartbeat" : "report";
}

std::string detail_of(const FeedMessage& message) {
    const auto* why = std::get_if<FeedReject>(&message);
    return why ? why->detail : std::string();
}

Taxonomy city_taxonomy() {
    return {{"police.theft", "fire.building", "hotline.noise", "hotline.sanitation",
             "city.road_damage", "sensor.bridge_tilt"}};
}

// The 12345 hotline's work-order system: nested fields and its own words.
DepartmentConfig hotline() {
    DepartmentConfig d;
    d.code = "12345";
    d.format = FeedFormat::json;
    d.fields.id = "data.orderNo";
    d.fields.category = "data.bizType";
    d.fields.severity = "data.level";
    d.fields.status = "data.state";
    d.fields.lon = "data.geo.coordinates[0]";
    d.fields.lat = "data.geo.coordinates[1]";
    d.fields.occurred = "data.reportTime";
    d.fields.title = "data.summary";
    d.fields.description = "data.content";
    d.fields.type = "header.kind";
    d.categories = {{"噪音扰民", "hotline.noise"},
                    {"垃圾清运", "hotline.sanitation"},
                    {"101", "hotline.noise"},
                    {"路灯故障", "city.streetlight"}};
    d.severities = {{"紧急", "2"}, {"一般", "4"}, {"1", "1"}};
    d.statuses = {{"已受理", "accepted"}, {"已派单", "dispatched"}, {"已办结", "resolved"}};
    return d;
}

const char* kHotlineOrder = R"({
  "header": {"kind": "incident", "system": "12345-gd"},
  "data": {
    "orderNo": "GD20261118000123",
    "bizType": "噪音扰民",
    "level": "一般",
    "state": "已受理",
    "summary": "夜间施工噪音扰民",
    "content": "某小区东门外工地凌晨两点仍在施工，居民多次投诉",
    "reportTime": "2026-11-18T01:30:00+08:00",
    "geo": {"type": "Point", "coordinates": [114.0532, 22.5431]}
  }
})";

std::string hotline_with(const std::string& from, const std::string& to) {
    std::string text = kHotlineOrder;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

class FeedAdapterTest : public testing::Test {
  protected:
    FeedLimits limits_;
    Taxonomy taxonomy_ = city_taxonomy();
    std::unique_ptr<FeedAdapter> hotline_ = make_feed_adapter(hotline(), taxonomy_, limits_);
    std::unique_ptr<FeedAdapter> native_ = make_feed_adapter(DepartmentConfig{}, {}, limits_);

    std::string hotline_reason(const std::string& from, const std::string& to) {
        return reason_of(hotline_->decode(hotline_with(from, to), kNow));
    }
};

TEST(JsonPathTest, ParsesKeysAndIndicesAndRefusesMalformedPaths) {
    for (const char* good : {"id", "data.geo.coordinates[0]", "items[2].id", "a[0][1]", "中文.键"})
        EXPECT_TRUE(JsonPath::parse(good)) << good;
    for (const char* bad :
         {"a..b", ".a", "a.", "a[", "a[]", "a[x]", "a[-1]", "a]b", "[0]x", "a[0]b"})
        EXPECT_FALSE(JsonPath::parse(bad)) << bad;
    auto empty = JsonPath::parse("");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST_F(FeedAdapterTest, NativeFormatIsTheJsonAdapterWithTheDefaultMapping) {
    const std::string message =
        R"({"type":"incident","id":"P20261122-0042","category":"police.theft","severity":2,)"
        R"("status":"on_scene","lon":114.0521,"lat":22.6013,)"
        R"("occurred":"2026-11-18T03:12:00+08:00","title":"盗窃报警","description":"地铁站出口"})";
    const auto& report = as_report(native_->decode(message, kNow));
    EXPECT_EQ(report.source_id, "P20261122-0042");
    EXPECT_EQ(report.category, "police.theft");
    EXPECT_EQ(report.severity, Severity::major);
    EXPECT_EQ(report.status, IncidentStatus::on_scene);
    EXPECT_DOUBLE_EQ(report.position.lon, 114.0521);
    EXPECT_DOUBLE_EQ(report.position.lat, 22.6013);
    EXPECT_EQ(report.title, "盗窃报警");
    EXPECT_EQ(report.occurred, *parse_iso8601("2026-11-18T03:12:00+08:00"));
    const auto direct = decode_feed_message(message, kNow, limits_);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(direct));
    EXPECT_EQ(std::get<FeedReport>(direct).title, report.title);
    EXPECT_EQ(reason_of(native_->decode(R"({"type":"heartbeat"})", kNow)), "heartbeat");
}

TEST_F(FeedAdapterTest, NativeFormatKeepsItsRejectReasons) {
    const std::pair<const char*, const char*> cases[] = {
        {"not json", "invalid_json"},
        {"[1,2,3]", "not_an_object"},
        {"{\"id\":\"X\",\"category\":\"fire.building\",\"lon\":1,\"lat\":2,\"title\":\"\xff\"}",
         "invalid_utf8"},
        {R"({"category":"fire.building","lon":1,"lat":2})", "missing_field"},
        {R"({"id":"X","category":"fire.building","lat":2})", "missing_field"},
        {R"({"id":"X","category":"fire.building","lon":"east","lat":2})", "bad_location"},
        {R"({"id":"X","category":"Fire Building","lon":1,"lat":2})", "bad_category"},
        {R"({"id":"X","category":"fire.building","severity":9,"lon":1,"lat":2})", "bad_severity"},
        {R"({"id":"X","category":"fire.building","severity":"2","lon":1,"lat":2})", "bad_severity"},
        {R"({"id":"X","category":"fire.building","lon":1,"lat":2,"status":"exploded"})",
         "bad_status"},
        {R"({"id":"X","category":"fire.building","lon":1,"lat":2,"occurred":"yesterday"})",
         "bad_time"},
        {R"({"id":"X","category":"fire.building","lon":1,"lat":2,"occurred":-5})", "bad_time"},
        {R"({"id":"X","category":"fire.building","lon":1,"lat":2,"occurred":"2999-01-01T00:00:00Z"})",
         "future_time"},
        {R"({"id":"X","category":"fire.building","lon":1,"lat":2,"title":7})", "bad_field"},
        {R"({"type":"alarm","id":"X"})", "unknown_type"},
        {R"({"type":5})", "bad_field"},
        {R"({"id":{"a":1},"category":"fire.building","lon":1,"lat":2})", "bad_field"},
        {R"({"id":"X","category":"fire.building","lon":1,"lat":2,"title":"\udc00"})",
         "invalid_utf8"},
    };
    for (const auto& [message, reason] : cases) {
        EXPECT_EQ(reason_of(native_->decode(message, kNow)), reason) << message;
        EXPECT_EQ(reason_of(decode_feed_message(message, kNow, limits_)), reason) << message;
    }
    EXPECT_EQ(reason_of(native_->decode(std::string(70000, ' '), kNow)), "oversized");
}

TEST_F(FeedAdapterTest, NativeFormatTakesIntegerIdsAndCoordinatesAsDecimalText) {
    const auto& report = as_report(native_->decode(
        R"({"id":20261118042,"category":"fire.building","lon":"114.05","lat":"-22.5"})", kNow));
    EXPECT_EQ(report.source_id, "20261118042");
    EXPECT_DOUBLE_EQ(report.position.lon, 114.05);
    EXPECT_DOUBLE_EQ(report.position.lat, -22.5);
    // A zero with a huge exponent (RapidJSON's full-precision path misbehaves on it).
    const auto zero = as_report(native_->decode(
        R"({"id":"X","category":"fire.building","lon":0e-204,"lat":-0.000e-300})", kNow));
    EXPECT_EQ(zero.position.lon, 0.0);
    EXPECT_EQ(zero.position.lat, 0.0);
    for (const char* text : {"1e5", "0x10", " 114.05", "+114", "114.", ".5", "nan", "inf", ""}) {
        std::string message = std::string(R"({"id":"X","category":"fire.building","lon":")") +
                              text + R"(","lat":22})";
        EXPECT_EQ(reason_of(native_->decode(message, kNow)), "bad_location") << text;
    }
}

TEST_F(FeedAdapterTest, DeepNestingIsRejectedWithoutExhaustingTheStack) {
    std::string deep(60000, '[');
    EXPECT_EQ(reason_of(native_->decode(deep, kNow)), "invalid_json");
    EXPECT_EQ(reason_of(native_->decode(deep + std::string(60000, ']'), kNow)), "oversized");
    FeedLimits large;
    large.max_bytes = 1 << 20;
    auto adapter = make_feed_adapter(DepartmentConfig{}, {}, large);
    EXPECT_EQ(reason_of(adapter->decode(deep + std::string(60000, ']'), kNow)), "not_an_object");
}

TEST_F(FeedAdapterTest, MappedJsonReadsNestedFieldsAndTheDepartmentsOwnWords) {
    const auto& report = as_report(hotline_->decode(kHotlineOrder, kNow));
    EXPECT_EQ(report.source_id, "GD20261118000123");
    EXPECT_EQ(report.category, "hotline.noise");
    EXPECT_EQ(report.severity, Severity::low);
    EXPECT_EQ(report.status, IncidentStatus::accepted);
    EXPECT_DOUBLE_EQ(report.position.lon, 114.0532);
    EXPECT_DOUBLE_EQ(report.position.lat, 22.5431);
    EXPECT_EQ(report.occurred, *parse_iso8601("2026-11-17T17:30:00Z"));
    EXPECT_EQ(report.title, "夜间施工噪音扰民");
    EXPECT_EQ(report.description, "某小区东门外工地凌晨两点仍在施工，居民多次投诉");

    const auto& urgent =
        as_report(hotline_->decode(hotline_with(R"("level": "一般")", R"("level": 1)"), kNow));
    EXPECT_EQ(urgent.severity, Severity::critical);
    const auto& coded = as_report(
        hotline_->decode(hotline_with(R"("bizType": "噪音扰民")", R"("bizType": 101)"), kNow));
    EXPECT_EQ(coded.category, "hotline.noise");
    const auto& texts = as_report(
        hotline_->decode(hotline_with("[114.0532, 22.5431]", R"(["114.0532", "22.5431"])"), kNow));
    EXPECT_DOUBLE_EQ(texts.position.lon, 114.0532);
}

TEST_F(FeedAdapterTest, MappedJsonHeartbeatAndTypesComeFromTheMappedPath) {
    EXPECT_EQ(reason_of(hotline_->decode(R"({"header":{"kind":"heartbeat"}})", kNow)), "heartbeat");
    EXPECT_EQ(reason_of(hotline_->decode(R"({"type":"heartbeat"})", kNow)), "missing_field");
    EXPECT_EQ(hotline_reason(R"("kind": "incident")", R"("kind": "notice")"), "unknown_type");
    EXPECT_EQ(hotline_reason(R"("kind": "incident")", R"("kind": ["incident"])"), "bad_field");
    EXPECT_EQ(hotline_reason(R"("kind": "incident", )", ""), "report");  // absent: an incident
}

TEST_F(FeedAdapterTest, MappingMissesNameTheFieldAndItsPath) {
    auto missing = hotline_->decode(hotline_with(R"("orderNo")", R"("orderNumber")"), kNow);
    EXPECT_EQ(reason_of(missing), "missing_field");
    EXPECT_NE(detail_of(missing).find("data.orderNo"), std::string::npos) << detail_of(missing);
    EXPECT_EQ(hotline_reason("[114.0532, 22.5431]", "[114.0532]"), "missing_field");
    EXPECT_EQ(hotline_reason(R"("geo": {"type": "Point", "coordinates": [114.0532, 22.5431]})",
                             R"("geo": "114.0532,22.5431")"),
              "missing_field");
    EXPECT_EQ(hotline_reason(R"("bizType": "噪音扰民")", R"("bizType": null)"), "missing_field");
    auto title = hotline_->decode(
        hotline_with(R"("summary": "夜间施工噪音扰民")", R"("summary": {"text": "x"})"), kNow);
    EXPECT_EQ(reason_of(title), "bad_field");
    EXPECT_NE(detail_of(title).find("data.summary"), std::string::npos);
}

TEST_F(FeedAdapterTest, MappedWordsOutsideTheMapsAreRejected) {
    EXPECT_EQ(hotline_reason("噪音扰民", "外星人"), "unknown_category");
    EXPECT_EQ(hotline_reason(R"("bizType": "噪音扰民")", R"("bizType": "hotline.noise")"),
              "unknown_category");  // a non-empty map is the only way in
    EXPECT_EQ(hotline_reason("噪音扰民", "路灯故障"), "unknown_category");  // not in the taxonomy
    EXPECT_EQ(hotline_reason(R"("level": "一般")", R"("level": "特急")"), "bad_severity");
    EXPECT_EQ(hotline_reason(R"("level": "一般")", R"("level": 3)"), "bad_severity");
    EXPECT_EQ(hotline_reason(R"("level": "一般")", R"("level": 1.5)"), "bad_severity");
    EXPECT_EQ(hotline_reason(R"("state": "已受理")", R"("state": "accepted")"), "bad_status");
    EXPECT_EQ(hotline_reason("2026-11-18T01:30:00+08:00", "2026-11-18 01:30"), "bad_time");
    EXPECT_EQ(hotline_reason("2026-11-18T01:30:00+08:00", "2999-11-18T01:30:00+08:00"),
              "future_time");
    EXPECT_EQ(hotline_reason("[114.0532, 22.5431]", "[114.0532, \"北纬22度\"]"), "bad_location");
}

TEST_F(FeedAdapterTest, UnusableMappingsRejectEveryMessageAsBadMapping) {
    auto broken = [&](auto&& edit) {
        DepartmentConfig d = hotline();
        edit(d);
        EXPECT_FALSE(check_feed_mapping(d));
        return reason_of(make_feed_adapter(d, taxonomy_, limits_)->decode(kHotlineOrder, kNow));
    };
    EXPECT_EQ(broken([](DepartmentConfig& d) { d.fields.lon = "data.geo.coordinates[0"; }),
              "bad_mapping");
    EXPECT_EQ(broken([](DepartmentConfig& d) { d.severities["紧急"] = "5"; }), "bad_mapping");
    EXPECT_EQ(broken([](DepartmentConfig& d) { d.statuses["已受理"] = "flying"; }), "bad_mapping");
    EXPECT_EQ(broken([](DepartmentConfig& d) { d.categories["噪音扰民"] = "Noise"; }),
              "bad_mapping");
    EXPECT_TRUE(check_feed_mapping(hotline()));
    EXPECT_TRUE(check_feed_mapping(DepartmentConfig{}));
}

TEST_F(FeedAdapterTest, TheTaxonomyGuardsTheNativeFormatToo) {
    auto adapter = make_feed_adapter(DepartmentConfig{}, taxonomy_, limits_);
    EXPECT_EQ(reason_of(adapter->decode(
                  R"({"id":"X","category":"fire.building","lon":114,"lat":22})", kNow)),
              "report");
    EXPECT_EQ(reason_of(adapter->decode(R"({"id":"X","category":"fire.forest","lon":114,"lat":22})",
                                        kNow)),
              "unknown_category");
}

// ---- GeoJSON -------------------------------------------------------------------------------

DepartmentConfig bridge_sensors() {
    DepartmentConfig d;
    d.code = "iot";
    d.format = FeedFormat::geojson;
    d.fields.id = "alarmId";
    d.fields.category = "alarm.kind";
    d.fields.severity = "alarm.level";
    d.fields.occurred = "observedAt";
    d.fields.title = "name";
    d.fields.description = "remark";
    d.categories = {{"TILT", "sensor.bridge_tilt"}};
    return d;
}

const char* kTiltFeature = R"({
  "type": "Feature",
  "id": "dev-0042",
  "geometry": {"type": "Point", "coordinates": [114.0611, 22.5702, 12.5]},
  "properties": {
    "alarmId": "TILT-20261118-007",
    "alarm": {"kind": "TILT", "level": 2},
    "observedAt": 1794990000000,
    "name": "福田大桥3号墩倾斜超限",
    "remark": "倾角 0.42°，阈值 0.30°"
  }
})";

class GeoJsonTest : public FeedAdapterTest {
  protected:
    std::unique_ptr<FeedAdapter> sensors_ = make_feed_adapter(bridge_sensors(), taxonomy_, limits_);
    std::string reason(const std::string& message) {
        return reason_of(sensors_->decode(message, kNow));
    }
};

TEST_F(GeoJsonTest, AFeatureGivesItsPointAndMappedProperties) {
    const auto& report = as_report(sensors_->decode(kTiltFeature, kNow));
    EXPECT_EQ(report.source_id, "TILT-20261118-007");  // properties' id before the Feature's
    EXPECT_EQ(report.category, "sensor.bridge_tilt");
    EXPECT_EQ(report.severity, Severity::major);
    EXPECT_DOUBLE_EQ(report.position.lon, 114.0611);
    EXPECT_DOUBLE_EQ(report.position.lat, 22.5702);
    EXPECT_EQ(report.occurred, 1794990000000);
    EXPECT_EQ(report.title, "福田大桥3号墩倾斜超限");
    EXPECT_EQ(report.description, "倾角 0.42°，阈值 0.30°");
}

TEST_F(GeoJsonTest, TheFeatureIdServesWhenPropertiesHaveNone) {
    DepartmentConfig plain;
    plain.format = FeedFormat::geojson;
    auto adapter = make_feed_adapter(plain, {}, limits_);
    const auto& report = as_report(adapter->decode(
        R"({"type":"Feature","id":7781,"geometry":{"type":"Point","coordinates":[114.1,22.6]},)"
        R"("properties":{"category":"city.road_damage","title":"路面塌陷"}})",
        kNow));
    EXPECT_EQ(report.source_id, "7781");
    EXPECT_EQ(report.category, "city.road_damage");
    EXPECT_EQ(reason_of(adapter->decode(
                  R"({"type":"Feature","geometry":{"type":"Point","coordinates":[114.1,22.6]},)"
                  R"("properties":{"category":"city.road_damage"}})",
                  kNow)),
              "missing_field");
}

TEST_F(GeoJsonTest, HeartbeatsArePlainOrFeatures) {
    EXPECT_EQ(reason(R"({"type":"heartbeat"})"), "heartbeat");
    EXPECT_EQ(reason(R"({"type":"Feature","geometry":null,"properties":{"type":"heartbeat"}})"),
              "heartbeat");
    EXPECT_EQ(reason(R"({"type":"Feature","geometry":null,"properties":{"type":"drill"}})"),
              "unknown_type");
}

TEST_F(GeoJsonTest, OnlyAPointIsAPosition) {
    const std::string polygon = R"({"type":"Feature","id":"A","geometry":{"type":"Polygon",)"
                                R"("coordinates":[[[114,22],[114.1,22],[114.1,22.1],[114,22]]]},)"
                                R"("properties":{"alarmId":"A","alarm":{"kind":"TILT"}}})";
    auto rejected = sensors_->decode(polygon, kNow);
    EXPECT_EQ(reason_of(rejected), "bad_location");
    EXPECT_NE(detail_of(rejected).find("Polygon"), std::string::npos);
    auto with_geometry = [](const std::string& geometry) {
        return R"({"type":"Feature","geometry":)" + geometry +
               R"(,"properties":{"alarmId":"A","alarm":{"kind":"TILT"}}})";
    };
    EXPECT_EQ(reason(with_geometry("null")), "missing_field");
    EXPECT_EQ(reason(with_geometry("[114,22]")), "bad_location");
    EXPECT_EQ(reason(with_geometry(R"({"coordinates":[114,22]})")), "bad_location");
    EXPECT_EQ(reason(with_geometry(R"({"type":"Point","coordinates":[114]})")), "bad_location");
    EXPECT_EQ(reason(with_geometry(R"({"type":"Point","coordinates":["114","22"]})")),
              "bad_location");
    EXPECT_EQ(reason(with_geometry(R"({"type":"Point","coordinates":[114,22]})")), "report");
}

TEST_F(GeoJsonTest, OtherShapesAndFieldsAreRejectedWithReasons) {
    EXPECT_EQ(reason(R"({"type":"FeatureCollection","features":[]})"), "unknown_type");
    EXPECT_EQ(reason(R"({"geometry":{"type":"Point","coordinates":[1,2]}})"), "unknown_type");
    EXPECT_EQ(reason(R"({"type":"Feature","properties":[1]})"), "bad_field");
    EXPECT_EQ(reason(R"({"type":"Feature","id":1.5,"geometry":null})"), "bad_field");
    EXPECT_EQ(reason(R"(["Feature"])"), "not_an_object");
    EXPECT_EQ(reason("{\"type\":\"Feature\""), "invalid_json");
    EXPECT_EQ(reason("{\"type\":\"Feature\",\"id\":\"\xc0\xaf\"}"), "invalid_utf8");
    std::string unknown = kTiltFeature;
    unknown.replace(unknown.find("TILT\""), 4, "FLOOD");
    EXPECT_EQ(reason(unknown), "unknown_category");
}

}  // namespace
}  // namespace citywall::ingest
