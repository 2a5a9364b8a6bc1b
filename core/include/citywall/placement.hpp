// Places a point in the city: its area at every configured level (docs/config.md, "Areas"), by
// exact point-in-polygon through a spatial index (docs/geo.md), and reports at start-up how the
// levels nest.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/area_levels.hpp"
#include "citywall/geo.hpp"
#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall {

// One polygon feature of a map layer, in WGS84 lon/lat.
struct MapArea {
    AreaRef ref;
    geo::MultiPolygon shape;
    LonLat inside;  // a point inside it (OGR's point on surface), for finding its parent
};

// Reads every polygon feature of an OGR layer (any format GDAL reads; `layer` empty: the first)
// and reprojects it to WGS84. Features without a polygon geometry are skipped and counted in
// `skipped`. Each area's ref.level is `level`.
Result<std::vector<MapArea>> load_map_areas(const std::filesystem::path& source,
                                            const std::string& layer, const std::string& code_field,
                                            const std::string& name_field,
                                            std::size_t* skipped = nullptr,
                                            const std::string& level = {});

// What loading the levels found: how many areas each has, and how they nest. Nothing in it
// stops ingest: a real city's layers have orphans and duplicate codes, and an incident there
// is still placed as well as the layers allow.
struct AreaReport {
    struct Problem {
        std::string level;
        std::string what;  // "have no parent district by code"
        std::size_t count = 0;
        std::vector<std::string> examples;  // up to three codes
    };
    std::vector<std::string> loaded;  // "district: 4 areas (districts in demo_city.gpkg)"
    std::vector<Problem> problems;
    std::vector<std::string> lines() const;  // for the log, one a line
};

class CityPlacement {
  public:
    struct Level {
        AreaLevelConfig config;
        std::vector<MapArea> areas;
        std::size_t skipped = 0;  // features without a polygon
    };
    static Result<std::unique_ptr<CityPlacement>> load(const std::vector<AreaLevelConfig>& levels,
                                                       AreaReport* report = nullptr);
    explicit CityPlacement(std::vector<Level> levels, AreaReport* report = nullptr);

    // The point's area at each level that holds it, in the levels' order. The innermost level
    // of a hierarchy that holds the point gives the levels above it through its parents, so the
    // path always nests; a level an area has no parent in is searched by the point itself.
    AreaPath place(LonLat p) const;
    // A point outside every area (an empty path) is "outside the city" when it is more than
    // this far from the nearest area of any level ([centre] outside_km). Default: 10 km.
    void set_far_after(double metres) { far_after_m_ = metres; }
    // How far beyond every area p lies, in whole metres, when that is more than the distance
    // above; 0 when it is nearer, or inside an area (then `path` is not empty).
    std::uint32_t far_from(LonLat p, const AreaPath& path) const;
    std::size_t level_count() const { return levels_.size(); }
    const AreaLevelConfig& level(std::size_t k) const { return levels_[k].config; }
    std::size_t area_count(std::size_t k) const { return levels_[k].refs.size(); }
    // A point inside the area of any level with this code (the innermost level's, when levels
    // share it): where a report that names only its area is placed (a drill's scenario row).
    std::optional<LonLat> point_in(std::string_view code) const;

  private:
    static constexpr std::uint32_t kNoParent = 0xffffffff;
    struct Indexed {
        AreaLevelConfig config;
        std::vector<AreaRef> refs;
        std::vector<LonLat> inside;  // by area: a point inside it
        geo::AreaIndex index;
        int parent_level = -1;              // the level before it in its hierarchy
        std::vector<std::uint32_t> parent;  // by area: its parent's index, or kNoParent
    };
    std::vector<Indexed> levels_;
    double far_after_m_ = 10'000;
};

}  // namespace citywall
