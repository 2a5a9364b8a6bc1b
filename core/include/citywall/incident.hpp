// The incident model: one place, versioned with the wire codec (docs/protocol.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "citywall/case_flow.hpp"

namespace citywall {

// Milliseconds since the Unix epoch, UTC. Every time in the model uses it.
using TimeMs = std::int64_t;

enum class Severity : std::uint8_t { critical = 1, major = 2, moderate = 3, low = 4 };
// critical, major, moderate, low; 1 to 4 as in a config.
std::optional<Severity> parse_severity(std::string_view text);

enum class IncidentStatus : std::uint8_t {
    reported = 0,
    accepted,
    dispatched,
    en_route,
    on_scene,
    resolved,
    closed,
    cancelled,
};
inline constexpr int kIncidentStatusCount = 8;

std::string_view to_string(IncidentStatus status);
std::optional<IncidentStatus> parse_incident_status(std::string_view text);
// True for statuses after which an incident no longer counts as open.
bool is_terminal(IncidentStatus status);

struct LonLat {
    double lon = 0.0;
    double lat = 0.0;
    friend bool operator==(const LonLat&, const LonLat&) = default;
};

// One department's own reference to an incident (e.g. department "110", id "P20261122-0042"),
// with what that department last said of it. A merged incident has one per department.
struct SourceRef {
    SourceRef() = default;
    SourceRef(std::string department_code, std::string id,
              IncidentStatus last_status = IncidentStatus::reported, TimeMs last_report = 0)
        : department(std::move(department_code)),
          source_id(std::move(id)),
          status(last_status),
          reported(last_report) {}

    std::string department;
    std::string source_id;
    IncidentStatus status = IncidentStatus::reported;  // as this department last reported it
    TimeMs reported = 0;  // event time of this department's latest report
    friend bool operator==(const SourceRef&, const SourceRef&) = default;
};

// A named area of the city at one of its levels (docs/config.md, "Areas"): a district, a
// street, a basic grid, a police beat, whatever levels the city's config declares.
struct AreaRef {
    std::string level;  // the level's key, e.g. "district", "beat"
    std::string code;
    std::string name;
    bool empty() const { return code.empty(); }
    friend bool operator==(const AreaRef&, const AreaRef&) = default;
};

// Where an incident sits: its area at each level of the city's hierarchies that holds it, in
// the order the config declares the levels (the outermost of each hierarchy first). A level
// whose areas do not hold the incident has no entry; empty: outside every area.
using AreaPath = std::vector<AreaRef>;

// The area of `path` at `level`; null: none there.
const AreaRef* area_at(const AreaPath& path, std::string_view level);

// Where an incident came from when another ingest (a county centre) fed it to this one.
struct Provenance {
    std::string centre;          // the feed's department code for that ingest, e.g. "county-a"
    std::uint64_t incident = 0;  // its id there
    std::uint64_t seq = 0;       // the sequence number of the update there
    bool empty() const { return centre.empty(); }
    friend bool operator==(const Provenance&, const Provenance&) = default;
};

struct Incident {
    std::uint64_t id = 0;  // global id given by ingest
    std::vector<SourceRef> sources;
    std::string category;  // city taxonomy, e.g. "police.theft", "fire.building"
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    std::uint8_t escalation = 0;  // 0 = handled in the grid; each step goes one level up
    LonLat location;              // WGS84
    std::string source_crs;       // the CRS the department sent, e.g. "EPSG:4326", "GCJ-02"
    AreaPath areas;
    // Outside the city: beyond every area by this many metres, more than [centre] outside_km
    // (a geocoding error, or a report for another city); 0: in an area, or near one.
    std::uint32_t far_m = 0;
    TimeMs occurred = 0;
    TimeMs received = 0;
    TimeMs updated = 0;
    TimeMs due = 0;  // 0 = no deadline
    std::string title;
    std::string description;
    // The first department's own priority code as it sent it ("P1", "A", "一级"); the city's
    // severity is `severity`. Empty: it sends none.
    std::string priority;
    bool drill = false;
    Provenance provenance;  // empty: reported to this ingest directly
    // The case at the centre (docs/dispatch.md): all zero until a leader orders it.
    CaseState case_state;

