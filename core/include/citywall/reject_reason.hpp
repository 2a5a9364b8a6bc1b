// Why ingest would not take a department's message (docs/protocol.md, "Rejects"). The reason
// travels as its code: counted per department in feed health, written to the dead-letter file,
// answered to acknowledged senders. Senders, tests and the docs match on the codes, so a code
// once published never changes; the enum keeps a misspelt one from compiling.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace citywall {

// In the order of the table in docs/protocol.md.
enum class RejectReason : std::uint8_t {
    oversized = 0,
    invalid_utf8,
    invalid_json,
    invalid_xml,
    not_an_object,
    unknown_type,
    not_actual,
    missing_field,
    bad_field,
    bad_category,
    unknown_category,
    bad_severity,
    bad_status,
    bad_location,
    bad_time,
    future_time,
    bad_mapping,
    duplicate,
    superseded,
    unknown_incident,
    incident_closed,
    journal_error,
    replayed_sequence,
    wrong_speaker,
    case_refused,  // a step of a case the centre's rules do not allow (docs/dispatch.md)
    bad_frames,    // the last: kRejectReasonCount counts up to it
};
inline constexpr std::size_t kRejectReasonCount =
    static_cast<std::size_t>(RejectReason::bad_frames) + 1;

struct RejectCode {
    RejectReason reason;
    std::string_view code;
};

// The one place a reason gets its code: one row per reason, in the enum's order.
inline constexpr std::array<RejectCode, kRejectReasonCount> kRejectCodes{{
    {RejectReason::oversized, "oversized"},
    {RejectReason::invalid_utf8, "invalid_utf8"},
    {RejectReason::invalid_json, "invalid_json"},
    {RejectReason::invalid_xml, "invalid_xml"},
    {RejectReason::not_an_object, "not_an_object"},
    {RejectReason::unknown_type, "unknown_type"},
    {RejectReason::not_actual, "not_actual"},
    {RejectReason::missing_field, "missing_field"},
    {RejectReason::bad_field, "bad_field"},
    {RejectReason::bad_category, "bad_category"},
    {RejectReason::unknown_category, "unknown_category"},
    {RejectReason::bad_severity, "bad_severity"},
    {RejectReason::bad_status, "bad_status"},
    {RejectReason::bad_location, "bad_location"},
    {RejectReason::bad_time, "bad_time"},
    {RejectReason::future_time, "future_time"},
    {RejectReason::bad_mapping, "bad_mapping"},
    {RejectReason::duplicate, "duplicate"},
    {RejectReason::superseded, "superseded"},
    {RejectReason::unknown_incident, "unknown_incident"},
    {RejectReason::incident_closed, "incident_closed"},
    {RejectReason::journal_error, "journal_error"},
    {RejectReason::replayed_sequence, "replayed_sequence"},
    {RejectReason::wrong_speaker, "wrong_speaker"},
    {RejectReason::case_refused, "case_refused"},
    {RejectReason::bad_frames, "bad_frames"},
}};

// A row left out or out of place would give a reason another's code, or none.
constexpr bool reject_codes_in_order() {
    for (std::size_t i = 0; i < kRejectCodes.size(); ++i)
        if (static_cast<std::size_t>(kRejectCodes[i].reason) != i || kRejectCodes[i].code.empty())
            return false;
    return true;
}
static_assert(reject_codes_in_order(), "kRejectCodes: one row per RejectReason, in its order");

constexpr std::string_view to_string(RejectReason reason) {
    return kRejectCodes[static_cast<std::size_t>(reason)].code;
}

}  // namespace citywall
