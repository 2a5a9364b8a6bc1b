// Pictures of the wall as files: an offscreen framebuffer to render into without a visible
// window, PNG writing, and the JSON sidecar that tells a test where the map sits in the image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "camera.hpp"
#include "gl_program.hpp"

namespace citywall::viewer {

// RGBA8 colour + depth/stencil at a fixed size.
class OffscreenTarget {
  public:
    static Result<OffscreenTarget> create(int width, int height);
    GLuint framebuffer() const { return framebuffer_.get(); }
    int width() const { return width_; }
    int height() const { return height_; }

  private:
    Framebuffer framebuffer_;
    Renderbuffer color_;
    Renderbuffer depth_stencil_;
    int width_ = 0, height_ = 0;
};

// Reads the bound read framebuffer into top-to-bottom RGB rows.
std::vector<std::uint8_t> read_pixels_rgb(int width, int height);

// Writes OUT (a PNG) and OUT.json: {"width","height","center_x","center_y","metres_per_pixel",
// "incidents"}, centre in EPSG:3857 metres. Returns an error message on failure.
Result<void> write_snapshot(const std::filesystem::path& out, const Camera& camera,
                            const std::vector<std::uint8_t>& rgb, std::size_t incidents);

}  // namespace citywall::viewer
