// Units on the street as icons: a badge in the colour of the unit's service with an arrow for
// its heading, a short fading trail of where it has been, a white rim while it works a case,
// and grey once its position is old. Units are few (hundreds to a few thousand), so a change
// rewrites the small instance buffer; the incident markers are never touched.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "animation_clock.hpp"
#include "camera.hpp"
#include "citywall/picture.hpp"
#include "gl_program.hpp"
#include "palette.hpp"
#include "panels.hpp"

namespace citywall::viewer {

// A position older than this (stream time) is drawn grey: the unit may be elsewhere by now.
inline constexpr TimeMs kUnitStaleMs = 90'000;
// Trail points kept per unit.
inline constexpr std::size_t kUnitTrailPoints = 12;

class UnitLayer {
  public:
    static Result<UnitLayer> create(MercatorPoint origin);

    // After a snapshot replaced the picture: every unit at its place, trails start afresh.
    void rebuild(const CityPicture& picture);
    // Units whose fixes arrived (moved, changed, or gone off duty).
    void update(const CityPicture& picture, const std::vector<std::string>& changed);
    void draw(const Camera& camera, const Palette& palette, const AnimationClock& clock);
    // Call signs beside the icons, once zoomed in far enough to read them; none left of
    // `left_edge` (under the side panel).
    void draw_labels(ImDrawList* list, const Camera& camera, const WallFonts& fonts, float ui_scale,
                     float left_edge) const;

    // The unit whose icon covers the pixel, nearest first (its unit_key()).
    std::optional<std::string> pick(const Camera& camera, double px, double py) const;
    std::size_t size() const { return tracks_.size(); }
    // A position's trail, oldest first; nothing when the unit is not on the wall.
    const std::deque<MercatorPoint>* trail(const std::string& key) const;
    void set_ui_scale(float scale) { ui_scale_ = scale; }
    void set_selected(std::optional<std::string> key) {
        if (key != selected_) changed_ = true;
        selected_ = std::move(key);
    }
    // Icon size in pixels at UI scale 1.
    static constexpr float kIconPx = 18.f;

  private:
    struct Track {
        MercatorPoint at;
        std::deque<MercatorPoint> trail;  // oldest first, ending at `at`
        Unit unit;
    };
    struct Icon {
        float x, y;
        std::uint8_t rgba[4];
        float heading;  // radians clockwise from north; negative: unknown
        float flags;    // kBusy | kStale
    };
    static_assert(sizeof(Icon) == 20);
    struct Segment {
        float x0, y0, x1, y1;
        std::uint8_t rgba[4];
    };
    static_assert(sizeof(Segment) == 20);
    static constexpr int kBusy = 1, kStale = 2, kSelected = 4;

    void place(const Unit& unit, bool keep_trail);
    void refill(const Palette& palette, const AnimationClock& clock);

    MercatorPoint origin_;
    float ui_scale_ = 1.f;
    Program icon_program_, trail_program_;
    VertexArray icon_vao_, trail_vao_;
    Buffer icon_vbo_, trail_vbo_;
    std::unordered_map<std::string, Track> tracks_;
    std::vector<Icon> icons_;
    std::vector<Segment> segments_;
    std::optional<std::string> selected_;
    bool changed_ = true;
    TimeMs refilled_at_ = 0;  // stream time of the last refill: staleness moves with the clock
};

// The colour of a unit: its service's family colour (police blue, fire vermillion…).
Rgba unit_color(const Palette& palette, UnitKind kind);

}  // namespace citywall::viewer
