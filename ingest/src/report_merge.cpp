#include "report_merge.hpp"

#include <algorithm>
#include <cmath>

namespace citywall::ingest {

namespace {

void place(Incident& incident, const CityPlacement& placement, LonLat position) {
    incident.location = position;
    incident.grid = placement.place_grid(position);
    incident.beat = placement.place_beat(position);
}

// The open incident another department reported of the same event, if any: nearest first.
const Incident* merge_candidate(const CityState& state, const MergeConfig& rules,
                                const PlacedReport& placed, TimeMs event_time) {
    if (!rules.enabled) return nullptr;
    const Incident* best = nullptr;
    double best_distance = INFINITY;
    for (const Incident* candidate : state.open_near(placed.position, rules.distance_m)) {
        bool same_department =
            std::any_of(candidate->sources.begin(), candidate->sources.end(),
                        [&](const SourceRef& s) { return s.department == placed.department.code; });
        if (same_department || candidate->drill) continue;
        if (std::llabs(candidate->occurred - event_time) > rules.window_ms) continue;
        if (!rules.compatible_categories(candidate->category, placed.report.category)) continue;
        double dx = candidate->location.lon - placed.position.lon;
        double dy = candidate->location.lat - placed.position.lat;
        double distance = dx * dx + dy * dy;
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

}  // namespace

IncidentStatus combined_status(const std::vector<SourceRef>& sources) {
    if (sources.empty()) return IncidentStatus::reported;
    const SourceRef* furthest_open = nullptr;
    const SourceRef* latest_end = nullptr;
    for (const auto& s : sources) {
        if (is_terminal(s.status)) {
            if (!latest_end || s.reported >= latest_end->reported) latest_end = &s;
        } else if (!furthest_open || s.status > furthest_open->status) {
            furthest_open = &s;
        }
    }
    return furthest_open ? furthest_open->status : latest_end->status;
}

std::variant<Incident, FeedReject> apply_report(const CityState& state, const MergeConfig& rules,
                                                const CityPlacement& placement,
                                                const PlacedReport& placed, TimeMs now) {
    const FeedReport& report = placed.report;
    const std::string& code = placed.department.code;
    const TimeMs event_time = report.occurred != 0 ? report.occurred : now;
    Incident incident;
    std::optional<Incident> before;

    if (auto known = state.find({code, report.source_id})) {
        const Incident* existing = state.open_incident(*known);
        if (!existing) return FeedReject{"incident_closed", "id " + report.source_id};
        incident = *existing;
        before = incident;
        auto source =
            std::find_if(incident.sources.begin(), incident.sources.end(), [&](const SourceRef& s) {
                return s.department == code && s.source_id == report.source_id;
            });
        // Messages can arrive out of order; the department's newest word wins.
        if (report.occurred != 0 && source->reported != 0 && report.occurred < source->reported)
            return FeedReject{"superseded",
                              "id " + report.source_id + ": a later report is already in"};
        source->status = report.status;
        source->reported = event_time;
        // The department that first reported the incident describes and locates it; others
        // only add their status and can raise its severity.
        if (source == incident.sources.begin()) {
            incident.category = report.category;
            incident.source_crs = placed.department.crs;
            if (!report.title.empty()) incident.title = report.title;
            if (!report.description.empty()) incident.description = report.description;
            if (incident.location != placed.position) place(incident, placement, placed.position);
            if (report.occurred != 0) incident.occurred = report.occurred;
        }
        incident.severity = incident.sources.size() == 1
                                ? report.severity
                                : std::min(incident.severity, report.severity);
    } else if (const Incident* same_event = merge_candidate(state, rules, placed, event_time)) {
        incident = *same_event;
        before = incident;
        incident.sources.emplace_back(code, report.source_id, report.status, event_time);
        incident.severity = std::min(incident.severity, report.severity);
        incident.occurred = std::min(incident.occurred, event_time);
        if (incident.title.empty()) incident.title = report.title;
    } else {
        incident.id = state.next_id();
        incident.sources.emplace_back(code, report.source_id, report.status, event_time);
        incident.category = report.category;
        incident.severity = report.severity;
        incident.occurred = event_time;
        incident.received = now;
        incident.source_crs = placed.department.crs;
        incident.title = report.title;
        incident.description = report.description;
        place(incident, placement, placed.position);
    }
    incident.status = combined_status(incident.sources);
    if (before) {
        // Same words again, whatever the time stamps: nothing to number, journal or publish.
        auto words = [](Incident i) {
            for (auto& s : i.sources)
                s.reported = 0;
            return i;
        };
        if (words(*before) == words(incident))
            return FeedReject{"duplicate", "id " + report.source_id + " unchanged"};
    }
    incident.updated = now;
    return incident;
}

}  // namespace citywall::ingest
