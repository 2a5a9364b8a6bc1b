// The viewer's TOML config: layer styles as docs/viewer.md states them, and a clear refusal of
// what is malformed (a wall that starts with a wrong map is worse than one that says why not).
#include "viewer_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.hpp"

namespace citywall::viewer {
namespace {

namespace fs = std::filesystem;

fs::path repository() {
    return fs::path(CITYWALL_TEST_DATA).parent_path().parent_path();
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class ViewerConfigTest : public ::testing::Test {
  protected:
    Result<ViewerConfig> load(const std::string& text) {
        const fs::path path = dir_ / "wall.toml";
        std::ofstream(path) << text;
        return load_viewer_config(path);
    }
    // "FILE:LINE: MESSAGE", as the error names a mistake.
    std::string at(int line, const std::string& message) const {
        return (dir_ / "wall.toml").string() + ":" + std::to_string(line) + ": " + message;
    }
    static std::string grids_with(const std::string& keys) {
        return "[[layer]]\nkind = \"vector\"\nsource = \"city.gpkg\"\nlayer = \"grids\"\n" + keys +
               "\n";
    }

    const testing::ScratchDir dir_{"citywall-viewer-config"};
};

TEST_F(ViewerConfigTest, ALabelIsOneFieldOrSeveralOnLinesOfTheirOwn) {
    auto one = load(grids_with("label_field = \"name\""));
    ASSERT_TRUE(one) << one.error();
    ASSERT_EQ(one->layers.size(), 1u);
    EXPECT_EQ(one->layers[0].label_fields, std::vector<std::string>{"name"});

    auto two = load(grids_with("label_field = [\"name\", \"code\"]\nlabel_max_zoom = 6"));
    ASSERT_TRUE(two) << two.error();
    EXPECT_EQ(two->layers[0].label_fields, (std::vector<std::string>{"name", "code"}));
    EXPECT_EQ(two->layers[0].label_max_zoom, 6.0);
    EXPECT_EQ(two->layers[0].source, dir_ / "city.gpkg");  // beside the config

    auto none = load(grids_with(""));
    ASSERT_TRUE(none) << none.error();
    EXPECT_TRUE(none->layers[0].label_fields.empty());
}

TEST_F(ViewerConfigTest, AMalformedLabelFieldIsRefusedWithTheLayerNamed) {
    for (const char* bad : {"label_field = 7", "label_field = []", "label_field = \"\"",
                            "label_field = [\"name\", 3]", "label_field = [\"name\", \"\"]",
                            "label_field = { name = 1 }"}) {
        auto config = load(grids_with(bad));
        ASSERT_FALSE(config) << bad;
        EXPECT_NE(config.error().find("label_field"), std::string::npos)
            << bad << ": " << config.error();
    }
}

TEST_F(ViewerConfigTest, OneLineLayerMayBeTheRoadNetworkJoinedAsItSays) {
    auto none = load(grids_with(""));
    ASSERT_TRUE(none) << none.error();
    EXPECT_FALSE(none->layers[0].road_network);
    auto shared = load(grids_with("road_network = \"shared_vertices\""));
    ASSERT_TRUE(shared) << shared.error();
    EXPECT_EQ(shared->layers[0].road_network, RoadJunctions::shared_vertices);
    auto crossing = load(grids_with("road_network = \"crossings\""));
    ASSERT_TRUE(crossing) << crossing.error();
    EXPECT_EQ(crossing->layers[0].road_network, RoadJunctions::crossings);

    for (const std::string& bad :
         {grids_with("road_network = \"yes\""), grids_with("road_network = true"),
          std::string("[[layer]]\nkind = \"raster\"\nsource = \"city.tif\"\n"
                      "road_network = \"crossings\"\n"),
          grids_with("road_network = \"crossings\"") +
              grids_with("road_network = \"crossings\"")}) {
        auto config = load(bad);
        ASSERT_FALSE(config) << bad;
        EXPECT_NE(config.error().find("road_network"), std::string::npos)
            << bad << ": " << config.error();
    }
}

TEST_F(ViewerConfigTest, OtherMistakesAreRefusedNotGuessed) {
    EXPECT_FALSE(load("[window\ntitle = 1"));  // not TOML
    EXPECT_FALSE(load(grids_with("outline_width = 99")));
    EXPECT_FALSE(load(grids_with("dash = [1]")));
    EXPECT_FALSE(load(grids_with("fill = \"blue\"")));
    EXPECT_FALSE(load("[view]\nbackground = \"#12\""));
    EXPECT_FALSE(load("[window]\nwidth = 10\nheight = 10"));
    EXPECT_FALSE(load("[[layer]]\nkind = \"vector\"\n"));  // no source
}

TEST_F(ViewerConfigTest, AMalformedColourOrAggregateIsInvalidWithTheKeyNamed) {
    for (const auto& [text, key] :
         {std::pair{grids_with("label_color = \"blue\""), "label_color"},
          {"[aggregate]\nmode = \"sometimes\"\n", "mode"},
          {"[aggregate]\narea_pixels = 0\n", "area_pixels"},
          {"[aggregate]\nhierarchy = \"police\"\n", "hierarchy"},  // no level of it
          {"[[area]]\nlevel = \"Grid Cells\"\nsource = \"g.gpkg\"\n", "level"},
          {"[[area]]\nlevel = \"grid\"\n", "source"},
          {"[[area]]\nlevel = \"grid\"\nsource = \"g.gpkg\"\nparent = \"name\"\n", "parent"},
          {"[aggregate]\nabove_metres_per_pixel = 0\n", "above_metres_per_pixel"}}) {
        auto config = load(text);
        ASSERT_FALSE(config) << text;
        EXPECT_EQ(config.error_kind(), ErrorKind::invalid) << text;
        EXPECT_NE(config.error().find(key), std::string::npos) << config.error();
    }
}

// A wall that starts with a key it did not understand shows a picture nobody asked for: a
// mistake stops it with the file, the line and the key.
TEST_F(ViewerConfigTest, AValueOfTheWrongTypeIsRefusedNotIgnored) {
    for (const auto& [value, message] :
         {std::pair{"width = \"wide\"", "[window] width: expected an integer, got a string"},
          {"height = 1080.0", "[window] height: expected an integer, got a float"},
          {"fullscreen = \"yes\"", "[window] fullscreen: expected true or false, got a string"},
          {"title = 7", "[window] title: expected a string, got an integer"}}) {
        auto config = load(std::string("# the wall\n[window]\n") + value + "\n");
        EXPECT_FALSE(config) << value << " was taken";
        if (config) continue;
        EXPECT_EQ(config.error(), at(3, message)) << value;
    }
    auto center = load("[view]\ncenter = [114.06, \"north\"]\n");
    ASSERT_FALSE(center);
    EXPECT_EQ(center.error(), at(2, "[view] center[1]: expected a number, got a string"));
    auto pixels = load("[aggregate]\narea_pixels = \"64\"\n");
    ASSERT_FALSE(pixels);
    EXPECT_EQ(pixels.error(), at(2, "[aggregate] area_pixels: expected a number, got a string"));
    auto width = load(grids_with("outline_width = \"thin\""));
    ASSERT_FALSE(width);
    EXPECT_EQ(width.error(), at(5, "[[layer]] #1 outline_width: expected a number, got a string"));
}

TEST_F(ViewerConfigTest, AMisspeltKeyOrAnUnknownSectionIsRefused) {
    auto key = load("[window]\nwidht = 1280\n");
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error(), at(2, "[window] widht: unknown key"));
    auto section = load("[veiw]\nbackground = \"#070b11\"\n");
    ASSERT_FALSE(section);
    EXPECT_EQ(section.error(), at(1, "[veiw]: unknown section"));
    auto layer = load(grids_with("outline_colour = \"#ffffff\""));
    ASSERT_FALSE(layer);
    EXPECT_EQ(layer.error(), at(5, "[[layer]] #1 outline_colour: unknown key"));
    auto layers = load("[[layers]]\nsource = \"city.gpkg\"\n");
    ASSERT_FALSE(layers);
    EXPECT_EQ(layers.error(), at(1, "[[layers]]: unknown section"));
}

TEST_F(ViewerConfigTest, IntegersAreTakenWhereFloatsAreExpected) {
    auto config = load(
        "[ingest]\nstale_after_s = 5\n[view]\ncenter = [114, 22.5]\nmetres_per_pixel = 25\n"
        "[ui]\nfont_size = 20\n[aggregate]\narea_pixels = 48\nopacity = 1\n"
        "[animation]\npulse_s = 6\n" +
        grids_with("outline_width = 2\ndash = [8, 5]\nopacity = 1\nlabel_size = 23"));
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->stale_after_s, 5.0);
    EXPECT_EQ(config->center_lonlat, (std::array<double, 2>{114.0, 22.5}));
    EXPECT_EQ(config->aggregate.area_pixels, 48.0);
    EXPECT_EQ(config->layers[0].outline_width, 2.0f);
    EXPECT_EQ(config->layers[0].dash, (std::array<float, 2>{8.0f, 5.0f}));
    EXPECT_EQ(config->layers[0].label_size, 23.0f);
}

TEST_F(ViewerConfigTest, IngestEndpointsMustBeZeroMqEndpoints) {
    auto none = load("[ingest]\nupdates = \"\"\nsnapshot = \"\"\n");
    ASSERT_TRUE(none) << none.error();
    auto both = load(
        "[ingest]\nupdates = \"tcp://127.0.0.1:5556\"\n"
        "snapshot = \"tcp://127.0.0.1:5557\"\n");
    ASSERT_TRUE(both) << both.error();
    EXPECT_EQ(both->snapshot_endpoint, "tcp://127.0.0.1:5557");
    auto bad = load("[ingest]\nupdates = \"127.0.0.1:5556\"\n");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), at(2,
                              "[ingest] updates: \"127.0.0.1:5556\" is not a ZeroMQ endpoint "
                              "(tcp://host:port, ipc://path or inproc://name)"));
}

