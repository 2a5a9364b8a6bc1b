#include "gdal_util.hpp"

#include <stdexcept>
#include <vector>

namespace citywall::mapgen {

std::unique_ptr<OGRGeometry> toOgr(const GEOSGeometry* g) {
    const std::vector<unsigned char> wkb = toWkb(g);
    OGRGeometry* out = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &out, wkb.size()) != OGRERR_NONE) {
        throw std::runtime_error("OGR could not read a GEOS geometry");
    }
    return std::unique_ptr<OGRGeometry>(out);
}

Geom fromOgr(const OGRGeometry& g) {
    std::vector<unsigned char> wkb(g.WkbSize());
    g.exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
    return fromWkb(wkb.data(), wkb.size());
}

}  // namespace citywall::mapgen
