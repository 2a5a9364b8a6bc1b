// Index: [GDAL setup] [reprojection] [GEOS triangulation] [vector layers] [area meshes]
//        [raster layers]
#include "map_source.hpp"

#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <gdalwarper.h>
#include <geos_c.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace citywall::viewer {

// ============================================================================ GDAL setup ====

namespace {
constexpr GIntBig kGdalBlockCacheBytes = GIntBig{16} << 20;
}

void init_gdal() {
    GDALAllRegister();
    // GeoJSON files of Chinese districts are large; no size guard for map layers we chose.
    CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0");
    // Raster files stay open and are read a tile at a time; GDAL's block cache would otherwise
    // keep up to 5% of the machine's memory of decoded blocks. A set GDAL_CACHEMAX wins.
    if (!CPLGetConfigOption("GDAL_CACHEMAX", nullptr)) GDALSetCacheMax64(kGdalBlockCacheBytes);
}

namespace {

struct DatasetCloser {
    void operator()(GDALDatasetH ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<void, DatasetCloser>;

// ========================================================================= reprojection ====

OGRSpatialReference web_mercator() {
    OGRSpatialReference srs;
    srs.importFromEPSG(3857);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

// Source CRS to EPSG:3857, x = easting/longitude first on both sides. A layer without a CRS
// is taken as WGS84 lon/lat (plain GeoJSON). Finding the operation between two CRSs searches
// PROJ's database (a good part of the start-up when every layer does it), and a city's layers
// share one CRS: the first transformation made for a CRS is cloned for the other layers.
Result<std::unique_ptr<OGRCoordinateTransformation>> to_mercator_from(
    const OGRSpatialReference* layer_srs) {
    using R = Result<std::unique_ptr<OGRCoordinateTransformation>>;
    OGRSpatialReference source;
    if (layer_srs) {
        source = *layer_srs;
    } else {
        source.importFromEPSG(4326);
    }
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    char* wkt = nullptr;
    source.exportToWkt(&wkt);
    const std::string key = wkt ? wkt : "";
    CPLFree(wkt);
    // Never destroyed: PROJ may already be torn down when static destructors run.
    static auto* made = new std::map<std::string, std::unique_ptr<OGRCoordinateTransformation>>;
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    auto it = made->find(key);
    if (it == made->end()) {
        const OGRSpatialReference target = web_mercator();
        std::unique_ptr<OGRCoordinateTransformation> transform(
            OGRCreateCoordinateTransformation(&source, &target));
        if (!transform)
            return R::failure(ErrorKind::invalid,
                              "no transformation from the layer's CRS to EPSG:3857");
        it = made->emplace(key, std::move(transform)).first;
    }
    std::unique_ptr<OGRCoordinateTransformation> copy(it->second->Clone());
    if (!copy) return R::failure(ErrorKind::io, "cannot copy the transformation to EPSG:3857");
    return copy;
}

// ================================================================== GEOS triangulation ====

void geos_message(const char* /*fmt*/, ...) {}  // failures are counted, not printed per shape

class GeosTriangulator {
  public:
    GeosTriangulator() : context_(GEOS_init_r()) {
        GEOSContext_setNoticeHandler_r(context_, geos_message);
        GEOSContext_setErrorHandler_r(context_, geos_message);
    }
    ~GeosTriangulator() { GEOS_finish_r(context_); }
    GeosTriangulator(const GeosTriangulator&) = delete;
    GeosTriangulator& operator=(const GeosTriangulator&) = delete;

    // Appends the triangles of one polygon (holes respected) as x, y pairs in absolute metres.
    bool triangulate(const OGRPolygon& polygon, std::vector<double>& out) {
        std::vector<unsigned char> wkb(static_cast<std::size_t>(polygon.WkbSize()));
        if (polygon.exportToWkb(wkbNDR, wkb.data(), wkbVariantIso) != OGRERR_NONE) return false;
        GEOSGeometry* shape = GEOSGeomFromWKB_buf_r(context_, wkb.data(), wkb.size());
        if (!shape) return false;
        GEOSGeometry* triangles = GEOSConstrainedDelaunayTriangulation_r(context_, shape);
        if (!triangles && GEOSisValid_r(context_, shape) != 1) {
            // Self-touching rings and the like: repair, then try once more.
            if (GEOSGeometry* valid = GEOSMakeValid_r(context_, shape)) {
                triangles = GEOSConstrainedDelaunayTriangulation_r(context_, valid);
                GEOSGeom_destroy_r(context_, valid);
            }
        }
        GEOSGeom_destroy_r(context_, shape);
        if (!triangles) return false;
        const int count = GEOSGetNumGeometries_r(context_, triangles);
        for (int i = 0; i < count; ++i) {
            const GEOSGeometry* triangle = GEOSGetGeometryN_r(context_, triangles, i);
            const GEOSGeometry* ring = GEOSGetExteriorRing_r(context_, triangle);
            const GEOSCoordSequence* coords =
                ring ? GEOSGeom_getCoordSeq_r(context_, ring) : nullptr;
            unsigned int size = 0;
            if (!coords || !GEOSCoordSeq_getSize_r(context_, coords, &size) || size < 4) continue;
            for (unsigned int v = 0; v < 3; ++v) {
                double x = 0, y = 0;
                GEOSCoordSeq_getXY_r(context_, coords, v, &x, &y);
                out.push_back(x);
                out.push_back(y);
            }
        }
        GEOSGeom_destroy_r(context_, triangles);
        return true;
    }

  private:
    GEOSContextHandle_t context_;
};

// ======================================================================== vector layers ====

struct Segment {
    double ax, ay, bx, by, distance;
};

void add_line(const OGRSimpleCurve& line, std::vector<Segment>& out) {
    double distance = 0;
    for (int i = 0; i + 1 < line.getNumPoints(); ++i) {
        const double ax = line.getX(i), ay = line.getY(i);
        const double bx = line.getX(i + 1), by = line.getY(i + 1);
        const double length = std::hypot(bx - ax, by - ay);
        if (length <= 0) continue;
        out.push_back({ax, ay, bx, by, distance});
        distance += length;
    }
}

// Feeds one geometry (any type, any nesting) into outline segments and, for areas,
// fill triangles. Returns false if a polygon could not be triangulated.
bool add_geometry(const OGRGeometry& geometry, bool fill, GeosTriangulator& triangulator,
                  std::vector<Segment>& segments, std::vector<double>& triangles) {
    switch (wkbFlatten(geometry.getGeometryType())) {
        case wkbLineString:
        case wkbLinearRing:
            add_line(*geometry.toLineString(), segments);
            return true;
        case wkbPolygon: {
            const OGRPolygon& polygon = *geometry.toPolygon();
            for (const OGRLinearRing* ring : polygon)
                add_line(*ring, segments);
            return !fill || triangulator.triangulate(polygon, triangles);
        }
        case wkbMultiLineString:
        case wkbMultiPolygon:
        case wkbGeometryCollection: {
            bool ok = true;
            for (const OGRGeometry* part : *geometry.toGeometryCollection()) {
                ok = add_geometry(*part, fill, triangulator, segments, triangles) && ok;
            }
            return ok;
        }
        case wkbPoint:
        case wkbMultiPoint:
            return true;  // points are not drawn as map layers yet
        default:
            if (geometry.hasCurveGeometry()) {
                std::unique_ptr<OGRGeometry> linear(geometry.getLinearGeometry());
                return linear && add_geometry(*linear, fill, triangulator, segments, triangles);
            }
            return false;
    }
}

}  // namespace

Result<VectorGeometry> load_vector_layer(const LayerStyle& style) {
    using R = Result<VectorGeometry>;
    DatasetPtr dataset(GDALOpenEx(style.source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                  nullptr, nullptr));
    if (!dataset)
        return R::failure(ErrorKind::invalid, style.source.string() + ": " + CPLGetLastErrorMsg());
    auto* ds = GDALDataset::FromHandle(dataset.get());
    OGRLayer* layer =
        style.layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(style.layer.c_str());
    if (!layer) {
        return R::failure(ErrorKind::not_found,
                          style.source.string() + ": no layer '" + style.layer + "'");
    }
    auto transform = to_mercator_from(layer->GetSpatialRef());
    if (!transform) return transform.because(style.source.string() + ": ");
    std::vector<int> label_indices;
    for (const std::string& field : style.label_fields) {
        const int index = layer->GetLayerDefn()->GetFieldIndex(field.c_str());
        if (index < 0)
            return R::failure(ErrorKind::invalid,
                              style.source.string() + ": no field '" + field + "'");
        label_indices.push_back(index);
    }

    VectorGeometry result;
    GeosTriangulator triangulator;
    std::vector<Segment> segments;
    std::vector<double> triangles;
    struct PendingLabel {
        double x, y, extent;
        std::string text;
    };
    std::vector<PendingLabel> labels;
    layer->ResetReading();
    for (auto& feature : *layer) {
        ++result.features;
        const OGRGeometry* source = feature->GetGeometryRef();
        if (!source || source->IsEmpty()) {
            ++result.skipped;
            continue;
        }
        std::unique_ptr<OGRGeometry> geometry(source->clone());
        geometry->flattenTo2D();
        if (geometry->transform(transform->get()) != OGRERR_NONE) {
            ++result.skipped;
            continue;
        }
        OGREnvelope envelope;
        geometry->getEnvelope(&envelope);
        result.bounds.expand({envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY});
        if (!add_geometry(*geometry, style.fill.has_value(), triangulator, segments, triangles)) {
            ++result.skipped;
        }
        std::string text;
        for (const int index : label_indices) {
            if (!feature->IsFieldSetAndNotNull(index)) continue;
            const char* line = feature->GetFieldAsString(index);
            if (*line == '\0') continue;
            if (!text.empty()) text += '\n';
            text += line;
        }
        if (!text.empty()) {
            // GEOS's point-on-surface: inside the shape even for a crescent or a ring.
            std::unique_ptr<OGRGeometry> anchor(OGRGeometry::FromHandle(
                OGR_G_PointOnSurface(OGRGeometry::ToHandle(geometry.get()))));
            const OGRPoint* point = anchor && wkbFlatten(anchor->getGeometryType()) == wkbPoint
                                        ? anchor->toPoint()
                                        : nullptr;
            const double x = point ? point->getX() : (envelope.MinX + envelope.MaxX) / 2;
            const double y = point ? point->getY() : (envelope.MinY + envelope.MaxY) / 2;
            labels.push_back({x, y, envelope.MaxX - envelope.MinX, std::move(text)});
        }
    }

    if (result.bounds.empty()) result.bounds = {0, 0, 1, 1};
    result.origin = result.bounds.center();
    const double ox = result.origin.x, oy = result.origin.y;
    result.fill_triangles.reserve(triangles.size());
    for (std::size_t i = 0; i < triangles.size(); i += 2) {
        result.fill_triangles.push_back(static_cast<float>(triangles[i] - ox));
        result.fill_triangles.push_back(static_cast<float>(triangles[i + 1] - oy));
    }
    result.segments.reserve(segments.size());
    for (const Segment& s : segments) {
        result.segments.push_back({static_cast<float>(s.ax - ox), static_cast<float>(s.ay - oy),
                                   static_cast<float>(s.bx - ox), static_cast<float>(s.by - oy),
                                   static_cast<float>(s.distance)});
    }
    for (auto& label : labels) {
        result.labels.push_back({{label.x, label.y}, std::move(label.text), label.extent});
    }
    return result;
}

// ============================================================================ area meshes ====

AreaMesh triangulate_areas(const std::vector<MapArea>& areas, bool with_triangles) {
    AreaMesh mesh;
    GeosTriangulator triangulator;
    std::vector<double> triangles;
    std::vector<std::size_t> ends;  // per area, the end of its values in `triangles`
    MercatorBox all;
    for (const MapArea& area : areas) {
        OGRMultiPolygon shape;
        for (const geo::Polygon& part : area.shape) {
            OGRPolygon polygon;
            auto add_ring = [&polygon](const geo::Ring& ring) {
                OGRLinearRing projected;
                for (const LonLat& p : ring) {
                    const geo::Mercator m = geo::to_mercator(p);
                    projected.addPoint(m.x, m.y);
                }
                projected.closeRings();
                polygon.addRing(&projected);
            };
            add_ring(part.outer);
            for (const geo::Ring& hole : part.holes)
                add_ring(hole);
            shape.addGeometry(&polygon);
        }
        OGREnvelope envelope;
        shape.getEnvelope(&envelope);
        const MercatorBox box{envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY};
        mesh.boxes.push_back(box);
        all.expand(box);
        std::unique_ptr<OGRGeometry> anchor(OGRGeometry::FromHandle(
            OGR_G_PointOnSurface(OGRGeometry::ToHandle(static_cast<OGRGeometry*>(&shape)))));
        const OGRPoint* point = anchor && wkbFlatten(anchor->getGeometryType()) == wkbPoint
                                    ? anchor->toPoint()
                                    : nullptr;
        mesh.anchors.push_back(point ? MercatorPoint{point->getX(), point->getY()} : box.center());
        bool ok = true;
        if (with_triangles) {
            for (const OGRPolygon* polygon : shape)
                ok = triangulator.triangulate(*polygon, triangles) && ok;
        }
        if (!ok) ++mesh.skipped;
        ends.push_back(triangles.size());
    }
    mesh.origin = all.empty() ? MercatorPoint{} : all.center();
    mesh.vertices.reserve(triangles.size() / 2);
    std::size_t begin = 0;
    for (std::size_t area = 0; area < ends.size(); ++area) {
        for (std::size_t i = begin; i < ends[area]; i += 2) {
            mesh.vertices.push_back({static_cast<float>(triangles[i] - mesh.origin.x),
                                     static_cast<float>(triangles[i + 1] - mesh.origin.y),
                                     static_cast<float>(area)});
        }
        begin = ends[area];
    }
    return mesh;
}

// ======================================================================== raster layers ====

struct RasterFile::Handles {
    // `warped` is declared after `source` so it closes first: a warped VRT holds a reference to
    // its source.
    DatasetPtr source;
    DatasetPtr warped;
    GDALDatasetH dataset = nullptr;
};

RasterFile::RasterFile() : handles_(std::make_unique<Handles>()) {}
RasterFile::RasterFile(RasterFile&&) noexcept = default;
RasterFile& RasterFile::operator=(RasterFile&&) noexcept = default;
RasterFile::~RasterFile() = default;

Result<RasterFile> RasterFile::open(const std::filesystem::path& source) {
    using R = Result<RasterFile>;
    RasterFile file;
    file.source_ = source;
    Handles& h = *file.handles_;
    h.source.reset(
        GDALOpenEx(source.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!h.source)
        return R::failure(ErrorKind::invalid, source.string() + ": " + CPLGetLastErrorMsg());
    h.dataset = h.source.get();
    const OGRSpatialReference target = web_mercator();
    const OGRSpatialReferenceH source_srs = GDALGetSpatialRef(h.dataset);
    if (!source_srs) return R::failure(ErrorKind::invalid, source.string() + ": raster has no CRS");
    if (!OGRSpatialReference::FromHandle(source_srs)->IsSame(&target)) {
        char* wkt = nullptr;
        target.exportToWkt(&wkt);
        h.warped.reset(
            GDALAutoCreateWarpedVRT(h.dataset, nullptr, wkt, GRA_Bilinear, 0.125, nullptr));
        CPLFree(wkt);
        if (!h.warped)
            return R::failure(ErrorKind::io, source.string() + ": cannot warp to EPSG:3857");
        h.dataset = h.warped.get();
    }

    double gt[6] = {};
    if (GDALGetGeoTransform(h.dataset, gt) != CE_None || gt[2] != 0 || gt[4] != 0 || gt[1] <= 0 ||
        gt[5] >= 0) {
        return R::failure(ErrorKind::invalid, source.string() + ": needs a north-up geotransform");
    }
    file.width_ = GDALGetRasterXSize(h.dataset);
    file.height_ = GDALGetRasterYSize(h.dataset);
    if (file.width_ <= 0 || file.height_ <= 0 || GDALGetRasterCount(h.dataset) <= 0) {
        return R::failure(ErrorKind::invalid, source.string() + ": empty raster");
    }
    file.bounds_ = {gt[0], gt[3] + gt[5] * file.height_, gt[0] + gt[1] * file.width_, gt[3]};
    return file;
}

Result<void> RasterFile::read(int x, int y, int w, int h, int out_w, int out_h,
                              std::uint8_t* rgba) const {
    GDALDatasetH dataset = handles_->dataset;
    const auto pixels = static_cast<std::size_t>(out_w) * static_cast<std::size_t>(out_h);
    std::fill(rgba, rgba + pixels * 4, std::uint8_t{255});
    // Reading at a smaller size lets GDAL pick the matching overview.
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = out_w < w || out_h < h ? GRIORA_Average : GRIORA_NearestNeighbour;
    const auto row_bytes = static_cast<GSpacing>(out_w) * 4;
    const int bands = GDALGetRasterCount(dataset);
    const bool rgb = bands >= 3;
    const int band_count = rgb ? (bands >= 4 ? 4 : 3) : 1;
    for (int b = 0; b < band_count; ++b) {
        GDALRasterBandH band = GDALGetRasterBand(dataset, b + 1);
        if (GDALRasterIOEx(band, GF_Read, x, y, w, h, rgba + b, out_w, out_h, GDT_Byte, 4,
                           row_bytes, &extra) != CE_None) {
            return Result<void>::failure(ErrorKind::io,
                                         source_.string() + ": " + CPLGetLastErrorMsg());
        }
    }
    if (!rgb) {  // grey: copy into G and B
        for (std::size_t i = 0; i < pixels * 4; i += 4) {
            rgba[i + 1] = rgba[i + 2] = rgba[i];
        }
    }
    if (band_count != 4) {
        // No alpha band: nodata and the outside of a warped raster come from the mask.
        GDALRasterBandH band = GDALGetRasterBand(dataset, 1);
        if ((GDALGetMaskFlags(band) & GMF_ALL_VALID) == 0 &&
            GDALRasterIOEx(GDALGetMaskBand(band), GF_Read, x, y, w, h, rgba + 3, out_w, out_h,
                           GDT_Byte, 4, row_bytes, &extra) != CE_None) {
            return Result<void>::failure(ErrorKind::io,
                                         source_.string() + ": mask: " + CPLGetLastErrorMsg());
        }
    }
    return {};
}

}  // namespace citywall::viewer
