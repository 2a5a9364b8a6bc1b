// citywall-replay: a drill ingest that plays a recording (another ingest's journal, or a window
// of it) to the drill's walls, steered by a trainer's key (docs/drills.md, "Replay").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>

#include "citywall/config.hpp"
#include "citywall/feed_time.hpp"
#include "drill_package.hpp"
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
                   "the drill's ingest configuration (TOML, [ingest] drill = true)");
    app.add_option("-r,--recording", recording, "the journal directory to play (read only)");
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
    std::filesystem::path package_out, wall_config, package, into, keys, live_config;
    app.add_option("--package-out", package_out,
                   "write a drill package (FILE.tar, or .tar.gz) of the window: the recording's "
                   "window, the map files of --config and --wall-config, --scenario; then stop");
    app.add_option("--wall-config", wall_config, "with --package-out: a drill wall's config");
    app.add_option("--package", package,
                   "replay a drill package: unpacked into --into, then played as its manifest "
                   "says (its window, its scenario)");
    app.add_option("--into", into,
                   "with --package: the folder to unpack into (default: the archive's name "
                   "beside it); a folder that holds the package already is used as it is");
    app.add_option("--keys", keys,
                   "with --package: this centre's key folder (citywall-keygen's), holding the "
                   "key files the package's configs name");
    app.add_option("--live-config", live_config,
                   "with --package: this centre's live ingest config, whose journal and ports "
                   "the drill refuses");
    app.footer(
        "Walls follow the drill's ports as they follow a live ingest; a key of role "
        "trainer steers the replay (play, pause, speed, step, seek, loop, bookmarks).");
    CLI11_PARSE(app, argc, argv);

    for (auto [text, into_ms] : {std::pair{&from, &replay.from}, std::pair{&to, &replay.to}}) {
        if (text->empty()) continue;
        auto parsed = citywall::parse_moment(*text);
        if (!parsed) return fail(parsed.error());
        *into_ms = *parsed;
    }
    if (!package_out.empty()) {
        if (config_path.empty() || recording.empty() || !package.empty())
            return fail("--package-out needs --config and --recording (and no --package)");
        citywall::ingest::PackageRequest request{recording,   replay.from, replay.to,  config_path,
                                                 wall_config, scenario,    package_out};
        auto written = citywall::ingest::write_package(request);
        if (!written) return fail("package: " + written.error());
        const auto& w = written->window;
        std::string keys_needed;
        for (const std::string& key : written->keys)
            keys_needed += (keys_needed.empty() ? "" : ", ") + key;
        std::printf(
            "citywall-replay: %s: %s to %s, %llu records (%llu of them the picture at the "
            "start), %llu files, %.1f MB; the receiving centre's keys: %s\n",
            package_out.c_str(), citywall::format_iso8601_utc(w.from).c_str(),
            citywall::format_iso8601_utc(w.to).c_str(), static_cast<unsigned long long>(w.records),
            static_cast<unsigned long long>(w.picture_records),
            static_cast<unsigned long long>(written->files),
            static_cast<double>(written->bytes) / 1e6,
            keys_needed.empty() ? "none (keys off)" : keys_needed.c_str());
        return 0;
    }
    std::string packaged_wall;
    if (!package.empty()) {
        if (!config_path.empty() || !recording.empty() || !from.empty() || !to.empty())
            return fail("--package brings its config, recording and window: give none of them");
        if (into.empty()) {
            std::string name = package.filename().string();
            for (const char* suffix : {".tar.gz", ".tgz", ".tar"})
                if (name.ends_with(suffix) && name.size() > std::strlen(suffix)) {
                    name.resize(name.size() - std::strlen(suffix));
                    break;
                }
            into = package.parent_path() /
                   (name == package.filename().string() ? name + ".drill" : name);
        }
        auto unpacked = citywall::ingest::unpack_package(package, into, keys);
        if (!unpacked) return fail("package: " + unpacked.error());
        std::fprintf(stderr, "citywall-replay: %s %s\n",
                     unpacked->reused ? "replaying the package already in" : "unpacked into",
                     unpacked->folder.c_str());
        packaged_wall = unpacked->wall_config.string();
        config_path = unpacked->config.string();
        recording = unpacked->recording.string();
        replay.from = unpacked->from;
        replay.to = unpacked->to;
        if (scenario.empty()) scenario = unpacked->scenario.string();
    } else if (config_path.empty() || recording.empty()) {
        return fail("give --config and --recording, or --package");
    }
    auto config = citywall::load_drill_config(
        config_path,
        "a recording is played only into a drill, with a journal and ports of its own");
    if (!config) return fail("config: " + config.error());
    if (!journal_dir.empty()) config->journal_dir = journal_dir;
    if (!live_config.empty()) config->live_config = live_config;
    if (!package.empty())
        std::fprintf(stderr,
                     "citywall-replay: walls follow it with citywall-viewer --config %s "
                     "--updates %s --snapshot-endpoint %s (and this centre's wall key)\n",
                     packaged_wall.empty() ? "WALL.toml" : packaged_wall.c_str(),
                     config->updates_endpoint.c_str(), config->snapshot_endpoint.c_str());
    replay.recording = recording;
    start.replay = replay;
    start.scenario = scenario;
    return citywall::ingest::serve_until_stopped("citywall-replay", *config, start);
}
