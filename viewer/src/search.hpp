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
    // case_number: a number no open incident has, asked of ingest (a closed case, by its id)
    enum class Kind : std::uint8_t { area, incident, unit, case_number };
    Kind kind = Kind::area;
    AreaHit area;                // kind area
    std::uint64_t incident = 0;  // kind incident
    std::string unit;            // kind unit: its key in the picture
    std::string label;           // one line for the list: kind, code or number, name
};

// In this order: areas whose code or name is the term (coarsest level first), the open incident
// with that number, units with that id or call sign; when none of them, areas whose name holds
// the term. A number (or "#" and a number) that names neither an area nor an open incident is
// offered as a case to ask ingest for: a closed one is opened by its number. At most `limit`.
std::vector<SearchMatch> find_matches(std::string_view term, const CityPicture& picture,
                                      const CityAreas& areas, std::size_t limit = 12);

}  // namespace citywall::viewer
