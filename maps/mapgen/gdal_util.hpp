// Small helpers shared by the GeoPackage and GeoTIFF writers and the self-check.
#pragma once

#include <gdal_priv.h>
#include <ogr_geometry.h>

#include <memory>

#include "geos_util.hpp"

namespace citywall::mapgen {

struct DatasetCloser {
    void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

// GEOS → OGR through WKB; GDAL owns the result.
std::unique_ptr<OGRGeometry> toOgr(const GEOSGeometry* g);
Geom fromOgr(const OGRGeometry& g);

}  // namespace citywall::mapgen
