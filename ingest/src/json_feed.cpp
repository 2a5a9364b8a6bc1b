#include "json_feed.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "json_fields.hpp"

namespace citywall::ingest {

namespace {

// The document's own SAX events, except numbers: the reader hands over their text
// (kParseNumbersAsStringsFlag) and they are converted here exactly, so a position arrives as
// sent (docs/geo.md). RapidJSON's default conversion is off in the last bit for numbers of
// more than 15 significant digits, and 1.1.0's kParseFullPrecisionFlag has undefined behaviour
// (shifts by garbage amounts) on a zero with a large exponent such as 0e-204, found by fuzzing.
// Parsed in place (kParseInsituFlag), the number's text is the message's own bytes.
class ExactNumbers {
  public:
    using Ch = char;
    explicit ExactNumbers(rapidjson::Document& doc) : doc_(doc) {}

    bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
        const char* end = text + length;
        // An integer as RapidJSON types it: int64 when negative, uint64 otherwise, a double
        // when it does not fit in 64 bits.
        if (std::none_of(text, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; })) {
            if (*text == '-') {
                std::int64_t value = 0;
                if (auto [at, ec] = std::from_chars(text, end, value);
                    ec == std::errc() && at == end)
                    return doc_.Int64(value);
            } else {
                std::uint64_t value = 0;
                if (auto [at, ec] = std::from_chars(text, end, value);
                    ec == std::errc() && at == end)
                    return doc_.Uint64(value);
            }
        }
        // from_chars rounds correctly (libstdc++ 12: the Eisel-Lemire algorithm, with a fallback
        // for the hard cases). Out of its range the text is under- or overflowing: strtod gives
        // the subnormal or zero, or infinity (it needs the text to end with a NUL).
        double value = 0;
        auto [at, ec] = std::from_chars(text, end, value);
        if (ec == std::errc::result_out_of_range) {
            value = std::strtod(std::string(text, length).c_str(), nullptr);
        } else if (ec != std::errc() || at != end) {
            return false;  // never: the reader has checked JSON's number grammar
        }
        if (!std::isfinite(value)) {
            too_big_ = true;
            return false;
        }
        return doc_.Double(value);
    }
    bool too_big() const { return too_big_; }

    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool Int(int i) { return doc_.Int(i); }
    bool Uint(unsigned u) { return doc_.Uint(u); }
    bool Int64(std::int64_t i) { return doc_.Int64(i); }
    bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
    bool Double(double d) { return doc_.Double(d); }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
    bool StartObject() { return doc_.StartObject(); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
    bool EndObject(rapidjson::SizeType members) { return doc_.EndObject(members); }
    bool StartArray() { return doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType elements) { return doc_.EndArray(elements); }

  private:
    rapidjson::Document& doc_;
    bool too_big_ = false;
};

}  // namespace

std::optional<FeedReject> parse_json_message(std::string_view bytes, const FeedLimits& limits,
                                             rapidjson::Document& doc) {
    // RapidJSON counts in 32 bits, whatever max_bytes says.
    if (bytes.size() > limits.max_bytes || bytes.size() >= (std::size_t{1} << 31))
        return feed_reject(RejectReason::oversized, std::to_string(bytes.size()) + " bytes");
    // The message's copy in the document's own memory: parsed in place, its strings and the
    // text of its numbers are read where they are, and live as long as the document.
    auto* text = static_cast<char*>(doc.GetAllocator().Malloc(bytes.size() + 1));
    if (!bytes.empty()) std::memcpy(text, bytes.data(), bytes.size());
    text[bytes.size()] = '\0';
    if (bytes.starts_with("\xEF\xBB\xBF")) text += 3;  // a UTF-8 byte-order mark, as before
    rapidjson::ParseResult result;
    bool too_big = false;
    auto generate = [&](rapidjson::Document& target) {
        rapidjson::InsituStringStream in(text);
        rapidjson::CrtAllocator stack_memory;
        rapidjson::Reader reader(&stack_memory);
        ExactNumbers handler(target);
        result =
            reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag |
                         rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag>(
                in, handler);
        too_big = handler.too_big();
        return !result.IsError();
    };
    doc.Populate(generate);
    if (!result.IsError()) return std::nullopt;
    const auto code = too_big ? rapidjson::kParseErrorNumberTooBig : result.Code();
    std::string detail = std::string(rapidjson::GetParseError_En(code)) + " at byte " +
                         std::to_string(result.Offset());
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
                                    {"type", &mapping.type, &paths.type},
                                    {"order", &mapping.order, &paths.order},
                                    {"action", &mapping.action, &paths.action},
                                    {"reason", &mapping.reason, &paths.reason},
                                    {"note", &mapping.note, &paths.note},
                                    {"until", &mapping.until, &paths.until}}) {
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
    if (type == "case") return read_case_step(object);
    if (type == "incident" || type == "unit") return std::nullopt;
    return feed_reject(RejectReason::unknown_type, "type '" + utf8_prefix(type, 64) + "'");
}

// {"type": "case", "order": "…", "action": "sign", "reason": "…", "note": "…", "until": …}, or
// where the department's field mapping says, its action through its case_actions words; the
// time is read as the department's times are.
FeedMessage JsonReportReader::read_case_step(const rapidjson::Value& object) const {
    const JsonFieldPaths& p = paths_;
    FeedCaseStep step;
    std::string action;
    if (auto why = read_word(object, p.order, "order", step.order)) return *why;
    if (auto why = read_word(object, p.action, "action", action)) return *why;
    if (auto why = read_word(object, p.reason, "reason", step.reason)) return *why;
    if (auto why = read_text(object, p.note, "note", kMaxCaseNote, step.note)) return *why;
    if (auto why = read_time(object, p.until, "until", times_, step.until)) return *why;
    if (step.order.empty())
        return feed_reject(RejectReason::missing_field, label("order", p.order) + " is missing");
    if (action.empty())
        return feed_reject(RejectReason::missing_field, label("action", p.action) + " is missing");
    FeedReject why;
    const auto parsed = vocabulary_.case_action(action, why);
    if (!parsed) return why;
    step.action = *parsed;
    return step;
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
    report.severity = vocabulary_.default_severity(report.category);  // the report's own wins
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
