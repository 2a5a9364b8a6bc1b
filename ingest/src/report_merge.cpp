#include "report_merge.hpp"

#include <algorithm>
#include <cmath>

namespace citywall::ingest {

namespace {

void place(Incident& incident, const CityPlacement& placement, LonLat position) {
    incident.location = position;
    incident.areas = placement.place(position);
    incident.far_m = placement.far_from(position, incident.areas);
}

// The open incident another department reported of the same event, if any: nearest first.
std::optional<std::uint64_t> merge_candidate(const CityState& state, const MergeConfig& rules,
                                             const PlacedReport& placed, TimeMs event_time) {
    if (!rules.enabled) return std::nullopt;
    const OpenIncidents& open = state.incidents();
    std::optional<std::uint64_t> best;
    double best_distance = INFINITY;
    for (const auto& candidate : state.open_near(placed.position, rules.distance_m,
                                                 std::pair{event_time, rules.window_ms})) {
        const std::uint64_t id = candidate.id;
        // A drill and the live city never share an incident.
        if (candidate.drill != placed.drill) continue;
        if (!rules.compatible_categories(state.category_name(candidate.category),
                                         placed.report.category))
            continue;
        // The reporting department's own incidents never merge with its new report.
        if (open.reported_by(id, placed.department.code)) continue;
        double dx = candidate.location.lon - placed.position.lon;
        double dy = candidate.location.lat - placed.position.lat;
        double distance = dx * dx + dy * dy;
        if (distance < best_distance) {
            best_distance = distance;
            best = id;
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

std::variant<IncidentChange, FeedReject> apply_report(const CityState& state,
                                                      const MergeConfig& rules,
                                                      const CityPlacement& placement,
                                                      const PlacedReport& placed, TimeMs now) {
    FeedReport& report = placed.report;
    const std::string& code = placed.department.code;
    const TimeMs event_time = report.occurred != 0 ? report.occurred : now;
    // The one whole incident this report builds: read from the store, or new.
    Incident incident;

    if (auto known = state.find(code, report.source_id)) {
        if (!state.incidents().fill(incident, *known))
            return FeedReject{RejectReason::incident_closed, "id " + report.source_id};
        auto source =
            std::find_if(incident.sources.begin(), incident.sources.end(), [&](const SourceRef& s) {
                return s.department == code && s.source_id == report.source_id;
            });
        // Messages can arrive out of order; the department's newest word wins.
        if (report.occurred != 0 && source->reported != 0 && report.occurred < source->reported)
            return FeedReject{RejectReason::superseded,
                              "id " + report.source_id + ": a later report is already in"};
        source->status = report.status;
        source->reported = event_time;
        // The department that first reported the incident describes and locates it; others
        // only add their status and can raise its severity. A status-only report (a bare CAP
        // Cancel) changes nothing else.
        if (!report.status_only && source == incident.sources.begin()) {
            incident.category = report.category;
            incident.source_crs = placed.department.crs;
            if (!report.title.empty()) incident.title = report.title;
            if (!report.description.empty()) incident.description = report.description;
            if (!report.priority.empty()) incident.priority = report.priority;
            if (incident.location != placed.position) place(incident, placement, placed.position);
            if (report.occurred != 0) incident.occurred = report.occurred;
        }
        if (!report.status_only)
            incident.severity = incident.sources.size() == 1
                                    ? report.severity
                                    : std::min(incident.severity, report.severity);
    } else if (report.status_only) {
        return FeedReject{RejectReason::unknown_incident,
                          "id " + report.source_id + ": a status for an incident never reported"};
    } else if (const auto same_event = merge_candidate(state, rules, placed, event_time)) {
        state.incidents().fill(incident, *same_event);
        incident.sources.emplace_back(code, report.source_id, report.status, event_time);
        incident.severity = std::min(incident.severity, report.severity);
        incident.occurred = std::min(incident.occurred, event_time);
        if (incident.title.empty()) incident.title = report.title;
    } else {
        // A new incident: the report's texts move into it.
        incident.id = state.next_id();
        incident.sources.emplace_back(code, std::move(report.source_id), report.status, event_time);
        incident.category = std::move(report.category);
        incident.severity = report.severity;
        incident.occurred = event_time;
        incident.received = now;
        incident.source_crs = placed.department.crs;
        incident.title = std::move(report.title);
        incident.description = std::move(report.description);
        incident.priority = std::move(report.priority);
        place(incident, placement, placed.position);
    }
    incident.status = combined_status(incident.sources);
    incident.updated = now;
    IncidentChange change = state.change(std::move(incident));
    // Same words again, whatever the time stamps: nothing to number, journal or publish.
    if (change.nothing_new())
        return FeedReject{RejectReason::duplicate, "id " + report.source_id + " unchanged"};
    return change;
}

}  // namespace citywall::ingest
