// The raster basemap: a dark, muted night map of the city in EPSG:3857 for the video wall.
#pragma once

#include <cstdint>
#include <string>

#include "city.hpp"

namespace citywall::mapgen {

// Writes a tiled, DEFLATE-compressed RGB GeoTIFF of size x size pixels with overviews 2..16.
void writeBasemap(const CityMap& city, const std::string& path, std::uint64_t seed, int size);

}  // namespace citywall::mapgen
