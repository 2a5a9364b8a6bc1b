// What the search box finds: every area, incident and unit a term names, each with its kind, so
// a term that names several (a beat's code that is also an incident's number) is offered as a
// choice, never settled silently (docs/viewer.md, "Search").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "city_areas.hpp"
#include "citywall/picture.hpp"

namespace citywall::viewer {

struct SearchMatch {
    enum class Kind : std::uint8_t { area, incident, unit };
    Kind kind = Kind::area;
    AreaHit area;                // kind area
    std::uint64_t incident = 0;  // kind incident
    std::string unit;            // kind unit: its key in the picture
    std::string label;           // one line for the list: kind, code or number, name
};

// In this order: areas whose code or name is the term (coarsest level first), the open incident
// with that number, units with that id or call sign; when none of them, areas whose name holds
// the term. At most `limit` matches.
std::vector<SearchMatch> find_matches(std::string_view term, const CityPicture& picture,
                                      const CityAreas& areas, std::size_t limit = 12);

}  // namespace citywall::viewer
