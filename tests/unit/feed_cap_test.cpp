// OASIS CAP 1.2 alerts as a department feed: identity, category, severity, time, text, and the
// position of a circle or a polygon; refused XML and every reject reason.
#include <gtest/gtest.h>

#include <string>

#include "cap_alert.hpp"
#include "feed_adapter.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;  // 2026-11-18T19:06:40+08:00

std::string reason_of(const FeedMessage& message) {
    if (const auto* why = std::get_if<FeedReject>(&message))
        return std::string(to_string(why->reason));
    return std::holds_alternative<FeedHeartbeat>(message) ? "heartbeat" : "report";
}

std::string detail_of(const FeedMessage& message) {
    const auto* why = std::get_if<FeedReject>(&message);
    return why ? why->detail : std::string();
}

const char* kFireAlert = R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>44030041600000-20261118-0007</identifier>
  <sender>cap@sz119.example.cn</sender>
  <sent>2026-11-18T19:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en-US</language>
    <category>Fire</category>
    <event>High-rise fire</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Fire on the 18th floor, Futian</headline>
    <area><areaDesc>Futian</areaDesc><circle>22.5431,114.0579 0.5</circle></area>
  </info>
  <info>
    <language>zh-CN</language>
    <category>Fire</category>
    <event>高层建筑火灾</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <onset>2026-11-18T18:55:00+08:00</onset>
    <senderName>深圳市消防救援支队</senderName>
    <headline>福田区某大厦18层火灾</headline>
    <description><![CDATA[深南大道某大厦18层起火，已派出6车30人。]]></description>
    <instruction>周边居民请关闭门窗，远离现场</instruction>
    <area>
      <areaDesc>福田区深南大道</areaDesc>
      <geocode><valueName>GB/T 2260</valueName><value>440304</value></geocode>
      <circle>22.5431,114.0579 0.5</circle>
    </area>
  </info>
</alert>)";

// A rectangle 4 × 2 hundredths of a degree with three extra points on its south edge: the mean
// of its points lies south of the middle, its area-weighted centroid does not.
const char* kRainAlert = R"(<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <cap:identifier>CN-GD-SZ-MET-20261118-RAIN-01</cap:identifier>
  <cap:sender>szmb@weather.example.cn</cap:sender>
  <cap:sent>2026-11-18T18:30:00+08:00</cap:sent>
  <cap:status>Actual</cap:status>
  <cap:msgType>Alert</cap:msgType>
  <cap:scope>Public</cap:scope>
  <cap:info>
    <cap:language>zh-CN</cap:language>
    <cap:category>Met</cap:category>
    <cap:event>暴雨橙色预警</cap:event>
    <cap:urgency>Immediate</cap:urgency>
    <cap:severity>Moderate</cap:severity>
    <cap:certainty>Likely</cap:certainty>
    <cap:onset>2026-11-19T06:00:00+08:00</cap:onset>
    <cap:headline>深圳市气象台发布暴雨橙色预警</cap:headline>
    <cap:description>预计未来3小时福田、罗湖将出现50毫米以上降雨</cap:description>
    <cap:area>
      <cap:areaDesc>福田区、罗湖区</cap:areaDesc>
      <cap:polygon>22.50,114.00 22.50,114.01 22.50,114.02 22.50,114.03 22.50,114.04
        22.52,114.04 22.52,
        114.00 22.50,114.00</cap:polygon>
    </cap:area>
  </cap:info>
</cap:alert>)";

