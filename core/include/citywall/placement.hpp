// Places a point in the city: its basic grid (and so community, street and district) and its
// police beat, by exact point-in-polygon through a spatial index (docs/geo.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "citywall/config.hpp"
#include "citywall/geo.hpp"
#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall {

// One polygon feature of a map layer, in WGS84 lon/lat.
struct MapArea {
    AreaRef ref;
    geo::MultiPolygon shape;
};

// Reads every polygon feature of an OGR layer (any format GDAL reads) and reprojects it to
// WGS84. Features without a polygon geometry are skipped and counted in `skipped`.
Result<std::vector<MapArea>> load_map_areas(const std::filesystem::path& source,
                                            const std::string& layer, const std::string& code_field,
                                            const std::string& name_field,
                                            std::size_t* skipped = nullptr);

class CityPlacement {
  public:
    static Result<std::unique_ptr<CityPlacement>> load(const PlacementConfig& config);
    CityPlacement(std::vector<MapArea> grids, std::vector<MapArea> parents,
                  std::vector<MapArea> beats);

    GridPath place_grid(LonLat p) const;  // all empty: outside every grid
    AreaRef place_beat(LonLat p) const;   // empty: outside every beat
    std::size_t grid_count() const { return grids_.size(); }
    std::size_t beat_count() const { return beats_.size(); }

  private:
    AreaRef parent(const std::string& code) const;

    std::vector<AreaRef> grids_, beats_;
    std::vector<AreaRef> parents_;  // districts, streets and communities, sorted by code
    geo::AreaIndex grid_index_, beat_index_;
};

}  // namespace citywall
