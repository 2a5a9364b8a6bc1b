// The units ingest knows: each unit's latest fix. Fixes are ordered by their own time, so a fix
// that arrives after a newer one is superseded, never shown (docs/protocol.md, "Unit positions").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "citywall/result.hpp"
#include "citywall/unit.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

class UnitRoster {
  public:
    // False when the roster holds a fix of that unit taken after this one.
    bool is_newer(const Unit& fix) const;
    // Keeps the fix as the unit's latest; a unit going off duty leaves the roster.
    void apply(const Unit& fix);

    // Units on duty heard from at most `max_age_ms` before `now` (for a snapshot): a unit whose
    // receiver went silent does not haunt the wall forever.
    std::vector<Unit> on_duty(TimeMs now, TimeMs max_age_ms) const;
    std::size_t size() const { return units_.size(); }
    // A unit on duty by its department and that department's own id; null: not known.
    const Unit* find(std::string_view department, std::string_view id) const {
        auto it = units_.find(unit_key(department, id));
        return it == units_.end() ? nullptr : &it->second.unit;
    }

    // Units are kept beside each checkpoint (<dir>/units.roster, a wire UnitRoster) so that a
    // restart from the checkpoint does not lose the units heard before it. Written to a
    // temporary file, synced, then renamed over the old one.
    Result<void> save(const std::filesystem::path& dir, std::uint64_t seq) const;
    // Restores the roster saved at `seq`; Restored::absent (nothing changed) when there is none or
    // it belongs to another checkpoint; an error when the file is damaged.
    Result<Restored> load(const std::filesystem::path& dir, std::uint64_t seq);

  private:
    struct Latest {
        Unit unit;
        TimeMs time = 0;  // the fix's own time, else when ingest received it
    };
    std::unordered_map<std::string, Latest> units_;
    // Off-duty units are forgotten, but the time of their last fix is kept so an older fix
    // arriving late cannot bring them back.
    std::unordered_map<std::string, TimeMs> gone_;
};

}  // namespace citywall::ingest
