#include "citywall/case_flow.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace citywall {

namespace {

constexpr std::uint16_t bit(CaseStage s) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s));
}
constexpr std::uint16_t kOpen = bit(CaseStage::received) | bit(CaseStage::assigned) |
                                bit(CaseStage::signed_for) | bit(CaseStage::returning) |
                                bit(CaseStage::on_scene) | bit(CaseStage::resolved) |
                                bit(CaseStage::reviewed);
constexpr std::uint16_t kWithDepartment = bit(CaseStage::assigned) | bit(CaseStage::signed_for) |
                                          bit(CaseStage::returning) | bit(CaseStage::on_scene);
constexpr std::uint8_t kLeader = static_cast<std::uint8_t>(Doer::leader);
constexpr std::uint8_t kStaff = kLeader | static_cast<std::uint8_t>(Doer::operator_);
constexpr std::uint8_t kDepartment = static_cast<std::uint8_t>(Doer::department);

// The one table of the lifecycle (docs/dispatch.md draws it).
constexpr CaseActionRule kRules[] = {
    {CaseAction::none, "none", "", "", 0, 0, std::nullopt, Needs::nothing, ""},
    {CaseAction::order, "order", "派单", "Order", kLeader, bit(CaseStage::received),
     CaseStage::assigned, Needs::department | Needs::command_id, ""},
    {CaseAction::transfer, "transfer", "转办", "Transfer", kLeader, kWithDepartment,
     CaseStage::assigned, Needs::department, ""},
    {CaseAction::sign, "sign", "签收", "Sign for", kDepartment, bit(CaseStage::assigned),
     CaseStage::signed_for, Needs::nothing, ""},
    {CaseAction::return_request, "return_request", "退单申请", "Ask to return", kDepartment,
     bit(CaseStage::assigned) | bit(CaseStage::signed_for), CaseStage::returning, Needs::reason,
     "wrong_territory wrong_function"},
    {CaseAction::return_agree, "return_agree", "同意退单", "Agree to the return", kLeader,
     bit(CaseStage::returning), CaseStage::assigned, Needs::department, ""},
    {CaseAction::return_refuse, "return_refuse", "驳回退单", "Refuse the return", kLeader,
     bit(CaseStage::returning), CaseStage::assigned, Needs::nothing, ""},
    {CaseAction::arrive, "arrive", "到场", "On scene", kDepartment,
     bit(CaseStage::assigned) | bit(CaseStage::signed_for), CaseStage::on_scene, Needs::nothing,
     ""},
    {CaseAction::resolve, "resolve", "办结", "Resolve", kDepartment,
     bit(CaseStage::signed_for) | bit(CaseStage::on_scene), CaseStage::resolved, Needs::note, ""},
    {CaseAction::review_pass, "review_pass", "审核通过", "Accept the result", kLeader,
     bit(CaseStage::resolved), CaseStage::reviewed, Needs::nothing, ""},
    {CaseAction::review_reject, "review_reject", "审核退回", "Send back to redo", kLeader,
     bit(CaseStage::resolved), CaseStage::signed_for, Needs::note, ""},
    {CaseAction::feedback, "feedback", "回访", "Citizen's feedback", kStaff,
     bit(CaseStage::reviewed), std::nullopt, Needs::reason,
     "satisfied basically_satisfied dissatisfied"},
    {CaseAction::close, "close", "结案", "Close", kLeader,
     bit(CaseStage::received) | bit(CaseStage::reviewed), CaseStage::closed, Needs::reason,
     "resolved duplicate unfounded referred withdrawn"},
    {CaseAction::cancel, "cancel", "撤销", "Cancel", kLeader, kOpen, CaseStage::cancelled,
     Needs::note, ""},
    {CaseAction::extend_request, "extend_request", "延期申请", "Ask for more time", kDepartment,
     kWithDepartment, std::nullopt, Needs::until, ""},
    {CaseAction::extend_approve, "extend_approve", "批准延期", "Approve the extension", kLeader,
     kWithDepartment, std::nullopt, Needs::nothing, ""},
    {CaseAction::extend_refuse, "extend_refuse", "驳回延期", "Refuse the extension", kLeader,
     kWithDepartment, std::nullopt, Needs::nothing, ""},
    {CaseAction::supervise, "supervise", "督办", "Supervise", kLeader, kOpen, std::nullopt,
     Needs::nothing, ""},
    {CaseAction::annotate, "annotate", "备注", "Note", kStaff, kOpen, std::nullopt, Needs::note,
     ""},
    {CaseAction::acknowledge, "acknowledge", "确认", "Acknowledge", kStaff, kOpen, std::nullopt,
     Needs::nothing, ""},
    // A closed or cancelled case taken up again: an order to a department (the one that had it,
    // or another), with a new order id and fresh deadlines, and why, in the journal.
    {CaseAction::reopen, "reopen", "重新打开", "Reopen", kLeader,
     bit(CaseStage::closed) | bit(CaseStage::cancelled), CaseStage::assigned,
     Needs::department | Needs::command_id | Needs::note, ""},
    // Taken by ingest at a deadline (docs/dispatch.md, "Deadlines"): the stage stays.
    {CaseAction::escalate, "escalate", "升级", "Escalated", 0, kOpen, std::nullopt, Needs::nothing,
     ""},
};
static_assert(std::size(kRules) == kCaseActionCount);
static_assert([] {
    for (std::size_t k = 0; k < std::size(kRules); ++k)
        if (static_cast<std::size_t>(kRules[k].action) != k) return false;
    return true;
}());

