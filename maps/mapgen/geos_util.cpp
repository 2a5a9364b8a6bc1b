#include "geos_util.hpp"

#include <cstdarg>
#include <cstdio>
#include <stdexcept>

namespace citywall::mapgen {
namespace {

// GEOS reports problems through printf-style callbacks; keep the last one for the exception text.
thread_local std::string lastGeosMessage;

void onGeosMessage(const char* fmt, ...) {
    char buffer[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    lastGeosMessage = buffer;
}

struct Context {
    GEOSContextHandle_t handle;
    Context() : handle(GEOS_init_r()) {
        GEOSContext_setNoticeHandler_r(handle, onGeosMessage);
        GEOSContext_setErrorHandler_r(handle, onGeosMessage);
    }
    ~Context() { GEOS_finish_r(handle); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
};

GEOSCoordSequence* makeSequence(const std::vector<Point>& points, bool close) {
    const bool addClosing =
        close && !points.empty() &&
        (points.front().x != points.back().x || points.front().y != points.back().y);
    const auto n = static_cast<unsigned>(points.size() + (addClosing ? 1 : 0));
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(geos(), n, 2);
    for (unsigned i = 0; i < points.size(); ++i) {
        GEOSCoordSeq_setXY_r(geos(), seq, i, points[i].x, points[i].y);
    }
    if (addClosing) GEOSCoordSeq_setXY_r(geos(), seq, n - 1, points[0].x, points[0].y);
    return seq;
}

}  // namespace

GEOSContextHandle_t geos() {
    static Context context;
    return context.handle;
}

Geom own(GEOSGeometry* g, const char* what) {
    if (g == nullptr) {
        throw std::runtime_error(std::string("GEOS ") + what + " failed: " + lastGeosMessage);
    }
    return Geom(g);
}

Geom clone(const GEOSGeometry* g) {
    return own(GEOSGeom_clone_r(geos(), g), "clone");
}

Geom makePolygon(const std::vector<Point>& ring) {
    GEOSGeometry* shell = GEOSGeom_createLinearRing_r(geos(), makeSequence(ring, true));
    return own(GEOSGeom_createPolygon_r(geos(), shell, nullptr, 0), "polygon");
}

Geom makeLine(const std::vector<Point>& points) {
    return own(GEOSGeom_createLineString_r(geos(), makeSequence(points, false)), "line");
}

Geom makeMultiPoint(const std::vector<Point>& points) {
    std::vector<Geom> owned;
    owned.reserve(points.size());
    for (const Point& p : points) {
        owned.push_back(own(GEOSGeom_createPointFromXY_r(geos(), p.x, p.y), "point"));
    }
    return makeCollection(GEOS_MULTIPOINT, std::move(owned));
}

Geom makeCollection(int type, std::vector<Geom> partsIn) {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(partsIn.size());
    for (Geom& g : partsIn)
        raw.push_back(g.release());
    return own(
        GEOSGeom_createCollection_r(geos(), type, raw.data(), static_cast<unsigned>(raw.size())),
        "collection");
}

Geom unionAll(const std::vector<const GEOSGeometry*>& partsIn) {
    std::vector<Geom> copies;
    copies.reserve(partsIn.size());
    for (const GEOSGeometry* g : partsIn) {
        for (const GEOSGeometry* polygon : parts(g))
            copies.push_back(clone(polygon));
    }
    Geom bag = makeCollection(GEOS_MULTIPOLYGON, std::move(copies));
    // Coverage union only drops shared edges, so parents reuse their children's exact vertices;
    // the general union is the fallback should a coverage ever be imperfect.
    if (GEOSGeometry* merged = GEOSCoverageUnion_r(geos(), bag.get())) return Geom(merged);
    return own(GEOSUnaryUnion_r(geos(), bag.get()), "union");
}

Geom intersection(const GEOSGeometry* a, const GEOSGeometry* b, double gridSize) {
    return own(GEOSIntersectionPrec_r(geos(), a, b, gridSize), "intersection");
}

Geom buffer(const GEOSGeometry* g, double width) {
    return own(GEOSBuffer_r(geos(), g, width, 8), "buffer");
}

double area(const GEOSGeometry* g) {
    double a = 0.0;
    GEOSArea_r(geos(), g, &a);
    return a;
}

double length(const GEOSGeometry* g) {
    double l = 0.0;
    GEOSLength_r(geos(), g, &l);
    return l;
}

Point centroid(const GEOSGeometry* g) {
    Geom c = own(GEOSGetCentroid_r(geos(), g), "centroid");
    Point p;
    GEOSGeomGetX_r(geos(), c.get(), &p.x);
    GEOSGeomGetY_r(geos(), c.get(), &p.y);
    return p;
}

bool intersects(const GEOSGeometry* a, const GEOSGeometry* b) {
    return GEOSIntersects_r(geos(), a, b) == 1;
}

std::vector<const GEOSGeometry*> parts(const GEOSGeometry* g) {
    std::vector<const GEOSGeometry*> out;
    const int n = GEOSGetNumGeometries_r(geos(), g);
    for (int i = 0; i < n; ++i)
        out.push_back(GEOSGetGeometryN_r(geos(), g, i));
    return out;
}

std::vector<Point> coordinates(const GEOSGeometry* lineOrRing) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(geos(), lineOrRing);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(geos(), seq, &n);
    std::vector<Point> out(n);
    for (unsigned i = 0; i < n; ++i)
        GEOSCoordSeq_getXY_r(geos(), seq, i, &out[i].x, &out[i].y);
    return out;
}

std::vector<Point> exteriorRing(const GEOSGeometry* polygon) {
    return coordinates(GEOSGetExteriorRing_r(geos(), polygon));
}

namespace {
int applyTransform(double* x, double* y, void* userdata) {
    const auto& fn = *static_cast<const std::function<Point(Point)>*>(userdata);
    const Point p = fn(Point{*x, *y});
    *x = p.x;
    *y = p.y;
    return 1;
}
}  // namespace

Geom transform(const GEOSGeometry* g, const std::function<Point(Point)>& fn) {
    // GEOS wants a non-const void*; the callback only reads the function object.
    void* userdata = const_cast<std::function<Point(Point)>*>(&fn);
    return own(GEOSGeom_transformXY_r(geos(), g, applyTransform, userdata), "transform");
}

std::vector<unsigned char> toWkb(const GEOSGeometry* g) {
    GEOSWKBWriter* writer = GEOSWKBWriter_create_r(geos());
    size_t size = 0;
    unsigned char* buffer = GEOSWKBWriter_write_r(geos(), writer, g, &size);
    std::vector<unsigned char> out(buffer, buffer + size);
    GEOSFree_r(geos(), buffer);
    GEOSWKBWriter_destroy_r(geos(), writer);
    return out;
}

Geom fromWkb(const unsigned char* wkb, size_t size) {
    GEOSWKBReader* reader = GEOSWKBReader_create_r(geos());
    GEOSGeometry* g = GEOSWKBReader_read_r(geos(), reader, wkb, size);
    GEOSWKBReader_destroy_r(geos(), reader);
    return own(g, "WKB read");
}

}  // namespace citywall::mapgen
