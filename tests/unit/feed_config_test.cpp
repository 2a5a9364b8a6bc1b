// The department examples in docs/config.md and the demo configuration are real configuration:
// they load, their mappings are usable, and the documented messages decode through them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "citywall/config.hpp"
#include "feed_adapter.hpp"
#include "scratch_dir.hpp"

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

// The ```toml blocks of docs/config.md's "## Departments" section.
std::vector<std::string> department_examples() {
    const std::string doc = read_file(repository() / "docs" / "config.md");
    std::vector<std::string> blocks;
    auto at = doc.find("## Departments");
    const auto section_end = doc.find("\n## ", at);
    while (at != std::string::npos) {
        at = doc.find("```toml\n", at);
        if (at == std::string::npos || at > section_end) break;
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
        EXPECT_EQ(check_feed_mapping(department).error(), "") << department.code;

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
    // Its answer to one of the centre's orders, in its own names and words.
    auto signed_for =
        make_feed_adapter(hotline, taxonomy, {})
            ->decode(R"({"header": {"kind": "case"}, "data": {"taskNo": "O-17", "op": "签收"}})",
                     kNow);
    ASSERT_TRUE(std::holds_alternative<FeedCaseStep>(signed_for));
    EXPECT_EQ(std::get<FeedCaseStep>(signed_for).order, "O-17");
    EXPECT_EQ(std::get<FeedCaseStep>(signed_for).action, CaseAction::sign);
    auto resolved = make_feed_adapter(hotline, taxonomy, {})
                        ->decode(R"({"header": {"kind": "case"}, "data": {"taskNo": "O-17",
                                     "op": "办结", "opinion": "已协调施工单位停工"}})",
                                 kNow);
    ASSERT_TRUE(std::holds_alternative<FeedCaseStep>(resolved));
    EXPECT_EQ(std::get<FeedCaseStep>(resolved).action, CaseAction::resolve);
    EXPECT_EQ(std::get<FeedCaseStep>(resolved).note, "已协调施工单位停工");
    // Our own word is not one of its words: refused, naming the map.
    auto ours = make_feed_adapter(hotline, taxonomy, {})
                    ->decode(R"({"header": {"kind": "case"}, "data": {"taskNo": "O-17",
                                 "op": "sign"}})",
                             kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(ours));
    EXPECT_NE(std::get<FeedReject>(ours).detail.find("case_actions"), std::string::npos);
    // A map to a step that is not a department's is refused with the config.
    DepartmentConfig wrong = hotline;
    wrong.case_actions["结案"] = "close";
    EXPECT_NE(check_feed_mapping(wrong).error().find("case_actions.结案"), std::string::npos)
        << check_feed_mapping(wrong).error();

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
        EXPECT_EQ(check_feed_mapping(department).error(), "") << department.code;
}

