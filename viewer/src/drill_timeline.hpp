// The timeline of a wall following a replaying drill (docs/viewer.md, "Drill timeline"): the
// recording's window along the bottom of the map, how busy the recording is along it, the
// trainers' bookmarks, where the replay stands and at what speed. A trainer's wall ([console]
// role = "trainer") steers it — drag along the bar to seek, buttons and keys to play, pause,
// change speed, step, loop and bookmark — and every other wall of the drill follows.
#pragma once

#include <optional>
#include <string>

#include "camera.hpp"
#include "citywall/wire.hpp"
#include "panels.hpp"

namespace citywall::viewer {

// Where the bar lies, in framebuffer pixels; the track is its lower part.
struct TimelineBox {
    float left = 0, right = 0, top = 0, bottom = 0;
    float track_top = 0;
    bool contains(float x, float y) const {
        return x >= left && x <= right && y >= top && y <= bottom;
    }
};

// The bar on a wall of this size: across the map right of the side panel (`left`), its bottom
// `bottom_margin` above the wall's lower edge, tall enough for two lines of `line` pixels and
// the track, and a line of buttons on a wall that steers.
TimelineBox timeline_box(const Camera& camera, float left, float bottom_margin, float line,
                         bool steer);

// The recording's time at pixel x of the track (clamped to the window), and back.
TimeMs timeline_time_at(const wire::DrillClock& clock, const TimelineBox& box, float x);
float timeline_x_of(const wire::DrillClock& clock, const TimelineBox& box, TimeMs time);

// The speeds a trainer steps through: 0.25×, 0.5×, 1×, 2× … 64×, then as fast as possible (0).
double faster_speed(double speed);
double slower_speed(double speed);
// "8×", "0.25×", "最快" / "fastest": how the bar says the speed.
std::string speed_words(double speed);

class DrillTimeline {
  public:
    // Draws the bar for `clock`; with `steer` (a trainer's wall) its buttons, and a drag along
    // the track seeks. Returns what the trainer asked for this frame, to be sent to ingest.
    std::optional<wire::DrillCommand> draw(const wire::DrillClock& clock, const TimelineBox& box,
                                           const WallFonts& fonts, bool steer);
    // A trainer's keys: Space play or pause, [ slower, ] faster, . the next event, / the next
    // minute. Outside text input only (the caller checks).
    std::optional<wire::DrillCommand> keys(const wire::DrillClock& clock);
    // A command from a script or a test: the same commands the buttons send.
    wire::DrillCommand command(wire::DrillAction action);
    // The answer to one of this bar's commands (ids "drill-N"): a refusal is shown on the bar
    // until the next command.
    static bool is_ours(const wire::CommandReply& reply);
    void answered(const wire::CommandReply& reply);
    const std::string& refusal() const { return refusal_; }

  private:
    int sent_ = 0;
    std::string refusal_;
    std::optional<float> drag_x_;  // where a drag along the track is, while it lasts
    char note_[160] = {};          // the next bookmark's note
};

}  // namespace citywall::viewer