DepartmentConfig emergency_bureau() {
    DepartmentConfig d;
    d.code = "yjj";
    d.format = FeedFormat::cap;
    d.categories = {{"高层建筑火灾", "fire.building"}, {"Met", "weather.rainstorm"}};
    return d;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

class CapAlertTest : public testing::Test {
  protected:
    Taxonomy taxonomy_{{"fire.building", "weather.rainstorm"}};
    FeedLimits limits_;
    std::unique_ptr<FeedAdapter> bureau_ =
        make_feed_adapter(emergency_bureau(), taxonomy_, limits_);

    FeedReport report(const std::string& xml) {
        auto message = bureau_->decode(xml, kNow);
        if (const auto* why = std::get_if<FeedReject>(&message))
            ADD_FAILURE() << to_string(why->reason) << ": " << why->detail;
        const auto* r = std::get_if<FeedReport>(&message);
        return r ? *r : FeedReport{};
    }
    std::string reason(const std::string& xml) { return reason_of(bureau_->decode(xml, kNow)); }
    std::string fire_reason(const std::string& from, const std::string& to) {
        return reason(replaced(kFireAlert, from, to));
    }
};

TEST_F(CapAlertTest, AFireAlertWithACircleIsAnIncidentAtItsCentre) {
    auto fire = report(kFireAlert);
    EXPECT_EQ(fire.source_id, "44030041600000-20261118-0007");
    EXPECT_EQ(fire.category, "fire.building");  // the zh info, its event through the map
    EXPECT_EQ(fire.severity, Severity::major);  // Severe stays 2 even when Immediate
    EXPECT_EQ(fire.status, IncidentStatus::reported);
    EXPECT_DOUBLE_EQ(fire.position.lon, 114.0579);  // CAP writes latitude first
    EXPECT_DOUBLE_EQ(fire.position.lat, 22.5431);
    EXPECT_EQ(fire.occurred, *parse_iso8601("2026-11-18T18:55:00+08:00"));  // the onset
    EXPECT_EQ(fire.title, "福田区某大厦18层火灾");
    EXPECT_EQ(fire.description, "深南大道某大厦18层起火，已派出6车30人。");
}

TEST_F(CapAlertTest, APrefixedRainAlertWithAPolygonIsAtItsAreaWeightedCentroid) {
    auto rain = report(kRainAlert);
    EXPECT_EQ(rain.source_id, "CN-GD-SZ-MET-20261118-RAIN-01");
    EXPECT_EQ(rain.category, "weather.rainstorm");  // the event is not mapped, Met is
    EXPECT_EQ(rain.severity, Severity::major);      // Moderate, Immediate and Likely: raised
    EXPECT_NEAR(rain.position.lon, 114.02, 1e-9);
    EXPECT_NEAR(rain.position.lat, 22.51, 1e-9);
    // The onset is tomorrow morning, ahead of the clock: the alert counts from when it was sent.
    EXPECT_EQ(rain.occurred, *parse_iso8601("2026-11-18T18:30:00+08:00"));
    EXPECT_EQ(rain.title, "深圳市气象台发布暴雨橙色预警");
}

TEST(CapGeometryTest, CirclesAndPolygons) {
    std::string why;
    auto centre = cap_circle_centre("  -33.86,151.21 10 ", why);
    ASSERT_TRUE(centre);
    EXPECT_DOUBLE_EQ(centre->lon, 151.21);
    EXPECT_DOUBLE_EQ(centre->lat, -33.86);
    for (const char* bad :
         {"22.5,114.0", "22.5,114.0 -1", "114.0,22.5,1 2", "95,114 1", "a,b c", ""})
        EXPECT_FALSE(cap_circle_centre(bad, why)) << bad;
    // Unclosed rings are closed for the computation; a triangle's centroid is its vertex mean.
    auto triangle = cap_polygon_centroid("0,0 0,3 3,0", why);
    ASSERT_TRUE(triangle);
    EXPECT_NEAR(triangle->lon, 1, 1e-12);
    EXPECT_NEAR(triangle->lat, 1, 1e-12);
    auto line = cap_polygon_centroid("0,0 0,1 0,2 0,0", why);  // no area: the mean of the points
    ASSERT_TRUE(line);
    EXPECT_NEAR(line->lon, 1, 1e-12);
    EXPECT_NEAR(line->lat, 0, 1e-12);
    for (const char* bad : {"0,0 0,1 0,0", "0,0 0,1 1", "0,0 0,1 1,x 0,0", "0,0 0,200 1,1 0,0"})
        EXPECT_FALSE(cap_polygon_centroid(bad, why)) << bad;
}

TEST(CapGeometryTest, SeverityFromSeverityUrgencyAndCertainty) {
    EXPECT_EQ(cap_severity("Extreme", "Future", "Possible"), Severity::critical);
    EXPECT_EQ(cap_severity("Severe", "Immediate", "Observed"), Severity::major);
    EXPECT_EQ(cap_severity("Moderate", "Expected", "Observed"), Severity::moderate);
    EXPECT_EQ(cap_severity("Moderate", "Immediate", "Observed"), Severity::major);
    EXPECT_EQ(cap_severity("Minor", "Immediate", "Likely"), Severity::moderate);
    EXPECT_EQ(cap_severity("Minor", "Immediate", "Possible"), Severity::low);
    EXPECT_EQ(cap_severity("Unknown", "Immediate", "Observed"), Severity::moderate);
    EXPECT_FALSE(cap_severity("severe", "", ""));
}

TEST_F(CapAlertTest, UpdatesAndCancelsAreAboutTheFirstReferencedAlert) {
    const std::string update = replaced(
        replaced(kFireAlert, "<msgType>Alert</msgType>",
                 "<msgType>Update</msgType><references>cap@sz119.example.cn,44030041600000-"
                 "20261118-0007,2026-11-18T19:00:00+08:00 cap@sz119.example.cn,44030041600000-"
                 "20261118-0008,2026-11-18T19:02:00+08:00</references>"),
        "<identifier>44030041600000-20261118-0007", "<identifier>44030041600000-20261118-0009");
    EXPECT_EQ(report(update).source_id, "44030041600000-20261118-0007");
    EXPECT_EQ(report(update).status, IncidentStatus::reported);
    const std::string cancel = replaced(update, "<msgType>Update", "<msgType>Cancel");
    EXPECT_EQ(report(cancel).status, IncidentStatus::cancelled);
    EXPECT_EQ(report(cancel).source_id, "44030041600000-20261118-0007");
    // Without references an update is about its own identifier.
    EXPECT_EQ(report(replaced(kFireAlert, "Alert</msgType>", "Update</msgType>")).source_id,
              "44030041600000-20261118-0007");
    EXPECT_EQ(fire_reason("<msgType>Alert</msgType>",
                          "<msgType>Update</msgType><references>just-an-id</references>"),
              "bad_field");
}

TEST_F(CapAlertTest, TestSystemAckAndErrorAreHeartbeatsExerciseAndDraftAreRefused) {
    EXPECT_EQ(fire_reason("<status>Actual", "<status>Test"), "heartbeat");
    EXPECT_EQ(fire_reason("<status>Actual", "<status>System"), "heartbeat");
    EXPECT_EQ(fire_reason("<msgType>Alert", "<msgType>Ack"), "heartbeat");
    EXPECT_EQ(fire_reason("<msgType>Alert", "<msgType>Error"), "heartbeat");
    EXPECT_EQ(fire_reason("<status>Actual", "<status>Exercise"), "not_actual");
    EXPECT_EQ(fire_reason("<status>Actual", "<status>Draft"), "not_actual");
    EXPECT_EQ(fire_reason("<status>Actual", "<status>Real"), "bad_field");
    EXPECT_EQ(fire_reason("<msgType>Alert", "<msgType>Notice"), "bad_field");
}

TEST_F(CapAlertTest, NamespacesAreReadNotGuessed) {
    EXPECT_EQ(fire_reason("cap:1.2", "cap:1.1"), "unknown_type");
    EXPECT_EQ(fire_reason(R"( xmlns="urn:oasis:names:tc:emergency:cap:1.2")", ""), "unknown_type");
    EXPECT_EQ(reason("<feed xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>"), "unknown_type");
    // An info block in another namespace is not CAP's: both infos gone means no info.
    std::string foreign = replaced(kFireAlert, "<info>", "<info xmlns=\"urn:example:other\">");
    foreign = replaced(foreign, "<info>", "<info xmlns=\"urn:example:other\">");
    EXPECT_EQ(reason(foreign), "missing_field");
    // The CAP namespace declared again under another prefix further down still counts.
    const std::string redeclared =
        R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>A-1</identifier>)"
        R"(<sent>2026-11-18T19:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>)"
        R"(<c:info xmlns:c="urn:oasis:names:tc:emergency:cap:1.2"><c:event>高层建筑火灾</c:event>)"
        R"(<c:severity>Minor</c:severity><x:severity xmlns:x="urn:example">Extreme</x:severity>)"
        R"(<c:area><c:circle>22.5,114.1 1</c:circle></c:area></c:info></alert>)";
    auto message = bureau_->decode(redeclared, kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(message)) << detail_of(message);
    EXPECT_EQ(std::get<FeedReport>(message).severity, Severity::low);
    EXPECT_EQ(std::get<FeedReport>(message).title, "高层建筑火灾");  // no headline: the event
}

