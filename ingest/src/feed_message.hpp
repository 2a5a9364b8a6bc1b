// Decoding a department's JSON message (docs/protocol.md, "Department feeds"). Every failure
// has a reason code that is counted per department and written to the dead-letter file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "citywall/feed_time.hpp"
#include "citywall/incident.hpp"
#include "citywall/reject_reason.hpp"
#include "citywall/unit.hpp"

namespace citywall::ingest {

// What a department said about one of its incidents, before placement and numbering.
struct FeedReport {
    std::string source_id;
    std::string category;
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    LonLat position;      // in the department's coordinate system
    TimeMs occurred = 0;  // 0: the department did not say
    std::string title;
    std::string description;
    std::string priority;  // the department's own priority code, as it sent it
    // Only a new status for an incident the department already reported (a CAP Cancel without
    // <info>): no category, severity, position or texts of its own.
    bool status_only = false;
};

struct FeedHeartbeat {};

// Where one of the department's units is, before conversion to WGS84 and numbering.
struct FeedUnitFix {
    std::string id;
    std::string callsign;
    UnitKind kind = UnitKind::other;
    UnitStatus status = UnitStatus::available;
    LonLat position;       // in the department's coordinate system
    float heading = -1.f;  // negative: unknown
    float speed = 0.f;
    std::string incident;  // the department's own id of the incident it serves; empty: none
    TimeMs time = 0;       // 0: the department did not say
};

// A department's answer to an order it was given (docs/dispatch.md, "The order channel"): sign,
// ask to return, on scene, resolved, ask for more time.
struct FeedCaseStep {
    std::string order;  // the order's id, as the order said
    CaseAction action = CaseAction::none;
    std::string reason;
    std::string note;
    TimeMs until = 0;  // extend_request
};

struct FeedReject {
    RejectReason reason;  // to_string gives the code that is counted, kept and answered
    std::string detail;   // for the operator: which field and why
};

using FeedMessage = std::variant<FeedReport, FeedHeartbeat, FeedReject, FeedUnitFix, FeedCaseStep>;

struct FeedLimits {
    std::size_t max_bytes = 64 * 1024;
    TimeMs max_future_ms = 5 * 60 * 1000;  // clocks drift; further ahead is an error
    // A drill's ingest: CAP alerts whose status is Exercise are taken as real ones (a live
    // ingest refuses them: docs/drills.md, "Scenarios").
    bool exercise = false;
};

FeedMessage decode_feed_message(std::string_view bytes, TimeMs now, const FeedLimits& limits);

// "2026-11-22T03:12:00.5+08:00" or "…Z"; nothing when it is not such a time (core's, for CAP,
// which is strict by its standard, and the iso8601 of a department's time_format).
using citywall::parse_iso8601;

}  // namespace citywall::ingest
