// The app shell: window and GL context (GLFW), Dear ImGui's four calls, the frame, and the
// two ways to run — on a screen, or once into a PNG (snapshot mode, used by tests and CI).
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>

#include "viewer_config.hpp"

namespace citywall::viewer {

struct RunOptions {
    // One picture into a PNG and exit (snapshot mode) when set.
    std::filesystem::path snapshot_out;
    int snapshot_width = 1920;
    int snapshot_height = 1080;
    std::size_t after_incidents = 0;
    double timeout_s = 30;
    // While running on a screen, a PNG every this many seconds (0 = never).
    double snapshot_every_s = 0;
    std::filesystem::path snapshot_dir = ".";
    // The initial view; otherwise the config's, otherwise the first vector layer's extent.
    std::optional<std::array<double, 2>> center_lonlat;
    std::optional<double> metres_per_pixel;
    // Leaves out of the picture what changes from run to run (the wall clock, the endpoint
    // address), for reference images.
    bool deterministic = false;
    // Leaves the side panel and the layer box out (the map and the banners stay), so a test
    // can compare two pictures of the map alone.
    bool hide_panels = false;
};

// Returns the process exit code.
int run_wall(const ViewerConfig& config, const RunOptions& options);

}  // namespace citywall::viewer
