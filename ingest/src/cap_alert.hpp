// A department that sends OASIS Common Alerting Protocol 1.2 alerts (XML, namespace
// urn:oasis:names:tc:emergency:cap:1.2): which alert is which incident, its category, severity,
// status, time, text and position (docs/protocol.md, "CAP 1.2 alerts").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "feed_fields.hpp"
#include "feed_message.hpp"

namespace citywall::ingest {

inline constexpr std::string_view kCapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";

FeedMessage decode_cap_alert(std::string_view bytes, TimeMs now, const FeedVocabulary& vocabulary,
                             const FeedLimits& limits);

// A CAP <circle>, "lat,lon radius_km" (latitude first): its centre as lon/lat. Nothing, and
// `why` says what is wrong, when it is not such a circle.
std::optional<LonLat> cap_circle_centre(std::string_view text, std::string& why);

// A CAP <polygon>, "lat,lon lat,lon …" (a closed ring; one that is not closed is closed for the
// computation): the area-weighted centroid of the ring, computed in degrees, as lon/lat. A ring
// without area (all points on one line), or one that crosses itself so that the centroid falls
// outside its bounding box, gives the mean of its distinct points.
std::optional<LonLat> cap_polygon_centroid(std::string_view text, std::string& why);

// CAP severity (Extreme, Severe, Moderate, Minor, Unknown) with urgency and certainty:
// Extreme 1, Severe 2, Moderate 3, Minor 4, Unknown 3; Immediate urgency with Observed or Likely
// certainty raises Moderate and Minor by one level (never to 1: critical is only Extreme).
std::optional<Severity> cap_severity(std::string_view severity, std::string_view urgency,
                                     std::string_view certainty);

}  // namespace citywall::ingest
