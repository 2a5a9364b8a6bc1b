// A drill's scenario file (ingest/src/scenario.hpp, docs/drills.md "Scenarios"): rows read as a
// trainer's spreadsheet writes them, every mistake refused with its line, checked against the
// drill's departments, taxonomy and areas; and the two scenarios shipped for the demo city read
// and fit the demo city.
#include "scenario.hpp"

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include <fstream>
#include <set>
#include <sstream>

#include "citywall/config.hpp"

namespace citywall::ingest {
namespace {

const std::filesystem::path kRepository =
    std::filesystem::path(CITYWALL_TEST_DATA).parent_path().parent_path();

Result<std::string> no_files(const std::filesystem::path& named) {
    if (named == "warning.xml") return std::string("<cap:alert/>");
    return Error{ErrorKind::not_found, "no " + named.string()};
}

std::string error_of(std::string_view text) {
    auto parsed = parse_scenario(text, "drill.csv", no_files);
    return parsed ? std::string("(read)") : parsed.error();
}

constexpr std::string_view kHeader =
    "at,department,id,lon,lat,area,category,severity,status,title,description,file\n";

TEST(Scenario, ReadsEveryKindOfRowInTimeOrder) {
    const std::string text =
        "\xEF\xBB\xBF" + std::string(kHeader) +
        "1:05:00,119,F-1,114.1,22.6,,fire.building,critical,,高层起火,\"18楼, 浓烟\",\r\n"
        "0:30,grid,,,,449902001001002,grid.hazard,2,reported,疏散,,\r\n"
        "\r\n"
        "90,weather,,,,,,,,,,warning.xml\r\n"
        "1:10:00,119,F-1,114.1,22.6,,fire.building,critical,on_scene,高层起火,,\r\n";
    auto scenario = parse_scenario(text, "drill.csv", no_files);
    ASSERT_TRUE(scenario) << scenario.error();
    ASSERT_EQ(scenario->events.size(), 4u);
    const auto& e = scenario->events;
    EXPECT_EQ(e[0].at_ms, 30'000);
    EXPECT_EQ(e[0].line, 3u);
    EXPECT_EQ(e[0].area, "449902001001002");
    EXPECT_FALSE(e[0].location);
    EXPECT_EQ(e[0].severity, Severity::major);
    EXPECT_EQ(e[0].source_id, "scenario-3") << "a row without an id is a report of its own";
    EXPECT_EQ(e[1].at_ms, 90'000);
    EXPECT_FALSE(e[1].written_in_row());
    EXPECT_EQ(e[1].message, "<cap:alert/>");
    EXPECT_EQ(e[2].at_ms, 3'900'000);
    EXPECT_EQ(e[2].description, "18楼, 浓烟");
    EXPECT_EQ(e[2].status, IncidentStatus::reported);
    ASSERT_TRUE(e[2].location);
    EXPECT_DOUBLE_EQ(e[2].location->lon, 114.1);
    EXPECT_EQ(e[3].source_id, "F-1") << "the same id: an update of the same report";
    EXPECT_EQ(e[3].status, IncidentStatus::on_scene);
    EXPECT_EQ(scenario->length_ms(), 4'200'000);
}

TEST(Scenario, EveryMistakeNamesItsLine) {
    const std::string h(kHeader);
    EXPECT_EQ(error_of("at,department,when\n"),
              "drill.csv:1: unknown column 'when' (at, department, id, lon, lat, area, category, "
              "severity, status, title, description, file)");
    EXPECT_EQ(error_of("at,department\n"),
              "drill.csv:1: a scenario needs the columns category, severity and title (or file)");
    EXPECT_EQ(error_of(h + "0:00,119,,1,2,,fire.building,low,,t,,\n-5,119,,1,2,,x,low,,t,,\n"),
              "drill.csv:3: at '-5' is not a time after the start (H:MM:SS, M:SS or seconds, at "
              "most a week)");
    EXPECT_EQ(error_of(h + "1:75,119,,1,2,,x,low,,t,,\n"),
              "drill.csv:2: at '1:75' is not a time after the start (H:MM:SS, M:SS or seconds, "
              "at most a week)");
    EXPECT_EQ(error_of(h + "0:10,,,1,2,,x,low,,t,,\n"), "drill.csv:2: no department");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,449901,x,low,,t,,\n"),
              "drill.csv:2: give the place as lon and lat, or as an area's code, not both");
    EXPECT_EQ(error_of(h + "0:10,119,,,,,x,low,,t,,\n"),
              "drill.csv:2: give the place as lon and lat, or as an area's code, not both");
    EXPECT_EQ(error_of(h + "0:10,119,,200,2,,x,low,,t,,\n"),
              "drill.csv:2: lon '200', lat '2' is not a WGS84 position");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,x,urgent,,t,,\n"),
              "drill.csv:2: severity 'urgent' is not one (critical, major, moderate, low)");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,x,low,burning,t,,\n"),
              "drill.csv:2: status 'burning' is not a status");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,,low,,t,,\n"), "drill.csv:2: no category");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,x,low,,,,\n"), "drill.csv:2: no title");
    EXPECT_EQ(error_of(h + "0:10,weather,,,,,x,,,,,warning.xml\n"),
              "drill.csv:2: a row with a file takes its place and content from the file; leave "
              "lon, lat, area, category, severity, title and description empty");
    EXPECT_EQ(error_of(h + "0:10,weather,,,,,,,,,,gone.xml\n"), "drill.csv:2: no gone.xml");
    // A quoted line end: the next row's line is counted on.
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,x,low,,t,\"two\nlines\",\n0:20,119,,1,2,,x,low,,,,\n"),
              "drill.csv:4: no title");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,x,low,,\"t,,\n"), "drill.csv:2: a quote is not closed");
    EXPECT_EQ(error_of(h + "0:10,119,1,2\n"), "drill.csv:2: 4 fields, the header has 12");
    EXPECT_EQ(error_of(h + "0:10,119,,1,2,,x,low,,\xFF,,\n"), "drill.csv:2: not UTF-8 text");
}

