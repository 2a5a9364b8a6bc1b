// How the polygon layers nest: every pair measured by code prefix and by geometry, each layer's
// parent chosen, the hierarchies named. Private to citywall_city.
#pragma once

#include <vector>

#include "city_check.hpp"
#include "layer_survey.hpp"

namespace citywall::city {

// Fills check.coarse_to_fine, check.nesting and check.levels (and marks outlines in
// check.layers) from the layers' shapes; shapes[k] belongs to check.layers[k].
void find_nesting(CityCheck& check, const std::vector<std::vector<AreaShape>>& shapes);

}  // namespace citywall::city
