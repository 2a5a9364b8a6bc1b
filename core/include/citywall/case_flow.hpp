// A case's life at the centre (docs/dispatch.md): received (受理) → ordered to a department
// (派单) → signed for (签收) or handed back (退单) → on scene → resolved (办结) → reviewed (审核)
// → the citizen's feedback (回访) → closed (结案). The steps, who may take each, from which
// stages and to which, and what each must say, are one table here (kCaseActions); ingest
// enforces it and the walls read it, so neither holds a rule of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace citywall {

using TimeMs = std::int64_t;  // as in incident.hpp

// The longest note a step may carry, in bytes (a command's or a department's answer's).
inline constexpr std::size_t kMaxCaseNote = 4096;

enum class CaseStage : std::uint8_t {
    received = 0,  // 受理: no order yet (every incident starts here)
    assigned,      // 已派单: ordered to a department, not signed for
    signed_for,    // 已签收
    returning,     // 退单申请: the department asks to hand it back; the centre arbitrates
    on_scene,      // 处置中: its units are there
    resolved,      // 已办结: the department says it is done; the centre reviews
    reviewed,      // 已审核: the centre accepted the result; the citizen is called back
    closed,        // 已结案
    cancelled,     // 已撤销
};
inline constexpr int kCaseStageCount = 9;
std::string_view to_string(CaseStage stage);
bool is_final(CaseStage stage);  // closed or cancelled

enum class CaseAction : std::uint8_t {
    none = 0,
    order,           // 派单: leader; department (and unit), an order id
    transfer,        // 转办: leader; another department, the deadline clock runs on
    sign,            // 签收: the assigned department
    return_request,  // 退单: the assigned department, with a return reason
    return_agree,    // leader: the return stands, the case goes to another department
    return_refuse,   // leader: the order stands
    arrive,          // 到场: the assigned department (its units are on scene)
    resolve,         // 办结: the assigned department, with the result as a note
    review_pass,     // 审核通过: leader
    review_reject,   // 审核退回: leader, with why; the department redoes it
    feedback,        // 回访: operator or leader, with the citizen's satisfaction
    close,           // 结案: leader, with a disposition
    cancel,          // 撤销: leader, with a reason
    extend_request,  // 延期申请: the assigned department, before its deadline, to a later time
    extend_approve,  // leader
    extend_refuse,   // leader
    supervise,       // 督办: leader, on any open case
    annotate,        // 备注: operator or leader, a note
    acknowledge,     // 确认: operator or leader, "seen" (an escalation, an alert)
    reopen,          // 重新打开: leader, a closed or cancelled case, with why; ordered afresh
    // 升级: ingest itself, at a deadline: the case reached one level up the grid hierarchy;
    // `reason` is the level's key ("street", or "centre" past the top), `note` names the area
    // and its leader. No wall or department may take it.
    escalate,
};
inline constexpr int kCaseActionCount = 22;

// Who takes a step: a wall's key with a role, or the department the case is assigned to
// (speaking on its own feed), or ingest itself (an escalation).
enum class Doer : std::uint8_t { operator_ = 1, leader = 2, department = 4 };