// The first ```toml block of docs/config.md: every [ingest] key with the value it documents.
TEST(FeedConfigTest, TheDocumentedIngestExampleLoadsWithEveryKeyTaken) {
    const std::string doc = read_file(repository() / "docs" / "config.md");
    const auto at = doc.find("```toml\n", doc.find("## Ingest")) + 8;
    auto config = parse_ingest_config(doc.substr(at, doc.find("```", at) - at), "/city");
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->journal_dir, "/city/demo-journal");
    EXPECT_EQ(config->fsync_interval_ms, 50);
    EXPECT_EQ(config->publish_queue, 20'000);
    EXPECT_EQ(config->dead_letter_max_bytes, 64u << 20);
    EXPECT_EQ(config->dead_letter_record_bytes, 4096u);
    EXPECT_EQ(config->checkpoint_every, 100'000u);
    ASSERT_EQ(config->areas.size(), 3u);  // district, grid; beat
    EXPECT_EQ(config->areas[0].level, "district");
    EXPECT_EQ(config->areas[0].name_en, "District");
    EXPECT_EQ(config->areas[0].hierarchy, "admin");
    EXPECT_EQ(config->areas[0].source, "/city/maps/demo_city.gpkg");
    EXPECT_EQ(config->areas[1].parent, ParentBy::prefix);
    EXPECT_EQ(config->areas[2].hierarchy, "police");
    EXPECT_EQ(config->areas[2].code_field, "code");
    EXPECT_EQ(config->merge.compatible.size(), 2u);
    EXPECT_EQ(config->departments.at(0).heartbeat_s, 10);
    EXPECT_FALSE(config->drill);
    EXPECT_EQ(config->deadlines.deadline_ms("fire.building", Severity::critical), 10 * 60'000);
    EXPECT_EQ(config->deadlines.deadline_ms("fire.building", Severity::low), 1440 * 60'000);
    EXPECT_EQ(config->deadlines.escalate_every_minutes, 30);
    EXPECT_EQ(config->centre.time_zone, "Asia/Shanghai");
    EXPECT_EQ(config->departments.at(0).time_zone, "Asia/Shanghai");
    EXPECT_EQ(config->departments.at(0).time_formats,
              (std::vector<std::string>{"iso8601", "epoch_ms"}));
    EXPECT_EQ(config->taxonomy.default_severity("fire.building"), Severity::major);
    EXPECT_EQ(config->taxonomy.default_severity("medical.cardiac"), Severity::critical);
    EXPECT_EQ(config->taxonomy.default_severity("police.theft"), Severity::moderate);
}

// A mistake in the file stops ingest before it opens a journal, with the file, the line and the
// key, rather than running on a default the operator did not choose.
class StrictIngestConfigTest : public ::testing::Test {
  protected:
    Result<IngestConfig> load(const std::string& text) {
        std::ofstream(file()) << text;
        return load_ingest_config(file());
    }
    std::string file() const { return (dir_ / "ingest.toml").string(); }
    // "FILE:LINE: MESSAGE", as the error names a mistake.
    std::string at(int line, const std::string& message) const {
        return file() + ":" + std::to_string(line) + ": " + message;
    }

    const testing::ScratchDir dir_{"citywall-ingest-config"};
};

constexpr const char* kOneDepartment =
    "[[department]]\ncode = \"110\"\nendpoint = \"tcp://127.0.0.1:5601\"\n";

TEST_F(StrictIngestConfigTest, AValueOfTheWrongTypeIsRefusedNotReplacedByTheDefault) {
    for (const auto& [value, message] :
         {std::pair{"fsync_interval_ms = \"0\"",
                    "[ingest] fsync_interval_ms: expected an integer, got a string"},
          {"heartbeat_ms = \"fast\"", "[ingest] heartbeat_ms: expected an integer, got a string"},
          {"max_message_bytes = 1.5e6",
           "[ingest] max_message_bytes: expected an integer, got a float"},
          {"journal_dir = 7", "[ingest] journal_dir: expected a string, got an integer"},
          {"checkpoint_every = true",
           "[ingest] checkpoint_every: expected an integer, got true "
           "or false"}}) {
        auto config =
            load(std::string("# the journal\n[ingest]\n") + value + "\n" + kOneDepartment);
        EXPECT_FALSE(config) << value << " was taken";
        if (config) continue;
        EXPECT_EQ(config.error(), at(3, message)) << value;
    }
    // Without a file name (parse_ingest_config), the line alone.
    auto text = parse_ingest_config(
        std::string("[ingest]\nheartbeat_ms = \"fast\"\n") + kOneDepartment, "/tmp");
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error(), "line 2: [ingest] heartbeat_ms: expected an integer, got a string");
}

TEST_F(StrictIngestConfigTest, AMisspeltKeyOrAnUnknownSectionIsRefused) {
    auto typo = load("[ingest]\nheartbeat_ms = 1000\njounral_dir = \"elsewhere\"\n" +
                     std::string(kOneDepartment));
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error(), at(3, "[ingest] jounral_dir: unknown key"));

    auto section = load(std::string(kOneDepartment) + "[merg]\nenabled = false\n");
    ASSERT_FALSE(section);
    EXPECT_EQ(section.error(), at(4, "[merg]: unknown section"));

    auto tables = load(std::string(kOneDepartment) + "[[departmnet]]\ncode = \"119\"\n");
    ASSERT_FALSE(tables);
    EXPECT_EQ(tables.error(), at(4, "[[departmnet]]: unknown section"));

    auto top = load("fsync_interval_ms = 0\n" + std::string(kOneDepartment));
    ASSERT_FALSE(top);
    EXPECT_EQ(top.error(), at(1, "fsync_interval_ms: unknown key"));

    // [department] for [[department]]: one table where a list of them belongs.
    auto single = load("[department]\ncode = \"110\"\nendpoint = \"tcp://127.0.0.1:5601\"\n");
    ASSERT_FALSE(single);
    EXPECT_EQ(single.error(), at(1, "department: expected [[department]] tables, got a table"));
}

TEST_F(StrictIngestConfigTest, AreaLevelsAreCheckedAndTheOldPlacementSectionNamesItsSuccessor) {
    const std::string grid = "[[area]]\nlevel = \"grid\"\nsource = \"g.gpkg\"\n";
    const std::string beat =
        "[[area]]\nlevel = \"beat\"\nhierarchy = \"police\"\nsource = \"b.gpkg\"\n";
    auto ok = load(grid + beat + kOneDepartment);
    ASSERT_TRUE(ok) << ok.error();
    EXPECT_EQ(ok->areas[0].source, dir_.path() / "g.gpkg");  // relative to the file
    EXPECT_EQ(ok->areas[0].hierarchy, "admin");
    EXPECT_EQ(ok->areas[0].name, "grid");  // no name: the key
    EXPECT_EQ(ok->areas[0].code_field, "code");
    for (const auto& [text, line, message] :
         {std::tuple<std::string, int, std::string>{
              "[placement]\ngrid_source = \"city.gpkg\"\n", 1,
              "[placement]: replaced by [[area]] tables, one a level (docs/config.md, "
              "\"Areas\")"},
          {grid + grid, 5, "[[area]] #2 level: \"grid\" is declared twice"},
          {"[[area]]\nlevel = \"Grid\"\nsource = \"g.gpkg\"\n", 2,
           "[[area]] #1 level: a level needs a key of lowercase letters, digits, _ or - "
           "(\"district\", \"beat\")"},
          {"[[area]]\nlevel = \"grid\"\n", 1,
           "[[area]] #1 source: a level needs the map file it is read from"},
          {grid + "parent = \"name\"\n", 4,
           "[[area]] #1 parent: \"name\" is not \"prefix\" or \"geometry\""},
          {grid + beat + "[[area]]\nlevel = \"street\"\nsource = \"s.gpkg\"\n", 8,
           "[[area]] #3 hierarchy: the levels of hierarchy \"admin\" must follow each other, "
           "outermost first"}}) {
        auto config = load(std::string(text) + kOneDepartment);
        ASSERT_FALSE(config) << text;
        EXPECT_EQ(config.error(), at(line, message)) << text;
    }
    std::string seventeen;
    for (int k = 0; k < 17; ++k)
        seventeen += "[[area]]\nlevel = \"l" + std::to_string(k) + "\"\nsource = \"g.gpkg\"\n";
    auto many = load(seventeen + kOneDepartment);
    ASSERT_FALSE(many);
    EXPECT_NE(many.error().find("a city has at most 16 levels"), std::string::npos) << many.error();
}

TEST_F(StrictIngestConfigTest, EveryMistakeIsListedInTheOrderOfTheFile) {
    auto config = load(
        "[area]\n"                           // 1
        "grid_sauce = \"city.gpkg\"\n"       // 2
        "[ingest]\n"                         // 3
        "heartbeat_ms = \"fast\"\n"          // 4
        "fsync_interval_ms = \"0\"\n"        // 5
        "[taxonomy]\n"                       // 6
        "categories = [\"police.theft\",\n"  // 7
        "  7]\n" +                           // 8
        std::string(kOneDepartment));
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error(),
              at(1, "area: expected [[area]] tables, got a table\n") +
                  at(4, "[ingest] heartbeat_ms: expected an integer, got a string\n") +
                  at(5, "[ingest] fsync_interval_ms: expected an integer, got a string\n") +
                  at(8, "[taxonomy] categories[1]: expected a string, got an integer"));
}

