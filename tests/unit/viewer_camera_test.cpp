// The wall's camera on its own: screen and world agree both ways, a zoom keeps the point under
// the cursor, a pan moves the map with the hand, a fit shows the box beside the side panel.
#include <gtest/gtest.h>

#include "camera.hpp"

namespace citywall::viewer {
namespace {

Camera shenzhen() {
    Camera c;
    c.center = {12'695'000, 2'585'000};
    c.metres_per_pixel = 25;
    c.width = 1920;
    c.height = 1080;
    return c;
}

TEST(Camera, ScreenAndWorldAgreeBothWaysWithYDownOnScreen) {
    const Camera c = shenzhen();
    const auto top_left = c.to_world(0, 0);
    EXPECT_DOUBLE_EQ(top_left.x, 12'695'000 - 960 * 25.0);
    EXPECT_DOUBLE_EQ(top_left.y, 2'585'000 + 540 * 25.0);  // up on the map is up on screen
    const auto back = c.to_screen({12'700'000, 2'580'000});
    const auto world = c.to_world(back[0], back[1]);
    EXPECT_NEAR(world.x, 12'700'000, 1e-6);
    EXPECT_NEAR(world.y, 2'580'000, 1e-6);
    const MercatorBox visible = c.visible();
    EXPECT_DOUBLE_EQ(visible.max_x - visible.min_x, 1920 * 25.0);
    EXPECT_DOUBLE_EQ(visible.max_y - visible.min_y, 1080 * 25.0);
    EXPECT_DOUBLE_EQ(visible.center().x, c.center.x);
}

TEST(Camera, AZoomKeepsThePointUnderTheCursorAndStaysInBounds) {
    Camera c = shenzhen();
    const auto before = c.to_world(300, 200);
    c.zoom_at(300, 200, 4);
    EXPECT_DOUBLE_EQ(c.metres_per_pixel, 6.25);
    const auto after = c.to_world(300, 200);
    EXPECT_NEAR(after.x, before.x, 1e-6);
    EXPECT_NEAR(after.y, before.y, 1e-6);
    for (int k = 0; k < 100; ++k)
        c.zoom_at(960, 540, 10);
    EXPECT_DOUBLE_EQ(c.metres_per_pixel, 0.05);
    for (int k = 0; k < 100; ++k)
        c.zoom_at(960, 540, 0.1);
    EXPECT_DOUBLE_EQ(c.metres_per_pixel, 20000.0);
}

TEST(Camera, APanMovesTheMapWithTheHand) {
    Camera c = shenzhen();
    const auto under = c.to_world(500, 500);
    c.pan_pixels(100, -50);  // dragged right and up
    const auto moved = c.to_screen(under);
    EXPECT_NEAR(moved[0], 600, 1e-9);
    EXPECT_NEAR(moved[1], 450, 1e-9);
}

TEST(Camera, AFitShowsTheWholeBoxBesideThePanel) {
    Camera c = shenzhen();
    const MercatorBox city{12'650'000, 2'550'000, 12'750'000, 2'600'000};
    c.fit(city, 400, 1920);  // a side panel of 400 px on the left
    const auto low = c.to_screen({city.min_x, city.min_y});
    const auto high = c.to_screen({city.max_x, city.max_y});
    EXPECT_GE(low[0], 400 + 24 - 1e-6);
    EXPECT_LE(high[0], 1920 - 24 + 1e-6);
    EXPECT_GE(high[1], 24 - 1e-6);
    EXPECT_LE(low[1], 1080 - 24 + 1e-6);
    EXPECT_NEAR((low[0] + high[0]) / 2, (400 + 1920) / 2.0, 1e-6);  // centred in the room left
    // An empty box leaves a usable scale.
    c.fit(MercatorBox{}, 0, 1920);
    EXPECT_GT(c.metres_per_pixel, 0);
    MercatorBox grown;
    grown.expand(MercatorBox{});
    EXPECT_TRUE(grown.empty());
    grown.expand(city);
    grown.expand({12'740'000, 2'590'000, 12'800'000, 2'620'000});
    EXPECT_DOUBLE_EQ(grown.max_x, 12'800'000);
    EXPECT_DOUBLE_EQ(grown.min_y, 2'550'000);
}

}  // namespace
}  // namespace citywall::viewer
