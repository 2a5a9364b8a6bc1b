// Incident colours by category family and marker sizes by severity: the palette built into the
// wall, one read from a file, the colour of a family the palette does not list, and a file that
// cannot be a palette refused with its name.
#include <gtest/gtest.h>

#include <string>

#include "palette.hpp"

namespace citywall::viewer {
namespace {

void expect_color(Rgba actual, const char* hex) {
    const Rgba expected = *parse_rgba(hex);
    EXPECT_FLOAT_EQ(actual.r, expected.r) << hex;
    EXPECT_FLOAT_EQ(actual.g, expected.g) << hex;
    EXPECT_FLOAT_EQ(actual.b, expected.b) << hex;
    EXPECT_FLOAT_EQ(actual.a, expected.a) << hex;
}

TEST(CategoryFamily, IsThePartBeforeTheFirstDot) {
    EXPECT_EQ(category_family("police.theft"), "police");
    EXPECT_EQ(category_family("sensor.bridge.tilt"), "sensor");
    EXPECT_EQ(category_family("hotline"), "hotline");
    EXPECT_EQ(category_family(".theft"), "");
    EXPECT_EQ(category_family(""), "");
}

TEST(Palette, TheBuiltInPaletteIsTheOneInAssets) {
    const Palette palette = Palette::built_in();
    ASSERT_EQ(palette.families().size(), 8u);
    EXPECT_EQ(palette.families().front().first, "police");
    EXPECT_EQ(palette.families().back().first, "grid");
    expect_color(palette.category_color("police.theft"), "#56b4e9");
    expect_color(palette.category_color("fire.building"), "#d55e00");
    expect_color(palette.family_color("hotline"), "#f0e442");
    expect_color(palette.category_color("weather.typhoon"), "#bbbbbb");  // not listed: other
    expect_color(palette.marker_outline(), "#05080cf0");
    EXPECT_EQ(palette.family_label("medical"), "急救 120");
    // Sizes written as integers in the file are read as pixels.
    EXPECT_FLOAT_EQ(palette.marker_size(Severity::critical), 24.f);
    EXPECT_FLOAT_EQ(palette.marker_size(Severity::major), 18.f);
    EXPECT_FLOAT_EQ(palette.marker_size(Severity::moderate), 14.f);
    EXPECT_FLOAT_EQ(palette.marker_size(Severity::low), 10.f);
}

TEST(Palette, AFileGivesItsFamiliesInItsOrderAndKeepsDefaultsForWhatItLeavesOut) {
    auto parsed = Palette::parse(R"(
[marker.size]
critical = 30.5

[[family]]
name = "water"
color = "#0000ff80"

[[family]]
name = "police"
label = "公安"
color = "#FF0000"
)",
                                 "mine.toml");
    ASSERT_TRUE(parsed) << parsed.error();
    const Palette& palette = *parsed;
    ASSERT_EQ(palette.families().size(), 2u);
    EXPECT_EQ(palette.families()[0].first, "water");
    EXPECT_EQ(palette.families()[1].first, "police");
    expect_color(palette.category_color("water.main_burst"), "#0000ff80");
    expect_color(palette.category_color("police.theft"), "#ff0000");
    expect_color(palette.category_color("fire.building"), "#999999");  // the default other
    EXPECT_EQ(palette.family_label("police"), "公安");
    EXPECT_EQ(palette.family_label("water"), "water");        // no label: its name
    EXPECT_EQ(palette.family_label("unlisted"), "unlisted");  // not a family: itself
    EXPECT_FLOAT_EQ(palette.marker_size(Severity::critical), 30.5f);
    EXPECT_FLOAT_EQ(palette.marker_size(Severity::major), 17.f);  // the default
    // A severity outside the four takes the nearest size.
    EXPECT_FLOAT_EQ(palette.marker_size(static_cast<Severity>(0)), 30.5f);
    EXPECT_FLOAT_EQ(palette.marker_size(static_cast<Severity>(9)), 10.f);

    const auto empty = Palette::parse("", "empty.toml");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->families().empty());
    expect_color(empty->category_color("police.theft"), "#999999");
}

TEST(Palette, AFileThatIsNoPaletteIsRefusedWithItsName) {
    auto broken = Palette::parse("[[family]\nname = ", "broken.toml");
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error_kind(), ErrorKind::invalid);
    EXPECT_EQ(broken.error().rfind("broken.toml: ", 0), 0u) << broken.error();
    for (const char* family : {"[[family]]\nname = \"police\"",                   // no colour
                               "[[family]]\ncolor = \"#ff0000\"",                 // no name
                               "[[family]]\nname = \"police\"\ncolor = \"red\"",  // not #rrggbb
                               "[[family]]\nname = \"police\"\ncolor = \"#ff00\"",
                               "[[family]]\nname = 110\ncolor = \"#ff0000\""}) {
        auto refused = Palette::parse(family, "families.toml");
        ASSERT_FALSE(refused) << family;
        EXPECT_EQ(refused.error(), "families.toml: every [[family]] needs name and color");
    }
}

}  // namespace
}  // namespace citywall::viewer
