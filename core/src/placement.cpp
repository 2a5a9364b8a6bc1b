#include "citywall/placement.hpp"
#include "citywall/utf8.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>

namespace citywall {

namespace {

geo::Ring to_ring(const OGRLinearRing& ring) {
    geo::Ring out;
    out.reserve(static_cast<std::size_t>(ring.getNumPoints()));
    for (int k = 0; k < ring.getNumPoints(); ++k)
        out.push_back({ring.getX(k), ring.getY(k)});
    return out;
}

geo::Polygon to_polygon(const OGRPolygon& polygon) {
    geo::Polygon out;
    if (const auto* exterior = polygon.getExteriorRing()) out.outer = to_ring(*exterior);
    for (int k = 0; k < polygon.getNumInteriorRings(); ++k)
        out.holes.push_back(to_ring(*polygon.getInteriorRing(k)));
    return out;
}

bool to_shape(const OGRGeometry& geometry, geo::MultiPolygon& shape) {
    auto type = wkbFlatten(geometry.getGeometryType());
    if (type == wkbPolygon) {
        shape.push_back(to_polygon(*geometry.toPolygon()));
    } else if (type == wkbMultiPolygon) {
        for (const auto* part : *geometry.toMultiPolygon())
            shape.push_back(to_polygon(*part));
    } else {
        return false;
    }
    return !shape.empty();
}

}  // namespace

Result<std::vector<MapArea>> load_map_areas(const std::filesystem::path& source,
                                            const std::string& layer_name,
                                            const std::string& code_field,
                                            const std::string& name_field, std::size_t* skipped) {
    using R = Result<std::vector<MapArea>>;
    GDALAllRegister();
    std::unique_ptr<GDALDataset> dataset(GDALDataset::Open(
        source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!dataset) return R::failure(ErrorKind::io, "cannot open map source " + source.string());
    OGRLayer* layer =
        layer_name.empty() ? dataset->GetLayer(0) : dataset->GetLayerByName(layer_name.c_str());
    if (!layer)
        return R::failure(ErrorKind::not_found,
                          source.string() + ": no layer '" + layer_name + "'");
    const auto* definition = layer->GetLayerDefn();
    int code_index = definition->GetFieldIndex(code_field.c_str());
    int name_index = definition->GetFieldIndex(name_field.c_str());
    if (code_index < 0)
        return R::failure(ErrorKind::invalid,
                          source.string() + ": layer has no field '" + code_field + "'");

    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_wgs84;
    if (const auto* srs = layer->GetSpatialRef(); srs && !srs->IsSame(&wgs84)) {
        OGRSpatialReference from(*srs);
        from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        to_wgs84.reset(OGRCreateCoordinateTransformation(&from, &wgs84));
        if (!to_wgs84)
            return R::failure(ErrorKind::io, source.string() + ": cannot reproject layer to WGS84");
    }

    std::vector<MapArea> areas;
    std::size_t skipped_count = 0;
    layer->ResetReading();
    for (auto& feature : *layer) {
        OGRGeometry* geometry = feature->GetGeometryRef();
        MapArea area;
        if (!geometry || (to_wgs84 && geometry->transform(to_wgs84.get()) != OGRERR_NONE) ||
            !to_shape(*geometry, area.shape)) {
            ++skipped_count;
            continue;
        }
        // A layer without its encoding declared (a shapefile with no .cpg) can hand over bytes
        // that are not UTF-8: they are shown as '?' rather than break every wall's stream.
        area.ref.code = repaired_utf8(feature->GetFieldAsString(code_index));
        area.ref.name =
            name_index >= 0 ? repaired_utf8(feature->GetFieldAsString(name_index)) : area.ref.code;
        areas.push_back(std::move(area));
    }
    if (skipped) *skipped = skipped_count;
    return areas;
}

Result<std::unique_ptr<CityPlacement>> CityPlacement::load(const PlacementConfig& config) {
    std::vector<MapArea> grids, parents, beats;
    if (!config.grid_source.empty()) {
        auto loaded = load_map_areas(config.grid_source, config.grid_layer, "code", "name");
        if (!loaded) return loaded.error_value();
        grids = std::move(*loaded);
        for (const auto* layer :
             {&config.district_layer, &config.street_layer, &config.community_layer}) {
            if (layer->empty()) continue;
            auto level = load_map_areas(config.grid_source, *layer, "code", "name");
            if (!level) return level.error_value();
            for (auto& area : *level)
                parents.push_back({std::move(area.ref), {}});
        }
    }
    if (!config.beat_source.empty()) {
        auto loaded = load_map_areas(config.beat_source, config.beat_layer, config.beat_code_field,
                                     config.beat_name_field);
        if (!loaded) return loaded.error_value();
        beats = std::move(*loaded);
    }
    return std::make_unique<CityPlacement>(std::move(grids), std::move(parents), std::move(beats));
}

CityPlacement::CityPlacement(std::vector<MapArea> grids, std::vector<MapArea> parents,
                             std::vector<MapArea> beats) {
    for (auto& area : grids) {
        grids_.push_back(std::move(area.ref));
        grid_index_.add(std::move(area.shape));
    }
    for (auto& area : beats) {
        beats_.push_back(std::move(area.ref));
        beat_index_.add(std::move(area.shape));
    }
    for (auto& area : parents)
        parents_.push_back(std::move(area.ref));
    std::sort(parents_.begin(), parents_.end(),
              [](const AreaRef& a, const AreaRef& b) { return a.code < b.code; });
    grid_index_.build();
    beat_index_.build();
}

AreaRef CityPlacement::parent(const std::string& code) const {
    auto it = std::lower_bound(parents_.begin(), parents_.end(), code,
                               [](const AreaRef& a, const std::string& c) { return a.code < c; });
    if (it != parents_.end() && it->code == code) return *it;
    return {code, {}};
}

// Grid codes extend their parents' codes: district 6 digits, street 9, community 12, grid 15.
GridPath CityPlacement::place_grid(LonLat p) const {
    GridPath path;
    auto found = grid_index_.locate(p);
    if (!found) return path;
    path.grid = grids_[*found];
    const std::string& code = path.grid.code;
    if (code.size() >= 6) path.district = parent(code.substr(0, 6));
    if (code.size() >= 9) path.street = parent(code.substr(0, 9));
    if (code.size() >= 12) path.community = parent(code.substr(0, 12));
    return path;
}

AreaRef CityPlacement::place_beat(LonLat p) const {
    auto found = beat_index_.locate(p);
    return found ? beats_[*found] : AreaRef{};
}

}  // namespace citywall
