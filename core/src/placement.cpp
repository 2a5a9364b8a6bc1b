#include "citywall/placement.hpp"
#include "citywall/utf8.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <ogr_api.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

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

// A point inside the area (GEOS's point on surface); for a shape GEOS cannot read, a vertex of
// its outer ring, which is at least on it.
LonLat inside_point(const OGRGeometry& geometry, const geo::MultiPolygon& shape) {
    OGRGeometryH point = OGR_G_PointOnSurface(OGRGeometry::ToHandle(
        const_cast<OGRGeometry*>(&geometry)));  // NOLINT: the C API takes no const
    if (point) {
        const bool empty = OGR_G_IsEmpty(point);
        const LonLat at{OGR_G_GetX(point, 0), OGR_G_GetY(point, 0)};
        OGR_G_DestroyGeometry(point);
        if (!empty && std::isfinite(at.lon) && std::isfinite(at.lat)) return at;
    }
    for (const auto& polygon : shape)
        if (!polygon.outer.empty()) return polygon.outer.front();
    return {};
}

std::string layer_label(const AreaLevelConfig& level) {
    return (level.layer.empty() ? std::string("first layer") : level.layer) + " in " +
           level.source.filename().string();
}

}  // namespace

Result<std::vector<MapArea>> load_map_areas(const std::filesystem::path& source,
                                            const std::string& layer_name,
                                            const std::string& code_field,
                                            const std::string& name_field, std::size_t* skipped,
                                            const std::string& level) {
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
        area.inside = inside_point(*geometry, area.shape);
        area.ref.level = level;
        area.ref.code = repaired_utf8(feature->GetFieldAsString(code_index));
        area.ref.name =
            name_index >= 0 ? repaired_utf8(feature->GetFieldAsString(name_index)) : area.ref.code;
        areas.push_back(std::move(area));
    }
    if (skipped) *skipped = skipped_count;
    return areas;
}

std::vector<std::string> AreaReport::lines() const {
    std::vector<std::string> out = loaded;
    for (const Problem& problem : problems) {
        std::string line =
            problem.level + ": " + std::to_string(problem.count) + " " + problem.what;
        for (std::size_t k = 0; k < problem.examples.size(); ++k)
            line += (k == 0 ? ", e.g. " : ", ") + problem.examples[k];
        out.push_back(std::move(line));
    }
    return out;
}

Result<std::unique_ptr<CityPlacement>> CityPlacement::load(
    const std::vector<AreaLevelConfig>& configs, AreaReport* report) {
    std::vector<Level> levels;
    for (const AreaLevelConfig& config : configs) {
        Level level{config, {}, 0};
        auto loaded = load_map_areas(config.source, config.layer, config.code_field,
                                     config.name_field, &level.skipped, config.level);
        if (!loaded)
            return Result<std::unique_ptr<CityPlacement>>::failure(
                loaded.error_kind(), "[[area]] " + config.level + ": " + loaded.error());
        level.areas = std::move(*loaded);
        levels.push_back(std::move(level));
    }
    return std::make_unique<CityPlacement>(std::move(levels), report);
}

namespace {

// Counts a problem of one level, keeping the first few codes as examples.
struct ProblemTally {
    AreaReport::Problem problem;
    void add(const std::string& code) {
        ++problem.count;
        if (problem.examples.size() < 3) problem.examples.push_back(code.empty() ? "\"\"" : code);
    }
    void into(AreaReport* report) {
        if (report && problem.count > 0) report->problems.push_back(std::move(problem));
    }
};

// The parent of each child code: the parent whose code is the longest prefix of it.
std::vector<std::uint32_t> parents_by_prefix(const std::vector<AreaRef>& parents,
                                             const std::vector<MapArea>& children,
                                             std::uint32_t none) {
    std::unordered_map<std::string_view, std::uint32_t> by_code;
    std::vector<std::size_t> lengths;
    for (std::uint32_t k = 0; k < parents.size(); ++k) {
        by_code.try_emplace(parents[k].code, k);
        lengths.push_back(parents[k].code.size());
    }
    std::sort(lengths.begin(), lengths.end(), std::greater<>());
    lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
    std::vector<std::uint32_t> out(children.size(), none);
    for (std::size_t c = 0; c < children.size(); ++c) {
        const std::string_view code = children[c].ref.code;
        for (std::size_t length : lengths) {
            if (length == 0 || length > code.size()) continue;
            if (auto it = by_code.find(code.substr(0, length)); it != by_code.end()) {
                out[c] = it->second;
                break;
            }
        }
    }
    return out;
}

}  // namespace

