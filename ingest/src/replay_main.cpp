// citywall-replay: a drill ingest that plays a recording (another ingest's journal, or a window
// of it) to the drill's walls, steered by a trainer's key (docs/drills.md, "Replay").
#include <CLI/CLI.hpp>
#include <cstdio>

#include "citywall/config.hpp"
#include "citywall/feed_time.hpp"
#include "serve.hpp"

namespace {
int fail(const std::string& why) {
    std::fprintf(stderr, "citywall-replay: %s\n", why.c_str());
    return 2;
}
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-replay: a recording of the city played into a drill"};
    std::string config_path, journal_dir, recording, from, to;
    citywall::ingest::ReplayOptions replay;
    app.add_option("-c,--config", config_path,
                   "the drill's ingest configuration (TOML, [ingest] drill = true)")
        ->required();
    app.add_option("-r,--recording", recording, "the journal directory to play (read only)")
        ->required();
    app.add_option("--journal", journal_dir,
                   "the drill's own journal directory (overrides the config)");
    app.add_option("--from", from,
                   "the window's start: ISO 8601 with a zone, or epoch ms (default: the "
                   "recording's start)");
    app.add_option("--to", to, "the window's end, the same way (default: the recording's end)");
    app.add_option("--speed", replay.speed,
                   "times real time, 0.25 to 64; 0 plays as fast as possible (default 1)");
    app.add_flag("--paused", replay.paused, "start paused at the window's start");
    app.add_flag("--loop", replay.loop, "start the window again at its end");
    citywall::ingest::StartOptions start;
    app.add_flag("--accept-journal-damage", start.accept_journal_damage,
                 "start although the drill's own journal has damage (see citywall-ingest)");
    std::string scenario;
    app.add_option("--scenario", scenario,
                   "a scenario (CSV, docs/drills.md): its rows sent in at their times after the "
                   "window's start, on top of the recording");
    app.footer(
        "Walls follow the drill's ports as they follow a live ingest; a key of role "
        "trainer steers the replay (play, pause, speed, step, seek, loop, bookmarks).");
    CLI11_PARSE(app, argc, argv);

    auto config = citywall::load_ingest_config(config_path);
    if (!config) return fail("config: " + config.error());
    if (!journal_dir.empty()) config->journal_dir = journal_dir;
    if (!config->drill)
        return fail("config: " + config_path +
                    " is not a drill's ([ingest] drill = true): a recording is played only into "
                    "a drill, with a journal and ports of its own");
    replay.recording = recording;
    for (auto [text, into] : {std::pair{&from, &replay.from}, std::pair{&to, &replay.to}}) {
        if (text->empty()) continue;
        auto parsed = citywall::parse_moment(*text);
        if (!parsed) return fail(parsed.error());
        *into = *parsed;
    }
    start.replay = replay;
    start.scenario = scenario;
    return citywall::ingest::serve_until_stopped("citywall-replay", *config, start);
}
