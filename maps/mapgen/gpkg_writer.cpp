#include "gpkg_writer.hpp"

#include <cpl_conv.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <utility>

#include "gdal_util.hpp"

namespace citywall::mapgen {
namespace {

using Fields = std::initializer_list<std::pair<const char*, std::string>>;

OGRLayer* createLayer(GDALDataset& ds, const char* name, OGRwkbGeometryType type,
                      OGRSpatialReference& srs, std::initializer_list<const char*> fields) {
    OGRLayer* layer = ds.CreateLayer(name, &srs, type, nullptr);
    if (layer == nullptr) throw std::runtime_error(std::string("cannot create layer ") + name);
    for (const char* field : fields) {
        OGRFieldDefn defn(field, OFTString);
        if (layer->CreateField(&defn) != OGRERR_NONE) {
            throw std::runtime_error(std::string("cannot create field ") + field);
        }
    }
    return layer;
}

// Projects a metric shape to lon/lat; areas are promoted to MultiPolygon for one layer type.
std::unique_ptr<OGRGeometry> lonLatGeometry(const GEOSGeometry* metric, bool multiPolygon) {
    const Geom projected = transform(metric, LocalFrame::toLonLat);
    std::unique_ptr<OGRGeometry> g = toOgr(projected.get());
    if (multiPolygon) g.reset(OGRGeometryFactory::forceToMultiPolygon(g.release()));
    return g;
}

void addFeature(OGRLayer& layer, const GEOSGeometry* metric, bool multiPolygon, Fields fields) {
    OGRFeature feature(layer.GetLayerDefn());
    for (const auto& [name, value] : fields)
        feature.SetField(name, value.c_str());
    feature.SetGeometryDirectly(lonLatGeometry(metric, multiPolygon).release());
    if (layer.CreateFeature(&feature) != OGRERR_NONE) {
        throw std::runtime_error(std::string("cannot write a feature to ") + layer.GetName());
    }
}

}  // namespace

void writeGeoPackage(const CityMap& city, const std::string& path) {
    // GeoPackage stamps gpkg_contents with the current time; pin it so reruns are identical.
    CPLSetConfigOption("OGR_CURRENT_DATE", "2026-11-22T00:00:00.000Z");
    std::filesystem::remove(path);
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (driver == nullptr) throw std::runtime_error("GDAL has no GPKG driver");
    DatasetPtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path);

    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);

    if (ds->StartTransaction() != OGRERR_NONE) throw std::runtime_error("cannot start transaction");

    OGRLayer* boundary = createLayer(*ds, "city_boundary", wkbPolygon, srs, {"name"});
    // The boundary is the union of the districts, a single polygon for a connected city.
    std::unique_ptr<OGRGeometry> outline = lonLatGeometry(city.boundary.get(), false);
    if (wkbFlatten(outline->getGeometryType()) != wkbPolygon) {
        throw std::runtime_error("city boundary is not a single polygon");
    }
    addFeature(*boundary, city.boundary.get(), false, {{"name", city.name}});

    OGRLayer* districts =
        createLayer(*ds, "districts", wkbMultiPolygon, srs, {"code", "name", "name_en"});
    for (const Area& d : city.districts) {
        addFeature(*districts, d.shape.get(), true,
                   {{"code", d.code}, {"name", d.name}, {"name_en", d.nameEn}});
    }

    OGRLayer* streets =
        createLayer(*ds, "streets", wkbMultiPolygon, srs, {"code", "name", "district_code"});
    for (const Area& s : city.streets) {
        const Area& d = city.districts[static_cast<size_t>(s.parent)];
        addFeature(*streets, s.shape.get(), true,
                   {{"code", s.code}, {"name", s.name}, {"district_code", d.code}});
    }

    OGRLayer* communities = createLayer(*ds, "communities", wkbMultiPolygon, srs,
                                        {"code", "name", "street_code", "district_code"});
    for (const Area& c : city.communities) {
        const Area& s = city.streets[static_cast<size_t>(c.parent)];
        const Area& d = city.districts[static_cast<size_t>(s.parent)];
        addFeature(*communities, c.shape.get(), true,
                   {{"code", c.code},
                    {"name", c.name},
                    {"street_code", s.code},
                    {"district_code", d.code}});
    }

    OGRLayer* grids =
        createLayer(*ds, "grids", wkbMultiPolygon, srs,
                    {"code", "name", "community_code", "street_code", "district_code"});
    for (const Area& g : city.grids) {
        const Area& c = city.communities[static_cast<size_t>(g.parent)];
        const Area& s = city.streets[static_cast<size_t>(c.parent)];
        const Area& d = city.districts[static_cast<size_t>(s.parent)];
        addFeature(*grids, g.shape.get(), true,
                   {{"code", g.code},
                    {"name", g.name},
                    {"community_code", c.code},
                    {"street_code", s.code},
                    {"district_code", d.code}});
    }

    OGRLayer* beats =
        createLayer(*ds, "police_beats", wkbMultiPolygon, srs, {"code", "name", "station"});
    for (const Area& b : city.beats) {
        addFeature(*beats, b.shape.get(), true,
                   {{"code", b.code},
                    {"name", b.name},
                    {"station", city.stations[static_cast<size_t>(b.parent)]}});
    }

    OGRLayer* rivers = createLayer(*ds, "rivers", wkbLineString, srs, {"name"});
    for (const Polyline& r : city.rivers) {
        addFeature(*rivers, makeLine(r.points).get(), false, {{"name", r.name}});
    }

    OGRLayer* roads = createLayer(*ds, "roads", wkbLineString, srs, {"name", "class"});
    for (const Polyline& r : city.roads) {
        addFeature(*roads, makeLine(r.points).get(), false,
                   {{"name", r.name}, {"class", r.roadClass}});
    }

    if (ds->CommitTransaction() != OGRERR_NONE) throw std::runtime_error("cannot commit " + path);
}

}  // namespace citywall::mapgen