CityPlacement::CityPlacement(std::vector<Level> levels, AreaReport* report) {
    // A config holds at most kMaxAreaLevels (read_area_levels refuses more); place() counts on it.
    if (levels.size() > kMaxAreaLevels) levels.resize(kMaxAreaLevels);
    levels_.resize(levels.size());
    for (std::size_t k = 0; k < levels.size(); ++k) {
        Level& from = levels[k];
        Indexed& level = levels_[k];
        level.config = from.config;
        if (k > 0 && levels[k - 1].config.hierarchy == from.config.hierarchy)
            level.parent_level = static_cast<int>(k - 1);
        const std::string& key = from.config.level;
        if (report)
            report->loaded.push_back(key + ": " + std::to_string(from.areas.size()) + " areas (" +
                                     layer_label(from.config) + ")");
        if (report && from.skipped > 0)
            report->problems.push_back(
                {key, "features without a polygon, skipped", from.skipped, {}});
        ProblemTally twice{{key, "areas share a code with another (counted together)", 0, {}}};
        std::unordered_set<std::string_view> codes;
        for (const MapArea& area : from.areas)
            if (!codes.insert(area.ref.code).second) twice.add(area.ref.code);
        twice.into(report);

        if (level.parent_level >= 0) {
            const Indexed& above = levels_[static_cast<std::size_t>(level.parent_level)];
            const std::string& above_key = above.config.level;
            if (from.config.parent == ParentBy::prefix) {
                level.parent = parents_by_prefix(above.refs, from.areas, kNoParent);
                ProblemTally orphans{
                    {key, "have no " + above_key + " whose code begins theirs", 0, {}}};
                ProblemTally astray{
                    {key, "lie outside the " + above_key + " their code names", 0, {}}};
                for (std::size_t a = 0; a < from.areas.size(); ++a) {
                    if (level.parent[a] == kNoParent) {
                        orphans.add(from.areas[a].ref.code);
                    } else if (above.index.locate(from.areas[a].inside) != level.parent[a]) {
                        astray.add(from.areas[a].ref.code);
                    }
                }
                orphans.into(report);
                astray.into(report);
            } else {
                level.parent.assign(from.areas.size(), kNoParent);
                ProblemTally orphans{{key, "lie in no " + above_key, 0, {}}};
                for (std::size_t a = 0; a < from.areas.size(); ++a) {
                    if (auto found = above.index.locate(from.areas[a].inside)) {
                        level.parent[a] = *found;
                    } else {
                        orphans.add(from.areas[a].ref.code);
                    }
                }
                orphans.into(report);
            }
        }
        for (MapArea& area : from.areas) {
            level.refs.push_back(std::move(area.ref));
            level.inside.push_back(area.inside);
            level.index.add(std::move(area.shape));
        }
        level.index.build();
    }
}

std::optional<LonLat> CityPlacement::point_in(std::string_view code) const {
    for (std::size_t k = levels_.size(); k-- > 0;) {
        const Indexed& level = levels_[k];
        for (std::size_t a = 0; a < level.refs.size(); ++a)
            if (level.refs[a].code == code) return level.inside[a];
    }
    return std::nullopt;
}

std::uint32_t CityPlacement::far_from(LonLat p, const AreaPath& path) const {
    if (!path.empty() || levels_.empty()) return 0;
    double nearest = std::numeric_limits<double>::infinity();
    for (const Indexed& level : levels_)
        nearest = std::min(nearest, level.index.distance_m(p));
    if (!(nearest > far_after_m_) || !std::isfinite(nearest)) return 0;
    return static_cast<std::uint32_t>(std::min(nearest, 4.0e9));
}

AreaPath CityPlacement::place(LonLat p) const {
    AreaPath path;
    if (levels_.empty()) return path;
    // By level: the area holding p, found by the point or through a child's parent.
    std::array<std::uint32_t, kMaxAreaLevels> found;  // every report is placed: no allocation
    found.fill(kNoParent);
    for (std::size_t k = levels_.size(); k-- > 0;) {
        if (found[k] != kNoParent) continue;
        auto hit = levels_[k].index.locate(p);
        if (!hit) continue;
        std::size_t at = k;
        std::uint32_t area = *hit;
        found[at] = area;
        // Up the hierarchy through the parents, as far as they go.
        while (levels_[at].parent_level >= 0 && levels_[at].parent[area] != kNoParent) {
            area = levels_[at].parent[area];
            at = static_cast<std::size_t>(levels_[at].parent_level);
            found[at] = area;
        }
    }
    for (std::size_t k = 0; k < levels_.size(); ++k)
        if (found[k] != kNoParent) path.push_back(levels_[k].refs[found[k]]);
    return path;
}

}  // namespace citywall
