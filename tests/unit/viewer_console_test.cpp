// The console (viewer/src/console.hpp): it offers exactly the steps the lifecycle's table gives
// its role from where the case stands, builds each command from what was filled in, numbers
// them, and keeps ingest's answer to the last one it sent.
#include <gtest/gtest.h>

#include <set>

#include "console.hpp"

namespace citywall::viewer {
namespace {

TEST(Console, OffersWhatTheRoleMayTakeFromTheStageAndNothingElse) {
    CaseState fresh;
    const auto leader = offered_actions(fresh, WallRole::leader);
    EXPECT_NE(std::find(leader.begin(), leader.end(), CaseAction::order), leader.end());
    EXPECT_NE(std::find(leader.begin(), leader.end(), CaseAction::close), leader.end());
    EXPECT_EQ(std::find(leader.begin(), leader.end(), CaseAction::review_pass), leader.end());
    EXPECT_EQ(std::find(leader.begin(), leader.end(), CaseAction::sign), leader.end())
        << "a department's step";
    EXPECT_EQ(std::find(leader.begin(), leader.end(), CaseAction::extend_approve), leader.end())
        << "nobody asked for more time";
    const auto operator_steps = offered_actions(fresh, WallRole::operator_);
    EXPECT_EQ(operator_steps,
              (std::vector<CaseAction>{CaseAction::annotate, CaseAction::acknowledge}));
    EXPECT_TRUE(offered_actions(fresh, WallRole::viewer).empty());
    EXPECT_TRUE(offered_actions(fresh, WallRole::trainer).empty());

    CaseState asked;
    asked.stage = CaseStage::signed_for;
    asked.extension_asked = 1;
    const auto deciding = offered_actions(asked, WallRole::leader);
    EXPECT_NE(std::find(deciding.begin(), deciding.end(), CaseAction::extend_approve),
              deciding.end());
    CaseState closed;
    closed.stage = CaseStage::closed;
    EXPECT_EQ(offered_actions(closed, WallRole::leader),
              std::vector<CaseAction>{CaseAction::reopen});  // reopening, and nothing else
    EXPECT_TRUE(offered_actions(closed, WallRole::operator_).empty());

    // Whatever it offers, the table allows: the console never offers a sure refusal.
    for (int s = 0; s < kCaseStageCount; ++s) {
        CaseState state;
        state.stage = static_cast<CaseStage>(s);
        for (CaseAction action : offered_actions(state, WallRole::leader)) {
            CaseStep step;
            step.action = action;
            step.department = "x";
            step.command = "c";
            step.note = "n";
            step.until = 1;
            const std::string_view reasons = rule_of(action).reasons;
            step.reason = std::string(reasons.substr(0, reasons.find(' ')));
            const auto why = check_step(state, step, Doer::leader);
            EXPECT_TRUE(!why || why->why != CaseRefusal::forbidden) << to_string(action);
            EXPECT_TRUE(!why || why->why != CaseRefusal::wrong_stage) << to_string(action);
        }
    }
}

TEST(Console, AFreeUnitIsSentByAnOrderOrAReopeningAndOnlyByALeader) {
    CaseState fresh;
    EXPECT_EQ(unit_order_step(fresh, WallRole::leader), CaseAction::order);
    EXPECT_EQ(unit_order_step(fresh, WallRole::operator_), std::nullopt);
    EXPECT_EQ(unit_order_step(fresh, WallRole::viewer), std::nullopt);
    CaseState closed;
    closed.stage = CaseStage::closed;
    EXPECT_EQ(unit_order_step(closed, WallRole::leader), CaseAction::reopen);
    CaseState resolved;
    resolved.stage = CaseStage::resolved;
    EXPECT_EQ(unit_order_step(resolved, WallRole::leader), std::nullopt)
        << "a resolved case is reviewed, not ordered";
}

TEST(Console, BuildsTheCommandFromTheFormOnlyWhenNothingIsMissing) {
    Console console(WallRole::leader, "c1700");
    EXPECT_FALSE(console.take_command());
    console.choose(42, CaseAction::order);
    EXPECT_EQ(console.missing(), "a department");
    EXPECT_FALSE(console.take_command());
    console.form().department = "city-mgmt";
    console.form().note = "请尽快";
    auto command = console.take_command();
    ASSERT_TRUE(command);
    EXPECT_EQ(command->id, "c1700-1");
    EXPECT_EQ(command->incident, 42u);
    EXPECT_EQ(command->action, CaseAction::order);
    EXPECT_EQ(command->department, "city-mgmt");
    EXPECT_EQ(command->note, "请尽快");
    EXPECT_EQ(console.form().action, CaseAction::none) << "the form is cleared once sent";

    console.choose(42, CaseAction::close);
    console.form().reason = "made_up";
    EXPECT_EQ(console.missing(), "a reason");
    console.form().reason = "resolved";
    command = console.take_command();
    ASSERT_TRUE(command);
    EXPECT_EQ(command->id, "c1700-2");

    ASSERT_TRUE(console.last());
    EXPECT_FALSE(console.last()->answered);
    console.receive({9, "c1700-1", 42, true, "", ""});  // an older command's answer
    EXPECT_FALSE(console.last()->answered);
    console.receive({9, "c1700-2", 42, false, "wrong_stage", "close is not allowed now"});
    EXPECT_TRUE(console.last()->answered);
    EXPECT_FALSE(console.last()->accepted);
    EXPECT_EQ(console.last()->refusal, "wrong_stage");
}

TEST(Console, ChoosingAnotherStepOrCaseStartsAFreshForm) {
    Console console(WallRole::leader, "c");
    console.choose(1, CaseAction::cancel);
    console.form().note = "误报";
    console.choose(1, CaseAction::cancel);
    EXPECT_EQ(console.form().note, "误报") << "the same step keeps what was typed";
    console.choose(2, CaseAction::cancel);
    EXPECT_TRUE(console.form().note.empty());
    EXPECT_EQ(console.form().incident, 2u);
}

// Every step a leader or an operator takes has one letter of its own, read back the same way;
// the departments' steps have none, and the panels' letters stay theirs.
TEST(Console, EveryWallStepHasAShortcutOfItsOwnAndThePanelKeysStayFree) {
    std::set<char> used;
    for (int k = 1; k < kCaseActionCount; ++k) {
        const auto action = static_cast<CaseAction>(k);
        const CaseActionRule& rule = rule_of(action);
        const bool a_walls = rule.taken_by(Doer::leader) || rule.taken_by(Doer::operator_);
        const char key = shortcut_of(action);
        EXPECT_EQ(key != 0, a_walls) << to_string(action);
        if (key == 0) continue;
        EXPECT_TRUE(used.insert(key).second) << key << " twice";
        EXPECT_EQ(action_of_shortcut(key), action);
        EXPECT_TRUE(key >= 'A' && key <= 'Z');
    }
    for (char panel : {'Q', 'K', 'H', 'U'})
        EXPECT_FALSE(action_of_shortcut(panel)) << panel;
}

// An incident its departments closed, never taken up by the centre, stands closed for the
// console: reopening it is what a leader may do.
TEST(Console, AnIncidentClosedByItsDepartmentsStandsClosedForTheConsole) {
    Incident closed;
    closed.status = IncidentStatus::closed;
    EXPECT_EQ(closed.case_standing().stage, CaseStage::closed);
    EXPECT_EQ(offered_actions(closed.case_standing(), WallRole::leader),
              std::vector<CaseAction>{CaseAction::reopen});
    Incident open;
    EXPECT_EQ(open.case_standing().stage, CaseStage::received);
}

}  // namespace
}  // namespace citywall::viewer
