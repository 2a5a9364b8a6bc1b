// The viewer's TOML config: layer styles as docs/viewer.md states them, and a clear refusal of
// what is malformed (a wall that starts with a wrong map is worse than one that says why not).
#include "viewer_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "scratch_dir.hpp"

namespace citywall::viewer {
namespace {

namespace fs = std::filesystem;

class ViewerConfigTest : public ::testing::Test {
  protected:
    Result<ViewerConfig> load(const std::string& text) {
        const fs::path path = dir_ / "wall.toml";
        std::ofstream(path) << text;
        return load_viewer_config(path);
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

TEST_F(ViewerConfigTest, OtherMistakesAreRefusedNotGuessed) {
    EXPECT_FALSE(load("[window\ntitle = 1"));  // not TOML
    EXPECT_FALSE(load(grids_with("outline_width = 99")));
    EXPECT_FALSE(load(grids_with("dash = [1]")));
    EXPECT_FALSE(load(grids_with("fill = \"blue\"")));
    EXPECT_FALSE(load("[view]\nbackground = \"#12\""));
    EXPECT_FALSE(load("[window]\nwidth = 10\nheight = 10"));
    EXPECT_FALSE(load("[[layer]]\nkind = \"vector\"\n"));  // no source
}

}  // namespace
}  // namespace citywall::viewer
