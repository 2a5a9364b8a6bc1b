// The static map drawn once into textures and composited while nothing about it changes, so a
// steady frame of a wall whose camera is still costs one textured triangle instead of every
// raster, fill and stencilled outline. What lies between two map layers and changes with the
// stream (the choropleth, the selected area's tint) splits the map in two: the layers below it
// go into an opaque base, those above into a premultiplied overlay, and the live part is drawn
// between the two composites.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "camera.hpp"
#include "gl_program.hpp"
#include "map_layers.hpp"

namespace citywall::viewer {

// Everything the cached picture depends on.
struct MapCacheKey {
    MercatorPoint center;
    double metres_per_pixel = 0;
    int width = 0, height = 0;
    std::size_t split = 0;              // layers [0, split) in the base, the rest above
    std::vector<std::uint32_t> layers;  // per layer: drawn at this zoom, opacity; its revision
    bool operator==(const MapCacheKey& o) const {
        return center.x == o.center.x && center.y == o.center.y &&
               metres_per_pixel == o.metres_per_pixel && width == o.width && height == o.height &&
               split == o.split && layers == o.layers;
    }
};

MapCacheKey map_cache_key(const Camera& camera, const std::vector<MapLayer>& layers,
                          std::size_t split);

class MapCache {
  public:
    enum class Part { base, overlay };

    static Result<MapCache> create();

    bool holds(const MapCacheKey& key) const { return valid_ && key == key_; }
    // Binds the part's framebuffer at the key's size and clears it (the base to `background`,
    // the overlay to transparent); the caller then draws that part's layers.
    void begin(Part part, const MapCacheKey& key, const std::array<float, 4>& background);
    // The parts drawn since begin() now stand for `key`.
    void finish(const MapCacheKey& key);
    void invalidate() { valid_ = false; }

    // Into the bound framebuffer (same size as the key's): the base replaces what is there, the
    // overlay blends over it.
    // Within `area` only (x, y from the bottom-left, width, height; GL's scissor box): outside
    // the map the base is the background, which the caller clears, and the overlay is clear.
    // On a 7680-pixel wall the map may cover a third of the screen.
    void composite(Part part, const std::array<int, 4>& area) const;

  private:
    struct Target {
        Framebuffer framebuffer;
        Texture color;
        int width = 0, height = 0;
    };
    void ensure(Target& target, int width, int height);

    Program program_;
    VertexArray vao_;  // core profile draws nothing without one
    Target base_, overlay_;
    Renderbuffer stencil_;  // shared: each part clears it
    int stencil_width_ = 0, stencil_height_ = 0;
    MapCacheKey key_;
    bool valid_ = false;
};

}  // namespace citywall::viewer