    // Open while its departments have not finished it; an ordered case stays open, whatever
    // they report, until the centre closes or cancels it.
    bool open() const {
        return case_state.taken_up() ? !is_final(case_state.stage) : !is_terminal(status);
    }
    // Where its case stands for the centre's steps: as `case_state` says, except that an
    // incident its departments closed, the centre never having taken it up, stands closed (it
    // may be reopened like a case the centre closed). Ingest checks a step against it; a
    // console offers steps by it.
    CaseState case_standing() const;
    // The department that first reported it; the incident's colour on the wall follows it.
    std::string_view department() const;
    friend bool operator==(const Incident&, const Incident&) = default;
};

// One step in an incident's life as ingest recorded it: a department's first report of it, a
// report in which a department's status changed, or one that changed the incident's status.
struct StatusChange {
    TimeMs time = 0;         // the report's own time (the department's clock)
    std::string department;  // who reported
    IncidentStatus reported = IncidentStatus::reported;  // what that department said
    IncidentStatus status = IncidentStatus::reported;    // the incident's status after it
    friend bool operator==(const StatusChange&, const StatusChange&) = default;
};

// The status changes of one incident, oldest first. Ingest keeps the first and the latest
// kMaxCaseChanges - 1; `omitted` counts those dropped between them.
struct CaseHistory {
    static constexpr std::size_t kMaxCaseChanges = 64;
    static constexpr std::size_t kMaxCaseSteps = 256;
    std::vector<StatusChange> changes;
    std::uint32_t omitted = 0;
    // The case's steps at the centre, oldest first: its first and its latest kMaxCaseSteps - 1
    // (`steps_omitted` between them); each is also in the journal, with the incident it made.
    std::vector<CaseStep> steps;
    std::uint32_t steps_omitted = 0;
    friend bool operator==(const CaseHistory&, const CaseHistory&) = default;
};

// The health of one department's feed as ingest sees it.
struct RejectCount {
    // A reason's code: a RejectReason's (citywall/reject_reason.hpp) such as "invalid_json" for
    // rejects, a key refusal's such as "unknown_key" for refusals; text, so a wall shows a code
    // newer than its own build.
    std::string reason;
    std::uint64_t count = 0;
    friend bool operator==(const RejectCount&, const RejectCount&) = default;
};

struct FeedHealth {
    std::string department;
    std::string name;     // the department's display name, e.g. "公安110"
    std::string name_en;  // and its English one, "Police 110"; empty when it has none
    bool connected = false;
    bool stale = false;
    // It sends faster than its share of ingest: in the last seconds ingest left messages of it
    // waiting so that the other departments could go first (a flood, or a stuck resend loop).
    bool flooding = false;
    TimeMs last_message = 0;
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    double rate_per_s = 0.0;
    // From the event's own time to ingest accepting it, over the last minute of reports.
    double lag_p50_ms = 0.0;
    double lag_p99_ms = 0.0;
    std::vector<RejectCount> rejects;  // by reason, since ingest started
    // Connections the key gate refused on its socket, by reason, since ingest started
    // (docs/security.md); a refused sender tries again every 100 ms, so these count attempts.
    std::vector<RejectCount> refusals;
    TimeMs last_refused = 0;          // ingest's clock, as of the report that first counted it
    std::string last_refusal_reason;  // the code of the latest refusal's reason
    // Its reports that placed an incident outside the city (Incident::far_m), since ingest
    // started: a data-quality signal (a geocoder off by a province, a wrong CRS).
    std::uint64_t far_away = 0;
    friend bool operator==(const FeedHealth&, const FeedHealth&) = default;
};

}  // namespace citywall
