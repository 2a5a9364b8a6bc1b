// The wall stream's schema: every message and field, declared once (docs/protocol.md, "Version
// 3"). The encoder, the decoder, the checks on what is decoded and the .proto that foreign
// clients compile (wire::schema_proto(), checked in as schema/wall.proto) all follow from these
// tables. A new field is one line here and the code that uses it.
//
// Field numbers are forever: a field may be added with a new number, never renumbered or given
// another type; a field that goes away leaves its number unused. Numbers 1-15 take one byte, so
// what most messages carry has them.
#pragma once

#include <cmath>

#include "citywall/incident.hpp"
#include "citywall/unit.hpp"
#include "citywall/wire.hpp"
#include "field_table.hpp"

namespace citywall::wire::table {

inline bool on_globe(const LonLat& at) {
    return std::isfinite(at.lon) && std::isfinite(at.lat) && std::abs(at.lon) <= 180 &&
           std::abs(at.lat) <= 90;
}

template <>
struct EnumSchema<Severity> {
    static constexpr std::string_view name = "Severity";
    static constexpr EnumValue values[] = {
        {"CRITICAL", 1}, {"MAJOR", 2}, {"MODERATE", 3}, {"LOW", 4}};
};
template <>
struct EnumSchema<IncidentStatus> {
    static constexpr std::string_view name = "IncidentStatus";
    static constexpr EnumValue values[] = {{"REPORTED", 0}, {"ACCEPTED", 1}, {"DISPATCHED", 2},
                                           {"EN_ROUTE", 3}, {"ON_SCENE", 4}, {"RESOLVED", 5},
                                           {"CLOSED", 6},   {"CANCELLED", 7}};
};
template <>
struct EnumSchema<UnitKind> {
    static constexpr std::string_view name = "UnitKind";
    static constexpr EnumValue values[] = {{"POLICE_CAR", 0}, {"FIRE_ENGINE", 1}, {"AMBULANCE", 2},
                                           {"PATROL", 3},     {"GRID_WORKER", 4}, {"OTHER", 5}};
};
template <>
struct EnumSchema<UnitStatus> {
    static constexpr std::string_view name = "UnitStatus";
    static constexpr EnumValue values[] = {
        {"AVAILABLE", 0},    {"DISPATCHED", 1}, {"EN_ROUTE", 2},
        {"ON_SCENE", 3},     {"RETURNING", 4},  {"OFF_DUTY", 5},
        {"TRANSPORTING", 6}, {"CLEARED", 7},    {"OUT_OF_SERVICE", 8}};
};
template <>
struct EnumSchema<DayCount::Scope> {
    static constexpr std::string_view name = "CountScope";
    static constexpr EnumValue values[] = {
        {"TOTAL", 0}, {"DEPARTMENT", 1}, {"DISTRICT", 2}, {"STREET", 3}};
};

template <>
struct EnumSchema<IncidentCase::Found> {
    static constexpr std::string_view name = "CaseFound";
    static constexpr EnumValue values[] = {
        {"NOT_FOUND", 0}, {"OPEN", 1}, {"KEPT", 2}, {"JOURNAL", 3}, {"SEARCHING", 4}};
};
template <>
struct EnumSchema<CaseStage> {
    static constexpr std::string_view name = "CaseStage";
    static constexpr EnumValue values[] = {{"RECEIVED", 0},  {"ASSIGNED", 1}, {"SIGNED_FOR", 2},
                                           {"RETURNING", 3}, {"ON_SCENE", 4}, {"RESOLVED", 5},
                                           {"REVIEWED", 6},  {"CLOSED", 7},   {"CANCELLED", 8}};
};
template <>
struct EnumSchema<CaseAction> {
    static constexpr std::string_view name = "CaseAction";
    static constexpr EnumValue values[] = {
        {"NO_ACTION", 0},      {"ORDER", 1},        {"TRANSFER", 2},        {"SIGN", 3},
        {"RETURN_REQUEST", 4}, {"RETURN_AGREE", 5}, {"RETURN_REFUSE", 6},   {"ARRIVE", 7},
        {"RESOLVE", 8},        {"REVIEW_PASS", 9},  {"REVIEW_REJECT", 10},  {"FEEDBACK", 11},
        {"CLOSE", 12},         {"CANCEL", 13},      {"EXTEND_REQUEST", 14}, {"EXTEND_APPROVE", 15},
        {"EXTEND_REFUSE", 16}, {"SUPERVISE", 17},   {"ANNOTATE", 18},       {"ACKNOWLEDGE", 19},
        {"REOPEN", 20},        {"ESCALATE", 21}};
};
template <>
struct EnumSchema<Satisfaction> {
    static constexpr std::string_view name = "Satisfaction";
    static constexpr EnumValue values[] = {
        {"NO_FEEDBACK", 0}, {"SATISFIED", 1}, {"BASICALLY_SATISFIED", 2}, {"DISSATISFIED", 3}};
};

template <>
struct Schema<CaseStep> {
    static constexpr std::string_view name = "CaseStep";
    static constexpr auto fields = std::tuple{
        field(1, "number", &CaseStep::number),         field(2, "time", &CaseStep::time),
        field(3, "action", &CaseStep::action),         field(4, "actor", &CaseStep::actor),
        field(5, "department", &CaseStep::department), field(6, "unit", &CaseStep::unit),
        field(7, "reason", &CaseStep::reason),         field(8, "note", &CaseStep::note),
        field(9, "command", &CaseStep::command),       field(10, "until", &CaseStep::until),
    };
};
template <>
struct Schema<CaseState> {
    static constexpr std::string_view name = "CaseState";
    static constexpr auto fields = std::tuple{
        field(1, "stage", &CaseState::stage),
        field(2, "department", &CaseState::department),
        field(3, "unit", &CaseState::unit),
        field(4, "order", &CaseState::order),
        field(5, "assigned", &CaseState::assigned),
        field(6, "signed_at", &CaseState::signed_at),
        field(7, "arrived", &CaseState::arrived),
        field(8, "resolved_at", &CaseState::resolved_at),
        field(9, "sign_due", &CaseState::sign_due),
        field(10, "resolve_due", &CaseState::resolve_due),
        field(11, "extension_asked", &CaseState::extension_asked),
        field(12, "returns", &CaseState::returns),
        field(13, "redos", &CaseState::redos),
        field(14, "satisfaction", &CaseState::satisfaction),
        field(15, "supervised", &CaseState::supervised),
        field(16, "last", &CaseState::last),
    };
};

template <>
struct Schema<SourceRef> {
    static constexpr std::string_view name = "SourceRef";
    static constexpr auto fields = std::tuple{
        field(1, "department", &SourceRef::department),
        field(2, "source_id", &SourceRef::source_id),
        field(3, "status", &SourceRef::status),
        field(4, "reported", &SourceRef::reported),
    };
};
template <>
struct Schema<Provenance> {
    static constexpr std::string_view name = "Provenance";
    static constexpr auto fields = std::tuple{
        field(1, "centre", &Provenance::centre),
        field(2, "incident", &Provenance::incident),
        field(3, "seq", &Provenance::seq),
    };
};
template <>
struct Schema<AreaRef> {
    static constexpr std::string_view name = "AreaRef";
    static constexpr auto fields = std::tuple{
        field(1, "level", &AreaRef::level),
        field(2, "code", &AreaRef::code),
        field(3, "name", &AreaRef::name),
    };
};
template <>
struct Schema<Incident> {
    static constexpr std::string_view name = "Incident";
    static constexpr auto fields = std::tuple{
        field(1, "id", &Incident::id),
        field(2, "sources", &Incident::sources).max(256),
        field(3, "category", &Incident::category),
        field(4, "severity", &Incident::severity),
        field(5, "status", &Incident::status),
        field(6, "lon", &Incident::location, &LonLat::lon),
        field(7, "lat", &Incident::location, &LonLat::lat),
        field(8, "occurred", &Incident::occurred),
        field(9, "received", &Incident::received),
        field(10, "updated", &Incident::updated),
        field(11, "title", &Incident::title),
        field(22, "source_crs", &Incident::source_crs),
        field(23, "description", &Incident::description),
        field(24, "provenance", &Incident::provenance),
        field(25, "escalation", &Incident::escalation),
        field(26, "due", &Incident::due),
        field(27, "drill", &Incident::drill),
        field(28, "priority", &Incident::priority),
        // 12-21 held a fixed district/street/community/grid path and a beat until the city's
        // levels came from its config; a reader of those old journals finds them empty.
        field(29, "areas", &Incident::areas).max(32),
        field(30, "far_m", &Incident::far_m),
        field(31, "case_state", &Incident::case_state),
    };
    static const char* check(const Incident& i) {
        if (static_cast<int>(i.severity) < 1) return "severity out of range";
        if (!on_globe(i.location)) return "location out of range";
        return nullptr;
    }
};
template <>
struct Schema<RejectCount> {
    static constexpr std::string_view name = "RejectCount";
    static constexpr auto fields = std::tuple{
        field(1, "reason", &RejectCount::reason),
        field(2, "count", &RejectCount::count),
    };
};
template <>
struct Schema<FeedHealth> {
    static constexpr std::string_view name = "FeedHealth";
    static constexpr auto fields = std::tuple{
        field(1, "department", &FeedHealth::department),
        field(2, "name", &FeedHealth::name),
        field(3, "connected", &FeedHealth::connected),
        field(4, "stale", &FeedHealth::stale),
        field(5, "flooding", &FeedHealth::flooding),
        field(6, "last_message", &FeedHealth::last_message),
        field(7, "accepted", &FeedHealth::accepted),
        field(8, "rejected", &FeedHealth::rejected),
        field(9, "rate_per_s", &FeedHealth::rate_per_s),
        field(10, "lag_p50_ms", &FeedHealth::lag_p50_ms),
        field(11, "lag_p99_ms", &FeedHealth::lag_p99_ms),
        field(12, "rejects", &FeedHealth::rejects).max(256),
        field(13, "refusals", &FeedHealth::refusals).max(256),
        field(14, "last_refused", &FeedHealth::last_refused),
        field(15, "last_refusal_reason", &FeedHealth::last_refusal_reason),
        field(16, "far_away", &FeedHealth::far_away),
        field(17, "name_en", &FeedHealth::name_en),
    };
};
template <>
struct Schema<Unit> {
    static constexpr std::string_view name = "Unit";
    static constexpr auto fields = std::tuple{
        field(1, "department", &Unit::department),
        field(2, "id", &Unit::id),
        field(3, "callsign", &Unit::callsign),
        field(4, "kind", &Unit::kind),
        field(5, "status", &Unit::status),
        field(6, "lon", &Unit::location, &LonLat::lon),
        field(7, "lat", &Unit::location, &LonLat::lat),
        field(8, "heading", &Unit::heading),
        field(9, "speed", &Unit::speed),
        field(10, "incident", &Unit::incident),
        field(11, "reported", &Unit::reported),
        field(12, "received", &Unit::received),
        field(13, "drill", &Unit::drill),
    };
    static const char* check(const Unit& u) {
        if (!on_globe(u.location)) return "location out of range";
        // Unknown heading is any negative number; a known one is a bearing.
        if (!std::isfinite(u.heading) || u.heading >= 360.f) return "heading out of range";
        if (!std::isfinite(u.speed) || u.speed < 0.f) return "speed out of range";
        return nullptr;
    }
};
template <>
struct Schema<CaseCounts> {
    static constexpr std::string_view name = "CaseCounts";
    static constexpr auto fields = std::tuple{
        field(1, "ordered", &CaseCounts::ordered),
        field(2, "signed_for", &CaseCounts::signed_for),
        field(3, "signed_on_time", &CaseCounts::signed_on_time),
        field(4, "resolved", &CaseCounts::resolved),
        field(5, "resolved_on_time", &CaseCounts::resolved_on_time),
        field(6, "returns", &CaseCounts::returns),
        field(7, "satisfied", &CaseCounts::satisfied),
        field(8, "basically_satisfied", &CaseCounts::basically_satisfied),
        field(9, "dissatisfied", &CaseCounts::dissatisfied),
    };
    static const char* check(const CaseCounts& c) {
        if (c.signed_on_time > c.signed_for || c.resolved_on_time > c.resolved)
            return "case counts out of order";
        return nullptr;
    }
};
template <>
struct Schema<DayCount> {
    static constexpr std::string_view name = "DayCount";
    static constexpr auto fields = std::tuple{
        field(1, "scope", &DayCount::scope),
        field(2, "code", &DayCount::code),
        field(3, "name", &DayCount::name),
        field(4, "received", &DayCount::received),
        field(5, "dispatched", &DayCount::dispatched),
        field(6, "resolved", &DayCount::resolved),
        field(7, "cases", &DayCount::cases),
    };
    static const char* check(const DayCount& c) {
        if (c.dispatched > c.received || c.resolved > c.received) return "counts out of order";
        return nullptr;
    }
};
template <>
struct Schema<StatusChange> {
    static constexpr std::string_view name = "StatusChange";
    static constexpr auto fields = std::tuple{
        field(1, "time", &StatusChange::time),
        field(2, "department", &StatusChange::department),
        field(3, "reported", &StatusChange::reported),
        field(4, "status", &StatusChange::status),
    };
};
template <>
struct Schema<CaseHistory> {
    static constexpr std::string_view name = "CaseHistory";
    static constexpr auto fields = std::tuple{
        field(1, "changes", &CaseHistory::changes).max(CaseHistory::kMaxCaseChanges),
        field(2, "omitted", &CaseHistory::omitted),
        field(3, "steps", &CaseHistory::steps).max(CaseHistory::kMaxCaseSteps),
        field(4, "steps_omitted", &CaseHistory::steps_omitted),
    };
};

// The bodies of the stream's kinds. The sequence number is the envelope's (WallMessage.seq), so
// it is not a field of these.
template <>
struct Schema<FeedHealthReport> {
    static constexpr std::string_view name = "FeedHealthReport";
    static constexpr auto fields = std::tuple{
        field(1, "time", &FeedHealthReport::time),
        field(2, "feeds", &FeedHealthReport::feeds).max(4096),
    };
};
template <>
struct Schema<Heartbeat> {
    static constexpr std::string_view name = "Heartbeat";
    static constexpr auto fields = std::tuple{
        field(1, "time", &Heartbeat::time),
        field(2, "drill", &Heartbeat::drill),
        field(3, "keys_off", &Heartbeat::keys_off),
        field(4, "stopped", &Heartbeat::stopped),
    };
};
template <>
struct Schema<SnapshotChunk> {
    static constexpr std::string_view name = "SnapshotChunk";
    static constexpr auto fields = std::tuple{
        field(1, "last", &SnapshotChunk::last),
        field(2, "incidents", &SnapshotChunk::incidents),
        field(3, "feeds", &SnapshotChunk::feeds).max(4096),
    };
};
template <>
struct Schema<UnitRoster> {
    static constexpr std::string_view name = "UnitRoster";
    static constexpr auto fields = std::tuple{
        field(1, "units", &UnitRoster::units).max(1u << 18),
    };
};
template <>
struct Schema<DayCountsReport> {
    static constexpr std::string_view name = "DayCountsReport";
    static constexpr auto fields = std::tuple{
        field(1, "time", &DayCountsReport::time),
        field(2, "day_start", &DayCountsReport::day_start),
        field(3, "counts", &DayCountsReport::counts).max(1u << 14),
    };
};
template <>
struct Schema<IncidentCase> {
    static constexpr std::string_view name = "IncidentCase";
    static constexpr auto fields = std::tuple{
        field(1, "id", &IncidentCase::id),
        field(2, "open", &IncidentCase::open),
        field(3, "incident", &IncidentCase::incident),
        field(4, "history", &IncidentCase::history),
        field(5, "found", &IncidentCase::found),
    };
    static const char* check(const IncidentCase& c) {
        using Found = IncidentCase::Found;
        if (c.open ? c.found != Found::open && c.found != Found::none : c.found == Found::open)
            return "case said open and not open";
        if (!c.has_incident()) return nullptr;
        if (c.incident.id != c.id) return "case names another incident";
        return nullptr;
    }
};

template <>
struct Schema<CommandReply> {
    static constexpr std::string_view name = "CommandReply";
    static constexpr auto fields = std::tuple{
        field(1, "id", &CommandReply::id),
        field(2, "incident", &CommandReply::incident),
        field(3, "accepted", &CommandReply::accepted),
        field(4, "refusal", &CommandReply::refusal),
        field(5, "detail", &CommandReply::detail),
    };
};

template <>
struct EnumSchema<DrillClock::Change> {
    static constexpr std::string_view name = "DrillChange";
    static constexpr EnumValue values[] = {{"NO_CHANGE", 0}, {"REWOUND", 1}, {"BOOKMARKED", 2}};
};
template <>
struct Schema<Bookmark> {
    static constexpr std::string_view name = "Bookmark";
    static constexpr auto fields = std::tuple{
        field(1, "at", &Bookmark::at),
        field(2, "note", &Bookmark::note),
    };
};
template <>
struct Schema<DrillClock> {
    static constexpr std::string_view name = "DrillClock";
    static constexpr auto fields = std::tuple{
        field(1, "change", &DrillClock::change),
        field(2, "time", &DrillClock::time),
        field(3, "from", &DrillClock::from),
        field(4, "to", &DrillClock::to),
        field(5, "speed", &DrillClock::speed),
        field(6, "paused", &DrillClock::paused),
        field(7, "loop", &DrillClock::loop),
        field(8, "recording_seq", &DrillClock::recording_seq),
        field(9, "recording", &DrillClock::recording),
        field(10, "failure", &DrillClock::failure),
        field(11, "bookmarks", &DrillClock::bookmarks).max(4096),
        field(12, "density", &DrillClock::density).max(4096),
    };
    static const char* check(const DrillClock& c) {
        if (!std::isfinite(c.speed) || c.speed < 0) return "speed out of range";
        return nullptr;
    }
};

// What a wall asks (WallRequest); the field number of each in WallRequest is its place in
// wire::Request.
template <>
struct Schema<SnapshotRequest> {
    static constexpr std::string_view name = "SnapshotRequest";
    static constexpr auto fields = std::tuple{};
};
template <>
struct Schema<CaseRequest> {
    static constexpr std::string_view name = "CaseRequest";
    static constexpr auto fields = std::tuple{
        field(1, "id", &CaseRequest::id),
    };
    static const char* check(const CaseRequest& r) {
        return r.id == 0 ? "a case request names no incident" : nullptr;
    }
};
template <>
struct Schema<CaseCommand> {
    static constexpr std::string_view name = "CaseCommand";
    static constexpr auto fields = std::tuple{
        field(1, "id", &CaseCommand::id),         field(2, "incident", &CaseCommand::incident),
        field(3, "action", &CaseCommand::action), field(4, "department", &CaseCommand::department),
        field(5, "unit", &CaseCommand::unit),     field(6, "reason", &CaseCommand::reason),
        field(7, "note", &CaseCommand::note),     field(8, "until", &CaseCommand::until),
    };
    static const char* check(const CaseCommand& c) {
        if (c.incident == 0) return "a command names no incident";
        if (c.action == CaseAction::none) return "a command names no action";
        if (c.id.size() > 64) return "a command id is longer than 64 bytes";
        if (c.note.size() > kMaxCaseNote) return "a note is longer than 4096 bytes";
        return nullptr;
    }
};
template <>
struct EnumSchema<DrillAction> {
    static constexpr std::string_view name = "DrillAction";
    static constexpr EnumValue values[] = {{"NO_ACTION", 0}, {"PLAY", 1},    {"PAUSE", 2},
                                           {"SPEED", 3},     {"STEP", 4},    {"SEEK", 5},
                                           {"LOOP", 6},      {"BOOKMARK", 7}};
};
template <>
struct Schema<DrillCommand> {
    static constexpr std::string_view name = "DrillCommand";
    static constexpr auto fields = std::tuple{
        field(1, "id", &DrillCommand::id),           field(2, "action", &DrillCommand::action),
        field(3, "speed", &DrillCommand::speed),     field(4, "at", &DrillCommand::at),
        field(5, "seq", &DrillCommand::seq),         field(6, "count", &DrillCommand::count),
        field(7, "span_ms", &DrillCommand::span_ms), field(8, "loop", &DrillCommand::loop),
        field(9, "note", &DrillCommand::note),
    };
    static const char* check(const DrillCommand& c) {
        if (c.action == DrillAction::none) return "a drill command names no action";
        if (c.id.size() > 64) return "a command id is longer than 64 bytes";
        if (!std::isfinite(c.speed)) return "speed out of range";
        if (c.note.size() > kMaxCaseNote) return "a note is longer than 4096 bytes";
        return nullptr;
    }
};

}  // namespace citywall::wire::table
