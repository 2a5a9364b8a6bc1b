// What the operator reads: the side panel (counts, feed health, stream state, layer toggles),
// the banners that cannot be missed (DRILL, DATA STALE), map labels and the scale bar.
// Dear ImGui only; the app shell decides when they are drawn.
#pragma once

#include <imgui.h>

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "area_counts.hpp"
#include "camera.hpp"
#include "citywall/picture.hpp"
#include "citywall/result.hpp"
#include "map_layers.hpp"
#include "palette.hpp"

namespace citywall::viewer {

struct WallFonts {
    ImFont* body = nullptr;
    ImFont* heading = nullptr;
    ImFont* banner = nullptr;  // large, only the glyphs the banners use

    // Text from the stream (titles, call signs, department names) may use characters the atlas
    // was not built with. Drawing code reports what it shows; characters the atlas lacks are
    // collected here and the app rebuilds the atlas before the next frame. Each character is
    // asked for once, so one the font file itself lacks cannot make the atlas rebuild forever.
    void want(std::string_view text) const;
    bool wants_more() const { return !missing.empty(); }
    mutable std::string missing;  // UTF-8, not yet in the atlas
    mutable std::unordered_set<unsigned> asked;
};

// Loads the CJK font at three sizes and styles ImGui for a dark wall; `extra_text` holds
// characters to add to the common Chinese set (map labels). Fails, as a warning, when the font
// file is missing (not_found: the panel then falls back to ImGui's built-in Latin font) or
// cannot be read (io).
Result<void> setup_imgui_style(const std::string& font_path, int font_index, float font_size,
                               const std::string& extra_text, WallFonts& fonts);
// Builds the three fonts again with `extra_text` (the characters collected by want()); the
// caller re-uploads the atlas texture. Outside a frame only. Fails as setup_imgui_style does.
Result<void> load_wall_fonts(const std::string& font_path, int font_index, float font_size,
                             const std::string& extra_text, WallFonts& fonts);

// The state of the stream as the panel and banners show it; the app fills it every frame.
struct StreamStatus {
    std::string centre;  // the centre's name, in the wall's language: the panel's title
    bool live = false;   // endpoints configured
    std::string updates_endpoint;
    bool have_snapshot = false;
    bool heard_anything = false;
    double silent_s = 0;  // since the last message, or since start if none yet
    bool stale = false;   // silent_s past the configured limit
    bool drill = false;
    bool keys_off = false;       // ingest takes department feeds without CURVE keys
    std::string ingest_stopped;  // why ingest takes and publishes nothing now; empty: it runs
    std::string refused;         // why ingest would not let this wall in; empty: it did
    std::uint64_t seq = 0;
    TimeMs data_time = 0;        // ingest's clock, newest message
    TimeMs now = 0;              // wall clock, for ages and the panel clock
    bool deterministic = false;  // no wall clock, no endpoint address (reference images)
    std::uint64_t decode_errors = 0;
    std::uint64_t snapshots = 0;
};

// Width of the side panel for a given viewport, in pixels.
float side_panel_width(const Camera& camera);

// What the feed health panel says of a feed whose connections ingest's key gate refuses since
// it was last heard: "refused: wrong key ×12" (the latest refusal's reason in words, and how
// many of that reason ingest has counted); empty when it is not being refused.
// `text` as it fits in `width` in `font`: whole words, then "…" where it was shortened; a
// single word too long for the box is cut between characters, never inside one.
std::string fitted(ImFont* font, const std::string& text, float width);

std::string feed_refusal(const FeedHealth& feed);
std::string refusal_words(std::string_view code);
// A department's name as the wall shows it: its English name on an English wall, else its
// Chinese one, else whichever it has, else its code.
std::string department_name(const FeedHealth& feed);

void draw_side_panel(const CityPicture& picture, const OpenTotals& totals, const Palette& palette,
                     const StreamStatus& status, const WallFonts& fonts, const Camera& camera);
// Checkboxes that show and hide map layers (police beats among them).
// With the choropleth's mode (auto / on / off) when `mode` is given.
// `compact`: the aggregation switches only (the detail panel needs the room). Returns the
// box's top edge, so what stacks above it knows where to stop.
// `toggles`, when given: the heat layer, the queue and the KPI panel, shown in compact mode too;
// its box_width is set to the box's width.
struct LayerBoxToggles {
    bool* heat = nullptr;
    bool* queue = nullptr;
    bool* kpi = nullptr;
    float box_width = 0;
};
// `below`: the height kept clear at the bottom of the wall (a drill's timeline).
float draw_layer_box(std::vector<MapLayer>& layers, const WallFonts& fonts, const Camera& camera,
                     AggregateMode* mode, bool compact, LayerBoxToggles* toggles = nullptr,
                     float below = 0);
void draw_banners(const StreamStatus& status, const WallFonts& fonts, const Camera& camera);
// Into `draw`, which the wall renders before the markers: a label never hides an incident.
void draw_map_labels(const std::vector<MapLayer>& layers, const Camera& camera,
                     const WallFonts& fonts, float left_edge, ImDrawList& draw);
void draw_scale_bar(const Camera& camera, const WallFonts& fonts);

}  // namespace citywall::viewer