// What a step must say besides the case.
enum class Needs : std::uint8_t {
    nothing = 0,
    department = 1,   // a department (order, transfer, return_agree)
    reason = 2,       // a code from the step's list (return, feedback, close)
    note = 4,         // words (resolve: the result; review_reject, cancel: why)
    until = 8,        // a time (extend_request)
    command_id = 16,  // an id of the sender's own (order: the order id, unique)
};
constexpr Needs operator|(Needs a, Needs b) {
    return static_cast<Needs>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
constexpr bool has(Needs set, Needs n) {
    return (static_cast<std::uint8_t>(set) & static_cast<std::uint8_t>(n)) != 0;
}

// The citizen's answer when called back.
enum class Satisfaction : std::uint8_t { none = 0, satisfied, basically_satisfied, dissatisfied };
std::string_view to_string(Satisfaction satisfaction);

// One step of a case, as ingest recorded it: who, when, what.
struct CaseStep {
    std::uint32_t number = 0;  // 1 for a case's first step; 0: no step yet
    TimeMs time = 0;           // ingest's clock
    CaseAction action = CaseAction::none;
    std::string actor;       // the wall key's name, or the department's code
    std::string department;  // ordered, transferred to, or the one that answered
    std::string unit;        // a unit ordered directly (its department's own id)
    std::string reason;      // a code from the action's list
    std::string note;
    std::string command;  // the sender's id of the command (an order's id)
    TimeMs until = 0;     // extend_request: the deadline asked for
    friend bool operator==(const CaseStep&, const CaseStep&) = default;
};

// Where a case stands: carried with its incident (Incident::case_state) on the stream, in the
// journal and in the checkpoint. All zero: never ordered.
struct CaseState {
    CaseStage stage = CaseStage::received;
    std::string department;      // whom it is assigned to
    std::string unit;            // a unit ordered directly
    std::string order;           // the order in force (its id)
    TimeMs assigned = 0;         // the first order: the deadline clocks start here and never stop
    TimeMs signed_at = 0;        // the latest signing (0: not signed for)
    TimeMs arrived = 0;          // when its units were reported on scene; never back-filled
    TimeMs resolved_at = 0;      // the latest resolution
    TimeMs sign_due = 0;         // 0: no limit
    TimeMs resolve_due = 0;      // 0: no limit; an approved extension moves it
    TimeMs extension_asked = 0;  // a pending extension request's deadline; 0: none pending
    std::uint32_t returns = 0;   // returns agreed, all departments together
    std::uint32_t redos = 0;     // sent back by review or by a dissatisfied citizen
    Satisfaction satisfaction = Satisfaction::none;
    bool supervised = false;  // 督办
    CaseStep last;            // the step that made this state
    // The centre has taken the case up (ordered or closed it): from now on the case, not its
    // departments' reports, decides when it is over.
    bool taken_up() const { return stage != CaseStage::received; }
    // The deadline the case is held to now: signing while it is assigned, else resolving.
    TimeMs due() const;
    friend bool operator==(const CaseState&, const CaseState&) = default;
};

// A step's rule: who may take it, from which stages, to which one (none: the stage stays), and
// what it must say.
struct CaseActionRule {
    CaseAction action;
    std::string_view code;  // "order", as on the wire and in logs
    std::string_view zh;    // "派单"
    std::string_view en;    // "Order"
    std::uint8_t doers;     // Doer bits
    std::uint16_t from;     // CaseStage bits
    std::optional<CaseStage> to;
    Needs needs;
    // The codes `reason` may take, separated by spaces (empty: any, or none, as `needs` says).
    std::string_view reasons;
    constexpr bool allowed_from(CaseStage stage) const {
        return (from >> static_cast<unsigned>(stage)) & 1u;
    }
    constexpr bool taken_by(Doer doer) const { return doers & static_cast<std::uint8_t>(doer); }
};
// The codes of rule.reasons, in order.
std::vector<std::string_view> reason_codes(const CaseActionRule& rule);
bool reason_allowed(const CaseActionRule& rule, std::string_view reason);
const CaseActionRule& rule_of(CaseAction action);
std::optional<CaseAction> parse_case_action(std::string_view code);
std::string_view to_string(CaseAction action);

// Why a step is refused: one list, codes on the wire and in counters.
enum class CaseRefusal : std::uint8_t {
    unknown_case = 0,  // no open incident with that id
    case_closed,       // the case is closed or cancelled
    forbidden,         // the sender's role may not take this step
    not_assignee,      // a department answering a case not assigned to it
    wrong_stage,       // not allowed from where the case stands
    missing_field,     // a department, reason, note or time it needs is not there
    bad_reason,        // a reason code outside the step's list
    unknown_department,
    unknown_unit,
    duplicate_command,  // an order id already used
    same_department,    // a transfer to the department that has it
    late_extension,     // asked at or after the deadline, or for a time not after it
    nothing_pending,    // approving or refusing an extension nobody asked for
    journal_failing,    // ingest cannot record anything now; nothing changed
    malformed,          // not a command
    too_fast,           // over the sender's rate of requests
    unit_unavailable,   // a unit ordered directly is out of service
    no_recording,       // a trainer's command to an ingest that replays no recording
    out_of_range,       // a speed, or a moment to seek to, outside what the replay allows
};
inline constexpr int kCaseRefusalCount = 19;
std::string_view to_string(CaseRefusal refusal);

struct CaseRefused {
    CaseRefusal why;
    std::string detail;  // for the person who sent it
};

// What the centre's deadlines are for a case of one category and severity, in ms; 0: none.
struct CaseLimits {
    TimeMs sign_ms = 0;
    TimeMs resolve_ms = 0;
};

// The state after `step` taken by `doer` at `step.time`, or why not. Checks the doer, the stage
// and what the step must say; the callers check what only they know (the case exists, the
// department and unit exist, an order id is new, a department is the assignee). The returned
// state has `last` = the step, numbered after the one before.
std::optional<CaseRefused> check_step(const CaseState& state, const CaseStep& step, Doer doer);
CaseState apply_step(CaseState state, CaseStep step, const CaseLimits& limits);

// The league table's tallies (docs/dispatch.md, "League table"): what a department, or the
// cases of a street, did with the cases it was given, counted step by step.
struct CaseCounts {
    std::uint32_t ordered = 0;              // orders, transfers and agreed returns that came to it
    std::uint32_t signed_for = 0;           // signings
    std::uint32_t signed_on_time = 0;       //   of those, by the time to sign
    std::uint32_t resolved = 0;             // resolutions
    std::uint32_t resolved_on_time = 0;     //   of those, by the time to resolve
    std::uint32_t returns = 0;              // returns asked for
    std::uint32_t satisfied = 0;            // citizens called back: satisfied,
    std::uint32_t basically_satisfied = 0;  // basically satisfied,
    std::uint32_t dissatisfied = 0;         // dissatisfied
    // The case's step `state.last` (with the state it made): what it adds to the tally of the
    // department it concerns.
    void count(const CaseState& state);
    // Shares in 0..1; nothing when there is nothing to divide.
    std::optional<double> sign_on_time_rate() const;
    std::optional<double> resolve_on_time_rate() const;
    std::optional<double> return_rate() const;
    // Satisfied or basically satisfied, of the citizens called back.
    std::optional<double> satisfaction_rate() const;
    std::uint32_t feedback() const { return satisfied + basically_satisfied + dissatisfied; }
    friend bool operator==(const CaseCounts&, const CaseCounts&) = default;
};

}  // namespace citywall
