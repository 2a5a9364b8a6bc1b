// Plausible Chinese place names from short syllable lists. Only very common characters are used,
// because the viewer's font atlas holds ImGui's ~2,500 "ChineseSimplifiedCommon" glyphs.
#pragma once

#include <set>
#include <string>

#include "city.hpp"
#include "random.hpp"

namespace citywall::mapgen {

// Where a district lies, so names such as 江北 (north of the river) or 西山 fit the map.
struct Whereabouts {
    Point centre;            // metres from the city centre
    double riverOffset = 0;  // signed metres north (+) or south (-) of the main river
};

struct DistrictName {
    std::string name;    // e.g. 东湖区
    std::string nameEn;  // e.g. Donghu District
};

class Namer {
  public:
    explicit Namer(Random rng) : rng_(rng) {}

    DistrictName district(const Whereabouts& where);
    // `onRiver`: the street touches the main river, which earns it a riverside name.
    std::string street(bool onRiver);
    std::string community();
    // A police station is named after the street it sits in when that name is still free.
    std::string station(const std::string& streetName, const Whereabouts& where);

  private:
    std::string unique(const std::string& stem, const char* const* first, int firstCount,
                       const char* const* second, int secondCount, std::set<std::string>& used);

    Random rng_;
    std::set<std::string> districts_;
    std::set<std::string> streets_;
    std::set<std::string> communities_;
    std::set<std::string> stations_;
};

}  // namespace citywall::mapgen
