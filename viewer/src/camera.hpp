// The wall's view onto Web Mercator: a centre in EPSG:3857 metres, a scale in metres per pixel,
// and a viewport in pixels. Doubles throughout; the GPU only sees offsets from a layer origin.
#pragma once

#include <algorithm>
#include <array>

namespace citywall::viewer {

struct MercatorPoint {
    double x = 0.0;
    double y = 0.0;
    friend bool operator==(const MercatorPoint&, const MercatorPoint&) = default;
};

struct MercatorBox {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
    bool empty() const { return !(max_x > min_x && max_y > min_y); }
    MercatorPoint center() const { return {(min_x + max_x) / 2, (min_y + max_y) / 2}; }
    void expand(const MercatorBox& other) {
        if (other.empty()) return;
        if (empty()) {
            *this = other;
            return;
        }
        min_x = std::min(min_x, other.min_x);
        min_y = std::min(min_y, other.min_y);
        max_x = std::max(max_x, other.max_x);
        max_y = std::max(max_y, other.max_y);
    }
};

struct Camera {
    MercatorPoint center;
    double metres_per_pixel = 10.0;
    int width = 1;   // pixels
    int height = 1;  // pixels

    // Screen pixels have their origin top-left, y down (GLFW's and ImGui's convention).
    MercatorPoint to_world(double px, double py) const {
        return {center.x + (px - width / 2.0) * metres_per_pixel,
                center.y - (py - height / 2.0) * metres_per_pixel};
    }
    // What the viewport shows.
    MercatorBox visible() const {
        const MercatorPoint top_left = to_world(0, 0);
        const MercatorPoint bottom_right = to_world(width, height);
        return {top_left.x, bottom_right.y, bottom_right.x, top_left.y};
    }
    std::array<double, 2> to_screen(MercatorPoint p) const {
        return {(p.x - center.x) / metres_per_pixel + width / 2.0,
                height / 2.0 - (p.y - center.y) / metres_per_pixel};
    }
    // Uniforms for a layer whose vertices are relative to `origin`: pixel offset of the origin
    // from the viewport centre (y up). Computed in double, so float vertices stay exact.
    std::array<float, 2> origin_offset_px(MercatorPoint origin) const {
        return {static_cast<float>((origin.x - center.x) / metres_per_pixel),
                static_cast<float>((origin.y - center.y) / metres_per_pixel)};
    }
    void pan_pixels(double dx, double dy) {
        center.x -= dx * metres_per_pixel;
        center.y += dy * metres_per_pixel;
    }
    // Zooms by `factor` (>1 zooms in) keeping the world point under (px, py) in place.
    void zoom_at(double px, double py, double factor) {
        const MercatorPoint anchor = to_world(px, py);
        metres_per_pixel = std::clamp(metres_per_pixel / factor, 0.05, 20000.0);
        const MercatorPoint moved = to_world(px, py);
        center.x += anchor.x - moved.x;
        center.y += anchor.y - moved.y;
    }
    // Fits `box` into the screen rectangle [left, right) x [0, height) with a margin.
    void fit(const MercatorBox& box, double left, double right, double margin_px = 24.0) {
        const double usable_w = std::max(1.0, right - left - 2 * margin_px);
        const double usable_h = std::max(1.0, height - 2 * margin_px);
        metres_per_pixel =
            std::max((box.max_x - box.min_x) / usable_w, (box.max_y - box.min_y) / usable_h);
        if (!(metres_per_pixel > 0)) metres_per_pixel = 10.0;
        const double screen_mid = (left + right) / 2.0;
        const MercatorPoint c = box.center();
        center = {c.x - (screen_mid - width / 2.0) * metres_per_pixel, c.y};
    }
};

}  // namespace citywall::viewer
