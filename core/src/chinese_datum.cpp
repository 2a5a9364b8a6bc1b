#include "citywall/chinese_datum.hpp"

#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

namespace citywall::geo {
namespace {

constexpr double kPi = std::numbers::pi;
// Krasovsky 1940: semi-major axis and first eccentricity squared, as in the published algorithm.
constexpr double kA = 6378245.0;
constexpr double kEe = 0.00669342162296594323;
// Baidu's constant.
constexpr double kXPi = kPi * 3000.0 / 180.0;

// The published polynomial + sine series, in the published order of operations (x, y are the
// longitude and latitude relative to 105 E, 35 N, in degrees; the result is in metres).
double transform_lat(double x, double y) {
    double ret =
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
    ret += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    ret += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
    ret += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
    return ret;
}

double transform_lon(double x, double y) {
    double ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
    ret += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    ret += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
    ret += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
    return ret;
}

// The GCJ-02 forward transform without the bounding-box test.
LonLat gcj02_offset_applied(LonLat p) {
    double dlat = transform_lat(p.lon - 105.0, p.lat - 35.0);
    double dlon = transform_lon(p.lon - 105.0, p.lat - 35.0);
    const double radlat = p.lat / 180.0 * kPi;
    double magic = std::sin(radlat);
    magic = 1 - kEe * magic * magic;
    const double sqrtmagic = std::sqrt(magic);
    dlat = (dlat * 180.0) / ((kA * (1 - kEe)) / (magic * sqrtmagic) * kPi);
    dlon = (dlon * 180.0) / (kA / sqrtmagic * std::cos(radlat) * kPi);
    return {p.lon + dlon, p.lat + dlat};
}

// Solves forward(x) == target for x by fixed-point iteration x += target - forward(x), starting
// at start. Both forward maps here are the identity plus an offset whose derivative is small
// (below about 0.02 per degree), so each step gains roughly two decimal digits; the update is
// applied before the residual test, so the answer's error is far below the tolerance.
template <typename Forward>
LonLat invert(Forward forward, LonLat target, LonLat start) {
    LonLat x = start;
    for (int i = 0; i < kInverseMaxIterations; ++i) {
        const LonLat f = forward(x);
        const double dlon = target.lon - f.lon, dlat = target.lat - f.lat;
        if (!std::isfinite(dlon) || !std::isfinite(dlat)) break;
        x.lon += dlon;
        x.lat += dlat;
        if (std::abs(dlon) < kInverseTolerance && std::abs(dlat) < kInverseTolerance) break;
    }
    return x;
}

}  // namespace

std::optional<ChineseDatum> parse_chinese_datum(std::string_view text) {
    std::string key(text);
    for (char& c : key)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "gcj-02" || key == "gcj02") return ChineseDatum::gcj02;
    if (key == "bd-09" || key == "bd09") return ChineseDatum::bd09;
    if (key == "wgs84" || key == "wgs-84") return ChineseDatum::wgs84;
    return std::nullopt;
}

std::string_view to_string(ChineseDatum datum) {
    switch (datum) {
        case ChineseDatum::wgs84:
            return "WGS84";
        case ChineseDatum::gcj02:
            return "GCJ-02";
        case ChineseDatum::bd09:
            return "BD-09";
    }
    return "?";
}

bool in_china_offset_region(LonLat p) {
    return p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

LonLat wgs84_to_gcj02(LonLat p) {
    if (!in_china_offset_region(p)) return p;
    return gcj02_offset_applied(p);
}

LonLat gcj02_to_wgs84(LonLat p) {
    if (!in_china_offset_region(p)) return p;
    // Iterate on the unboxed transform so the map stays smooth right up to the box's edge.
    return invert(gcj02_offset_applied, p, p);
}

LonLat gcj02_to_bd09(LonLat p) {
    const double x = p.lon, y = p.lat;
    const double z = std::sqrt(x * x + y * y) + 0.00002 * std::sin(y * kXPi);
    const double theta = std::atan2(y, x) + 0.000003 * std::cos(x * kXPi);
    return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

LonLat bd09_to_gcj02(LonLat p) {
    // The usual closed "inverse" (off by up to about 0.2 m) as the starting point.
    const double x = p.lon - 0.0065, y = p.lat - 0.006;
    const double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * kXPi);
    const double theta = std::atan2(y, x) - 0.000003 * std::cos(x * kXPi);
    const LonLat start{z * std::cos(theta), z * std::sin(theta)};
    return invert(gcj02_to_bd09, p, start);
}

LonLat wgs84_to_bd09(LonLat p) {
    return gcj02_to_bd09(wgs84_to_gcj02(p));
}

LonLat bd09_to_wgs84(LonLat p) {
    return gcj02_to_wgs84(bd09_to_gcj02(p));
}

LonLat to_wgs84(ChineseDatum datum, LonLat p) {
    switch (datum) {
        case ChineseDatum::wgs84:
            return p;
        case ChineseDatum::gcj02:
            return gcj02_to_wgs84(p);
        case ChineseDatum::bd09:
            return bd09_to_wgs84(p);
    }
    return p;
}

LonLat from_wgs84(ChineseDatum datum, LonLat p) {
    switch (datum) {
        case ChineseDatum::wgs84:
            return p;
        case ChineseDatum::gcj02:
            return wgs84_to_gcj02(p);
        case ChineseDatum::bd09:
            return wgs84_to_bd09(p);
    }
    return p;
}

}  // namespace citywall::geo
