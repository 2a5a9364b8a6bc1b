// The league table (docs/dispatch.md, "League table"): each case step counted by CaseCounts's
// rule for the department the case is with after it and for the case's area of one level (the
// streets). Ingest keeps one for the day (its day ledger); citywall-export counts one for any
// window of a journal (a month's assessment), by the same rule.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "citywall/case_flow.hpp"
#include "citywall/incident.hpp"

namespace citywall {

// The league's order: on-time resolution, then on-time signing, then satisfaction, then fewest
// returns; a rate nobody has earned yet ranks below every earned one. True when `a` ranks above.
bool ranks_above(const CaseCounts& a, const CaseCounts& b);

struct CaseLeague {
    struct Area {
        std::string name;
        CaseCounts counts;
        friend bool operator==(const Area&, const Area&) = default;
    };

    std::string area_level;  // areas of this level are ranked beside the departments; empty: none
    CaseCounts total;
    std::map<std::string, CaseCounts> departments;  // by code
    std::map<std::string, Area> areas;              // by code
    // The last step counted of each incident, for count_if_new.
    std::unordered_map<std::uint64_t, std::uint32_t> steps_seen;

    // The incident as its case's step `case_state.last` left it: counted for the department the
    // case is with after it and the incident's area, whenever the incident came in.
    void count(const Incident& incident);
    // For a reader of a journal, where an incident's event repeats the case's last step when
    // something else changed: counts the step only when its number is new for the incident.
    // True when it counted.
    bool count_if_new(const Incident& incident);
    // Starts from zero (a new day); the steps already seen stay seen.
    void clear();
};

}  // namespace citywall