TEST(Scenario, TheDrillChecksItsDepartmentsCategoriesAndAreasByLine) {
    auto scenario = parse_scenario(std::string(kHeader) +
                                       "0:10,119,,1,2,,fire.building,low,,t,,\n"
                                       "0:20,110,,,,449901,police.theft,low,,t,,\n",
                                   "drill.csv", no_files);
    ASSERT_TRUE(scenario) << scenario.error();
    ScenarioWorld world{{"119", "110"},
                        [](std::string_view c) { return c != "police.theft"; },
                        [](std::string_view code) { return code == "449901"; }};
    EXPECT_EQ(check_scenario(*scenario, world).error(),
              "drill.csv:3: category 'police.theft' is not in the taxonomy");
    world.category_known = [](std::string_view) { return true; };
    world.area_known = [](std::string_view) { return false; };
    EXPECT_EQ(check_scenario(*scenario, world).error(),
              "drill.csv:3: area '449901' is not one of the city's");
    world.departments = {"119"};
    world.area_known = [](std::string_view) { return true; };
    EXPECT_EQ(check_scenario(*scenario, world).error(),
              "drill.csv:3: department '110' is not one of the drill's");
    world.departments = {"119", "110"};
    EXPECT_TRUE(check_scenario(*scenario, world));
}

TEST(Scenario, TheDemoCitysScenariosFitTheDemoCity) {
    // The demo's departments and taxonomy, and a weather service sending CAP alerts, as a drill
    // of the demo city has (docs/drills.md); the areas of the demo city's layers.
    std::ifstream in(kRepository / "config" / "demo-ingest.toml.in");
    std::stringstream text;
    text << in.rdbuf();
    auto config = parse_ingest_config(text.str(), "/tmp");
    ASSERT_TRUE(config) << config.error();
    ScenarioWorld world;
    for (const auto& department : config->departments)
        world.departments.push_back(department.code);
    world.departments.push_back("weather");
    world.category_known = [&](std::string_view c) { return config->taxonomy.accepts(c); };
    GDALAllRegister();
    std::unique_ptr<GDALDataset> city(
        GDALDataset::Open(CITYWALL_DEMO_CITY_GPKG, GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(city);
    std::set<std::string, std::less<>> codes;
    for (const char* layer : {"districts", "streets", "communities", "grids", "police_beats"})
        for (auto& feature : *city->GetLayerByName(layer))
            codes.insert(feature->GetFieldAsString("code"));
    ASSERT_GT(codes.size(), 2000u);
    world.area_known = [&](std::string_view code) { return codes.contains(code); };

    for (const char* name : {"high_rise_fire.csv", "rainstorm_night.csv"}) {
        SCOPED_TRACE(name);
        auto scenario = read_scenario(kRepository / "config" / "scenarios" / name);
        ASSERT_TRUE(scenario) << scenario.error();
        EXPECT_GE(scenario->events.size(), 10u);
        EXPECT_TRUE(check_scenario(*scenario, world)) << check_scenario(*scenario, world).error();
        std::set<std::string> departments;
        for (const ScenarioEvent& event : scenario->events)
            departments.insert(event.department);
        EXPECT_GE(departments.size(), 4u) << "calls to several departments";
    }
}

TEST(Scenario, OffsetsAreHoursMinutesAndSeconds) {
    EXPECT_EQ(parse_offset("0"), 0);
    EXPECT_EQ(parse_offset("90"), 90'000);
    EXPECT_EQ(parse_offset("1:30"), 90'000);
    EXPECT_EQ(parse_offset("2:00:01"), 7'201'000);
    EXPECT_EQ(parse_offset("168:00:00"), kMaxScenarioOffsetMs);
    for (const char* bad : {"", "1:5", "1:60", "1:00:00:00", "a", "-1", "1.5", "168:00:01", ":30"})
        EXPECT_FALSE(parse_offset(bad)) << bad;
}

}  // namespace
}  // namespace citywall::ingest
