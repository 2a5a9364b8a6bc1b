#include "nearby_units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace citywall::viewer {

double ground_metres(LonLat a, LonLat b) {
    constexpr double kEarthRadius = 6'371'008.8;  // mean radius, metres
    constexpr double kRad = std::numbers::pi / 180.0;
    const double dlat = (b.lat - a.lat) * kRad, dlon = (b.lon - a.lon) * kRad;
    const double h =
        std::sin(dlat / 2) * std::sin(dlat / 2) +
        std::cos(a.lat * kRad) * std::cos(b.lat * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(h)));
}

std::string distance_text(double metres) {
    char text[32];
    if (metres < 1000)
        std::snprintf(text, sizeof text, "%.0f m", metres);
    else
        std::snprintf(text, sizeof text, "%.1f km", metres / 1000);
    return text;
}

std::vector<NearUnit> nearest_units(const CityPicture& picture, std::uint64_t incident,
                                    LonLat location, std::size_t count) {
    std::vector<NearUnit> all;
    all.reserve(picture.units().size());
    for (const auto& [key, unit] : picture.units()) {
        all.push_back({&unit, ground_metres(location, unit.location), unit.incident == incident});
    }
    auto order = [](const NearUnit& a, const NearUnit& b) {
        if (a.assigned != b.assigned) return a.assigned;
        return a.metres < b.metres;
    };
    const auto assigned = static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [](const NearUnit& n) { return n.assigned; }));
    const std::size_t keep = std::min(all.size(), std::max(count, assigned));
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                      order);
    all.resize(keep);
    return all;
}

}  // namespace citywall::viewer