TEST_F(CapAlertTest, UnsafeOrMalformedXmlIsRefused) {
    EXPECT_EQ(reason("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>"),
              "invalid_xml");
    EXPECT_EQ(reason("not xml at all"), "invalid_xml");
    EXPECT_EQ(reason(""), "invalid_xml");
    const std::string laughs =
        R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">)"
        R"(<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>)"
        R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>)";
    auto refused = bureau_->decode(laughs, kNow);
    EXPECT_EQ(reason_of(refused), "invalid_xml");
    EXPECT_NE(detail_of(refused).find("DOCTYPE"), std::string::npos);
    EXPECT_EQ(reason(R"(<!DOCTYPE alert SYSTEM "file:///etc/passwd">)" + std::string(kFireAlert)),
              "invalid_xml");
    EXPECT_EQ(fire_reason("encoding=\"UTF-8\"", "encoding=\"GB2312\""), "invalid_xml");
    EXPECT_EQ(fire_reason("福田区某大厦", "\xb8\xa3\xcc\xef"), "invalid_utf8");
    EXPECT_EQ(fire_reason("福田区某大厦", "&#xD800;"), "invalid_utf8");
    EXPECT_EQ(reason(std::string(kFireAlert) + "<alert/>"), "invalid_xml");
    EXPECT_EQ(reason("\xEF\xBB\xBF" + std::string(kFireAlert)), "report");  // a BOM is fine
    EXPECT_EQ(reason(std::string(70000, ' ')), "oversized");
}

