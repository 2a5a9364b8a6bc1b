// citywall-city check on real maps: San Francisco's police districts, the demo city's nested
// layers, Shenzhen's districts in China's provinces (DataV), a bow-tie written here; and the
// program itself for its exit status and the starter config it writes, read back with toml++.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <toml++/toml.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "city_check.hpp"
#include "citywall/area_levels.hpp"
#include "citywall/placement.hpp"
#include "map_files.hpp"
#include "scratch_dir.hpp"

namespace citywall::city {
namespace {

namespace fs = std::filesystem;

const fs::path kData = CITYWALL_TEST_DATA "/real";
const std::string kSanFrancisco = (kData / "sfpd_districts.geojson").string();
const std::string kProvinces = (kData / "100000_full.json").string();
const std::string kShenzhen = (kData / "440300_full.json").string();
const std::string kGuangzhou = (kData / "440100_full.json").string();
const std::string kDemoCity = CITYWALL_DEMO_CITY_GPKG;

const LayerSummary* layer_named(const CityCheck& check, const std::string& name) {
    for (const LayerSummary& layer : check.layers)
        if (layer.name == name) return &layer;
    return nullptr;
}

const Level* level_of(const CityCheck& check, const std::string& layer_name) {
    for (const Level& level : check.levels)
        if (check.layers[level.layer].name == layer_name) return &level;
    return nullptr;
}

std::string parent_layer(const CityCheck& check, const Level& level) {
    return level.parent ? check.layers[*level.parent].name : "";
}

struct ProgramRun {
    int status = -1;
    std::string output;  // stdout and stderr together
};

ProgramRun run_city(const std::string& arguments) {
    ProgramRun run;
    FILE* pipe = ::popen((std::string(CITYWALL_CITY_BIN) + " " + arguments + " 2>&1").c_str(), "r");
    if (!pipe) return run;
    char buffer[4096];
    for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        run.output.append(buffer, got);
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

std::string quoted(const fs::path& path) {
    return "'" + path.string() + "'";
}
std::string quoted(const std::string& path) {
    return quoted(fs::path(path));
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---------------------------------------------------------------------------------------------
// San Francisco

TEST(CityCheck, SanFranciscoDistrictsAreOneLevelOfPolice) {
    const CityCheck check = city::check({kSanFrancisco});
    ASSERT_TRUE(check.unreadable.empty());
    ASSERT_EQ(check.layers.size(), 1u);
    const LayerSummary& layer = check.layers[0];
    EXPECT_TRUE(layer.polygons);
    EXPECT_EQ(layer.features, 10u);
    EXPECT_EQ(layer.crs, CrsStatus::declared);
    EXPECT_EQ(layer.crs_id, "EPSG:4326");
    ASSERT_TRUE(layer.extent);
    EXPECT_NEAR(layer.extent->west, -122.515, 0.01);
    EXPECT_NEAR(layer.extent->north, 37.833, 0.01);
    // DISTRICT and COMPANY (A..J) are both unique; DISTRICT is the usual name of a code.
    EXPECT_EQ(layer.code_field, "DISTRICT");
    EXPECT_EQ(layer.name_field, "DISTRICT");  // no field is named like a name
    EXPECT_EQ(layer.empty_geometry.count, 0u);
    EXPECT_EQ(layer.not_polygon.count, 0u);

    // One level, and it is police: the layer's name says SFPD, and there is nothing else.
    ASSERT_EQ(check.levels.size(), 1u);
    EXPECT_EQ(check.levels[0].hierarchy, "police");
    EXPECT_NE(layer.police_hint.find("sfpd"), std::string::npos) << layer.police_hint;
    EXPECT_FALSE(check.levels[0].parent);
    EXPECT_EQ(layer.level, "sfpd_district");
    EXPECT_EQ(check.exit_status(), 0);
}

// tests/data/real/README.md: RICHMOND and NORTHERN each have a ring that crosses itself.
TEST(CityCheck, SanFranciscoHasTwoSelfIntersectingDistricts) {
    const CityCheck check = city::check({kSanFrancisco});
    ASSERT_EQ(check.layers.size(), 1u);
    const FeatureCount& invalid = check.layers[0].invalid;
    EXPECT_EQ(invalid.count, 2u);
    std::set<std::string> codes;
    for (const FeatureExample& example : invalid.examples) {
        codes.insert(example.code);
        EXPECT_NE(example.detail.find("Self-intersection"), std::string::npos) << example.detail;
    }
    EXPECT_EQ(codes, (std::set<std::string>{"NORTHERN", "RICHMOND"}));
}

// ---------------------------------------------------------------------------------------------
// The demo city

TEST(CityCheck, DemoCityNestsByPrefixAndItsBeatsStandAlone) {
    const auto started = std::chrono::steady_clock::now();
    const CityCheck check = city::check({kDemoCity});
    const auto took = std::chrono::steady_clock::now() - started;
    // 2,242 polygons in five layers, ten pairs measured: seconds, not minutes.
    EXPECT_LT(took, std::chrono::seconds(30));
    ASSERT_TRUE(check.unreadable.empty());
    EXPECT_EQ(check.exit_status(), 0);

    std::vector<std::pair<std::string, std::string>> levels;
    for (const Level& level : check.levels)
        levels.emplace_back(level.hierarchy, check.layers[level.layer].name);
    EXPECT_EQ(levels,
              (std::vector<std::pair<std::string, std::string>>{{"admin", "districts"},
                                                                {"admin", "streets"},
                                                                {"admin", "communities"},
                                                                {"admin", "grids"},
                                                                {"police", "police_beats"}}));
    const std::vector<std::pair<std::string, std::string>> parents = {
        {"streets", "districts"}, {"communities", "streets"}, {"grids", "communities"}};
    for (const auto& [child, parent] : parents) {
        const Level* level = level_of(check, child);
        ASSERT_TRUE(level) << child;
        EXPECT_EQ(parent_layer(check, *level), parent) << child;
        EXPECT_EQ(level->parent_by, ParentBy::prefix) << child;
        EXPECT_EQ(level->orphans.count, 0u) << child;
    }
    EXPECT_FALSE(level_of(check, "districts")->parent);
    EXPECT_FALSE(level_of(check, "police_beats")->parent);
    EXPECT_EQ(layer_named(check, "grids")->level, "grid");
    EXPECT_EQ(layer_named(check, "police_beats")->level, "police_beat");

    // The outline and the lines are no levels.
    EXPECT_TRUE(layer_named(check, "city_boundary")->outline);
    EXPECT_FALSE(level_of(check, "city_boundary"));
    EXPECT_FALSE(layer_named(check, "roads")->polygons);
    EXPECT_FALSE(level_of(check, "rivers"));

    // Beats cut across districts: every interior point lies in one district, but far fewer
    // beats lie in one; that is why a point alone does not make a parent.
    const auto index = [&](const std::string& name) {
        return static_cast<std::size_t>(layer_named(check, name) - check.layers.data());
    };
    const Nesting* beats = check.nesting_of(index("police_beats"), index("districts"));
    ASSERT_TRUE(beats);
    EXPECT_EQ(beats->by_point, 1.0);
    EXPECT_LT(beats->by_area, kNests);
    EXPECT_EQ(beats->by_prefix, 0.0);
    const Nesting* grids = check.nesting_of(index("grids"), index("communities"));
    ASSERT_TRUE(grids);
    EXPECT_EQ(grids->by_prefix, 1.0);
    EXPECT_EQ(grids->prefix_agrees, 1.0);
    EXPECT_EQ(grids->by_area, 1.0);
}

// ---------------------------------------------------------------------------------------------
// China: DataV's provinces and Shenzhen's districts

TEST(CityCheck, ShenzhenNestsInItsProvinceByGeometryNotByCode) {
    const CityCheck check = city::check({kProvinces, kShenzhen});
    ASSERT_TRUE(check.unreadable.empty());
    const LayerSummary* provinces = layer_named(check, "100000_full");
    const LayerSummary* shenzhen = layer_named(check, "440300_full");
    ASSERT_TRUE(provinces && shenzhen);
    // The provinces file starts with a byte-order mark; 34 provinces and the South China Sea
    // islands (100000_JD, no name).
    EXPECT_EQ(provinces->features, 35u);
    EXPECT_EQ(provinces->code_field, "adcode");
    EXPECT_EQ(provinces->name_field, "name");
    EXPECT_EQ(provinces->level, "province");  // its field level
    EXPECT_EQ(shenzhen->features, 9u);
    EXPECT_EQ(shenzhen->code_field, "adcode");
    EXPECT_EQ(shenzhen->level, "district");

    // 440303 does not start with 440000: by code nothing nests, by geometry everything does.
    const Level* districts = level_of(check, "440300_full");
    ASSERT_TRUE(districts);
    EXPECT_EQ(districts->hierarchy, "admin");
    EXPECT_EQ(parent_layer(check, *districts), "100000_full");
    EXPECT_EQ(districts->parent_by, ParentBy::geometry);
    EXPECT_EQ(districts->orphans.count, 0u);
    const Nesting* nesting =
        check.nesting_of(static_cast<std::size_t>(shenzhen - &check.layers[0]),
                         static_cast<std::size_t>(provinces - &check.layers[0]));
    ASSERT_TRUE(nesting);
    EXPECT_EQ(nesting->by_prefix, 0.0);
    EXPECT_EQ(nesting->by_prefix_without_zeros, 1.0);  // 44 is a prefix of 440303
    EXPECT_EQ(nesting->by_point, 1.0);
    EXPECT_EQ(nesting->by_area, 1.0);
    EXPECT_NE(report(check).find("prefix 100 % with the province codes' trailing zeros dropped"),
              std::string::npos);
}

// Guangzhou's and Shenzhen's districts both lie in Guangdong, but a hierarchy has one layer a
// level: the second is reported and starts a hierarchy of its own.
TEST(CityCheck, TwoCitiesOfOneLevelDoNotShareOneHierarchy) {
    const CityCheck check = city::check({kProvinces, kGuangzhou, kShenzhen});
    ASSERT_EQ(check.levels.size(), 3u);
    const Level* guangzhou = level_of(check, "440100_full");
    const Level* shenzhen = level_of(check, "440300_full");
    ASSERT_TRUE(guangzhou && shenzhen);
    // Guangzhou's districts are larger: coarser, so first to claim the level below provinces.
    EXPECT_EQ(parent_layer(check, *guangzhou), "100000_full");
    EXPECT_FALSE(shenzhen->parent);
    EXPECT_NE(shenzhen->evidence.find("a hierarchy has one layer a level"), std::string::npos)
        << shenzhen->evidence;
    EXPECT_EQ(check.layers[shenzhen->layer].level, "district_2");
}

// ---------------------------------------------------------------------------------------------
// Problems in the data

TEST(CityCheck, ABowTieIsCountedWithItsCode) {
    testing::ScratchDir dir("city-check");
    write_file(dir / "grids.geojson",
               testing::geojson_collection(
                   {testing::geojson_feature(R"({"code":"G-1","name":"square"})",
                                             testing::square_polygon(10, 10, 0.01)),
                    testing::geojson_feature(
                        R"({"code":"G-2","name":"bow tie"})",
                        R"({"type":"Polygon","coordinates":[[[10.02,10],[10.03,10.01],)"
                        R"([10.03,10],[10.02,10.01],[10.02,10]]]})"),
                    testing::geojson_feature(R"({"code":"G-3","name":"nothing"})", "null")}));
    const CityCheck check = city::check({(dir / "grids.geojson").string()});
    ASSERT_EQ(check.layers.size(), 1u);
    const LayerSummary& layer = check.layers[0];
    ASSERT_EQ(layer.invalid.count, 1u);
    ASSERT_EQ(layer.invalid.examples.size(), 1u);
    EXPECT_EQ(layer.invalid.examples[0].code, "G-2");
    EXPECT_EQ(layer.invalid.examples[0].name, "bow tie");
    EXPECT_NE(layer.invalid.examples[0].detail.find("Self-intersection"), std::string::npos)
        << layer.invalid.examples[0].detail;
    ASSERT_EQ(layer.empty_geometry.count, 1u);
    EXPECT_EQ(layer.empty_geometry.examples[0].code, "G-3");
    EXPECT_EQ(layer.code_field, "code");
    // A problem in the data is reported, not fatal.
    EXPECT_EQ(check.exit_status(), 0);

    const std::string config = starter_config(check, dir / "city.toml", "2024-05-01");
    EXPECT_NE(config.find("# 1 invalid geometries: G-2 (Self-intersection"), std::string::npos)
        << config;
}

TEST(CityCheck, AFileThatIsNotAMapIsAClearErrorAndTheRestIsRead) {
    testing::ScratchDir dir("city-check");
    fs::create_directories(dir / "city" / "police");
    write_file(dir / "city" / "districts.geojson", "Bezirk,Einwohner\nMitte,384172\n");
    write_file(dir / "city" / "notes.txt", "the districts came by mail\n");
    fs::copy_file(kSanFrancisco, dir / "city" / "police" / "sfpd_districts.geojson");

    const CityCheck check = city::check({(dir / "city").string()});
    ASSERT_EQ(check.unreadable.size(), 1u);
    EXPECT_EQ(check.unreadable[0].path.filename(), "districts.geojson");
    EXPECT_NE(check.unreadable[0].message.find("GDAL cannot read it as vector data"),
              std::string::npos)
        << check.unreadable[0].message;
    ASSERT_EQ(check.ignored.size(), 1u);
    EXPECT_EQ(check.ignored[0].filename(), "notes.txt");
    ASSERT_EQ(check.layers.size(), 1u);  // found in the subfolder
    EXPECT_EQ(check.exit_status(), 1);

    const ProgramRun run = run_city("check " + quoted(dir / "city"));
    EXPECT_EQ(run.status, 1) << run.output;
    EXPECT_NE(run.output.find("citywall-city: cannot read " +
                              (dir / "city" / "districts.geojson").string() +
                              ": GDAL cannot read it as vector data"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("== sfpd_districts"), std::string::npos) << run.output;

    const ProgramRun alone = run_city("check " + quoted(dir / "city" / "districts.geojson"));
    EXPECT_EQ(alone.status, 1) << alone.output;
    EXPECT_NE(alone.output.find("no polygon layer found"), std::string::npos) << alone.output;
}

TEST(CityCheck, PointsAloneAreNoCity) {
    testing::ScratchDir dir("city-check");
    write_file(dir / "stations.geojson",
               testing::geojson_collection({testing::geojson_feature(
                   R"({"code":"S1"})", R"({"type":"Point","coordinates":[114.05,22.55]})")}));
    const ProgramRun run = run_city("check " + quoted(dir / "stations.geojson"));
    EXPECT_EQ(run.status, 1) << run.output;
    EXPECT_NE(run.output.find("no polygon layer found"), std::string::npos) << run.output;
}

TEST(CityCheck, UsageErrorsExitTwo) {
    EXPECT_EQ(run_city("").status, 2);
    EXPECT_EQ(run_city("check").status, 2);
    EXPECT_EQ(run_city("check --no-such-option " + quoted(kSanFrancisco)).status, 2);
    EXPECT_EQ(run_city("inspect " + quoted(kSanFrancisco)).status, 2);
    EXPECT_EQ(run_city("check --help").status, 0);
}

// ---------------------------------------------------------------------------------------------
// The starter config

TEST(CityCheck, TheStarterConfigParsesAndHoldsTheLevels) {
    testing::ScratchDir dir("city-check");
    const fs::path config = dir / "city.toml";
    const ProgramRun run =
        run_city("check " + quoted(kDemoCity) + " --write-config " + quoted(config));
    ASSERT_EQ(run.status, 0) << run.output;

    toml::table table;
    try {
        table = toml::parse_file(config.string());
    } catch (const toml::parse_error& error) {
        FAIL() << error << "\n" << read_file(config);
    }
    EXPECT_EQ(table["centre"]["time_zone"].value_or(std::string()), "UTC");
    EXPECT_EQ(table["centre"]["name"].value_or(std::string()), "CITY");
    const toml::array* areas = table["area"].as_array();
    ASSERT_TRUE(areas);
    std::vector<std::string> levels, parents;
    for (const toml::node& node : *areas) {
        const toml::table& area = *node.as_table();
        levels.push_back(area["hierarchy"].value_or(std::string()) + "/" +
                         area["level"].value_or(std::string()));
        parents.push_back(area["parent"].value_or(std::string("-")));
        // The source is absolute here (the config is elsewhere) and names the demo city.
        EXPECT_EQ(fs::path(area["source"].value_or(std::string())), fs::path(kDemoCity));
        EXPECT_EQ(area["code_field"].value_or(std::string()), "code");
        EXPECT_EQ(area["name_field"].value_or(std::string()), "name");
        EXPECT_TRUE(area["name_en"].is_string());
        EXPECT_TRUE(area["layer"].is_string());
    }
    EXPECT_EQ(levels, (std::vector<std::string>{"admin/district", "admin/street", "admin/community",
                                                "admin/grid", "police/police_beat"}));
    EXPECT_EQ(parents, (std::vector<std::string>{"-", "prefix", "prefix", "prefix", "-"}));
    // Ingest and the viewer read it as it is: the levels load, and nest without a problem.
    auto read = read_area_levels(table, config.string(), dir.path());
    ASSERT_TRUE(read) << read.error();
    AreaReport report;
    auto placement = CityPlacement::load(*read, &report);
    ASSERT_TRUE(placement) << placement.error();
    EXPECT_TRUE(report.problems.empty()) << ::testing::PrintToString(report.lines());
    EXPECT_EQ((*placement)->level_count(), 5u);

    // An existing file is kept without --force, and replaced with it.
    const std::string before = read_file(config);
    write_file(config, "# mine\n");
    const ProgramRun refused =
        run_city("check " + quoted(kDemoCity) + " --write-config " + quoted(config));
    EXPECT_EQ(refused.status, 2) << refused.output;
    EXPECT_NE(refused.output.find("--force"), std::string::npos) << refused.output;
    EXPECT_EQ(read_file(config), "# mine\n");
    const ProgramRun forced =
        run_city("check " + quoted(kDemoCity) + " --write-config " + quoted(config) + " --force");
    EXPECT_EQ(forced.status, 0) << forced.output;
    EXPECT_EQ(read_file(config), before);
}

TEST(CityCheck, AStarterConfigBesideItsDataNamesItRelatively) {
    testing::ScratchDir dir("city-check");
    fs::create_directories(dir / "maps");
    fs::copy_file(kShenzhen, dir / "maps" / "440300_full.json");
    fs::copy_file(kProvinces, dir / "maps" / "100000_full.json");
    const CityCheck check = city::check({(dir / "maps").string()});
    const fs::path config = dir / "city.toml";
    ASSERT_TRUE(write_starter_config(check, config, false, "2024-05-01"));
    EXPECT_FALSE(write_starter_config(check, config, false, "2024-05-01"));

    const toml::table table = toml::parse_file(config.string());
    const toml::array& areas = *table["area"].as_array();
    ASSERT_EQ(areas.size(), 2u);
    const toml::table& province = *areas[0].as_table();
    const toml::table& district = *areas[1].as_table();
    EXPECT_EQ(province["level"].value_or(std::string()), "province");
    EXPECT_EQ(province["source"].value_or(std::string()), "maps/100000_full.json");
    EXPECT_FALSE(province.contains("parent"));
    EXPECT_EQ(district["level"].value_or(std::string()), "district");
    EXPECT_EQ(district["source"].value_or(std::string()), "maps/440300_full.json");
    EXPECT_EQ(district["code_field"].value_or(std::string()), "adcode");
    EXPECT_EQ(district["parent"].value_or(std::string()), "geometry");
    EXPECT_EQ(district["hierarchy"].value_or(std::string()), "admin");
}

}  // namespace
}  // namespace citywall::city
