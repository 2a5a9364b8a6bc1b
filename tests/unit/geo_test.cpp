#include "citywall/geo.hpp"

#include <gtest/gtest.h>

namespace citywall::geo {
namespace {

Polygon square(double x0, double y0, double x1, double y1) {
    return {{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, {}};
}

TEST(Geo, ContainsRespectsHoles) {
    Polygon p = square(0, 0, 10, 10);
    p.holes.push_back({{4, 4}, {6, 4}, {6, 6}, {4, 6}});
    EXPECT_TRUE(contains(p, {1, 1}));
    EXPECT_FALSE(contains(p, {5, 5}));
    EXPECT_FALSE(contains(p, {11, 5}));
}

TEST(Geo, MultiPolygonAnyPart) {
    MultiPolygon m{square(0, 0, 1, 1), square(5, 5, 6, 6)};
    EXPECT_TRUE(contains(m, {5.5, 5.5}));
    EXPECT_FALSE(contains(m, {3, 3}));
}

// The documented rule: a point on a shared edge belongs to exactly one of the two polygons,
// the one east of it (north of it for an east-west edge).
TEST(Geo, SharedEdgeBelongsToExactlyOne) {
    Polygon west = square(0, 0, 1, 1), east = square(1, 0, 2, 1);
    Polygon south = square(0, -1, 1, 0);
    EXPECT_FALSE(contains(west, {1, 0.5}));
    EXPECT_TRUE(contains(east, {1, 0.5}));
    EXPECT_TRUE(contains(west, {0.5, 0}));
    EXPECT_FALSE(contains(south, {0.5, 0}));
}

TEST(Geo, SlantedSharedEdgeReversedOrder) {
    // Two triangles sharing a slanted edge, listed in opposite directions.
    Ring left{{0, 0}, {1, 3}, {0, 3}};
    Ring right{{0, 0}, {3, 0}, {1, 3}};
    for (int k = 1; k < 300; ++k) {
        double t = k / 300.0;
        LonLat p{t * 1.0, t * 3.0};
        EXPECT_NE(contains(left, p), contains(right, p)) << t;
    }
}

TEST(Geo, IndexFindsTheRightArea) {
    AreaIndex index;
    for (int x = 0; x < 20; ++x) {
        for (int y = 0; y < 20; ++y)
            index.add({square(x, y, x + 1, y + 1)});
    }
    index.build();
    EXPECT_EQ(index.locate({3.5, 7.5}), std::optional<std::uint32_t>(3 * 20 + 7));
    EXPECT_EQ(index.locate({3.0, 7.5}), std::optional<std::uint32_t>(3 * 20 + 7));
    EXPECT_FALSE(index.locate({-1, 3}).has_value());
    EXPECT_FALSE(index.locate({25, 3}).has_value());
}

TEST(Geo, MercatorRoundTrip) {
    LonLat p{114.05, 22.55};
    auto back = from_mercator(to_mercator(p));
    EXPECT_NEAR(back.lon, p.lon, 1e-9);
    EXPECT_NEAR(back.lat, p.lat, 1e-9);
    EXPECT_NEAR(to_mercator({180, 0}).x, 20037508.342789244, 1e-6);
}

}  // namespace
}  // namespace citywall::geo