TEST_F(StrictIngestConfigTest, DepartmentTablesAreCheckedToTheirNestedFields) {
    const std::string second_department =
        "[[department]]\n"                        // 4
        "code = \"12345\"\n"                      // 5
        "endpoint = \"tcp://127.0.0.1:5604\"\n";  // 6
    auto heartbeat = load(kOneDepartment + second_department + "heartbeat = 30\n");
    ASSERT_FALSE(heartbeat);
    EXPECT_EQ(heartbeat.error(), at(7, "[[department]] #2 heartbeat: unknown key"));

    auto seconds = load(kOneDepartment + second_department + "heartbeat_s = \"30\"\n");
    ASSERT_FALSE(seconds);
    EXPECT_EQ(seconds.error(),
              at(7, "[[department]] #2 heartbeat_s: expected an integer, got a string"));

    auto field = load(kOneDepartment + second_department +
                      "[department.fields]\nid = \"data.orderNo\"\nidd = \"data.no\"\n");
    ASSERT_FALSE(field);
    EXPECT_EQ(field.error(), at(9, "[[department]] #2 fields.idd: unknown key"));

    auto unit = load(kOneDepartment + second_department + "[department.unit_fields]\nlon = 1\n");
    ASSERT_FALSE(unit);
    EXPECT_EQ(unit.error(),
              at(8, "[[department]] #2 unit_fields.lon: expected a string, got an integer"));
}

