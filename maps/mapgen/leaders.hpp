// The demo city's leaders list: the person who leads each district, street and community, and
// the centre's director, as the CSV a centre's office keeps (docs/config.md, "Leaders"). The
// names are invented; the codes are the areas' own.
#pragma once

#include <cstdint>
#include <string>

#include "city.hpp"

namespace citywall::mapgen {

void writeLeaders(const CityMap& city, const std::string& path, std::uint64_t seed);

}  // namespace citywall::mapgen
