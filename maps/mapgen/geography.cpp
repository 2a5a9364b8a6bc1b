#include "geography.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace citywall::mapgen {
namespace {

constexpr double kPi = std::numbers::pi;

// The outline must stay inside lon 113.95-114.40, lat 22.50-22.85 (half-extents in metres).
constexpr double kMaxHalfWidth = 22500.0;
constexpr double kMaxHalfHeight = 18800.0;

// Clips a polyline to the outline and keeps its longest piece, so a road stays one LineString.
std::vector<Point> clipToOutline(const std::vector<Point>& points, const GEOSGeometry* outline) {
    Geom line = makeLine(points);
    Geom clipped = own(GEOSIntersection_r(geos(), line.get(), outline), "clip road");
    std::vector<Point> best;
    double bestLength = 0.0;
    for (const GEOSGeometry* piece : parts(clipped.get())) {
        if (GEOSGeomTypeId_r(geos(), piece) != GEOS_LINESTRING) continue;
        const double l = length(piece);
        if (l > bestLength) {
            bestLength = l;
            best = coordinates(piece);
        }
    }
    return best;
}

// A gently curving straight-ish road through `centre` along `heading` (radians).
std::vector<Point> arterial(Point centre, double heading, double bend, double phase) {
    const Point dir{std::cos(heading), std::sin(heading)};
    const Point perp{-dir.y, dir.x};
    std::vector<Point> points;
    for (double s = -32000.0; s <= 32000.0; s += 200.0) {
        const double offset = bend * std::sin(s / 7500.0 + phase);
        points.push_back(
            {centre.x + s * dir.x + offset * perp.x, centre.y + s * dir.y + offset * perp.y});
    }
    return points;
}

// A blob of the given mean radius, for parks and hills.
std::vector<Point> blob(Random& rng, Point centre, double radius) {
    const double p2 = rng.range(0, 2 * kPi);
    const double p3 = rng.range(0, 2 * kPi);
    const double stretch = rng.range(0.7, 1.3);
    std::vector<Point> ring;
    for (int i = 0; i < 48; ++i) {
        const double a = 2 * kPi * i / 48;
        const double r = radius * (1.0 + 0.22 * std::sin(2 * a + p2) + 0.12 * std::sin(3 * a + p3));
        ring.push_back(
            {centre.x + r * std::cos(a) * stretch, centre.y + r * std::sin(a) / stretch});
    }
    return ring;
}

}  // namespace

bool insideRing(const std::vector<Point>& ring, Point p) {
    bool inside = false;
    for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        const Point& a = ring[i];
        const Point& b = ring[j];
        if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) {
            inside = !inside;
        }
    }
    return inside;
}

std::vector<Point> cityOutline(Random rng) {
    constexpr int kVertices = 720;
    constexpr int kHarmonics = 6;
    const double amplitudes[kHarmonics] = {0.10, 0.075, 0.05, 0.035, 0.025, 0.02};
    double amplitude[kHarmonics];
    double phase[kHarmonics];
    for (int k = 0; k < kHarmonics; ++k) {
        amplitude[k] = amplitudes[k] * rng.range(0.6, 1.3);
        phase[k] = rng.range(0, 2 * kPi);
    }
    const ValueNoise wobble(rng.next());

    std::vector<Point> ring;
    ring.reserve(kVertices);
    for (int i = 0; i < kVertices; ++i) {
        const double a = 2 * kPi * i / kVertices;
        double r = 1.0;
        for (int k = 0; k < kHarmonics; ++k)
            r += amplitude[k] * std::sin((k + 2) * a + phase[k]);
        // Noise sampled on a circle keeps the ring closed and gives the edge a surveyed look.
        r += 0.09 * (wobble.fbm(4.0 + 3.0 * std::cos(a), 4.0 + 3.0 * std::sin(a), 4) - 0.5);
        ring.push_back({19500.0 * r * std::cos(a), 16500.0 * r * std::sin(a)});
    }
    double spanX = 0.0;
    double spanY = 0.0;
    for (const Point& p : ring) {
        spanX = std::max(spanX, std::abs(p.x));
        spanY = std::max(spanY, std::abs(p.y));
    }
    const double scale = std::min({1.0, kMaxHalfWidth / spanX, kMaxHalfHeight / spanY});
    for (Point& p : ring)
        p = {p.x * scale, p.y * scale};
    return ring;
}

