#include "console.hpp"

#include <algorithm>
#include <utility>

namespace citywall::viewer {

namespace {

// The leader's and operator's steps, by the letter a console takes them with.
constexpr std::pair<CaseAction, char> kShortcuts[] = {
    {CaseAction::order, 'O'},         {CaseAction::transfer, 'T'},
    {CaseAction::return_agree, 'G'},  {CaseAction::return_refuse, 'F'},
    {CaseAction::review_pass, 'P'},   {CaseAction::review_reject, 'J'},
    {CaseAction::feedback, 'B'},      {CaseAction::close, 'C'},
    {CaseAction::cancel, 'X'},        {CaseAction::extend_approve, 'E'},
    {CaseAction::extend_refuse, 'D'}, {CaseAction::supervise, 'S'},
    {CaseAction::annotate, 'N'},      {CaseAction::acknowledge, 'A'},
    {CaseAction::reopen, 'R'},
};

}  // namespace

char shortcut_of(CaseAction action) {
    for (const auto& [taken, letter] : kShortcuts)
        if (taken == action) return letter;
    return 0;
}

std::optional<CaseAction> action_of_shortcut(char letter) {
    for (const auto& [taken, key] : kShortcuts)
        if (key == letter) return taken;
    return std::nullopt;
}

std::vector<CaseAction> offered_actions(const CaseState& state, WallRole role) {
    std::vector<CaseAction> offered;
    const auto doer = doer_of(role);
    if (!doer) return offered;
    for (int k = 1; k < kCaseActionCount; ++k) {
        const auto action = static_cast<CaseAction>(k);
        const CaseActionRule& rule = rule_of(action);
        if (!rule.taken_by(*doer) || !rule.allowed_from(state.stage)) continue;
        const bool decides_extension =
            action == CaseAction::extend_approve || action == CaseAction::extend_refuse;
        if (decides_extension && state.extension_asked == 0) continue;
        offered.push_back(action);
    }
    return offered;
}

std::optional<CaseAction> unit_order_step(const CaseState& state, WallRole role) {
    const auto offered = offered_actions(state, role);
    for (CaseAction step : {CaseAction::order, CaseAction::reopen})
        if (std::find(offered.begin(), offered.end(), step) != offered.end()) return step;
    return std::nullopt;
}

Console::Console(WallRole role, std::string id_prefix)
    : role_(role), id_prefix_(std::move(id_prefix)) {}

void Console::choose(std::uint64_t incident, CaseAction action) {
    if (form_.incident != incident || form_.action != action) {
        form_ = {};
        form_.incident = incident;
        form_.action = action;
    }
}

std::string Console::missing() const {
    if (form_.action == CaseAction::none || form_.incident == 0) return "a step";
    const CaseActionRule& rule = rule_of(form_.action);
    if (has(rule.needs, Needs::department) && form_.department.empty()) return "a department";
    if (has(rule.needs, Needs::reason) && !reason_allowed(rule, form_.reason)) return "a reason";
    if (has(rule.needs, Needs::reason) && form_.reason.empty()) return "a reason";
    if (has(rule.needs, Needs::note) && form_.note.empty()) return "a note";
    if (!form_.unit.empty() && !form_.passed_over.empty() && form_.note.empty())
        return "a note: why not " + form_.passed_over;
    if (note_sent().size() > kMaxCaseNote) return "a shorter note";
    return {};
}

std::string Console::note_sent() const {
    if (form_.unit.empty() || form_.passed_over.empty()) return form_.note;
    return "chosen instead of the proposed " + form_.passed_over + ": " + form_.note;
}

std::optional<wire::CaseCommand> Console::take_command() {
    if (!missing().empty()) return std::nullopt;
    wire::CaseCommand command;
    command.id = id_prefix_ + "-" + std::to_string(++sent_);
    command.incident = form_.incident;
    command.action = form_.action;
    const CaseActionRule& rule = rule_of(form_.action);
    if (has(rule.needs, Needs::department) || form_.action == CaseAction::order)
        command.department = form_.department;
    command.unit = form_.unit;
    command.reason = form_.reason;
    command.note = note_sent();
    last_ = Outcome{command.id, command.action, command.incident, false, false, {}, {}};
    form_ = {};
    return command;
}

void Console::receive(const wire::CommandReply& reply) {
    if (!last_ || reply.id != last_->command) return;
    last_->answered = true;
    last_->accepted = reply.accepted;
    last_->refusal = reply.refusal;
    last_->detail = reply.detail;
}

}  // namespace citywall::viewer
