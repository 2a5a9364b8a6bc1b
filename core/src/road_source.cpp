// The road network read from a line layer through GDAL (read_road_graph): every segment of its
// lines, any CRS, as Web Mercator pieces.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <memory>

#include "citywall/road_graph.hpp"

namespace citywall {

namespace {

void add_lines(const OGRGeometry& geometry, std::vector<RoadGraph::Piece>& pieces) {
    switch (wkbFlatten(geometry.getGeometryType())) {
        case wkbLineString: {
            const OGRLineString& line = *geometry.toLineString();
            for (int i = 0; i + 1 < line.getNumPoints(); ++i) {
                const geo::Mercator a = geo::to_mercator({line.getX(i), line.getY(i)});
                const geo::Mercator b = geo::to_mercator({line.getX(i + 1), line.getY(i + 1)});
                if (a.x != b.x || a.y != b.y) pieces.push_back({a, b});
            }
            return;
        }
        case wkbMultiLineString:
        case wkbGeometryCollection:
            for (const OGRGeometry* part : *geometry.toGeometryCollection())
                add_lines(*part, pieces);
            return;
        default:
            if (geometry.hasCurveGeometry()) {
                std::unique_ptr<OGRGeometry> linear(geometry.getLinearGeometry());
                if (linear) add_lines(*linear, pieces);
            }
            return;  // points and areas are no roads
    }
}

}  // namespace

Result<RoadGraph> read_road_graph(const std::filesystem::path& source, const std::string& layer,
                                  RoadJunctions junctions) {
    using R = Result<RoadGraph>;
    GDALAllRegister();
    std::unique_ptr<GDALDataset> dataset(GDALDataset::Open(
        source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!dataset)
        return R::failure(ErrorKind::invalid, source.string() + ": " + CPLGetLastErrorMsg());
    OGRLayer* lines = layer.empty() ? dataset->GetLayer(0) : dataset->GetLayerByName(layer.c_str());
    if (!lines)
        return R::failure(ErrorKind::not_found, source.string() + ": no layer '" + layer + "'");
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_wgs84;
    if (const OGRSpatialReference* srs = lines->GetSpatialRef()) {
        OGRSpatialReference from(*srs);
        from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        to_wgs84.reset(OGRCreateCoordinateTransformation(&from, &wgs84));
        if (!to_wgs84)
            return R::failure(
                ErrorKind::invalid,
                source.string() + ": no transformation from the layer's CRS to WGS84");
    }
    std::vector<RoadGraph::Piece> pieces;
    lines->ResetReading();
    for (auto& feature : *lines) {
        const OGRGeometry* geometry = feature->GetGeometryRef();
        if (!geometry || geometry->IsEmpty()) continue;
        std::unique_ptr<OGRGeometry> copy(geometry->clone());
        copy->flattenTo2D();
        if (to_wgs84 && copy->transform(to_wgs84.get()) != OGRERR_NONE) continue;
        add_lines(*copy, pieces);
    }
    if (pieces.empty())
        return R::failure(ErrorKind::invalid, source.string() + ": no lines in layer '" +
                                                  std::string(lines->GetName()) + "'");
    return RoadGraph::build(pieces, junctions);
}

}  // namespace citywall