constexpr std::string_view kStageCodes[] = {"received",  "assigned", "signed_for",
                                            "returning", "on_scene", "resolved",
                                            "reviewed",  "closed",   "cancelled"};
static_assert(std::size(kStageCodes) == kCaseStageCount);

constexpr std::string_view kRefusalCodes[] = {
    "unknown_case",     "case_closed",       "forbidden",       "not_assignee",
    "wrong_stage",      "missing_field",     "bad_reason",      "unknown_department",
    "unknown_unit",     "duplicate_command", "same_department", "late_extension",
    "nothing_pending",  "journal_failing",   "malformed",       "too_fast",
    "unit_unavailable", "no_recording",      "out_of_range"};
static_assert(std::size(kRefusalCodes) == kCaseRefusalCount);

CaseRefused refused(CaseRefusal why, std::string detail) {
    return {why, std::move(detail)};
}

}  // namespace

std::string_view to_string(CaseStage stage) {
    const auto k = static_cast<std::size_t>(stage);
    return k < std::size(kStageCodes) ? kStageCodes[k] : "?";
}

bool is_final(CaseStage stage) {
    return stage == CaseStage::closed || stage == CaseStage::cancelled;
}

std::string_view to_string(Satisfaction satisfaction) {
    switch (satisfaction) {
        case Satisfaction::none:
            return "";
        case Satisfaction::satisfied:
            return "satisfied";
        case Satisfaction::basically_satisfied:
            return "basically_satisfied";
        case Satisfaction::dissatisfied:
            return "dissatisfied";
    }
    return "?";
}

std::string_view to_string(CaseRefusal refusal) {
    const auto k = static_cast<std::size_t>(refusal);
    return k < std::size(kRefusalCodes) ? kRefusalCodes[k] : "?";
}

const CaseActionRule& rule_of(CaseAction action) {
    const auto k = static_cast<std::size_t>(action);
    return kRules[k < std::size(kRules) ? k : 0];
}

std::string_view to_string(CaseAction action) {
    return rule_of(action).code;
}

std::optional<CaseAction> parse_case_action(std::string_view code) {
    for (const auto& rule : kRules)
        if (rule.action != CaseAction::none && rule.code == code) return rule.action;
    return std::nullopt;
}

