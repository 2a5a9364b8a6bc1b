// Reading a unit's position fix out of a department's JSON object (a message whose type is
// "unit"; docs/protocol.md, "Unit positions") through the department's unit_fields and its
// words for unit kinds and statuses.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "citywall/config.hpp"
#include "citywall/feed_time.hpp"
#include "feed_message.hpp"
#include "json_path.hpp"

namespace citywall::ingest {

inline constexpr std::size_t kMaxCallsignLength = 64;
// Faster than this (540 km/h) is a broken receiver, not a vehicle.
inline constexpr float kMaxUnitSpeed = 150.f;

class JsonUnitReader {
  public:
    // Nothing, and `error` says which field or map, when the department's unit mapping is
    // unusable: a malformed path, or a map value that is not one of our kinds or statuses.
    static std::optional<JsonUnitReader> make(const DepartmentConfig& department,
                                              std::string& error);
    // The native mapping (UnitFieldMapping's defaults, our own words).
    JsonUnitReader();

    // The fix in `object`, or a reject. `feature_position` is a GeoJSON Point's position, used
    // instead of the lon/lat paths.
    // `times`: how the department writes the fix's time.
    FeedMessage read(const rapidjson::Value& object, TimeMs now, const FeedLimits& limits,
                     const FeedTimeFormat& times, const LonLat* feature_position = nullptr) const;

  private:
    struct Unset {};
    explicit JsonUnitReader(Unset) {}

    struct Paths {
        JsonPath id, callsign, kind, status, lon, lat, heading, speed, incident, time;
    };
    Paths paths_;
    std::map<std::string, UnitKind, std::less<>> kinds_;
    std::map<std::string, UnitStatus, std::less<>> statuses_;
};

}  // namespace citywall::ingest
