#include "feed_message.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <cmath>
#include <optional>

namespace citywall::ingest {

namespace {

constexpr std::size_t kMaxIdLength = 128;
constexpr std::size_t kMaxTitleLength = 512;
constexpr std::size_t kMaxDescriptionLength = 8192;

FeedReject reject(std::string reason, std::string detail) {
    return FeedReject{std::move(reason), std::move(detail)};
}

bool valid_category(std::string_view c) {
    auto dot = c.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == c.size() || c.size() > 64)
        return false;
    for (char ch : c) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

int digits(std::string_view s, std::size_t pos, std::size_t count, bool& ok) {
    int value = 0;
    if (pos + count > s.size()) {
        ok = false;
        return 0;
    }
    auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + count, value);
    if (ec != std::errc() || end != s.data() + pos + count) ok = false;
    return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

std::optional<std::string> read_string(const rapidjson::Value& object, const char* key,
                                       std::size_t max_length, FeedReject& error) {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) return std::string();
    if (!it->value.IsString()) {
        error = reject("bad_field", std::string(key) + " must be a string");
        return std::nullopt;
    }
    if (it->value.GetStringLength() > max_length) {
        error = reject("bad_field", std::string(key) + " is too long");
        return std::nullopt;
    }
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

std::optional<TimeMs> parse_iso8601(std::string_view s) {
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    bool ok = true;
    int year = digits(s, 0, 4, ok), month = digits(s, 5, 2, ok), day = digits(s, 8, 2, ok);
    int hour = digits(s, 11, 2, ok), minute = digits(s, 14, 2, ok), second = digits(s, 17, 2, ok);
    if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60)
        return std::nullopt;
    std::size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        std::size_t start = ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
            ++pos;
        if (pos == start) return std::nullopt;
        for (std::size_t k = start; k < start + 3; ++k)
            millis = millis * 10 + (k < pos ? s[k] - '0' : 0);
    }
    int offset_minutes = 0;
    if (pos < s.size() && s[pos] == 'Z') {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int sign = s[pos] == '-' ? -1 : 1;
        int oh = digits(s, pos + 1, 2, ok);
        if (pos + 3 < s.size() && s[pos + 3] == ':') {
            offset_minutes = sign * (oh * 60 + digits(s, pos + 4, 2, ok));
            pos += 6;
        } else {
            offset_minutes = sign * (oh * 60 + digits(s, pos + 3, 2, ok));
            pos += 5;
        }
        if (!ok || oh > 23) return std::nullopt;
    } else {
        return std::nullopt;  // a time without a zone is ambiguous
    }
    if (pos != s.size()) return std::nullopt;
    std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                           second - offset_minutes * 60;
    return seconds * 1000 + millis;
}

FeedMessage decode_feed_message(std::string_view bytes, TimeMs now, const FeedLimits& limits) {
    if (bytes.size() > limits.max_bytes)
        return reject("oversized", std::to_string(bytes.size()) + " bytes");
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag>(
        bytes.data(), bytes.size());
    if (doc.HasParseError()) {
        auto code = doc.GetParseError();
        std::string detail = std::string(rapidjson::GetParseError_En(code)) + " at byte " +
                             std::to_string(doc.GetErrorOffset());
        return reject(
            code == rapidjson::kParseErrorStringInvalidEncoding ? "invalid_utf8" : "invalid_json",
            detail);
    }
    if (!doc.IsObject()) return reject("not_an_object", "a message is one JSON object");

    std::string type = "incident";
    if (auto it = doc.FindMember("type"); it != doc.MemberEnd()) {
        if (!it->value.IsString()) return reject("bad_field", "type must be a string");
        type = it->value.GetString();
    }
    if (type == "heartbeat") return FeedHeartbeat{};
    if (type != "incident") return reject("unknown_type", "type '" + type + "'");

    FeedReport report;
    FeedReject error;
    auto id = read_string(doc, "id", kMaxIdLength, error);
    if (!id) return error;
    if (id->empty()) return reject("missing_field", "id");
    report.source_id = std::move(*id);

    auto category = read_string(doc, "category", 64, error);
    if (!category) return error;
    if (category->empty()) return reject("missing_field", "category");
    if (!valid_category(*category)) return reject("bad_category", *category);
    report.category = std::move(*category);

    if (auto it = doc.FindMember("severity"); it != doc.MemberEnd()) {
        if (!it->value.IsInt() || it->value.GetInt() < 1 || it->value.GetInt() > 4)
            return reject("bad_severity", "severity must be 1 (critical) to 4 (low)");
        report.severity = static_cast<Severity>(it->value.GetInt());
    }
    auto status = read_string(doc, "status", 32, error);
    if (!status) return error;
    if (!status->empty()) {
        auto parsed = parse_incident_status(*status);
        if (!parsed) return reject("bad_status", *status);
        report.status = *parsed;
    }

    auto lon = doc.FindMember("lon"), lat = doc.FindMember("lat");
    if (lon == doc.MemberEnd() || lat == doc.MemberEnd())
        return reject("missing_field", "lon and lat");
    if (!lon->value.IsNumber() || !lat->value.IsNumber())
        return reject("bad_location", "lon and lat must be numbers");
    report.position = {lon->value.GetDouble(), lat->value.GetDouble()};
    if (!std::isfinite(report.position.lon) || !std::isfinite(report.position.lat))
        return reject("bad_location", "lon/lat not finite");

    if (auto it = doc.FindMember("occurred"); it != doc.MemberEnd()) {
        if (it->value.IsInt64()) {
            report.occurred = it->value.GetInt64();
        } else if (it->value.IsString()) {
            auto parsed = parse_iso8601(it->value.GetString());
            if (!parsed) return reject("bad_time", "occurred is not an ISO-8601 time with zone");
            report.occurred = *parsed;
        } else {
            return reject("bad_time", "occurred must be epoch ms or ISO-8601");
        }
    }
    if (report.occurred > now + limits.max_future_ms)
        return reject("future_time", "occurred is ahead of ingest's clock");
    if (report.occurred < 0) return reject("bad_time", "occurred before 1970");

    auto title = read_string(doc, "title", kMaxTitleLength, error);
    if (!title) return error;
    auto description = read_string(doc, "description", kMaxDescriptionLength, error);
    if (!description) return error;
    report.title = std::move(*title);
    report.description = std::move(*description);
    return report;
}

}  // namespace citywall::ingest
