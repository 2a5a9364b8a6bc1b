// citywall-viewer: draws the city's grids, police beats and live incidents on the wall.
// docs/viewer.md describes the command line and the config file.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "viewer_config.hpp"
#include "wall_app.hpp"

namespace {

bool parse_pair(const std::string& text, char separator, double& a, double& b) {
    const auto at = text.find(separator);
    if (at == std::string::npos) return false;
    try {
        std::size_t used_a = 0, used_b = 0;
        a = std::stod(text.substr(0, at), &used_a);
        b = std::stod(text.substr(at + 1), &used_b);
        return used_a == at && used_b == text.size() - at - 1;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

int main(int argc, char** argv) {
    using citywall::viewer::RunOptions;
    CLI::App app{"citywall-viewer: the city operations wall"};
    std::string config_path, updates, snapshot_endpoint, size = "1920x1080", center;
    std::string snapshot_out, snapshot_dir = ".", script, key_file, ingest_key_file;
    bool fullscreen = false, span = false;
    RunOptions options;
    double mpp = 0;
    app.add_option("--config", config_path, "viewer config (TOML)")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--updates", updates, "ingest PUB endpoint (overrides [ingest] updates)");
    app.add_option("--snapshot-endpoint", snapshot_endpoint,
                   "ingest ROUTER endpoint (overrides [ingest] snapshot)");
    app.add_option("--key-file", key_file,
                   "this wall's NAME.key (overrides [ingest] key_file; needs --ingest-key-file)");
    app.add_option("--ingest-key-file", ingest_key_file,
                   "the ingest's public key file (overrides [ingest] ingest_key_file)");
    app.add_option("--snapshot", snapshot_out, "render one picture into this PNG and exit");
    app.add_option("--size", size, "snapshot size WxH")->capture_default_str();
    app.add_option("--after-incidents", options.after_incidents,
                   "snapshot once this many incidents are open (0 = once the map is loaded)");
    app.add_option("--timeout", options.timeout_s, "snapshot: give up after SECONDS")
        ->capture_default_str();
    app.add_option("--snapshot-every", options.snapshot_every_s,
                   "while running, write DIR/wall-NNNN.png every SECONDS");
    app.add_option("--snapshot-dir", snapshot_dir, "folder for --snapshot-every")
        ->capture_default_str();
    app.add_option("--center", center, "initial view centre LON,LAT (WGS84)");
    app.add_option("--metres-per-pixel", mpp, "initial scale (Web Mercator metres per pixel)");
    app.add_flag("--deterministic", options.deterministic,
                 "leave the wall clock and endpoint out of the panel (reference images)");
    app.add_option("--script", script, "run commands from FILE headless (docs/viewer.md)")
        ->check(CLI::ExistingFile);
    app.add_option("--ui-scale", options.ui_scale, "multiply the panel font size (big walls)")
        ->check(CLI::Range(0.5, 4.0));
    app.add_flag("--fullscreen", fullscreen, "full screen on the primary monitor");
    app.add_flag("--span", span, "one borderless window across every monitor (a video wall)");
    app.add_flag("--no-panels", options.hide_panels,
                 "draw the map, incidents and banners without the side panel and layer box");
    CLI11_PARSE(app, argc, argv);

    auto config = citywall::viewer::load_viewer_config(config_path);
    if (!config) {
        std::fprintf(stderr, "citywall-viewer: %s\n", config.error().c_str());
        return 2;
    }
    if (!updates.empty()) config->updates_endpoint = updates;
    if (key_file.empty() != ingest_key_file.empty()) {
        std::fprintf(stderr, "citywall-viewer: give both --key-file and --ingest-key-file\n");
        return 2;
    }
    if (!key_file.empty()) {
        auto keys = citywall::load_wall_keys(key_file, ingest_key_file);
        if (!keys) {
            std::fprintf(stderr, "citywall-viewer: %s\n", keys.error().c_str());
            return 2;
        }
        config->keys = std::move(*keys);
    }
    if (fullscreen) config->fullscreen = true;
    if (span) config->span = true;
    options.script = script;
    if (!snapshot_endpoint.empty()) config->snapshot_endpoint = snapshot_endpoint;
    if (config->updates_endpoint.empty() != config->snapshot_endpoint.empty()) {
        std::fprintf(stderr, "citywall-viewer: give both the updates and the snapshot endpoint\n");
        return 2;
    }

    double w = 0, h = 0;
    if (!parse_pair(size, 'x', w, h) || w < 16 || h < 16 || w > 16384 || h > 16384) {
        std::fprintf(stderr, "citywall-viewer: --size must be WxH, e.g. 1920x1080\n");
        return 2;
    }
    options.snapshot_width = static_cast<int>(w);
    options.snapshot_height = static_cast<int>(h);
    if (!center.empty()) {
        double lon = 0, lat = 0;
        if (!parse_pair(center, ',', lon, lat) || lon < -180 || lon > 180 || lat < -85 ||
            lat > 85) {
            std::fprintf(stderr, "citywall-viewer: --center must be LON,LAT\n");
            return 2;
        }
        options.center_lonlat = std::array<double, 2>{lon, lat};
    }
    if (mpp < 0) {
        std::fprintf(stderr, "citywall-viewer: --metres-per-pixel must be positive\n");
        return 2;
    }
    if (mpp > 0) options.metres_per_pixel = mpp;
    options.snapshot_out = snapshot_out;
    options.snapshot_dir = snapshot_dir;
    if (!options.script.empty() && !options.snapshot_out.empty()) {
        std::fprintf(stderr, "citywall-viewer: --script takes snapshots itself; not --snapshot\n");
        return 2;
    }
    if (options.after_incidents > 0 && config->updates_endpoint.empty()) {
        std::fprintf(stderr, "citywall-viewer: --after-incidents needs ingest endpoints\n");
        return 2;
    }
    return citywall::viewer::run_wall(*config, options);
}
