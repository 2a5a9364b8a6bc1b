// Deadlines in the ingest config: which rule gives an incident its deadline, and the mistakes
// in [deadlines] and [[deadline]] that stop ingest at start with the file, the line and the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "citywall/config.hpp"
#include "scratch_dir.hpp"

namespace citywall {
namespace {

constexpr TimeMs kMinute = 60'000;

constexpr const char* kOneDepartment =
    "[[department]]\ncode = \"110\"\nendpoint = \"tcp://127.0.0.1:5601\"\n";

DeadlineConfig parsed(const std::string& text) {
    auto config = parse_ingest_config(text + kOneDepartment, "/tmp");
    EXPECT_TRUE(config) << config.error();
    return config ? config->deadlines : DeadlineConfig{};
}

TEST(DeadlineRules, NoneConfiguredGivesNoDeadline) {
    const DeadlineConfig none = parsed("");
    for (auto severity : {Severity::critical, Severity::major, Severity::moderate, Severity::low})
        EXPECT_EQ(none.deadline_ms("fire.building", severity), 0);
    Incident incident;
    incident.category = "fire.building";
    incident.severity = Severity::critical;
    incident.received = 1795000000000;
    EXPECT_EQ(none.due(incident), 0);
    EXPECT_EQ(none.escalate_every_minutes, 30);
}

TEST(DeadlineRules, TheMostSpecificRuleThatNamesTheSeverityWins) {
    const DeadlineConfig deadlines = parsed(
        "[deadlines]\n"
        "critical_minutes = 15\nmajor_minutes = 60\nmoderate_minutes = 240\n"
        "escalate_every_minutes = 20\n"
        // The exact category first: the order of the file does not decide.
        "[[deadline]]\ncategory = \"fire.building\"\ncritical_minutes = 5\nmajor_minutes = 30\n"
        "[[deadline]]\ncategory = \"fire.*\"\ncritical_minutes = 10\n"
        "[[deadline]]\ncategory = \"fire.building.*\"\ncritical_minutes = 7\n"
        "[[deadline]]\ncategory = \"hotline.*\"\nmoderate_minutes = 0\nlow_minutes = 2880\n");
    EXPECT_EQ(deadlines.escalate_every_ms(), 20 * kMinute);
    // [deadlines] alone.
    EXPECT_EQ(deadlines.deadline_ms("police.theft", Severity::critical), 15 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("police.theft", Severity::moderate), 240 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("police.theft", Severity::low), 0);  // not configured
    // A prefix for the severity it names; [deadlines] for the others.
    EXPECT_EQ(deadlines.deadline_ms("fire.vehicle", Severity::critical), 10 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("fire.vehicle", Severity::major), 60 * kMinute);
    // The exact category over every prefix; a longer prefix over a shorter one.
    EXPECT_EQ(deadlines.deadline_ms("fire.building", Severity::critical), 5 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("fire.building", Severity::major), 30 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("fire.building", Severity::moderate), 240 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("fire.building.high_rise", Severity::critical), 7 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("fire.building.high_rise", Severity::major), 60 * kMinute);
    // 0 says "no deadline", over a less specific rule that gives one.
    EXPECT_EQ(deadlines.deadline_ms("hotline.noise", Severity::moderate), 0);
    EXPECT_EQ(deadlines.deadline_ms("hotline.noise", Severity::low), 2880 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("hotline.noise", Severity::critical), 15 * kMinute);
    // A prefix is a whole family: "fire.*" is not every category that starts with "fire".
    EXPECT_EQ(deadlines.deadline_ms("firework.display", Severity::critical), 15 * kMinute);

    Incident incident;
    incident.category = "fire.building";
    incident.severity = Severity::major;
    incident.received = 1795000000000;
    EXPECT_EQ(deadlines.due(incident), 1795000000000 + 30 * kMinute);
    incident.severity = Severity::low;
    EXPECT_EQ(deadlines.due(incident), 0);
}

// The example under "## Deadlines and escalation" in docs/config.md does what the page says.
TEST(DeadlineRules, TheDocumentedExampleGivesTheDocumentedDeadlines) {
    const auto repository = std::filesystem::path(CITYWALL_TEST_DATA).parent_path().parent_path();
    std::ifstream in(repository / "docs" / "config.md", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto at = doc.find("```toml\n", doc.find("## Deadlines and escalation")) + 8;
    const DeadlineConfig deadlines = parsed(doc.substr(at, doc.find("```", at) - at));
    EXPECT_EQ(deadlines.deadline_ms("fire.building", Severity::critical), 10 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("fire.building", Severity::major), 60 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("police.theft", Severity::critical), 15 * kMinute);
    EXPECT_EQ(deadlines.deadline_ms("hotline.noise", Severity::critical), 0);
    EXPECT_EQ(deadlines.deadline_ms("hotline.noise", Severity::major), 0);
    EXPECT_EQ(deadlines.deadline_ms("hotline.noise", Severity::moderate), 0);
}

TEST(DeadlineRules, APatternMatchesTheCategoriesUnderItsPrefixOnly) {
    DeadlineRule family{"fire.*", {}};
    EXPECT_TRUE(family.pattern());
    EXPECT_TRUE(family.matches("fire.building"));
    EXPECT_TRUE(family.matches("fire.building.high_rise"));
    EXPECT_FALSE(family.matches("fire"));
    EXPECT_FALSE(family.matches("fire."));
    EXPECT_FALSE(family.matches("firework.display"));
    EXPECT_FALSE(family.matches("police.fire_report"));
    DeadlineRule exact{"fire.building", {}};
    EXPECT_FALSE(exact.pattern());
    EXPECT_TRUE(exact.matches("fire.building"));
    EXPECT_FALSE(exact.matches("fire.building.high_rise"));
}

// A mistake stops ingest before it opens a journal: the file, the line, the key and why.
class DeadlineConfigMistakes : public ::testing::Test {
  protected:
    Result<IngestConfig> load(const std::string& text) {
        std::ofstream(file()) << text << kOneDepartment;
        return load_ingest_config(file());
    }
    std::string file() const { return (dir_ / "ingest.toml").string(); }
    std::string at(int line, const std::string& message) const {
        return file() + ":" + std::to_string(line) + ": " + message;
    }
    void expect_error(const std::string& text, int line, const std::string& message) {
        auto config = load(text);
        ASSERT_FALSE(config) << text << "\nwas taken";
        EXPECT_EQ(config.error_kind(), ErrorKind::invalid);
        EXPECT_EQ(config.error(), at(line, message)) << text;
    }

    const testing::ScratchDir dir_{"citywall-deadline-config"};
};

TEST_F(DeadlineConfigMistakes, UnknownKeysAreNamedWithTheirLines) {
    expect_error("[deadlines]\ncritical_minutes = 15\ncritcal_minutes = 10\n", 3,
                 "[deadlines] critcal_minutes: unknown key");
    expect_error("[[deadline]]\ncategory = \"fire.*\"\nseverity = 1\ncritical_minutes = 10\n", 3,
                 "[[deadline]] #1 severity: unknown key");
    expect_error("[deadline]\ncategory = \"fire.*\"\n", 1,
                 "deadline: expected [[deadline]] tables, got a table");
    expect_error("[deadlines]\nescalate_every = 30\n", 2,
                 "[deadlines] escalate_every: unknown key");
}

TEST_F(DeadlineConfigMistakes, ValuesOfTheWrongTypeAreRefused) {
    expect_error("[deadlines]\ncritical_minutes = \"15\"\n", 2,
                 "[deadlines] critical_minutes: expected an integer, got a string");
    expect_error("[deadlines]\nmajor_minutes = 1.5\n", 2,
                 "[deadlines] major_minutes: expected an integer, got a float");
    expect_error("[[deadline]]\ncategory = 119\ncritical_minutes = 10\n", 2,
                 "[[deadline]] #1 category: expected a string, got an integer");
    expect_error("[ingest]\ndrill = \"yes\"\n", 2,
                 "[ingest] drill: expected true or false, got a string");
}

TEST_F(DeadlineConfigMistakes, ValuesOutOfRangeAreRefused) {
    expect_error("[deadlines]\ncritical_minutes = -5\n", 2,
                 "[deadlines] critical_minutes: must be 0..43200 minutes (0: no deadline)");
    expect_error("[deadlines]\nlow_minutes = 43201\n", 2,
                 "[deadlines] low_minutes: must be 0..43200 minutes (0: no deadline)");
    expect_error("[deadlines]\nescalate_every_minutes = 0\n", 2,
                 "[deadlines] escalate_every_minutes: must be 1..1440");
    expect_error("[[deadline]]\ncategory = \"fire.*\"\nmajor_minutes = 100000\n", 3,
                 "[[deadline]] #1 major_minutes: must be 0..43200 minutes (0: no deadline)");
}

TEST_F(DeadlineConfigMistakes, ARuleNeedsACategoryItCanMatchAndADeadline) {
    expect_error(
        "[[deadline]]\ncategory = \"fire.*\"\ncritical_minutes = 10\n"
        "[[deadline]]\ncritical_minutes = 5\n",
        4, "[[deadline]] #2: category is missing");
    for (const char* bad : {"Fire.*", "fire", "*", "fire*", "fire.", ".fire.building",
                            "fire..building", "fire.*.high_rise", "消防.*"})
        expect_error(
            std::string("[[deadline]]\ncategory = \"") + bad + "\"\ncritical_minutes = 10\n", 2,
            std::string("[[deadline]] #1 category: \"") + bad +
                "\" is neither a category (family.kind) nor a prefix of one followed by "
                ".* (fire.*)");
    expect_error(
        "[[deadline]]\ncategory = \"fire.*\"\ncritical_minutes = 10\n"
        "[[deadline]]\ncategory = \"fire.*\"\nmajor_minutes = 30\n",
        5, "[[deadline]] #2 category: fire.* is also the category of deadline #1");
    expect_error("[[deadline]]\ncategory = \"fire.*\"\n", 1,
                 "[[deadline]] #1: sets no deadline (critical_minutes, major_minutes, "
                 "moderate_minutes, low_minutes or sign_minutes)");
}

TEST_F(DeadlineConfigMistakes, WithATaxonomyARuleMustMatchOneOfItsCategories) {
    const std::string taxonomy = "[taxonomy]\ncategories = [\"fire.building\", \"police.theft\"]\n";
    auto good = load(taxonomy +
                     "[[deadline]]\ncategory = \"fire.*\"\ncritical_minutes = 10\n"
                     "[[deadline]]\ncategory = \"police.theft\"\nmajor_minutes = 45\n");
    ASSERT_TRUE(good) << good.error();
    EXPECT_EQ(good->deadlines.rules.size(), 2u);
    expect_error(taxonomy + "[[deadline]]\ncategory = \"fire.buildng\"\ncritical_minutes = 10\n", 4,
                 "[[deadline]] #1 category: \"fire.buildng\" is not a category of [taxonomy]");
    expect_error(taxonomy + "[[deadline]]\ncategory = \"medical.*\"\ncritical_minutes = 10\n", 4,
                 "[[deadline]] #1 category: \"medical.*\" matches no category of [taxonomy]");
}

TEST_F(DeadlineConfigMistakes, EveryMistakeOfTheSchemaIsListedAtOnce) {
    auto config = load(
        "[deadlines]\n"                // 1
        "critical_mins = 15\n"         // 2
        "major_minutes = \"60\"\n"     // 3
        "[[deadline]]\n"               // 4
        "categories = \"fire.*\"\n");  // 5
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error(), at(2, "[deadlines] critical_mins: unknown key\n") +
                                  at(3,
                                     "[deadlines] major_minutes: expected an integer, got a "
                                     "string\n") +
                                  at(5, "[[deadline]] #1 categories: unknown key"));
}

TEST(DrillConfig, OffUnlessTheConfigSaysSo) {
    auto live = parse_ingest_config(kOneDepartment, "/tmp");
    ASSERT_TRUE(live) << live.error();
    EXPECT_FALSE(live->drill);
    auto drill =
        parse_ingest_config(std::string("[ingest]\ndrill = true\n") + kOneDepartment, "/tmp");
    ASSERT_TRUE(drill) << drill.error();
    EXPECT_TRUE(drill->drill);
}

}  // namespace
}  // namespace citywall
