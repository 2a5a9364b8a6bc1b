// The city's areas as the wall knows them: basic grids, communities, streets, districts (the
// choropleth's levels) and police beats, each read once with core's load_map_areas(), with an
// exact point-in-polygon index (geo::AreaIndex) for picking, boxes for zoom-to, and fill
// triangles for the choropleth.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/geo.hpp"
#include "map_source.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

std::string_view level_name(AreaLevel level);   // "grid", "community", …, "beat"
std::string_view level_label(AreaLevel level);  // "网格 grid", …

struct AreaSet {
    std::vector<AreaRef> refs;
    AreaMesh mesh;
    geo::AreaIndex index;
    bool loaded() const { return !refs.empty(); }
};

struct AreaHit {
    AreaLevel level = AreaLevel::grid;
    std::uint32_t area = 0;
    friend bool operator==(const AreaHit&, const AreaHit&) = default;
};

class CityAreas {
  public:
    // Reads every level of `sources`, one after the other (the caller runs it beside the map
    // layers). A level that fails is reported in `errors` and left empty; with no source at all,
    // everything is empty.
    static CityAreas load(const AreaSources& sources, std::vector<std::string>& errors);

    const AreaSet& level(AreaLevel level) const { return sets_[static_cast<int>(level)]; }
    bool any() const;
    // Exact point-in-polygon at one level.
    std::optional<std::uint32_t> locate(AreaLevel level, LonLat p) const;
    // An area by code (exact) or name (exact, then a unique substring), finest level last:
    // districts first, so "南山" finds the district before a community that shares the name.
    std::optional<AreaHit> find(std::string_view code_or_name) const;
    const AreaRef& ref(AreaHit hit) const { return level(hit.level).refs[hit.area]; }

  private:
    std::array<AreaSet, kAreaLevelCount> sets_;
};

}  // namespace citywall::viewer
