// The wall at chosen moments of a drill, for the debrief: for each moment the drill's journal is
// replayed into a drill ingest paused there (citywall-replay on the drill's own config, with a
// scratch journal), and the wall renders it headless (citywall-viewer --snapshot), banner and
// all, exactly as a wall following the drill saw it then.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "drill_debrief.hpp"

namespace citywall::debrief {

struct PictureRequest {
    std::filesystem::path journal;          // the drill's journal
    std::filesystem::path drill_config;     // the drill ingest's config: its ports and keys
    std::filesystem::path wall_config;      // the wall's config: its map layers
    std::filesystem::path wall_key_file;    // a wall key the drill admits (keys on)
    std::filesystem::path ingest_key_file;  // the drill ingest's public key (keys on)
    std::filesystem::path replay_program;   // citywall-replay
    std::filesystem::path viewer_program;   // citywall-viewer
    std::filesystem::path work;             // scratch: the replays' journals and logs
    std::string size = "1600x900";
    int timeout_s = 120;  // for one picture
};

struct Moment {
    TimeMs at = 0;
    std::string caption;
};

// One picture a moment, in order; a moment that could not be drawn has its failure instead (the
// page says why). Fails only when nothing can be drawn at all (no drill config, no programs).
Result<std::vector<WallPicture>> draw_moments(const PictureRequest& request,
                                              const std::vector<Moment>& moments);

// A program of the suite: beside this one (installed), in the build tree's folder for it, or
// the name alone (looked up on PATH).
std::filesystem::path sibling_program(const std::string& name, const std::string& build_folder);

}  // namespace citywall::debrief
