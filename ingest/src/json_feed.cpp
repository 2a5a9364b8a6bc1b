#include "json_feed.hpp"

#include <rapidjson/error/en.h>

#include <cmath>

#include "json_fields.hpp"

namespace citywall::ingest {

std::optional<FeedReject> parse_json_message(std::string_view bytes, const FeedLimits& limits,
                                             rapidjson::Document& doc) {
    if (bytes.size() > limits.max_bytes)
        return feed_reject(RejectReason::oversized, std::to_string(bytes.size()) + " bytes");
    // Not kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path has undefined
    // behaviour (shifts by garbage amounts) on a zero with a large exponent such as 0e-204,
    // found by fuzzing. The normal path rounds correctly up to 15 significant digits, which
    // covers coordinates to well under a millimetre.
    doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(bytes.data(),
                                                                                      bytes.size());
    if (!doc.HasParseError()) return std::nullopt;
    auto code = doc.GetParseError();
    std::string detail = std::string(rapidjson::GetParseError_En(code)) + " at byte " +
                         std::to_string(doc.GetErrorOffset());
    return feed_reject(code == rapidjson::kParseErrorStringInvalidEncoding
                           ? RejectReason::invalid_utf8
                           : RejectReason::invalid_json,
                       std::move(detail));
}

std::optional<JsonFieldPaths> JsonFieldPaths::compile(const FieldMapping& mapping,
                                                      std::string& error) {
    JsonFieldPaths paths;
    for (auto [name, text, path] : {std::tuple{"id", &mapping.id, &paths.id},
                                    {"category", &mapping.category, &paths.category},
                                    {"severity", &mapping.severity, &paths.severity},
                                    {"status", &mapping.status, &paths.status},
                                    {"lon", &mapping.lon, &paths.lon},
                                    {"lat", &mapping.lat, &paths.lat},
                                    {"occurred", &mapping.occurred, &paths.occurred},
                                    {"title", &mapping.title, &paths.title},
                                    {"description", &mapping.description, &paths.description},
                                    {"priority", &mapping.priority, &paths.priority},
                                    {"type", &mapping.type, &paths.type}}) {
        auto parsed = JsonPath::parse(*text);
        if (!parsed) {
            error = std::string("fields.") + name + " = '" + *text + "' is not a path";
            return std::nullopt;
        }
        *path = std::move(*parsed);
    }
    return paths;
}

FeedMessage JsonReportReader::decode(std::string_view bytes, TimeMs now) const {
    // A department's message fits in a few KiB of values: parse into a buffer on the stack, so
    // a message costs no allocator of its own (larger ones spill to the heap).
    alignas(16) char values[8192];
    rapidjson::MemoryPoolAllocator<> allocator(values, sizeof values);
    rapidjson::Document doc(&allocator);
    if (auto why = parse_json_message(bytes, limits_, doc)) return *why;
    if (!doc.IsObject())
        return feed_reject(RejectReason::not_an_object, "a message is one JSON object");
    return read(doc, now);
}

FeedMessage JsonReportReader::read(const rapidjson::Value& object, TimeMs now,
                                   const FeatureContext* feature) const {
    if (auto not_an_incident = read_type(object)) return std::move(*not_an_incident);
    if (const auto* type = find(paths_.type, object);
        type && std::string_view(type->GetString(), type->GetStringLength()) == "unit")
        return units_.read(object, now, limits_, times_, feature ? &feature->position : nullptr);
    FeedReport report;
    if (auto why = read_identity(object, feature, report)) return *why;
    if (auto why = read_category(object, report)) return *why;
    if (auto why = read_severity_and_status(object, report)) return *why;
    if (feature) {
        report.position = feature->position;
    } else if (auto why = read_position(object, report)) {
        return *why;
    }
    if (auto why = read_texts(object, report)) return *why;
    if (auto why = final_checks(report, vocabulary_, now, limits_)) return *why;
    return report;
}

std::optional<FeedMessage> JsonReportReader::read_type(const rapidjson::Value& object) const {
    const auto* value = find(paths_.type, object);
    if (!value) return std::nullopt;
    if (!value->IsString())
        return feed_reject(RejectReason::bad_field,
                           label("type", paths_.type) + " must be a string");
    std::string_view type(value->GetString(), value->GetStringLength());
    if (type == "heartbeat") return FeedHeartbeat{};
    if (type == "incident" || type == "unit") return std::nullopt;
    return feed_reject(RejectReason::unknown_type, "type '" + utf8_prefix(type, 64) + "'");
}

std::optional<FeedReject> JsonReportReader::read_identity(const rapidjson::Value& object,
                                                          const FeatureContext* feature,
                                                          FeedReport& report) const {
    const rapidjson::Value* value = find(paths_.id, object);
    if (value && value->IsInt64()) {
        report.source_id = std::to_string(value->GetInt64());
    } else if (value && value->IsUint64()) {
        report.source_id = std::to_string(value->GetUint64());
    } else if (value && !value->IsString()) {
        return feed_reject(RejectReason::bad_field,
                           label("id", paths_.id) + " must be a string or an integer");
    } else if (auto why = read_text(object, paths_.id, "id", kMaxIdLength, report.source_id)) {
        return why;
    }
    if (report.source_id.empty() && feature) report.source_id = feature->feature_id;
    if (report.source_id.empty())
        return feed_reject(RejectReason::missing_field, label("id", paths_.id));
    return std::nullopt;
}

std::optional<FeedReject> JsonReportReader::read_category(const rapidjson::Value& object,
                                                          FeedReport& report) const {
    std::string word;
    if (vocabulary_.maps_categories()) {
        if (auto why = read_word(object, paths_.category, "category", word)) return why;
    } else if (auto why =
                   read_text(object, paths_.category, "category", kMaxCategoryLength, word)) {
        return why;
    }
    if (word.empty())
        return feed_reject(RejectReason::missing_field, label("category", paths_.category));
    FeedReject why;
    auto category = vocabulary_.category(word, why);
    if (!category) return why;
    report.category = std::move(*category);
    return std::nullopt;
}

std::optional<FeedReject> JsonReportReader::read_severity_and_status(const rapidjson::Value& object,
                                                                     FeedReport& report) const {
    FeedReject why;
    if (const auto* value = find(paths_.severity, object)) {
        std::string key;
        if (value->IsInt64()) {
            key = integer_text(value->GetInt64());
        } else if (vocabulary_.maps_severities() && value->IsString()) {
            key.assign(value->GetString(), value->GetStringLength());
        } else {
            return feed_reject(RejectReason::bad_severity,
                               vocabulary_.maps_severities()
                                   ? "severity must be a word or an integer"
                                   : "severity must be 1 (critical) to 4 (low)");
        }
        auto severity = vocabulary_.severity(key, why);
        if (!severity) return why;
        report.severity = *severity;
    }
    std::string word;
    if (vocabulary_.maps_statuses()) {
        if (auto bad = read_word(object, paths_.status, "status", word)) return bad;
    } else if (auto bad = read_text(object, paths_.status, "status", kMaxStatusLength, word)) {
        return bad;
    }
    if (!word.empty()) {
        auto status = vocabulary_.status(word, why);
        if (!status) return why;
        report.status = *status;
    }
    return std::nullopt;
}

std::optional<FeedReject> JsonReportReader::read_position(const rapidjson::Value& object,
                                                          FeedReport& report) const {
    const rapidjson::Value* lon = find(paths_.lon, object);
    const rapidjson::Value* lat = find(paths_.lat, object);
    if (!lon || !lat)
        return feed_reject(RejectReason::missing_field,
                           label("lon", paths_.lon) + " and " + label("lat", paths_.lat));
    auto x = coordinate(*lon), y = coordinate(*lat);
    if (!x || !y) return feed_reject(RejectReason::bad_location, "lon and lat must be numbers");
    if (!std::isfinite(*x) || !std::isfinite(*y))
        return feed_reject(RejectReason::bad_location, "lon/lat not finite");
    report.position = {*x, *y};
    return std::nullopt;
}

std::optional<FeedReject> JsonReportReader::read_texts(const rapidjson::Value& object,
                                                       FeedReport& report) const {
    if (auto why = read_time(object, paths_.occurred, "occurred", times_, report.occurred))
        return why;
    if (auto why = read_text(object, paths_.title, "title", kMaxTitleLength, report.title))
        return why;
    if (auto why = read_word(object, paths_.priority, "priority", report.priority)) return why;
    return read_text(object, paths_.description, "description", kMaxDescriptionLength,
                     report.description);
}

}  // namespace citywall::ingest
