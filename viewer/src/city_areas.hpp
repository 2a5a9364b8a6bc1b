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
    // Every area whose code or name is `text`, coarsest level first (districts before the
    // communities that share a name), at most `limit`.
    std::vector<AreaHit> find_all(std::string_view text, std::size_t limit) const;
    // Every area whose name holds `text`, coarsest level first, at most `limit`.
    std::vector<AreaHit> find_containing(std::string_view text, std::size_t limit) const;
    const AreaRef& ref(AreaHit hit) const { return level(hit.level).refs[hit.area]; }

  private:
    std::array<AreaSet, kAreaLevelCount> sets_;
};

}  // namespace citywall::viewer
