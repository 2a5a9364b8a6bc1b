#include "wall_state.hpp"

#include <gtest/gtest.h>

namespace citywall::viewer {
namespace {

WallCommand parsed(std::string_view name, std::vector<std::string> args) {
    auto command = parse_wall_command(name, args);
    EXPECT_TRUE(command.ok()) << name << ": " << command.error();
    return command.ok() ? *command : WallCommand{};
}

TEST(WallCommand, EveryCommandParsesToItsType) {
    auto view = std::get<command::SetView>(parsed("view", {"114.05", "22.6", "12.5"}));
    EXPECT_EQ(view.center, (LonLat{114.05, 22.6}));
    EXPECT_EQ(view.metres_per_pixel, 12.5);
    auto click = std::get<command::Click>(parsed("click-beat", {"793", "360"}));
    EXPECT_TRUE(click.beat);
    EXPECT_EQ(click.x, 793);
    EXPECT_FALSE(std::get<command::Click>(parsed("click", {"1", "2"})).beat);
    EXPECT_EQ(std::get<command::SelectIncident>(parsed("select-incident", {"1000"})).id, 1000u);
    EXPECT_EQ(std::get<command::ZoomTo>(parsed("zoom-to", {"东湖区", "滨江街道"})).target,
              "东湖区 滨江街道");
    EXPECT_TRUE(std::holds_alternative<command::ClearSelection>(parsed("clear-selection", {})));
    EXPECT_EQ(std::get<command::SetAggregate>(parsed("aggregate", {"auto"})).mode,
              AggregateMode::automatic);
    auto heat = std::get<command::ShowPanel>(parsed("heat", {"on"}));
    EXPECT_EQ(heat.panel, Panel::heat);
    EXPECT_TRUE(heat.on);
    EXPECT_FALSE(std::get<command::ShowPanel>(parsed("queue", {"hide"})).on);
    EXPECT_EQ(std::get<command::SortQueue>(parsed("queue-sort", {"age"})).sort, QueueSort::age);
    EXPECT_EQ(std::get<command::AdvanceClock>(parsed("advance", {"2.5"})).seconds, 2.5);
}

TEST(WallCommand, WrongWordsGiveTheUsageAndOtherNamesAreNotWallCommands) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> wrong = {
        {"view", {"114", "22"}},
        {"view", {"200", "22", "10"}},
        {"view", {"114", "22", "0"}},
        {"view", {"114", "22", "1e"}},
        {"click", {"1"}},
        {"select-incident", {"0"}},
        {"select-incident", {"1.5"}},
        {"zoom-to", {}},
        {"clear-selection", {"x"}},
        {"aggregate", {"maybe"}},
        {"units", {"yes"}},
        {"queue-filter", {"severity", "huge"}},
        {"queue-filter", {"colour", "red"}},
        {"queue-sort", {"colour"}},
        {"advance", {"-1"}}};
    for (const auto& [name, args] : wrong) {
        auto command = parse_wall_command(name, args);
        ASSERT_FALSE(command.ok()) << name;
        EXPECT_EQ(command.error_kind(), ErrorKind::invalid) << name;
        EXPECT_EQ(command.error().rfind(name, 0), 0u) << command.error();
    }
    auto other = parse_wall_command("expect-kpi", {"received", "1"});
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error_kind(), ErrorKind::not_found);
}

TEST(WallCommand, QueueFilterChangesOneFacetAndClearKeepsTheSort) {
    QueueFilter f;
    f.sort = QueueSort::department;
    f = filtered(f, std::get<command::FilterQueue>(parsed("queue-filter", {"department", "119"})));
    f = filtered(f, std::get<command::FilterQueue>(parsed("queue-filter", {"severity", "major"})));
    f = filtered(f, std::get<command::FilterQueue>(parsed("queue-filter", {"status", "on_scene"})));
    f = filtered(f, std::get<command::FilterQueue>(parsed("queue-filter", {"older-than", "30m"})));
    EXPECT_EQ(f.department, "119");
    EXPECT_EQ(f.severity, 2);
    EXPECT_EQ(f.status, static_cast<int>(IncidentStatus::on_scene));
    EXPECT_EQ(f.older_than_s, 1800);
    f = filtered(f, std::get<command::FilterQueue>(parsed("queue-filter", {"department", "any"})));
    EXPECT_EQ(f.department, "");
    f = filtered(f, std::get<command::FilterQueue>(parsed("queue-filter", {"clear"})));
    QueueFilter cleared;
    cleared.sort = QueueSort::department;
    EXPECT_EQ(f, cleared);
}

TEST(WallState, IsAValueThatComparesWhole) {
    WallState a;
    a.layers = {{"网格 Grids", true}, {"底图 Basemap", false}};
    a.selection.kind = Selection::Kind::incident;
    a.selection.incident = 42;
    WallState b = a;
    EXPECT_EQ(a, b);
    b.layers[1].second = true;
    EXPECT_NE(a, b);
    b = a;
    b.queue_filter.family = "fire";
    EXPECT_NE(a, b);
    b = a;
    b.center.x += 1;
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace citywall::viewer
