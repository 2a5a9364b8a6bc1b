// The demo's simulated duty leader (docs/dispatch.md): it follows the wall stream with a
// leader's key and moves every live case along as a centre would, so that whole cases close in
// the demo without a human: it orders each new case to the department that handles its kind,
// arbitrates returns, supervises (督办) a case that escalated past its deadline, reviews what
// departments resolved, records the citizen's feedback on hotline cases, and closes them. A
// critical case is ordered with the department's nearest free unit named, when one is near. A
// person at a console can still take any step first.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "citywall/open_incidents.hpp"
#include "citywall/unit.hpp"
#include "citywall/wire.hpp"

namespace citywall::feedsim {

struct DutyRules {
    // The department a case of a category family goes to; a family not listed goes to the
    // department that reported it.
    std::map<std::string, std::string, std::less<>> family_to_department;
    // Departments that can take orders (acknowledged feeds); a case for any other is left alone.
    std::set<std::string, std::less<>> can_take_orders;
    // Where a returned case goes instead.
    std::string fallback_department;
    TimeMs think_ms = 3000;  // a case waits this long at a stage before the desk acts on it
    // A critical case's order names the department's nearest free unit heard from lately, when
    // one is at most this far (straight line); 0: never.
    double unit_within_m = 5000;
};

class DutyDesk {
  public:
    DutyDesk(DutyRules rules, std::string id_prefix, std::uint64_t seed)
        : rules_(std::move(rules)), id_prefix_(std::move(id_prefix)), rng_(seed) {}

    // The commands due for the open incidents as `incidents` holds them (each incident whole:
    // its case and departments), at most `most`; a case a command is waiting for is skipped.
    std::vector<wire::CaseCommand> decide(const std::vector<Incident>& incidents, TimeMs now,
                                          std::size_t most);
    // The units on the wall now: whom a critical case's order may name.
    void see_units(std::vector<Unit> units) { units_ = std::move(units); }
    // A command's answer: its case may be acted on again.
    void answered(const wire::CommandReply& reply);
    std::uint64_t sent() const { return sent_; }
    std::uint64_t refused() const { return refused_; }

  private:
    std::optional<wire::CaseCommand> next_step(const Incident& incident);
    // The nearest free unit of `department` for the incident, not named in an order lately.
    const Unit* nearest_free(const Incident& incident, const std::string& department) const;
    wire::CaseCommand command(const Incident& incident, CaseAction action);

    DutyRules rules_;
    std::string id_prefix_;
    std::mt19937_64 rng_;
    std::uint64_t sent_ = 0;
    std::uint64_t refused_ = 0;
    TimeMs now_ = 0;  // of the latest decision
    struct Seen {
        std::uint32_t step = 0;  // the case's last step number
        TimeMs since = 0;        // when it was first seen at that step, or last acted on
    };
    std::map<std::uint64_t, std::string> waiting_;  // incident → the command sent for it
    std::map<std::uint64_t, Seen> seen_;
    std::vector<Unit> units_;
    std::map<std::string, TimeMs> named_;  // unit key → when an order named it
};

}  // namespace citywall::feedsim
