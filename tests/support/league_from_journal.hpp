// The league table worked out from a journal alone (docs/dispatch.md, "League table"): every
// incident event in order, each case's `last` step counted once, when its number is new, by
// core's rule for the department the case is with and for the case's area at `area_level`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "citywall/case_flow.hpp"
#include "citywall/incident.hpp"
#include "citywall/journal.hpp"
#include "citywall/wire.hpp"

namespace citywall::testing {

struct JournalLeague {
    CaseCounts total;
    std::map<std::string, CaseCounts> departments;  // by code
    std::map<std::string, CaseCounts> areas;        // by code, at the level asked for
};

inline Result<JournalLeague> league_from_journal(const std::filesystem::path& journal_dir,
                                                 std::string_view area_level = {}) {
    auto reader = JournalReader::open(journal_dir);
    if (!reader) return reader.error_value();
    JournalLeague league;
    std::map<std::uint64_t, std::uint32_t> last_step;
    while (auto record = (*reader)->next()) {
        auto message = wire::decode(record->payload);
        auto* update = message ? std::get_if<wire::IncidentUpdate>(&*message) : nullptr;
        if (!update) continue;
        const CaseState& state = update->incident.case_state;
        auto& seen = last_step[update->incident.id];
        if (state.last.number == 0 || state.last.number == seen) continue;
        seen = state.last.number;
        league.total.count(state);
        league.departments[state.department].count(state);
        if (const AreaRef* area = area_at(update->incident.areas, area_level))
            league.areas[area->code].count(state);
    }
    return league;
}

}  // namespace citywall::testing
