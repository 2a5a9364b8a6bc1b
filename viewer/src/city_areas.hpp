// The city's areas as the wall knows them: every [[area]] level of the config (districts,
// grids, police beats, whatever the city has), each read once with core's load_map_areas(),
// with an exact point-in-polygon index (geo::AreaIndex) for picking, boxes for zoom-to, and
// fill triangles for the choropleth.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/geo.hpp"
#include "map_source.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

struct AreaSet {
    AreaLevelConfig config;
    std::vector<AreaRef> refs;
    AreaMesh mesh;
    geo::AreaIndex index;
    double typical_width_m = 0;  // the median width of its areas' boxes
    bool loaded() const { return !refs.empty(); }
};

struct AreaHit {
    AreaLevel level = 0;
    std::uint32_t area = 0;
    friend bool operator==(const AreaHit&, const AreaHit&) = default;
};

class CityAreas {
  public:
    // Reads every level, one after the other (the caller runs it beside the map layers). A
    // level that fails is reported in `errors` and left empty; with no level, nothing is known.
    static CityAreas load(const std::vector<AreaLevelConfig>& levels,
                          std::vector<std::string>& errors);

    std::size_t level_count() const { return sets_.size(); }
    const AreaSet& level(AreaLevel level) const { return sets_[level]; }
    std::optional<AreaLevel> find_level(std::string_view key) const;
    // "网格 grid", "网格" or "grid": the level's names in the wall's language.
    std::string label(AreaLevel level) const;
    // The label of a level by its key; the key itself when this wall does not know it.
    std::string label(std::string_view key) const;
    bool any() const;
    // The levels of one hierarchy, outermost first; `hierarchy` empty: the first level's.
    std::vector<AreaLevel> hierarchy(std::string_view hierarchy) const;
    // Exact point-in-polygon at one level.
    std::optional<std::uint32_t> locate(AreaLevel level, LonLat p) const;
    // Every area whose code or name is `text`, outermost level first (districts before the
    // communities that share a name), at most `limit`.
    std::vector<AreaHit> find_all(std::string_view text, std::size_t limit) const;
    // Every area whose name holds `text`, outermost level first, at most `limit`.
    std::vector<AreaHit> find_containing(std::string_view text, std::size_t limit) const;
    const AreaRef& ref(AreaHit hit) const { return level(hit.level).refs[hit.area]; }
    // Where an incident is, in a word for a list: the innermost area of the first hierarchy its
    // path names (a beats-only city: its beat); null when it is outside every area.
    const AreaRef* place_of(const AreaPath& path) const;

  private:
    std::vector<AreaSet> sets_;
};

}  // namespace citywall::viewer
