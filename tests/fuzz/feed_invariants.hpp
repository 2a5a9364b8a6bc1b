// What every department feed decoder promises, whatever bytes arrive: a report that ingest can
// use as it is, or a reject with a known reason and a readable detail. Broken promise: abort.
#pragma once

#include <cmath>
#include <cstdlib>

#include "feed_fields.hpp"
#include "feed_message.hpp"

namespace citywall::ingest::fuzz {

// The reasons a decoder gives; the others come later, from merging, the journal or the socket.
inline bool decoder_reason(RejectReason reason) {
    for (RejectReason known :
         {RejectReason::oversized, RejectReason::invalid_utf8, RejectReason::invalid_json,
          RejectReason::invalid_xml, RejectReason::not_an_object, RejectReason::unknown_type,
          RejectReason::missing_field, RejectReason::bad_field, RejectReason::bad_category,
          RejectReason::unknown_category, RejectReason::bad_severity, RejectReason::bad_status,
          RejectReason::bad_location, RejectReason::bad_time, RejectReason::future_time,
          RejectReason::not_actual, RejectReason::bad_mapping})
        if (reason == known) return true;
    return false;
}

inline void check(const FeedMessage& message, const Taxonomy& taxonomy, TimeMs now,
                  const FeedLimits& limits) {
    if (const auto* why = std::get_if<FeedReject>(&message)) {
        if (!decoder_reason(why->reason) || !is_valid_utf8(why->detail)) std::abort();
        return;
    }
    if (const auto* fix = std::get_if<FeedUnitFix>(&message)) {
        if (fix->id.empty() || fix->id.size() > kMaxIdLength || !is_valid_utf8(fix->id) ||
            !is_valid_utf8(fix->callsign) || !is_valid_utf8(fix->incident))
            std::abort();
        for (unsigned char c : fix->id + fix->callsign)
            if (c < 0x20 || c == 0x7f) std::abort();
        if (static_cast<int>(fix->kind) >= kUnitKindCount ||
            static_cast<int>(fix->status) >= kUnitStatusCount)
            std::abort();
        if (!std::isfinite(fix->position.lon) || !std::isfinite(fix->position.lat)) std::abort();
        if (!std::isfinite(fix->heading) || fix->heading >= 360.f) std::abort();
        if (!std::isfinite(fix->speed) || fix->speed < 0.f || fix->speed > 150.f) std::abort();
        if (fix->time < 0 || fix->time > now + limits.max_future_ms) std::abort();
        return;
    }
    const auto* report = std::get_if<FeedReport>(&message);
    if (!report) return;  // a heartbeat
    if (report->source_id.empty() || report->source_id.size() > kMaxIdLength ||
        !is_valid_utf8(report->source_id))
        std::abort();
    if (report->status_only) {
        // A bare CAP Cancel: a status and nothing else.
        if (report->status != IncidentStatus::cancelled || !report->category.empty() ||
            report->occurred < 0 || report->occurred > now + limits.max_future_ms)
            std::abort();
        return;
    }
    if (!is_well_formed_category(report->category) || !taxonomy.accepts(report->category))
        std::abort();
    const int severity = static_cast<int>(report->severity);
    if (severity < 1 || severity > 4) std::abort();
    if (static_cast<int>(report->status) >= kIncidentStatusCount) std::abort();
    if (!std::isfinite(report->position.lon) || !std::isfinite(report->position.lat)) std::abort();
    if (report->occurred < 0 || report->occurred > now + limits.max_future_ms) std::abort();
    if (report->title.size() > kMaxTitleLength || !is_valid_utf8(report->title)) std::abort();
    if (report->description.size() > kMaxDescriptionLength || !is_valid_utf8(report->description))
        std::abort();
}

}  // namespace citywall::ingest::fuzz
