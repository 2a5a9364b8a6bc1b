#include "citywall/case_league.hpp"

#include <tuple>

namespace citywall {

bool ranks_above(const CaseCounts& a, const CaseCounts& b) {
    auto key = [](const CaseCounts& c) {
        return std::tuple{c.resolve_on_time_rate().value_or(-1), c.sign_on_time_rate().value_or(-1),
                          c.satisfaction_rate().value_or(-1), -c.return_rate().value_or(0)};
    };
    return key(a) > key(b);
}

void CaseLeague::count(const Incident& incident) {
    const CaseState& state = incident.case_state;
    if (state.last.number == 0) return;  // no step taken
    total.count(state);
    if (!state.department.empty()) departments[state.department].count(state);
    if (area_level.empty()) return;
    if (const AreaRef* area = area_at(incident.areas, area_level)) {
        Area& row = areas[area->code];
        if (row.name.empty()) row.name = area->name;
        row.counts.count(state);
    }
}

bool CaseLeague::count_if_new(const Incident& incident) {
    const std::uint32_t number = incident.case_state.last.number;
    if (number == 0) return false;
    std::uint32_t& seen = steps_seen[incident.id];
    if (number == seen) return false;
    seen = number;
    count(incident);
    return true;
}

void CaseLeague::clear() {
    total = {};
    departments.clear();
    areas.clear();
}

}  // namespace citywall
