#include "unit_fix.hpp"

#include <cmath>
#include <tuple>

#include "feed_fields.hpp"
#include "json_fields.hpp"

namespace citywall::ingest {

namespace {

// Control characters would let one department's unit id collide with another's unit_key().
bool printable(std::string_view text) {
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

template <class Enum>
bool map_words(const std::map<std::string, std::string>& words,
               std::optional<Enum> (*parse)(std::string_view), const char* what,
               std::map<std::string, Enum, std::less<>>& out, std::string& error) {
    for (const auto& [word, ours] : words) {
        auto value = parse(ours);
        if (!value) {
            error = std::string(what) + " maps '" + word + "' to '" + ours +
                    "', which is not one of ours";
            return false;
        }
        out.emplace(word, *value);
    }
    return true;
}

// A word through the department's map, or one of our names when there is no map.
template <class Enum>
std::optional<Enum> lookup(const std::map<std::string, Enum, std::less<>>& map,
                           std::optional<Enum> (*parse)(std::string_view), std::string_view word) {
    if (map.empty()) return parse(word);
    auto it = map.find(word);
    return it == map.end() ? std::nullopt : std::optional<Enum>(it->second);
}

std::optional<FeedReject> read_number(const rapidjson::Value& object, const JsonPath& path,
                                      const char* name, std::optional<double>& out) {
    const rapidjson::Value* value = find(path, object);
    if (!value) return std::nullopt;
    out = coordinate(*value);
    if (!out || !std::isfinite(*out))
        return feed_reject(RejectReason::bad_field, label(name, path) + " must be a finite number");
    return std::nullopt;
}

}  // namespace

JsonUnitReader::JsonUnitReader() {
    std::string error;
    *this = *make(DepartmentConfig{}, error);  // the defaults always compile
}

std::optional<JsonUnitReader> JsonUnitReader::make(const DepartmentConfig& department,
                                                   std::string& error) {
    JsonUnitReader reader{Unset{}};
    const auto& f = department.unit_fields;
    auto& p = reader.paths_;
    for (auto [name, text, path] : {std::tuple{"id", &f.id, &p.id},
                                    {"callsign", &f.callsign, &p.callsign},
                                    {"kind", &f.kind, &p.kind},
                                    {"status", &f.status, &p.status},
                                    {"lon", &f.lon, &p.lon},
                                    {"lat", &f.lat, &p.lat},
                                    {"heading", &f.heading, &p.heading},
                                    {"speed", &f.speed, &p.speed},
                                    {"incident", &f.incident, &p.incident},
                                    {"time", &f.time, &p.time}}) {
        auto parsed = JsonPath::parse(*text);
        if (!parsed) {
            error = std::string("unit_fields.") + name + " = '" + *text + "' is not a path";
            return std::nullopt;
        }
        *path = std::move(*parsed);
    }
    if (!map_words<UnitKind>(department.unit_kinds, parse_unit_kind, "unit_kinds", reader.kinds_,
                             error) ||
        !map_words<UnitStatus>(department.unit_statuses, parse_unit_status, "unit_statuses",
                               reader.statuses_, error))
        return std::nullopt;
    return reader;
}

FeedMessage JsonUnitReader::read(const rapidjson::Value& object, TimeMs now,
                                 const FeedLimits& limits, const FeedTimeFormat& times,
                                 const LonLat* feature_position) const {
    const auto& p = paths_;
    FeedUnitFix fix;

    const rapidjson::Value* id = find(p.id, object);
    if (id && id->IsInt64()) {
        fix.id = std::to_string(id->GetInt64());
    } else if (auto why = read_text(object, p.id, "id", kMaxIdLength, fix.id)) {
        return *why;
    }
    if (fix.id.empty()) return feed_reject(RejectReason::missing_field, label("id", p.id));
    if (auto why = read_text(object, p.callsign, "callsign", kMaxCallsignLength, fix.callsign))
        return *why;
    if (!printable(fix.id) || !printable(fix.callsign))
        return feed_reject(RejectReason::bad_field,
                           "unit id and callsign must not hold control characters");

    std::string word;
    if (auto why = read_word(object, p.kind, "kind", word)) return *why;
    if (!word.empty()) {
        auto kind = lookup(kinds_, parse_unit_kind, word);
        if (!kind)
            return feed_reject(RejectReason::bad_field,
                               "unit kind '" + utf8_prefix(word, 64) + "'");
        fix.kind = *kind;
    }
    word.clear();
    if (auto why = read_word(object, p.status, "status", word)) return *why;
    if (!word.empty()) {
        auto status = lookup(statuses_, parse_unit_status, word);
        if (!status)
            return feed_reject(RejectReason::bad_status,
                               "unit status '" + utf8_prefix(word, 64) + "'");
        fix.status = *status;
    }

    if (feature_position) {
        fix.position = *feature_position;
    } else {
        const rapidjson::Value* lon = find(p.lon, object);
        const rapidjson::Value* lat = find(p.lat, object);
        if (!lon || !lat)
            return feed_reject(RejectReason::missing_field,
                               label("lon", p.lon) + " and " + label("lat", p.lat));
        auto x = coordinate(*lon), y = coordinate(*lat);
        if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y))
            return feed_reject(RejectReason::bad_location, "lon and lat must be finite numbers");
        fix.position = {*x, *y};
    }

    std::optional<double> heading, speed;
    if (auto why = read_number(object, p.heading, "heading", heading)) return *why;
    if (heading) {
        if (*heading < 0 || *heading > 360)
            return feed_reject(RejectReason::bad_field,
                               label("heading", p.heading) + " must be 0..360");
        fix.heading = *heading == 360 ? 0.f : static_cast<float>(*heading);
        if (fix.heading >= 360.f) fix.heading = 0.f;  // rounding to float can reach 360
    }
    if (auto why = read_number(object, p.speed, "speed", speed)) return *why;
    if (speed) {
        if (*speed < 0 || *speed > kMaxUnitSpeed)
            return feed_reject(RejectReason::bad_field,
                               label("speed", p.speed) + " must be 0..150 m/s");
        fix.speed = static_cast<float>(*speed);
    }

    const rapidjson::Value* incident = find(p.incident, object);
    if (incident && incident->IsInt64()) {
        fix.incident = std::to_string(incident->GetInt64());
    } else if (auto why = read_text(object, p.incident, "incident", kMaxIdLength, fix.incident)) {
        return *why;
    }

    if (auto why = read_time(object, p.time, "time", times, fix.time)) return *why;
    if (fix.time < 0) return feed_reject(RejectReason::bad_time, "before 1970");
    if (fix.time > now + limits.max_future_ms)
        return feed_reject(RejectReason::future_time, "fix time ahead of ingest's clock");
    return fix;
}

}  // namespace citywall::ingest