TEST_F(StrictIngestConfigTest, WordMapsTakeAnyWordButOnlyWordsOrNumbersForIt) {
    auto config = load(std::string(kOneDepartment) +
                       "[department.categories]\n"
                       "\"噪音扰民\" = \"hotline.noise\"\n"
                       "\"101\" = \"hotline.water\"\n"
                       "[department.severities]\n"
                       "\"紧急\" = 2\n"  // a number is taken as its digits, as before
                       "[department.unit_kinds]\n"
                       "\"水罐车\" = \"fire_engine\"\n");
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->departments[0].categories.at("噪音扰民"), "hotline.noise");
    EXPECT_EQ(config->departments[0].categories.at("101"), "hotline.water");
    EXPECT_EQ(config->departments[0].severities.at("紧急"), "2");
    EXPECT_EQ(config->departments[0].unit_kinds.at("水罐车"), "fire_engine");

    auto flag = load(std::string(kOneDepartment) + "[department.statuses]\n\"已受理\" = true\n");
    ASSERT_FALSE(flag);
    EXPECT_EQ(flag.error(), at(5,
                               "[[department]] #1 statuses.\"已受理\": expected a string or an "
                               "integer, got true or false"));

    auto list = load(std::string(kOneDepartment) + "categories = [\"hotline.noise\"]\n");
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error(),
              at(4, "[[department]] #1 categories: expected a table of words, got a list"));
}

