// What the cached map picture depends on: the view, the split between base and overlay, and for
// each layer whether it is drawn at this zoom, its opacity and its revision; anything else about
// a layer leaves the picture as it is. The cache holds a picture only for the key it was finished
// with, until invalidated. (Drawing and compositing need a GL context: the render tests.)
#include <gtest/gtest.h>

#include <vector>

#include "map_cache.hpp"

namespace citywall::viewer {
namespace {

Camera camera() {
    Camera c;
    c.center = {12'695'000.0, 2'577'000.0};
    c.metres_per_pixel = 8.0;
    c.width = 1920;
    c.height = 1080;
    return c;
}

std::vector<MapLayer> layers(std::size_t count) {
    std::vector<MapLayer> out(count);
    for (std::size_t k = 0; k < count; ++k)
        out[k].style().name = "layer " + std::to_string(k);
    return out;
}

TEST(MapCacheKey, TheSameViewAndLayersAreTheSameKey) {
    const auto map = layers(3);
    const MapCacheKey key = map_cache_key(camera(), map, 1);
    EXPECT_EQ(map_cache_key(camera(), map, 1), key);
    EXPECT_EQ(key.split, 1u);
    EXPECT_EQ(key.width, 1920);
    EXPECT_EQ(key.layers.size(), 6u);  // two numbers per layer
    // A fully opaque layer that is drawn, and no tiles yet.
    EXPECT_EQ(key.layers[0], 65'536u);
    EXPECT_EQ(key.layers[1], 0u);
}

TEST(MapCacheKey, EveryPartOfTheViewChangesTheKey) {
    const auto map = layers(2);
    const MapCacheKey key = map_cache_key(camera(), map, 1);
    Camera moved = camera();
    moved.center.x += 0.5;
    EXPECT_FALSE(map_cache_key(moved, map, 1) == key);
    moved = camera();
    moved.center.y -= 0.5;
    EXPECT_FALSE(map_cache_key(moved, map, 1) == key);
    Camera zoomed = camera();
    zoomed.metres_per_pixel = 8.000001;
    EXPECT_FALSE(map_cache_key(zoomed, map, 1) == key);
    Camera resized = camera();
    resized.width = 3840;
    EXPECT_FALSE(map_cache_key(resized, map, 1) == key);
    resized = camera();
    resized.height = 2160;
    EXPECT_FALSE(map_cache_key(resized, map, 1) == key);
    EXPECT_FALSE(map_cache_key(camera(), map, 2) == key);  // the live part moved
    EXPECT_FALSE(map_cache_key(camera(), layers(3), 1) == key);
}

TEST(MapCacheKey, ALayerCountsByWhetherItIsDrawnAndHowOpaque) {
    auto map = layers(2);
    const MapCacheKey key = map_cache_key(camera(), map, 2);
    map[1].style().opacity = 0.5f;
    const MapCacheKey half = map_cache_key(camera(), map, 2);
    EXPECT_FALSE(half == key);
    EXPECT_EQ(half.layers[2], 32'769u);  // round(0.5 * 65535) + 1
    // Hidden, out of its zoom range either way, or fully transparent: not drawn.
    for (auto hide :
         {+[](LayerStyle& s) { s.visible = false; }, +[](LayerStyle& s) { s.min_zoom = 10.0; },
          +[](LayerStyle& s) { s.max_zoom = 5.0; }, +[](LayerStyle& s) { s.opacity = 0.0f; }}) {
        auto hidden = layers(2);
        hide(hidden[1].style());
        const MapCacheKey without = map_cache_key(camera(), hidden, 2);
        EXPECT_EQ(without.layers[2], 0u);
        EXPECT_FALSE(without == key);
    }
    // Within its zoom range it is drawn as before.
    auto in_range = layers(2);
    in_range[1].style().min_zoom = 8.0;
    in_range[1].style().max_zoom = 8.0;
    EXPECT_EQ(map_cache_key(camera(), in_range, 2), key);
    // What the key does not hold (a layer's name, its labels) leaves the picture as it is.
    auto renamed = layers(2);
    renamed[0].style().name = "道路";
    renamed[0].style().label_fields = {"name"};
    EXPECT_EQ(map_cache_key(camera(), renamed, 2), key);
}

TEST(MapCache, HoldsAPictureOnlyForTheKeyItWasFinishedWith) {
    MapCache cache;  // no GL objects until begin(): holds() and finish() need no context
    const auto map = layers(2);
    const MapCacheKey key = map_cache_key(camera(), map, 1);
    EXPECT_FALSE(cache.holds(key));
    cache.finish(key);
    EXPECT_TRUE(cache.holds(key));
    EXPECT_TRUE(cache.holds(map_cache_key(camera(), map, 1)));
    EXPECT_FALSE(cache.holds(map_cache_key(camera(), map, 0)));
    cache.invalidate();
    EXPECT_FALSE(cache.holds(key));
    cache.finish(key);
    EXPECT_TRUE(cache.holds(key));
}

}  // namespace
}  // namespace citywall::viewer
