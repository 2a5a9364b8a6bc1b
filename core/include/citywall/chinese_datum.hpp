// Chinese web-map coordinate systems that PROJ does not have: GCJ-02 ("Mars coordinates", used
// by Amap/Gaode, Tencent and Google's China tiles) and BD-09 (Baidu). Converts them to and from
// WGS84. docs/coordinates.md gives the formulas' source, the inverse and the measured accuracy.
#pragma once

#include <optional>
#include <string_view>

#include "citywall/incident.hpp"

namespace citywall::geo {

enum class ChineseDatum { wgs84, gcj02, bd09 };

// "GCJ-02", "GCJ02", "BD-09", "BD09", "WGS84", "WGS-84", any letter case; nullopt otherwise.
std::optional<ChineseDatum> parse_chinese_datum(std::string_view text);
// "WGS84", "GCJ-02" or "BD-09".
std::string_view to_string(ChineseDatum datum);

// The rough bounding box in which the published GCJ-02 algorithm applies its offset:
// lon 72.004..137.8347, lat 0.8293..55.8271, inclusive. It is the convention of the common open
// implementations, not China's border: it also covers e.g. Taiwan, Korea, western Japan and
// parts of South-East Asia, and leaves out nothing of the mainland. NaN is outside.
bool in_china_offset_region(LonLat p);

// The published forward algorithm (Krasovsky 1940 ellipsoid); identity outside the box.
LonLat wgs84_to_gcj02(LonLat p);
// Inverse by fixed-point iteration on the forward transform, to a round trip error below
// kInverseTolerance. Identity when the GCJ-02 point is outside the box, as in the common
// implementations (so within about a kilometre of the box's edge the round trip is not exact).
LonLat gcj02_to_wgs84(LonLat p);

// Baidu's published GCJ-02 -> BD-09 formula, applied everywhere (no box), as the common
// implementations do.
LonLat gcj02_to_bd09(LonLat p);
// Inverse by fixed-point iteration, starting from the usual approximate closed formula.
LonLat bd09_to_gcj02(LonLat p);

LonLat wgs84_to_bd09(LonLat p);
LonLat bd09_to_wgs84(LonLat p);

// From the given datum to WGS84, and back.
LonLat to_wgs84(ChineseDatum datum, LonLat p);
LonLat from_wgs84(ChineseDatum datum, LonLat p);

// The iterative inverses stop when the forward transform of their answer is within this many
// degrees (about 0.1 mm) of their input in both coordinates, or after kInverseMaxIterations.
inline constexpr double kInverseTolerance = 1e-9;
inline constexpr int kInverseMaxIterations = 30;

}  // namespace citywall::geo
