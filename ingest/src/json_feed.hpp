// Reading a report out of a department's JSON object through its field mapping. The native
// format (docs/protocol.md) is this reader with the default mapping and no vocabulary maps;
// GeoJSON reads a Feature's properties with it.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "citywall/config.hpp"
#include "citywall/feed_time.hpp"
#include "feed_fields.hpp"
#include "feed_message.hpp"
#include "json_path.hpp"
#include "unit_fix.hpp"

namespace citywall::ingest {

// Parses one message: oversized, invalid_utf8 or invalid_json, else nothing and `doc` filled.
// Iterative, so deep nesting cannot exhaust the stack.
std::optional<FeedReject> parse_json_message(std::string_view bytes, const FeedLimits& limits,
                                             rapidjson::Document& doc);

// Every field's path, checked once when the department's adapter is made.
struct JsonFieldPaths {
    JsonPath id, category, severity, status, lon, lat, occurred, title, description, priority, type;
    JsonPath order, action, reason, note, until;  // an answer to an order

    // Nothing, and `error` says which field, when a path is malformed.
    static std::optional<JsonFieldPaths> compile(const FieldMapping& mapping, std::string& error);
};

// What a GeoJSON Feature supplies outside its properties.
struct FeatureContext {
    LonLat position;         // from the Point geometry: lon/lat paths are not read
    std::string feature_id;  // the Feature's "id", used when properties have no id
};

class JsonReportReader {
  public:
    JsonReportReader(JsonFieldPaths paths, FeedVocabulary vocabulary, FeedLimits limits,
                     JsonUnitReader units = {}, FeedTimeFormat times = {})
        : paths_(std::move(paths)),
          vocabulary_(std::move(vocabulary)),
          limits_(limits),
          units_(std::move(units)),
          times_(std::move(times)) {}

    // A whole JSON message: parse, then read the object.
    FeedMessage decode(std::string_view bytes, TimeMs now) const;

    // The fields of `object`: a report, a heartbeat (type "heartbeat"), a unit's position fix
    // (type "unit"), or a reject.
    FeedMessage read(const rapidjson::Value& object, TimeMs now,
                     const FeatureContext* feature = nullptr) const;

    // The message's type field: a heartbeat, an unknown_type/bad_field reject, or nothing for an
    // incident (the field absent or "incident") and for a unit fix ("unit").
    std::optional<FeedMessage> read_type(const rapidjson::Value& object) const;
    FeedMessage read_case_step(const rapidjson::Value& object) const;

    const FeedVocabulary& vocabulary() const { return vocabulary_; }
    const FeedLimits& limits() const { return limits_; }

  private:
    std::optional<FeedReject> read_identity(const rapidjson::Value& object,
                                            const FeatureContext* feature,
                                            FeedReport& report) const;
    std::optional<FeedReject> read_category(const rapidjson::Value& object,
                                            FeedReport& report) const;
    std::optional<FeedReject> read_severity_and_status(const rapidjson::Value& object,
                                                       FeedReport& report) const;
    std::optional<FeedReject> read_position(const rapidjson::Value& object,
                                            FeedReport& report) const;
    std::optional<FeedReject> read_texts(const rapidjson::Value& object, FeedReport& report) const;

    JsonFieldPaths paths_;
    FeedVocabulary vocabulary_;
    FeedLimits limits_;
    JsonUnitReader units_;
    FeedTimeFormat times_;  // how the department writes occurred and a unit's time
};

}  // namespace citywall::ingest
