#include "geojson_feature.hpp"

#include <cmath>

namespace citywall::ingest {

namespace {

std::string_view text_of(const rapidjson::Value& value) {
    return {value.GetString(), value.GetStringLength()};
}

// The Feature's own "id" (a string or an integer); empty when it has none.
std::optional<FeedReject> read_feature_id(const rapidjson::Value& feature, std::string& out) {
    auto it = feature.FindMember("id");
    if (it == feature.MemberEnd() || it->value.IsNull()) return std::nullopt;
    const auto& id = it->value;
    if (id.IsInt64()) {
        out = integer_text(id.GetInt64());
    } else if (id.IsUint64()) {
        out = std::to_string(id.GetUint64());
    } else if (id.IsString()) {
        if (id.GetStringLength() > kMaxIdLength)
            return feed_reject(RejectReason::bad_field, "id is too long");
        if (!is_valid_utf8(text_of(id)))
            return feed_reject(RejectReason::invalid_utf8, "id is not valid UTF-8");
        out = std::string(text_of(id));
    } else {
        return feed_reject(RejectReason::bad_field,
                           "the Feature's id must be a string or an integer");
    }
    return std::nullopt;
}

// The Point geometry's [lon, lat]; anything else is bad_location, with what it was.
std::optional<FeedReject> read_point(const rapidjson::Value& feature, LonLat& out) {
    auto it = feature.FindMember("geometry");
    if (it == feature.MemberEnd() || it->value.IsNull())
        return feed_reject(RejectReason::missing_field, "geometry (a Point)");
    const auto& geometry = it->value;
    if (!geometry.IsObject())
        return feed_reject(RejectReason::bad_location, "geometry must be an object");
    auto type = geometry.FindMember("type");
    if (type == geometry.MemberEnd() || !type->value.IsString())
        return feed_reject(RejectReason::bad_location, "geometry has no type");
    if (text_of(type->value) != "Point")
        return feed_reject(RejectReason::bad_location,
                           "geometry is a " + utf8_prefix(text_of(type->value), 32) +
                               "; a department sends one Point per incident");
    auto coordinates = geometry.FindMember("coordinates");
    if (coordinates == geometry.MemberEnd() || !coordinates->value.IsArray() ||
        coordinates->value.Size() < 2 || coordinates->value.Size() > 3)
        return feed_reject(RejectReason::bad_location,
                           "Point coordinates must be [lon, lat] or [lon, lat, h]");
    const auto& lon = coordinates->value[0];
    const auto& lat = coordinates->value[1];
    if (!lon.IsNumber() || !lat.IsNumber())
        return feed_reject(RejectReason::bad_location, "Point coordinates must be numbers");
    out = {lon.GetDouble(), lat.GetDouble()};
    if (!std::isfinite(out.lon) || !std::isfinite(out.lat))
        return feed_reject(RejectReason::bad_location, "Point coordinates not finite");
    return std::nullopt;
}

}  // namespace

FeedMessage decode_geojson_feature(std::string_view bytes, TimeMs now,
                                   const JsonReportReader& properties) {
    rapidjson::Document doc;
    if (auto why = parse_json_message(bytes, properties.limits(), doc)) return *why;
    const rapidjson::Value& feature = doc;
    if (!feature.IsObject())
        return feed_reject(RejectReason::not_an_object, "a message is one JSON object");
    auto type = feature.FindMember("type");
    if (type == feature.MemberEnd() || !type->value.IsString())
        return feed_reject(RejectReason::unknown_type, "a GeoJSON Feature has type \"Feature\"");
    const std::string_view kind = text_of(type->value);
    if (kind == "heartbeat") return FeedHeartbeat{};
    if (kind == "FeatureCollection")
        return feed_reject(RejectReason::unknown_type,
                           "a FeatureCollection; send one Feature per message");
    if (kind != "Feature")
        return feed_reject(RejectReason::unknown_type,
                           "type '" + utf8_prefix(kind, 32) + "', not Feature");

    static const rapidjson::Value kNoProperties(rapidjson::kObjectType);
    const rapidjson::Value* props = &kNoProperties;
    if (auto it = feature.FindMember("properties");
        it != feature.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsObject())
            return feed_reject(RejectReason::bad_field, "properties must be an object");
        props = &it->value;
    }
    if (auto not_an_incident = properties.read_type(*props)) return std::move(*not_an_incident);

    FeatureContext context;
    if (auto why = read_feature_id(feature, context.feature_id)) return *why;
    if (auto why = read_point(feature, context.position)) return *why;
    return properties.read(*props, now, &context);
}

}  // namespace citywall::ingest
