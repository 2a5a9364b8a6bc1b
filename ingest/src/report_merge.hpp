// What a department's report makes of the city: a new incident, an update of the incident that
// department already reported, or a further source of an incident another department reported
// (docs/protocol.md, "Merging reports"). Pure logic over CityState; ingest numbers, journals
// and publishes the result.
#pragma once

#include <string>
#include <variant>

#include "city_state.hpp"
#include "citywall/config.hpp"
#include "citywall/incident.hpp"
#include "citywall/placement.hpp"
#include "feed_message.hpp"

namespace citywall::ingest {

// A report that opens a new incident gives up its texts to it (they are moved, not copied).
struct PlacedReport {
    const DepartmentConfig& department;
    FeedReport& report;
    LonLat position;     // WGS84
    bool drill = false;  // it comes to a drill ingest: it joins drill incidents only
};

// The change the report makes (OpenIncidents::change()), or why it makes none.
std::variant<IncidentChange, FeedReject> apply_report(const CityState& state,
                                                      const MergeConfig& rules,
                                                      const CityPlacement& placement,
                                                      const PlacedReport& placed, TimeMs now);

// The status of an incident from what each of its sources last said: the furthest along of
// the sources still working on it; once every source is done, the latest of their endings.
IncidentStatus combined_status(const std::vector<SourceRef>& sources);

}  // namespace citywall::ingest
