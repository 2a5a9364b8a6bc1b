// Private to ingest: a recording played into a drill ingest (docs/drills.md, "Replay"). The
// recording's picture and records come from core's RecordedPicture, its pace from ReplayClock;
// what ingest does with each record (its own numbered, journaled, published event) is in
// drill_replay.cpp, beside the trainer's commands that steer it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "citywall/ingest_server.hpp"
#include "citywall/replay.hpp"
#include "citywall/wire.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

// Records played in one pass of the loop at most: the walls' requests and the departments wait
// no longer than that many events take (about 10 ms).
constexpr std::size_t kReplayPerPass = 1024;
// Parts of the window in the timeline's histogram.
constexpr std::size_t kDensityBins = 240;
// Who a replayed record comes from, in the batch beside the departments' events.
constexpr const char* kReplaySource = "@replay";
// A drill's bookmarks at most, and a note's bytes: every status the walls are sent holds them.
constexpr std::size_t kMaxBookmarks = 1000;
constexpr std::size_t kMaxBookmarkNote = 1000;

// Whether a drill may start as configured: never on the live city's journal or endpoints
// (`live_config`); a recording replayed only into a drill, never into its own journal. Checked
// before the journal is touched.
Result<void> drill_allowed(const IngestConfig& config, const StartOptions& options);

// A drill's bookmarks beside its checkpoint `seq` (those after it are read from the journal),
// as one wire message replaced whole (state_file.hpp).
Result<void> save_bookmarks(const std::filesystem::path& dir, std::uint64_t seq,
                            const std::vector<wire::Bookmark>& bookmarks);
Result<Restored> load_bookmarks(const std::filesystem::path& dir, std::uint64_t seq,
                                std::vector<wire::Bookmark>& bookmarks);

struct DrillReplay {
    ReplayOptions options;
    RecordedPicture recording;
    ReplayClock clock;
    std::string name;  // the recording's directory name, for the walls
    std::vector<std::uint32_t> density;
    // Incidents a step of the drill touched (an order, a sign, a note): the recording's later
    // updates of them keep the drill's case, and only their orders go to departments. A seek
    // forgets them with the picture they were in.
    std::unordered_set<std::uint64_t> drilled;
    // The orders the drill gave (their ids): only these go out to departments, never a
    // recorded one, even on a case the drill has taken up since.
    std::unordered_set<std::string> orders;
    bool said_end = false;  // the end of the window (or of a failing recording) was logged
    // A record was not taken (the journal failed), or the state was rebuilt from the journal:
    // once the journal works, the picture where the replay stands is sent again (a rewind).
    bool needs_rewind = false;

    // Opens the recording, plays its window once (every later seek then starts near a copy
    // kept on the way) and stands at the window's start.
    static Result<std::unique_ptr<DrillReplay>> open(const ReplayOptions& options, TimeMs now);
    bool drilled_case(std::uint64_t id) const { return drilled.contains(id); }
};

}  // namespace citywall::ingest
