// `--script FILE`: commands for headless interaction tests, one a line, each answered by one
// JSON line on stdout (docs/viewer.md, "Scripts"). The exit code is 0 when every command ran
// and every expectation held, 4 when an expectation failed, 2 for a malformed script.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "wall_app.hpp"

namespace citywall::viewer {

int run_script(WallApp& app, const RunOptions& options);

// Shared with snapshot mode (wall_modes.cpp): three frames offscreen, then OUT and OUT.json.
Result<void> take_picture(WallApp& app, const std::filesystem::path& out, int width, int height);
// Pumps the stream until `count` incidents are open; false on timeout.
bool wait_for_incidents(WallApp& app, std::size_t count, double timeout_s);

}  // namespace citywall::viewer