TEST_F(StrictIngestConfigTest, AnIntegerIsAFloatButAFloatIsNoInteger) {
    auto whole = load("[merge]\ndistance_m = 150\nwindow_s = 600\n" + std::string(kOneDepartment));
    ASSERT_TRUE(whole) << whole.error();
    EXPECT_EQ(whole->merge.distance_m, 150.0);
    auto fraction = load("[merge]\ndistance_m = 150.5\n" + std::string(kOneDepartment));
    ASSERT_TRUE(fraction) << fraction.error();
    EXPECT_EQ(fraction->merge.distance_m, 150.5);

    auto window = load("[merge]\nwindow_s = 600.0\n" + std::string(kOneDepartment));
    ASSERT_FALSE(window);
    EXPECT_EQ(window.error(), at(2, "[merge] window_s: expected an integer, got a float"));
    auto groups =
        load("[merge]\ncompatible = [[\"fire.building\", 119]]\n" + std::string(kOneDepartment));
    ASSERT_FALSE(groups);
    EXPECT_EQ(groups.error(), at(2, "[merge] compatible[0][1]: expected a string, got an integer"));
    auto enabled = load("[merge]\nenabled = \"yes\"\n" + std::string(kOneDepartment));
    ASSERT_FALSE(enabled);
    EXPECT_EQ(enabled.error(), at(2, "[merge] enabled: expected true or false, got a string"));
}

TEST_F(StrictIngestConfigTest, AnOutOfRangeValueIsNamedWithItsLine) {
    auto config = load("[ingest]\nheartbeat_ms = 1000\nfsync_interval_ms = 5000\n" +
                       std::string(kOneDepartment));
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error(), at(3, "[ingest] fsync_interval_ms: must be 0..1000"));
    auto twice = load(std::string(kOneDepartment) + kOneDepartment);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error(),
              at(5, "[[department]] #2 code: 110 is also the code of department #1"));
}

TEST_F(StrictIngestConfigTest, EndpointsMustBeZeroMqEndpoints) {
    for (const char* good :
         {"tcp://127.0.0.1:5556", "tcp://*:5556", "tcp://[::1]:5556",
          "tcp://ingest.city.example:65535", "ipc:///run/citywall/updates", "inproc://wall"}) {
        auto config =
            load("[ingest]\nupdates_endpoint = \"" + std::string(good) + "\"\n" + kOneDepartment);
        EXPECT_TRUE(config) << good << ": " << config.error();
    }
    for (const char* bad : {"127.0.0.1:5556", "tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://:5556",
                            "tcp://127.0.0.1:99999", "tcp://127.0.0.1:55x6", "tcp://127.0.0.1:0",
                            "tcp://city wall:5556", "udp://127.0.0.1:5556", "ipc://", "inproc://",
                            "tcp//127.0.0.1:5556", ""}) {
        auto config =
            load("[ingest]\nsnapshot_endpoint = \"" + std::string(bad) + "\"\n" + kOneDepartment);
        EXPECT_FALSE(config) << bad << " was taken";
        if (config) continue;
        EXPECT_EQ(config.error(),
                  at(2, "[ingest] snapshot_endpoint: \"" + std::string(bad) +
                            "\" is not a ZeroMQ endpoint (tcp://host:port, ipc://path or "
                            "inproc://name)"));
    }
    auto department = load(
        "[[department]]\ncode = \"county-a\"\nformat = \"citywall\"\nsocket = \"sub\"\n"
        "endpoint = \"tcp://10.0.0.5:5556\"\nsnapshot_endpoint = \"10.0.0.5:5557\"\n");
    ASSERT_FALSE(department);
    EXPECT_EQ(department.error(),
              at(6,
                 "[[department]] #1 snapshot_endpoint: \"10.0.0.5:5557\" is not a ZeroMQ "
                 "endpoint (tcp://host:port, ipc://path or inproc://name)"));
    auto feed = load("[[department]]\ncode = \"110\"\nendpoint = \"tcp://127.0.0.1:5601 \"\n");
    ASSERT_FALSE(feed);
    EXPECT_NE(feed.error().find(at(3, "[[department]] #1 endpoint: \"tcp://127.0.0.1:5601 \"")),
              std::string::npos)
        << feed.error();
}

}  // namespace
}  // namespace citywall::ingest