std::vector<Polyline> cityRivers(Random rng) {
    const double p1 = rng.range(0, 2 * kPi);
    const double p2 = rng.range(0, 2 * kPi);
    const double tilt = rng.range(-0.12, 0.12);
    auto riverY = [&](double x) {
        return -2600.0 + tilt * x + 2300.0 * std::sin(x / 5200.0 + p1) +
               650.0 * std::sin(x / 1800.0 + p2);
    };
    Polyline main{"清江", "", {}};
    for (double x = -27000.0; x <= 27000.0; x += 100.0)
        main.points.push_back({x, riverY(x)});

    // The tributary comes down from the northern hills and joins east of the centre.
    Polyline tributary{"白沙河", "", {}};
    const double joinX = rng.range(4000.0, 9000.0);
    const double joinY = riverY(joinX);
    const double p3 = rng.range(0, 2 * kPi);
    constexpr int kSteps = 240;
    for (int i = 0; i <= kSteps; ++i) {
        const double t = static_cast<double>(i) / kSteps;
        const double y = 24000.0 + t * (joinY - 24000.0);
        const double x =
            joinX + 3500.0 * (1.0 - t) + (1.0 - t) * t * 4.0 * 1400.0 * std::sin(t * 9.0 + p3);
        tributary.points.push_back({x, y});
    }
    return {main, tributary};
}

std::vector<Polyline> cityRoads(Random rng, const GEOSGeometry* outline, const Polyline& river) {
    std::vector<Polyline> roads;
    // The ring road circles the old town on the north bank.
    {
        const double p2 = rng.range(0, 2 * kPi);
        const double p3 = rng.range(0, 2 * kPi);
        std::vector<Point> ring;
        for (int i = 0; i <= 360; ++i) {
            const double a = 2 * kPi * (i % 360) / 360;
            const double r =
                7200.0 * (1.0 + 0.07 * std::sin(2 * a + p2) + 0.04 * std::sin(3 * a + p3));
            ring.push_back({r * std::cos(a), 600.0 + 0.86 * r * std::sin(a)});
        }
        roads.push_back({"环城大道", "primary", ring});
    }
    struct Through {
        const char* name;
        const char* roadClass;
        double heading;
        Point offset;
    };
    const Through throughRoads[] = {
        {"人民大道", "primary", 0.0, {0, 900}},
        {"解放大道", "primary", kPi / 2, {-400, 0}},
        {"建设路", "secondary", kPi / 4, {600, 300}},
        {"东风路", "secondary", 3 * kPi / 4, {-300, 700}},
        {"新华路", "secondary", 0.0, {0, 8200}},
        {"和平路", "secondary", kPi / 2, {-10500, 0}},
        {"文化路", "secondary", kPi / 2, {11000, 0}},
        {"胜利路", "secondary", 0.0, {0, -9500}},
    };
    for (const Through& t : throughRoads) {
        const double heading = t.heading + rng.range(-0.12, 0.12);
        const double bend = rng.range(300.0, 900.0);
        const double phase = rng.range(0, 2 * kPi);
        std::vector<Point> clipped =
            clipToOutline(arterial(t.offset, heading, bend, phase), outline);
        if (clipped.size() >= 2) roads.push_back({t.name, t.roadClass, clipped});
    }
    // The riverside road follows the north bank at a fixed distance.
    std::vector<Point> bank;
    for (const Point& p : river.points)
        bank.push_back({p.x, p.y + 650.0});
    std::vector<Point> clipped = clipToOutline(bank, outline);
    if (clipped.size() >= 2) roads.push_back({"滨江路", "secondary", clipped});
    return roads;
}

std::vector<Geom> cityParks(Random rng, const std::vector<Point>& outline,
                            const GEOSGeometry* water) {
    std::vector<Geom> parks;
    // Hills sit on the rim of the city, where the land rises.
    for (int i = 0; i < 4; ++i) {
        const Point rim = outline[static_cast<size_t>(rng.below(static_cast<int>(outline.size())))];
        const double inward = rng.range(0.78, 0.95);
        parks.push_back(
            makePolygon(blob(rng, {rim.x * inward, rim.y * inward}, rng.range(1800, 3200))));
    }
    // Small parks scattered through the built-up area, avoiding the water.
    int placed = 0;
    for (int attempt = 0; attempt < 400 && placed < 16; ++attempt) {
        const Point c{rng.range(-16000, 16000), rng.range(-14000, 14000)};
        if (!insideRing(outline, c)) continue;
        Geom park = makePolygon(blob(rng, c, rng.range(300, 900)));
        if (intersects(park.get(), water)) continue;
        parks.push_back(std::move(park));
        ++placed;
    }
    return parks;
}

}  // namespace citywall::mapgen
