// The case lifecycle's one table (citywall/case_flow.hpp): every step from every stage by every
// doer, what each must say, the deadlines it sets, and the round trip of a case through the wire.
#include <gtest/gtest.h>

#include "citywall/case_flow.hpp"
#include "citywall/feed_time.hpp"
#include "citywall/wire.hpp"

namespace citywall {
namespace {

constexpr TimeMs kT0 = 1'780'000'000'000;
constexpr TimeMs kMin = 60'000;
const CaseLimits kLimits{10 * kMin, 120 * kMin};

CaseStep step(CaseAction action, TimeMs at = kT0) {
    CaseStep s;
    s.time = at;
    s.action = action;
    s.actor = "leader-1";
    return s;
}

// Takes `s` as `doer`, failing the test when it is refused.
CaseState take(const CaseState& state, CaseStep s, Doer doer) {
    auto why = check_step(state, s, doer);
    EXPECT_FALSE(why) << to_string(s.action) << ": " << (why ? why->detail : "");
    return apply_step(state, std::move(s), kLimits);
}

CaseState ordered(std::string department = "city-mgmt") {
    CaseStep s = step(CaseAction::order);
    s.department = std::move(department);
    s.command = "O-1";
    return take({}, s, Doer::leader);
}

TEST(CaseFlow, TheTableNamesEveryActionOnceAndReadsBack) {
    for (int k = 1; k < kCaseActionCount; ++k) {
        const auto action = static_cast<CaseAction>(k);
        EXPECT_EQ(rule_of(action).action, action);
        EXPECT_EQ(parse_case_action(to_string(action)), action);
        EXPECT_FALSE(rule_of(action).zh.empty());
        EXPECT_FALSE(rule_of(action).en.empty());
    }
    EXPECT_FALSE(parse_case_action("none"));
    EXPECT_FALSE(parse_case_action("launch"));
    for (int k = 0; k < kCaseRefusalCount; ++k)
        EXPECT_NE(to_string(static_cast<CaseRefusal>(k)), "?");
}

TEST(CaseFlow, AWholeHotlineCaseWalksToClosedWithATimeAndAnActorOnEveryStep) {
    CaseState c = ordered();
    EXPECT_EQ(c.stage, CaseStage::assigned);
    EXPECT_EQ(c.department, "city-mgmt");
    EXPECT_EQ(c.order, "O-1");
    EXPECT_EQ(c.assigned, kT0);
    EXPECT_EQ(c.sign_due, kT0 + 10 * kMin);
    EXPECT_EQ(c.resolve_due, kT0 + 120 * kMin);
    EXPECT_EQ(c.due(), c.sign_due) << "an order not signed for is held to its signing time";

    c = take(c, step(CaseAction::sign, kT0 + 3 * kMin), Doer::department);
    EXPECT_EQ(c.stage, CaseStage::signed_for);
    EXPECT_EQ(c.signed_at, kT0 + 3 * kMin);
    EXPECT_EQ(c.due(), c.resolve_due);
    c = take(c, step(CaseAction::arrive, kT0 + 9 * kMin), Doer::department);
    EXPECT_EQ(c.stage, CaseStage::on_scene);
    EXPECT_EQ(c.arrived, kT0 + 9 * kMin);
    CaseStep done = step(CaseAction::resolve, kT0 + 50 * kMin);
    done.note = "清理完毕";
    c = take(c, done, Doer::department);
    EXPECT_EQ(c.stage, CaseStage::resolved);
    c = take(c, step(CaseAction::review_pass, kT0 + 55 * kMin), Doer::leader);
    EXPECT_EQ(c.stage, CaseStage::reviewed);
    CaseStep called = step(CaseAction::feedback, kT0 + 70 * kMin);
    called.reason = "satisfied";
    c = take(c, called, Doer::operator_);
    EXPECT_EQ(c.stage, CaseStage::reviewed);
    EXPECT_EQ(c.satisfaction, Satisfaction::satisfied);
    CaseStep closing = step(CaseAction::close, kT0 + 71 * kMin);
    closing.reason = "resolved";
    c = take(c, closing, Doer::leader);
    EXPECT_EQ(c.stage, CaseStage::closed);
    EXPECT_EQ(c.last.number, 7u);
    EXPECT_EQ(c.last.action, CaseAction::close);
    EXPECT_EQ(c.due(), 0);
    // Nothing more: a closed case takes no step.
    auto why = check_step(c, step(CaseAction::annotate), Doer::leader);
    ASSERT_TRUE(why);
    EXPECT_EQ(why->why, CaseRefusal::case_closed);
}

TEST(CaseFlow, ReturnsAndTransfersNeverStopTheClock) {
    CaseState c = ordered("police");
    CaseStep back = step(CaseAction::return_request, kT0 + kMin);
    back.reason = "wrong_function";
    c = take(c, back, Doer::department);
    EXPECT_EQ(c.stage, CaseStage::returning);
    CaseStep agree = step(CaseAction::return_agree, kT0 + 2 * kMin);
    agree.department = "city-mgmt";
    c = take(c, agree, Doer::leader);
    EXPECT_EQ(c.stage, CaseStage::assigned);
    EXPECT_EQ(c.department, "city-mgmt");
    EXPECT_EQ(c.returns, 1u);
    EXPECT_EQ(c.assigned, kT0) << "the clock started at the first order";
    EXPECT_EQ(c.sign_due, kT0 + 10 * kMin);

    CaseStep transfer = step(CaseAction::transfer, kT0 + 3 * kMin);
    transfer.department = "city-mgmt";
    auto why = check_step(c, transfer, Doer::leader);
    ASSERT_TRUE(why);
    EXPECT_EQ(why->why, CaseRefusal::same_department);
    transfer.department = "water";
    c = take(c, transfer, Doer::leader);
    EXPECT_EQ(c.department, "water");
    EXPECT_EQ(c.resolve_due, kT0 + 120 * kMin);

    // A return refused: the order stands with the department that asked.
    c = take(c, step(CaseAction::sign, kT0 + 4 * kMin), Doer::department);
    back.time = kT0 + 5 * kMin;
    c = take(c, back, Doer::department);
    c = take(c, step(CaseAction::return_refuse, kT0 + 6 * kMin), Doer::leader);
    EXPECT_EQ(c.stage, CaseStage::assigned);
    EXPECT_EQ(c.department, "water");
    EXPECT_EQ(c.returns, 1u);
}

TEST(CaseFlow, ADissatisfiedCitizenOrARejectedReviewSendsTheCaseBackToRedo) {
    CaseState c = ordered();
    c = take(c, step(CaseAction::sign), Doer::department);
    CaseStep done = step(CaseAction::resolve);
    done.note = "done";
    c = take(c, done, Doer::department);
    CaseStep reject = step(CaseAction::review_reject);
    EXPECT_EQ(check_step(c, reject, Doer::leader)->why, CaseRefusal::missing_field);
    reject.note = "照片不清楚";
    c = take(c, reject, Doer::leader);
    EXPECT_EQ(c.stage, CaseStage::signed_for);
    EXPECT_EQ(c.redos, 1u);
    c = take(c, done, Doer::department);
    c = take(c, step(CaseAction::review_pass), Doer::leader);
    CaseStep called = step(CaseAction::feedback);
    called.reason = "very_happy";
    EXPECT_EQ(check_step(c, called, Doer::operator_)->why, CaseRefusal::bad_reason);
    called.reason = "dissatisfied";
    c = take(c, called, Doer::operator_);
    EXPECT_EQ(c.stage, CaseStage::signed_for);
    EXPECT_EQ(c.redos, 2u);
    EXPECT_EQ(c.satisfaction, Satisfaction::dissatisfied);
}

TEST(CaseFlow, ExtensionsAreAskedBeforeTheDeadlineAndDecidedByALeader) {
    CaseState c = take(ordered(), step(CaseAction::sign), Doer::department);
    CaseStep ask = step(CaseAction::extend_request, kT0 + 30 * kMin);
    EXPECT_EQ(check_step(c, ask, Doer::department)->why, CaseRefusal::missing_field);
    ask.until = kT0 + 60 * kMin;  // before the deadline it would extend
    EXPECT_EQ(check_step(c, ask, Doer::department)->why, CaseRefusal::late_extension);
    ask.until = kT0 + 240 * kMin;
    EXPECT_EQ(check_step(c, step(CaseAction::extend_approve), Doer::leader)->why,
              CaseRefusal::nothing_pending);
    c = take(c, ask, Doer::department);
    EXPECT_EQ(c.extension_asked, kT0 + 240 * kMin);
    c = take(c, step(CaseAction::extend_approve), Doer::leader);
    EXPECT_EQ(c.resolve_due, kT0 + 240 * kMin);
    EXPECT_EQ(c.extension_asked, 0);

    // After the deadline it is too late to ask.
    ask.time = kT0 + 241 * kMin;
    ask.until = kT0 + 600 * kMin;
    EXPECT_EQ(check_step(c, ask, Doer::department)->why, CaseRefusal::late_extension);
}

// Every action from every stage by every doer: allowed exactly when the table says so, and a
// refusal changes nothing (check_step is all a caller asks before apply_step).
TEST(CaseFlow, EveryActionFromEveryStageByEveryDoerFollowsTheTable) {
    for (int at = 0; at < kCaseStageCount; ++at) {
        CaseState state;
        state.stage = static_cast<CaseStage>(at);
        state.department = "police";
        state.extension_asked = kT0 + 500 * kMin;
        state.resolve_due = kT0 + 100 * kMin;
        state.signed_at = kT0;
        for (int a = 1; a < kCaseActionCount; ++a) {
            const auto action = static_cast<CaseAction>(a);
            const CaseActionRule& rule = rule_of(action);
            for (Doer doer : {Doer::operator_, Doer::leader, Doer::department}) {
                CaseStep s = step(action);
                s.department = "fire";
                s.reason = std::string(rule.reasons.substr(0, rule.reasons.find(' ')));
                s.note = "n";
                s.command = "O-9";
                s.until = kT0 + 600 * kMin;
                const auto why = check_step(state, s, doer);
                // A closed case refuses every step but the one that reopens it.
                const bool allowed =
                    (rule.doers & static_cast<std::uint8_t>(doer)) && (rule.from & (1u << at));
                EXPECT_EQ(!why, allowed)
                    << to_string(action) << " from " << to_string(state.stage) << " by doer "
                    << static_cast<int>(doer) << (why ? ": " + why->detail : "");
                if (!is_final(state.stage) && !(rule.doers & static_cast<std::uint8_t>(doer))) {
                    EXPECT_EQ(why->why, CaseRefusal::forbidden);
                }
                if (is_final(state.stage) && !rule.allowed_from(state.stage)) {
                    EXPECT_EQ(why->why, CaseRefusal::case_closed);
                }
            }
        }
    }
}

// A closed or cancelled case is reopened by a leader, with why, as an order to a department
// (the one that had it may have it again): a new order id, fresh deadlines, nothing of the last
// cycle's signing, arrival, result or feedback, and its returns and redos kept on its record.
TEST(CaseFlow, ALeaderReopensAClosedCaseAsAFreshOrderAndItsRecordStays) {
    CaseState c = ordered();
    CaseStep ret = step(CaseAction::return_request, kT0 + kMin);
    ret.reason = "wrong_territory";
    c = take(c, ret, Doer::department);
    CaseStep agree = step(CaseAction::return_agree, kT0 + 2 * kMin);
    agree.department = "police";
    c = take(c, agree, Doer::leader);
    c = take(c, step(CaseAction::sign, kT0 + 3 * kMin), Doer::department);
    CaseStep resolve = step(CaseAction::resolve, kT0 + 30 * kMin);
    resolve.note = "已处理";
    c = take(c, resolve, Doer::department);
    c = take(c, step(CaseAction::review_pass, kT0 + 31 * kMin), Doer::leader);
    CaseStep feedback = step(CaseAction::feedback, kT0 + 40 * kMin);
    feedback.reason = "satisfied";
    c = take(c, feedback, Doer::operator_);
    CaseStep close = step(CaseAction::close, kT0 + 41 * kMin);
    close.reason = "resolved";
    c = take(c, close, Doer::leader);
    ASSERT_EQ(c.stage, CaseStage::closed);

    const TimeMs later = kT0 + 24 * 60 * kMin;
    CaseStep reopen = step(CaseAction::reopen, later);
    reopen.department = "police";
    reopen.command = "O-2";
    EXPECT_EQ(check_step(c, reopen, Doer::leader)->why, CaseRefusal::missing_field);  // why?
    reopen.note = "市民再次来电：问题复发";
    EXPECT_EQ(check_step(c, reopen, Doer::operator_)->why, CaseRefusal::forbidden);
    EXPECT_EQ(check_step(c, reopen, Doer::department)->why, CaseRefusal::forbidden);
    const std::uint32_t steps_before = c.last.number;
    c = take(c, reopen, Doer::leader);
    EXPECT_EQ(c.stage, CaseStage::assigned);
    EXPECT_EQ(c.department, "police");
    EXPECT_EQ(c.order, "O-2");
    EXPECT_EQ(c.assigned, later);
    EXPECT_EQ(c.sign_due, later + 10 * kMin);
    EXPECT_EQ(c.resolve_due, later + 120 * kMin);
    EXPECT_EQ(c.signed_at, 0);
    EXPECT_EQ(c.resolved_at, 0);
    EXPECT_EQ(c.satisfaction, Satisfaction::none);
    EXPECT_EQ(c.returns, 1u);
    EXPECT_EQ(c.last.number, steps_before + 1);
    EXPECT_EQ(c.last.note, "市民再次来电：问题复发");
    // An open case is not reopened; a cancelled one is.
    EXPECT_EQ(check_step(c, reopen, Doer::leader)->why, CaseRefusal::wrong_stage);
    CaseStep cancel = step(CaseAction::cancel, later + kMin);
    cancel.note = "重复";
    c = take(c, cancel, Doer::leader);
    reopen.command = "O-3";
    EXPECT_FALSE(check_step(c, reopen, Doer::leader));
    // The league counts a reopening as a case the department was given.
    CaseCounts counts;
    counts.count(c = apply_step(c, reopen, kLimits));
    EXPECT_EQ(counts.ordered, 1u);
}

TEST(CaseFlow, OnlyALeaderOrdersAndOnlyTheDepartmentSigns) {
    CaseStep order = step(CaseAction::order);
    order.department = "fire";
    order.command = "O-2";
    EXPECT_EQ(check_step({}, order, Doer::operator_)->why, CaseRefusal::forbidden);
    EXPECT_EQ(check_step({}, order, Doer::department)->why, CaseRefusal::forbidden);
    order.command.clear();
    EXPECT_EQ(check_step({}, order, Doer::leader)->why, CaseRefusal::missing_field);
    const CaseState c = ordered();
    EXPECT_EQ(check_step(c, step(CaseAction::sign), Doer::leader)->why, CaseRefusal::forbidden);
    CaseStep note = step(CaseAction::annotate);
    note.note = "群众再次来电";
    EXPECT_FALSE(check_step(c, note, Doer::operator_));
}

TEST(CaseFlow, ArrivingSignsButNeverBackFillsAnEarlierTime) {
    CaseState c = take(ordered(), step(CaseAction::arrive, kT0 + 12 * kMin), Doer::department);
    EXPECT_EQ(c.stage, CaseStage::on_scene);
    EXPECT_EQ(c.signed_at, kT0 + 12 * kMin);
    EXPECT_EQ(c.arrived, kT0 + 12 * kMin);
}

TEST(CaseFlow, ACaseTravelsWithItsIncidentOnTheWireAndCommandsRoundTrip) {
    wire::IncidentUpdate update;
    update.seq = 9;
    update.incident.id = 4;
    update.incident.location = {121.47, 31.23};
    CaseStep done = step(CaseAction::resolve);
    done.note = "已处理";
    update.incident.case_state =
        take(take(ordered(), step(CaseAction::sign), Doer::department), done, Doer::department);
    auto decoded = wire::decode(wire::encode(update));
    ASSERT_TRUE(decoded) << decoded.error();
    EXPECT_EQ(std::get<wire::IncidentUpdate>(*decoded), update);
    EXPECT_TRUE(update.incident.open()) << "resolved by the department, not yet closed";
    update.incident.status = IncidentStatus::resolved;
    EXPECT_TRUE(update.incident.open()) << "a department's status does not close an ordered case";

    wire::CaseCommand command{"c-1", 4, CaseAction::transfer, "water", "", "", "转水务", 0};
    auto asked = wire::decode_request(wire::encode_request(command));
    ASSERT_TRUE(asked) << asked.error();
    EXPECT_EQ(std::get<wire::CaseCommand>(*asked), command);
    command.incident = 0;
    EXPECT_FALSE(wire::decode_request(wire::encode_request(command)));

    wire::CommandReply reply{12, "c-1", 4, false, "wrong_stage", "not now"};
    auto answered = wire::decode(wire::encode(reply));
    ASSERT_TRUE(answered) << answered.error();
    EXPECT_EQ(std::get<wire::CommandReply>(*answered), reply);
}

TEST(CaseFlow, TimesAreWrittenAsIsoThatReadsBack) {
    for (TimeMs t : {TimeMs{0}, kT0, kT0 + 999, TimeMs{951'782'400'000}, TimeMs{-86'400'001}}) {
        const std::string text = format_iso8601_utc(t);
        EXPECT_EQ(parse_iso8601(text), t) << text;
    }
    EXPECT_EQ(format_iso8601_utc(951'782'400'000), "2000-02-29T00:00:00.000Z");
}

}  // namespace
}  // namespace citywall
