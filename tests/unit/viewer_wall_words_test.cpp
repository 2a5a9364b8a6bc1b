// The wall's language ([centre] language): every label in Chinese, English or both, the centre's
// name as the title, a department's English name on an English wall, and the refusal words in
// each; and the [centre] table as the wall's config reads it.
#include <gtest/gtest.h>

#include <fstream>

#include "panels.hpp"
#include "scratch_dir.hpp"
#include "viewer_config.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {
namespace {

// Each test speaks one language and leaves the wall as it found it (both).
class WallWordsTest : public ::testing::Test {
  protected:
    void TearDown() override { set_wall_language(Language::zh_en); }
};

TEST_F(WallWordsTest, EachLanguageSaysItsOwnAndBothSaysBoth) {
    set_wall_language(Language::zh);
    EXPECT_EQ(say("接入状态", "Feed health"), "接入状态");
    EXPECT_EQ(severity_word(Severity::critical), "特急");
    EXPECT_EQ(status_word(IncidentStatus::dispatched), "派遣");
    set_wall_language(Language::en);
    EXPECT_EQ(say("接入状态", "Feed health"), "Feed health");
    EXPECT_EQ(say_short("接入状态", "Feed health"), "Feed health");
    EXPECT_EQ(severity_word(Severity::critical), "critical");
    EXPECT_EQ(status_word_short(IncidentStatus::en_route), "en route");
    set_wall_language(Language::zh_en);
    EXPECT_EQ(say("接入状态", "Feed health"), "接入状态 Feed health");
    EXPECT_EQ(say_short("接入状态", "Feed health"), "接入状态");  // a narrow cell: one of them
    EXPECT_EQ(say("演练", "DRILL", "DRILL 演练"), "DRILL 演练");  // a wording of its own
    EXPECT_EQ(severity_word(Severity::low), "低 low");
}

TEST_F(WallWordsTest, AMissingWordFallsBackToTheOtherLanguage) {
    set_wall_language(Language::en);
    EXPECT_EQ(say("区", ""), "区");
    set_wall_language(Language::zh);
    EXPECT_EQ(say("", "Beat"), "Beat");
    set_wall_language(Language::zh_en);
    EXPECT_EQ(say("Beat", "Beat"), "Beat");  // the same word twice is said once
    AreaLevelConfig level;
    level.name = "警区";
    level.name_en = "Police district";
    EXPECT_EQ(level_word(level), "警区 Police district");
    EXPECT_EQ(level_word_short(level), "警区");
    set_wall_language(Language::en);
    EXPECT_EQ(level_word_short(level), "Police district");
}

TEST_F(WallWordsTest, TheCentreIsTheTitleInItsLanguage) {
    CentreConfig centre;
    EXPECT_EQ(centre.title("城市运行指挥中心"), "城市运行指挥中心");  // no name: the fallback
    centre.name = "深圳市城市运行管理中心";
    centre.name_en = "Shenzhen City Operations Centre";
    EXPECT_EQ(centre.title("x"), "深圳市城市运行管理中心 · Shenzhen City Operations Centre");
    centre.language = Language::en;
    EXPECT_EQ(centre.title("x"), "Shenzhen City Operations Centre");
    centre.language = Language::zh;
    EXPECT_EQ(centre.title("x"), "深圳市城市运行管理中心");
    centre.name.clear();
    EXPECT_EQ(centre.title("x"), "Shenzhen City Operations Centre");  // all it has
}

TEST_F(WallWordsTest, ADepartmentIsNamedInTheWallsLanguage) {
    FeedHealth feed;
    feed.department = "sfpd";
    EXPECT_EQ(department_name(feed), "sfpd");
    feed.name_en = "San Francisco Police Department";
    EXPECT_EQ(department_name(feed), "San Francisco Police Department");
    feed.name = "旧金山警察局";
    EXPECT_EQ(department_name(feed), "旧金山警察局");
    set_wall_language(Language::en);
    EXPECT_EQ(department_name(feed), "San Francisco Police Department");
}

TEST_F(WallWordsTest, RefusalsAreSaidInChineseOnAChineseWall) {
    FeedHealth feed;
    feed.department = "119";
    feed.stale = true;
    feed.refusals = {{"wrong_mechanism", 12}};
    feed.last_refused = 1000;
    feed.last_refusal_reason = "wrong_mechanism";
    set_wall_language(Language::zh);
    EXPECT_EQ(feed_refusal(feed), "拒绝：无密钥 ×12");
    set_wall_language(Language::en);
    EXPECT_EQ(feed_refusal(feed), "refused: no key ×12");
}

class CentreConfigTest : public ::testing::Test {
  protected:
    Result<ViewerConfig> load(const std::string& text) {
        const auto path = dir_.path() / "wall.toml";
        std::ofstream(path) << text;
        return load_viewer_config(path);
    }
    const testing::ScratchDir dir_{"citywall-centre-config"};
};

TEST_F(CentreConfigTest, TheCentreNamesTheWindowAndSetsTheLanguage) {
    auto config = load(
        "[centre]\nname = \"深圳市城市运行管理中心\"\n"
        "name_en = \"Shenzhen City Operations Centre\"\nlanguage = \"en\"\n");
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->centre.language, Language::en);
    EXPECT_EQ(config->title, "Shenzhen City Operations Centre");
    // A title of the window's own wins; without [centre] the wall speaks both.
    config = load("[window]\ntitle = \"east wall\"\n[centre]\nname = \"中心\"\n");
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->title, "east wall");
    EXPECT_EQ(config->centre.language, Language::zh_en);
}

TEST_F(CentreConfigTest, ALanguageOrZoneItCannotUseIsRefusedWithTheLine) {
    auto config = load("[centre]\nname = \"x\"\nlanguage = \"fr\"\n");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().find("wall.toml:3: [centre] language: \"fr\" is none of \"zh\""),
              std::string::npos)
        << config.error();
    config = load("[centre]\ntime_zone = \"Mars/Olympus\"\n");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().find("[centre] time_zone"), std::string::npos) << config.error();
    config = load("[centre]\nlanguages = \"en\"\n");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().find("languages"), std::string::npos) << config.error();
}

}  // namespace
}  // namespace citywall::viewer