TimeMs CaseState::due() const {
    if (is_final(stage) || stage == CaseStage::received) return 0;
    if (stage == CaseStage::assigned && signed_at == 0 && sign_due != 0) return sign_due;
    return resolve_due;
}

std::vector<std::string_view> reason_codes(const CaseActionRule& rule) {
    std::vector<std::string_view> codes;
    for (std::string_view rest = rule.reasons; !rest.empty();) {
        const std::size_t space = rest.find(' ');
        codes.push_back(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    }
    return codes;
}

bool reason_allowed(const CaseActionRule& rule, std::string_view reason) {
    const auto codes = reason_codes(rule);
    return codes.empty() || std::find(codes.begin(), codes.end(), reason) != codes.end();
}

std::optional<CaseRefused> check_step(const CaseState& state, const CaseStep& step, Doer doer) {
    const CaseActionRule& rule = rule_of(step.action);
    if (step.action == CaseAction::none) return refused(CaseRefusal::malformed, "no action");
    if (is_final(state.stage) && !rule.allowed_from(state.stage))
        return refused(CaseRefusal::case_closed,
                       "the case is " + std::string(to_string(state.stage)));
    if (!rule.taken_by(doer))
        return refused(
            CaseRefusal::forbidden,
            std::string(rule.code) + " is not " +
                (doer == Doer::department ? "a department's step" : "allowed to this role"));
    if (!rule.allowed_from(state.stage))
        return refused(CaseRefusal::wrong_stage, std::string(rule.code) +
                                                     " is not allowed when "
                                                     "the case is " +
                                                     std::string(to_string(state.stage)));
    auto missing = [&](std::string_view what) {
        return refused(CaseRefusal::missing_field,
                       std::string(rule.code) + " needs " + std::string(what));
    };
    if (has(rule.needs, Needs::department) && step.department.empty())
        return missing("a department");
    if (has(rule.needs, Needs::command_id) && step.command.empty()) return missing("an id");
    if (has(rule.needs, Needs::note) && step.note.empty()) return missing("a note");
    if (has(rule.needs, Needs::until) && step.until == 0) return missing("a time");
    if (has(rule.needs, Needs::reason)) {
        if (step.reason.empty()) return missing("a reason");
        if (!reason_allowed(rule, step.reason))
            return refused(CaseRefusal::bad_reason,
                           "'" + step.reason + "' is not one of: " + std::string(rule.reasons));
    }
    const bool moves_department =
        step.action == CaseAction::transfer || step.action == CaseAction::return_agree;
    if (moves_department && step.department == state.department)
        return refused(CaseRefusal::same_department,
                       "the case is already with " + state.department);
    if (step.action == CaseAction::extend_request) {
        const TimeMs due = state.due();
        if (due != 0 && step.time >= due)
            return refused(CaseRefusal::late_extension,
                           "an extension is asked before the deadline");
        if (step.until <= std::max(due, step.time))
            return refused(CaseRefusal::late_extension,
                           "the time asked for is not after the deadline");
    }
    if ((step.action == CaseAction::extend_approve || step.action == CaseAction::extend_refuse) &&
        state.extension_asked == 0)
        return refused(CaseRefusal::nothing_pending, "no extension has been asked for");
    return std::nullopt;
}

CaseState apply_step(CaseState state, CaseStep step, const CaseLimits& limits) {
    const CaseActionRule& rule = rule_of(step.action);
    const TimeMs now = step.time;
    switch (step.action) {
        case CaseAction::order:
            state.department = step.department;
            state.unit = step.unit;
            state.order = step.command;
            if (state.assigned == 0) {
                // The clocks start at the first order and run on through transfers and returns.
                state.assigned = now;
                state.sign_due = limits.sign_ms != 0 ? now + limits.sign_ms : 0;
                state.resolve_due = limits.resolve_ms != 0 ? now + limits.resolve_ms : 0;
            }
            break;
        case CaseAction::reopen:
            // A new cycle: a new order, the clocks from now, nothing of the last one's
            // signing, arrival, result or feedback; the returns and redos stay on its record.
            state.department = step.department;
            state.unit = step.unit;
            state.order = step.command;
            state.assigned = now;
            state.sign_due = limits.sign_ms != 0 ? now + limits.sign_ms : 0;
            state.resolve_due = limits.resolve_ms != 0 ? now + limits.resolve_ms : 0;
            state.signed_at = 0;
            state.arrived = 0;
            state.resolved_at = 0;
            state.extension_asked = 0;
            state.satisfaction = Satisfaction::none;
            state.supervised = false;
            break;
        case CaseAction::transfer:
        case CaseAction::return_agree:
            if (step.action == CaseAction::return_agree) ++state.returns;
            state.department = step.department;
            state.unit.clear();
            state.signed_at = 0;
            state.extension_asked = 0;
            break;
        case CaseAction::sign:
            state.signed_at = now;
            break;
        case CaseAction::arrive:
            if (state.signed_at == 0) state.signed_at = now;  // on scene is signed for
            if (state.arrived == 0) state.arrived = now;
            break;
        case CaseAction::resolve:
            state.resolved_at = now;
            state.extension_asked = 0;
            break;
        case CaseAction::review_reject:
            ++state.redos;
            break;
        case CaseAction::feedback:
            state.satisfaction = step.reason == "satisfied" ? Satisfaction::satisfied
                                 : step.reason == "basically_satisfied"
                                     ? Satisfaction::basically_satisfied
                                     : Satisfaction::dissatisfied;
            if (state.satisfaction == Satisfaction::dissatisfied) {
                ++state.redos;
                state.stage = CaseStage::signed_for;  // redo: back to the department
            }
            break;
        case CaseAction::extend_request:
            state.extension_asked = step.until;
            break;
        case CaseAction::extend_approve:
            state.resolve_due = state.extension_asked;
            state.extension_asked = 0;
            break;
        case CaseAction::extend_refuse:
            state.extension_asked = 0;
            break;
        case CaseAction::supervise:
            state.supervised = true;
            break;
        default:
            break;
    }
    if (rule.to) state.stage = *rule.to;
    step.number = state.last.number + 1;
    state.last = std::move(step);
    return state;
}

void CaseCounts::count(const CaseState& state) {
    const CaseStep& step = state.last;
    auto by = [&](TimeMs due) { return due == 0 || step.time <= due; };
    switch (step.action) {
        case CaseAction::order:
        case CaseAction::reopen:
        case CaseAction::transfer:
        case CaseAction::return_agree:
            ++ordered;
            break;
        case CaseAction::sign:
            ++signed_for;
            signed_on_time += by(state.sign_due);
            break;
        case CaseAction::resolve:
            ++resolved;
            resolved_on_time += by(state.resolve_due);
            break;
        case CaseAction::return_request:
            ++returns;
            break;
        case CaseAction::feedback:
            satisfied += state.satisfaction == Satisfaction::satisfied;
            basically_satisfied += state.satisfaction == Satisfaction::basically_satisfied;
            dissatisfied += state.satisfaction == Satisfaction::dissatisfied;
            break;
        default:
            break;
    }
}

namespace {
std::optional<double> share(std::uint32_t part, std::uint32_t whole) {
    if (whole == 0) return std::nullopt;
    return std::min(1.0, static_cast<double>(part) / static_cast<double>(whole));
}
}  // namespace

std::optional<double> CaseCounts::sign_on_time_rate() const {
    return share(signed_on_time, signed_for);
}
std::optional<double> CaseCounts::resolve_on_time_rate() const {
    return share(resolved_on_time, resolved);
}
std::optional<double> CaseCounts::return_rate() const {
    return share(returns, ordered);
}
std::optional<double> CaseCounts::satisfaction_rate() const {
    return share(satisfied + basically_satisfied, feedback());
}

}  // namespace citywall
