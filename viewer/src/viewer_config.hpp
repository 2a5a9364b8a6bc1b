// The viewer's TOML configuration (docs/viewer.md): the window, the ingest endpoints, the view,
// and an ordered list of map layers drawn bottom to top.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/area_levels.hpp"
#include "citywall/centre.hpp"
#include "citywall/config.hpp"
#include "citywall/keys.hpp"
#include "citywall/result.hpp"
#include "citywall/road_graph.hpp"

namespace citywall::viewer {

// Straight (not premultiplied) RGBA, each channel 0..1.
struct Rgba {
    float r = 0, g = 0, b = 0, a = 1;
    std::array<float, 4> array() const { return {r, g, b, a}; }
    Rgba with_alpha(float alpha) const { return {r, g, b, alpha}; }
    std::uint32_t packed_abgr() const;  // ImGui's IM_COL32 layout
};
// "#rrggbb" or "#rrggbbaa".
std::optional<Rgba> parse_rgba(std::string_view text);

enum class LayerKind { raster, vector };

struct LayerStyle {
    std::string name;  // shown in the panel; defaults to `layer` or the file name
    LayerKind kind = LayerKind::vector;
    std::filesystem::path source;  // resolved against the config file's folder
    std::string layer;             // OGR layer name; empty = the first layer
    std::optional<Rgba> fill;
    std::optional<Rgba> outline;
    float outline_width = 1.0f;          // pixels
    std::array<float, 2> dash = {0, 0};  // on/off pixels; {0,0} = solid
    float opacity = 1.0f;
    bool visible = true;
    std::optional<double> min_zoom;  // drawn only when metres per pixel >= min_zoom
    std::optional<double> max_zoom;  // ... and <= max_zoom
    // Fields to label each feature with, each on its own line (a grid's name over its code).
    std::vector<std::string> label_fields;
    std::optional<double> label_max_zoom;  // labels only when metres per pixel <= this
    std::optional<Rgba> label_color;
    float label_size = 0;  // pixels; 0 = the panel font size
    // This layer is the road network the console routes units along (docs/dispatch.md,
    // "Units"), its lines joined as said; nothing: a layer only drawn.
    std::optional<RoadJunctions> road_network;

    bool shown_at(double metres_per_pixel) const {
        return visible && (!min_zoom || metres_per_pixel >= *min_zoom) &&
               (!max_zoom || metres_per_pixel <= *max_zoom);
    }
};

// The city's areas as the wall aggregates and picks them: the config's [[area]] levels
// (docs/config.md, "Areas"), by their index in it.
using AreaLevel = std::uint8_t;

enum class AggregateMode { automatic, on, off };

struct AggregateStyle {
    AggregateMode mode = AggregateMode::automatic;
    double above_metres_per_pixel = 30;  // automatic: the choropleth replaces markers beyond
    // The hierarchy the choropleth shows (its levels, chosen by zoom); empty: the first one.
    std::string hierarchy;
    // A level is coloured while its typical area (the median width) is at least this many
    // pixels wide; zoomed out further, the level above it takes over.
    double area_pixels = 24;
    float opacity = 0.78f;
    bool critical_markers = true;  // critical incidents stay markers over the choropleth
    // [animation]: a new incident pulses this long, a closed one fades out over this long
    // (seconds on the animation clock).
    double pulse_s = 6;
    double fade_s = 4;
};

struct ViewerConfig {
    std::filesystem::path path;
    // [centre]: the name the wall is headed with and the language(s) it speaks.
    CentreConfig centre;
    std::string title = "citywall";  // the window's
    int width = 1920;
    int height = 1080;
    bool fullscreen = false;
    // One borderless window over every monitor (a wall of several displays driven by one
    // machine); the picture is laid out for the whole span.
    bool span = false;

    std::string updates_endpoint;   // ingest PUB
    std::string snapshot_endpoint;  // ingest ROUTER
    double stale_after_s = 3.0;
    // This wall's key pair and the ingest's public key; none: no CURVE (an ingest with keys off).
    std::optional<WallKeys> keys;
    // [console] role: what this wall's key may do at ingest, so the detail panel offers those
    // steps of a case; none: a wall that only watches.
    std::optional<WallRole> console;

    std::optional<std::array<double, 2>> center_lonlat;
    std::optional<double> metres_per_pixel;
    Rgba background{0.035f, 0.047f, 0.067f, 1.0f};

    std::filesystem::path font = CITYWALL_DEFAULT_FONT;
    int font_index = 2;  // NotoSansCJK-Regular.ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
    float font_size = 18.0f;
    std::filesystem::path palette;  // empty = the palette built into the binary

    std::vector<LayerStyle> layers;
    std::vector<AreaLevelConfig> areas;
    AggregateStyle aggregate;
};

Result<ViewerConfig> load_viewer_config(const std::filesystem::path& path);

}  // namespace citywall::viewer
