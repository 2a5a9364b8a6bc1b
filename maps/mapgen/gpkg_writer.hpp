// Writes the vector layers of the demo city to a GeoPackage in EPSG:4490 (CGCS2000).
#pragma once

#include <string>

#include "city.hpp"

namespace citywall::mapgen {

// Layer and field names are a contract: ingest and the viewer read them by name.
void writeGeoPackage(const CityMap& city, const std::string& path);

}  // namespace citywall::mapgen
