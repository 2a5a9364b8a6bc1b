// The department examples in docs/config.md and the demo configuration are real configuration:
// they load, their mappings are usable, and the documented messages decode through them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "citywall/config.hpp"
#include "feed_adapter.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;  // 2026-11-18T19:06:40+08:00

std::filesystem::path repository() {
    return std::filesystem::path(CITYWALL_TEST_DATA).parent_path().parent_path();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The ```toml blocks of docs/config.md after its "## Departments" heading.
std::vector<std::string> department_examples() {
    const std::string doc = read_file(repository() / "docs" / "config.md");
    std::vector<std::string> blocks;
    auto at = doc.find("## Departments");
    while (at != std::string::npos) {
        at = doc.find("```toml\n", at);
        if (at == std::string::npos) break;
        at += 8;
        auto end = doc.find("```", at);
        if (end == std::string::npos) break;
        blocks.push_back(doc.substr(at, end - at));
        at = end + 3;
    }
    return blocks;
}

TEST(FeedConfigTest, TheDocumentedDepartmentsLoadAndDecodeTheDocumentedMessages) {
    const auto blocks = department_examples();
    ASSERT_EQ(blocks.size(), 4u) << "one example per format, and units, in docs/config.md";
    std::string all;
    for (const auto& block : blocks)
        all += block + "\n";
    auto config = parse_ingest_config(all, "/tmp");
    ASSERT_TRUE(config) << config.error();
    ASSERT_EQ(config->departments.size(), 4u);
    Taxonomy taxonomy{{"hotline.noise", "hotline.sanitation", "hotline.water", "sensor.bridge_tilt",
                       "sensor.air_quality", "fire.building", "weather.rainstorm",
                       "geo.earthquake"}};
    for (const auto& department : config->departments)
        EXPECT_EQ(check_feed_mapping(department), "") << department.code;

    const auto& hotline = config->departments[0];
    EXPECT_EQ(hotline.format, FeedFormat::json);
    EXPECT_EQ(hotline.categories.at("噪音扰民"), "hotline.noise");
    auto order = make_feed_adapter(hotline, taxonomy, {})
                     ->decode(
                         R"({"header": {"kind": "incident"},
            "data": {"orderNo": "GD20261118000123", "bizType": "噪音扰民", "level": "一般",
                     "state": "已受理", "summary": "夜间施工噪音扰民",
                     "reportTime": "2026-11-18T01:30:00+08:00",
                     "geo": {"coordinates": [114.0532, 22.5431]}}})",
                         kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(order));
    EXPECT_EQ(std::get<FeedReport>(order).status, IncidentStatus::accepted);
    EXPECT_EQ(std::get<FeedReport>(order).severity, Severity::low);

    const auto& sensors = config->departments[1];
    EXPECT_EQ(sensors.format, FeedFormat::geojson);
    EXPECT_EQ(sensors.socket, FeedSocket::sub);
    auto alarm = make_feed_adapter(sensors, taxonomy, {})
                     ->decode(
                         R"({"type": "Feature", "id": "dev-0042",
            "geometry": {"type": "Point", "coordinates": [114.0611, 22.5702]},
            "properties": {"alarmId": "TILT-20261118-007", "alarm": {"kind": "TILT", "level": 2},
                           "name": "福田大桥3号墩倾斜超限"}})",
                         kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(alarm));
    EXPECT_EQ(std::get<FeedReport>(alarm).category, "sensor.bridge_tilt");

    const auto& bureau = config->departments[2];
    EXPECT_EQ(bureau.format, FeedFormat::cap);
    auto alert = make_feed_adapter(bureau, taxonomy, {})
                     ->decode(
                         R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>44030041600000-20261118-0007</identifier>
  <sender>cap@sz119.example.cn</sender> <sent>2026-11-18T19:00:00+08:00</sent>
  <status>Actual</status> <msgType>Alert</msgType> <scope>Public</scope>
  <info>
    <language>zh-CN</language> <category>Fire</category> <event>高层建筑火灾</event>
    <urgency>Immediate</urgency> <severity>Severe</severity> <certainty>Observed</certainty>
    <headline>福田区某大厦18层火灾</headline> <description>已派出6车30人</description>
    <area><areaDesc>福田区深南大道</areaDesc><circle>22.5431,114.0579 0.5</circle></area>
  </info>
</alert>)",
                         kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReport>(alert));
    EXPECT_EQ(std::get<FeedReport>(alert).category, "fire.building");

    const auto& fire = config->departments[3];
    auto engine =
        make_feed_adapter(fire, taxonomy, {})
            ->decode(
                R"({"msgType": "unit", "vehicle": {"plate": "粤B·X1190", "name": "特勤一站水罐1",
                                "type": "水罐车"}, "state": "出动", "taskNo": "F-20261118-031",
                "gps": {"x": 114.0581, "y": 22.5440, "dir": 275.5, "v": 12.4, "t": 1794999990000}})",
                kNow);
    ASSERT_TRUE(std::holds_alternative<FeedUnitFix>(engine));
    const auto& fix = std::get<FeedUnitFix>(engine);
    EXPECT_EQ(fix.kind, UnitKind::fire_engine);
    EXPECT_EQ(fix.status, UnitStatus::en_route);
    EXPECT_EQ(fix.incident, "F-20261118-031");
    EXPECT_FLOAT_EQ(fix.heading, 275.5f);
}

TEST(FeedConfigTest, TheDemoTaxonomyHasEveryCategoryTheSimulatorSends) {
    auto config =
        parse_ingest_config(read_file(repository() / "config" / "demo-ingest.toml.in"), "/tmp");
    ASSERT_TRUE(config) << config.error();
    // tools/feedsim/department_script.cpp
    for (const char* category :
         {"police.theft",       "police.assault",     "police.fraud",      "police.disturbance",
          "traffic.crash",      "fire.building",      "fire.vehicle",      "fire.rescue",
          "medical.cardiac",    "medical.injury",     "medical.fall",      "hotline.noise",
          "hotline.sanitation", "hotline.water",      "city.road_damage",  "city.illegal_parking",
          "city.street_vendor", "city.other",         "grid.hazard",       "grid.dispute",
          "grid.facility",      "sensor.bridge_tilt", "sensor.air_quality"})
        EXPECT_TRUE(config->taxonomy.accepts(category)) << category;
    EXPECT_FALSE(config->taxonomy.accepts("police.unheard_of"));
    for (const auto& department : config->departments)
        EXPECT_EQ(check_feed_mapping(department), "") << department.code;
}

}  // namespace
}  // namespace citywall::ingest
