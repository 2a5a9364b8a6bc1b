#include "json_fields.hpp"

#include "feed_fields.hpp"

namespace citywall::ingest {

// "title", or "title ('data.summary')" when the department put it somewhere else.
std::string label(const char* name, const JsonPath& path) {
    if (path.text() == name) return name;
    return std::string(name) + " ('" + path.text() + "')";
}

const rapidjson::Value* find(const JsonPath& path, const rapidjson::Value& object) {
    const rapidjson::Value* value = path.find(object);
    return value && !value->IsNull() ? value : nullptr;  // null is the same as absent
}

// A text field: absent → empty; bad_field when not a string or too long.
std::optional<FeedReject> read_text(const rapidjson::Value& object, const JsonPath& path,
                                    const char* name, std::size_t max_length, std::string& out) {
    const rapidjson::Value* value = find(path, object);
    if (!value) return std::nullopt;
    if (!value->IsString())
        return feed_reject(RejectReason::bad_field, label(name, path) + " must be a string");
    if (value->GetStringLength() > max_length)
        return feed_reject(RejectReason::bad_field, label(name, path) + " is too long");
    std::string_view text(value->GetString(), value->GetStringLength());
    if (!is_valid_utf8(text))
        return feed_reject(RejectReason::invalid_utf8, label(name, path) + " is not valid UTF-8");
    out = std::string(text);
    return std::nullopt;
}

// A word looked up in one of the department's maps: a string, or an integer as its decimal
// text. Nothing (and `out` empty) when it is absent.
std::optional<FeedReject> read_word(const rapidjson::Value& object, const JsonPath& path,
                                    const char* name, std::string& out) {
    const rapidjson::Value* value = find(path, object);
    if (!value) return std::nullopt;
    if (value->IsInt64()) {
        out = integer_text(value->GetInt64());
        return std::nullopt;
    }
    return read_text(object, path, name, kMaxWordLength, out);
}

std::optional<double> coordinate(const rapidjson::Value& value) {
    if (value.IsNumber()) return value.GetDouble();
    if (value.IsString())
        return parse_decimal_text(std::string_view(value.GetString(), value.GetStringLength()));
    return std::nullopt;
}

std::optional<FeedReject> read_time(const rapidjson::Value& object, const JsonPath& path,
                                    const char* name, const FeedTimeFormat& format, TimeMs& out) {
    const rapidjson::Value* value = find(path, object);
    if (!value) return std::nullopt;
    std::optional<TimeMs> parsed;
    std::string shown;  // the value as the reject quotes it
    if (value->IsInt64()) {
        parsed = format.read_integer(value->GetInt64());
        shown = integer_text(value->GetInt64());
    } else if (value->IsNumber()) {
        parsed = format.read_number(value->GetDouble());
        shown = "a number";
    } else if (value->IsString()) {
        const std::string_view text(value->GetString(), value->GetStringLength());
        parsed = format.read_text(text);
        shown = "'" + utf8_prefix(text, 64) + "'";
    } else {
        shown = value->IsBool() ? "true or false" : value->IsArray() ? "a list" : "an object";
    }
    if (!parsed)
        return feed_reject(
            RejectReason::bad_time,
            label(name, path) + " " + shown + " is in none of the formats " + format.tried());
    out = *parsed;
    return std::nullopt;
}

}  // namespace citywall::ingest
