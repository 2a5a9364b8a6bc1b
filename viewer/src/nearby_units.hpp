// The units nearest an incident, for the detail panel: a duty leader choosing whom to send
// sees first the units already on it, then the closest free ones, with their distance.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "citywall/picture.hpp"

namespace citywall::viewer {

inline constexpr std::size_t kNearUnits = 6;

struct NearUnit {
    const Unit* unit = nullptr;
    double metres = 0;      // straight-line ground distance
    bool assigned = false;  // working this incident
};

// Assigned units first, then the rest by distance; at most `count` (assigned ones always all).
std::vector<NearUnit> nearest_units(const CityPicture& picture, std::uint64_t incident,
                                    LonLat location, std::size_t count);

// A distance as the wall prints it: "850 m", "2.4 km".
std::string distance_text(double metres);

// Great-circle distance in metres (haversine; city distances to well under a metre).
double ground_metres(LonLat a, LonLat b);

}  // namespace citywall::viewer