// Every config the project ships or documents stays valid: the demo wall, the raster test's
// wall, and the examples in docs/viewer.md's "Config file" section.
TEST_F(ViewerConfigTest, TheShippedAndDocumentedConfigsLoad) {
    for (const fs::path& shipped : {repository() / "config" / "demo-viewer.toml.in",
                                    repository() / "tests" / "render" / "raster_tiles.toml.in"}) {
        auto config = load(read_file(shipped));
        EXPECT_TRUE(config) << shipped << ": " << config.error();
    }
    const std::string doc = read_file(repository() / "docs" / "viewer.md");
    const auto section = doc.find("## Config file"), end = doc.find("\n## ", section + 1);
    std::vector<std::string> blocks;
    for (auto at = doc.find("```toml\n", section); at < end; at = doc.find("```toml\n", at)) {
        at += 8;
        const auto close = doc.find("```", at);
        blocks.push_back(doc.substr(at, close - at));
        at = close + 3;
    }
    ASSERT_EQ(blocks.size(), 2u) << "the complete example and [[area]]/[aggregate]/[animation]";
    for (const auto& block : blocks) {
        auto config = load(block);
        EXPECT_TRUE(config) << config.error();
    }
    auto config = load(blocks[0] + blocks[1]);
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->layers.size(), 4u);
    EXPECT_EQ(config->layers[3].dash, (std::array<float, 2>{8.0f, 5.0f}));
    EXPECT_EQ(config->center_lonlat, (std::array<double, 2>{114.06, 22.55}));
    EXPECT_EQ(config->aggregate.mode, AggregateMode::automatic);
}

}  // namespace
}  // namespace citywall::viewer