TEST_F(CapAlertTest, EveryMissingOrBadPartHasItsReason) {
    EXPECT_EQ(fire_reason("<identifier>44030041600000-20261118-0007</identifier>", ""),
              "missing_field");
    EXPECT_EQ(fire_reason("<status>Actual</status>", ""), "missing_field");
    EXPECT_EQ(fire_reason("<msgType>Alert</msgType>", ""), "missing_field");
    EXPECT_EQ(fire_reason("<sent>2026-11-18T19:00:00+08:00</sent>", ""), "missing_field");
    EXPECT_EQ(fire_reason("2026-11-18T19:00:00+08:00", "2026-11-18 19:00"), "bad_time");
    EXPECT_EQ(fire_reason("2026-11-18T19:00:00+08:00", "2026-11-18T23:00:00+08:00"), "future_time");
    EXPECT_EQ(fire_reason("2026-11-18T18:55:00+08:00", "soon"), "bad_time");
    EXPECT_EQ(fire_reason("<event>高层建筑火灾", "<event>森林火灾"), "unknown_category");
    EXPECT_EQ(fire_reason("<severity>Severe</severity>\n    <certainty>Observed</certainty>\n"
                          "    <onset>",
                          "<severity>Huge</severity>\n    <onset>"),
              "bad_severity");
    const std::string no_areas =
        replaced(replaced(kFireAlert, "<circle>22.5431,114.0579 0.5</circle></area>", "</area>"),
                 "<circle>22.5431,114.0579 0.5</circle>", "");
    auto unplaced = bureau_->decode(no_areas, kNow);
    EXPECT_EQ(reason_of(unplaced), "bad_location");
    EXPECT_NE(detail_of(unplaced).find("geocode"), std::string::npos);
    EXPECT_EQ(fire_reason("22.5431,114.0579 0.5</circle>\n", "114.0579,22.5431</circle>\n"),
              "bad_location");
    EXPECT_EQ(
        fire_reason("<description><![CDATA[", "<description><![CDATA[" + std::string(9000, 'x')),
        "bad_field");
    // An Alert or Update must carry its info; a bare Cancel (CAP allows it) only closes what
    // it references (ingest refuses it when the department never reported that).
    std::string bare =
        "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>A-2"
        "</identifier><sent>2026-11-18T19:00:00+08:00</sent><status>Actual"
        "</status><msgType>Cancel</msgType><references>cap@sz119.example.cn,A-1,"
        "2026-11-18T18:00:00+08:00</references></alert>";
    auto cancel = bureau_->decode(bare, kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(cancel)) << detail_of(cancel);
    const auto& cancelled = std::get<FeedReport>(cancel);
    EXPECT_TRUE(cancelled.status_only);
    EXPECT_EQ(cancelled.source_id, "A-1");
    EXPECT_EQ(cancelled.status, IncidentStatus::cancelled);
    EXPECT_EQ(reason(replaced(bare, "Cancel</msgType>", "Update</msgType>")), "missing_field");
}

TEST_F(CapAlertTest, WithoutACategoryMapTheEventMustBeATaxonomyCategory) {
    DepartmentConfig plain;
    plain.format = FeedFormat::cap;
    auto adapter = make_feed_adapter(plain, taxonomy_, limits_);
    EXPECT_EQ(reason_of(adapter->decode(kFireAlert, kNow)), "bad_category");
    EXPECT_EQ(reason_of(adapter->decode(
                  replaced(kFireAlert, "<event>高层建筑火灾", "<event>fire.building"), kNow)),
              "report");
    EXPECT_EQ(reason_of(adapter->decode(
                  replaced(kFireAlert, "<event>高层建筑火灾", "<event>fire.forest"), kNow)),
              "unknown_category");
}

TEST_F(CapAlertTest, TheSeveritiesMapOverridesTheTable) {
    DepartmentConfig d = emergency_bureau();
    d.severities = {{"Severe", "1"}};
    auto adapter = make_feed_adapter(d, taxonomy_, limits_);
    auto message = adapter->decode(kFireAlert, kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(message)) << detail_of(message);
    EXPECT_EQ(std::get<FeedReport>(message).severity, Severity::critical);
}

}  // namespace
}  // namespace citywall::ingest
