// The console: a wall whose key may take steps of a case (docs/dispatch.md). It offers the steps
// the lifecycle's table allows its role from where the case stands, builds the command from
// what the operator filled in, and keeps what ingest answered. Ingest decides; the console only
// leaves out what would surely be refused. No GL, no ImGui: the detail panel draws it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "citywall/case_flow.hpp"
#include "citywall/config.hpp"
#include "citywall/wire.hpp"

namespace citywall::viewer {

// The steps `role` may take on a case in `state`, in the table's order.
std::vector<CaseAction> offered_actions(const CaseState& state, WallRole role);
// The step by which `role` sends a unit to a case in `state` (a free unit right-clicked on the
// map): order, or reopen for a case that stands closed; none when it may take neither now.
std::optional<CaseAction> unit_order_step(const CaseState& state, WallRole role);

// The console's keyboard shortcuts (docs/viewer.md, "Console"): one letter a step, chosen for
// the selected case when the console offers it; none for the departments' steps. Q, K, H and U
// stay the panels' keys.
char shortcut_of(CaseAction action);  // 'O' for order; 0: none
std::optional<CaseAction> action_of_shortcut(char letter);

// What a step is being filled in with.
struct ConsoleForm {
    CaseAction action = CaseAction::none;  // none: no step chosen
    std::uint64_t incident = 0;
    std::string department;
    std::string unit;
    // The unit proposed first, as the leader saw it ("巡逻12 (110), by road 2.4 km · 4 min"),
    // when another was chosen: the note must then say why, and the journal keeps both.
    std::string passed_over;
    std::string reason;
    std::string note;
};

class Console {
  public:
    // `id_prefix`: what this console's command ids start with (unique per console run).
    Console(WallRole role, std::string id_prefix);
    WallRole role() const { return role_; }

    // Chooses a step for `incident`: a step that needs nothing more is ready to send at once.
    void choose(std::uint64_t incident, CaseAction action);
    ConsoleForm& form() { return form_; }
    const ConsoleForm& form() const { return form_; }
    // What the chosen step still lacks ("a department", …); empty: it can be sent.
    std::string missing() const;
    // The command for the chosen step, numbered; the form is cleared. Nothing when a step is
    // not chosen or lacks something.
    std::optional<wire::CaseCommand> take_command();

    // Ingest's answer to a command this console sent (answers to others' are ignored).
    void receive(const wire::CommandReply& reply);
    struct Outcome {
        std::string command;  // its id
        CaseAction action = CaseAction::none;
        std::uint64_t incident = 0;
        bool answered = false;
        bool accepted = false;
        std::string refusal;
        std::string detail;
    };
    // The latest command sent and what came of it; nothing before the first.
    const std::optional<Outcome>& last() const { return last_; }

  private:
    // The note as sent: with the proposal passed over, when one was.
    std::string note_sent() const;

    WallRole role_;
    std::string id_prefix_;
    std::uint64_t sent_ = 0;
    ConsoleForm form_;
    std::optional<Outcome> last_;
};

}  // namespace citywall::viewer
