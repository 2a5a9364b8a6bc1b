// citywall-debrief: a drill's journal as one self-contained HTML page — the timeline, every
// order and its response times, the deadlines missed, each department's figures, and the wall at
// the trainer's bookmarks (docs/drills.md, "Debriefing a drill").
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <string>

#include "citywall/feed_time.hpp"
#include "drill_debrief.hpp"
#include "wall_pictures.hpp"

namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "citywall-debrief: %s\n", message.c_str());
    return 1;
}

// At most this many pictures: each is a replay and a wall drawn, seconds apiece.
constexpr std::size_t kMaxPictures = 24;

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    using namespace citywall;
    CLI::App app{"citywall-debrief: a drill's journal as one HTML page for the debrief"};
    std::string journal, out, from, to, config_path, wall_config, title, zone_name;
    std::vector<std::string> moments;
    debrief::PictureRequest pictures;
    bool no_bookmarks = false;
    app.add_option("--journal", journal, "the drill's journal directory (read only)")
        ->required()
        ->check(CLI::ExistingDirectory);
    app.add_option("--out", out, "the page to write (.html)")->required();
    app.add_option("--from", from,
                   "the window's start: ISO 8601 with a zone, or epoch ms (default: the start)");
    app.add_option("--to", to, "the window's end, the same way (default: the end)");
    app.add_option("--config", config_path,
                   "the drill ingest's config: departments' names, the language, the time zone; "
                   "with --wall-config, the ports the pictures are replayed on")
        ->check(CLI::ExistingFile);
    app.add_option("--wall-config", wall_config,
                   "a wall's config: draw the wall at each bookmark and --at moment")
        ->check(CLI::ExistingFile);
    app.add_option("--wall-key-file", pictures.wall_key_file,
                   "a wall's NAME.key the drill admits (when its keys are on)");
    app.add_option("--ingest-key-file", pictures.ingest_key_file,
                   "the drill ingest's public key file (when its keys are on)");
    app.add_option("--at", moments, "also draw the wall at this moment (repeatable)");
    app.add_flag("--no-bookmark-pictures", no_bookmarks, "draw only the --at moments");
    app.add_option("--size", pictures.size, "the pictures' size WxH")->capture_default_str();
    app.add_option("--title", title, "the page's heading");
    app.add_option("--time-zone", zone_name,
                   "the page's times in this IANA zone (default: the config's centre, else the "
                   "machine's)");
    CLI11_PARSE(app, argc, argv);

    std::optional<TimeMs> window_from, window_to;
    for (auto [text, into] : {std::pair{&from, &window_from}, std::pair{&to, &window_to}}) {
        if (text->empty()) continue;
        auto parsed = parse_moment(*text);
        if (!parsed) return fail(parsed.error());
        *into = *parsed;
    }
    std::optional<IngestConfig> config;
    if (!config_path.empty()) {
        auto loaded = load_ingest_config(config_path);
        if (!loaded) return fail("config: " + loaded.error());
        config = std::move(*loaded);
    }
    debrief::PageOptions page;
    page.title = title;
    page.config = config ? &*config : nullptr;
    if (zone_name.empty() && config) zone_name = config->centre.time_zone;
    if (zone_name.empty()) {
        auto machine = TimeZone::machine_zone_name();
        zone_name = machine ? *machine : "UTC";
    }
    auto zone = TimeZone::find(zone_name);
    if (!zone) return fail("time zone: " + zone.error());
    page.zone = *zone;

    auto read = debrief::read_debrief(journal, window_from, window_to);
    if (!read) return fail(read.error());

    std::vector<debrief::WallPicture> drawn;
    if (!wall_config.empty()) {
        if (config_path.empty()) return fail("--wall-config needs --config, the drill's");
        std::vector<debrief::Moment> chosen;
        for (const std::string& text : moments) {
            auto at = parse_moment(text);
            if (!at) return fail("--at: " + at.error());
            chosen.push_back({*at, ""});
        }
        if (!no_bookmarks)
            for (const wire::Bookmark& b : read->bookmarks)
                chosen.push_back({b.at, b.note});
        std::stable_sort(chosen.begin(), chosen.end(),
                         [](const auto& a, const auto& b) { return a.at < b.at; });
        if (chosen.size() > kMaxPictures) {
            std::fprintf(stderr, "citywall-debrief: %zu moments; the first %zu are drawn\n",
                         chosen.size(), kMaxPictures);
            chosen.resize(kMaxPictures);
        }
        pictures.journal = journal;
        pictures.drill_config = config_path;
        pictures.wall_config = wall_config;
        pictures.replay_program = debrief::sibling_program("citywall-replay", "ingest");
        pictures.viewer_program = debrief::sibling_program("citywall-viewer", "viewer");
        pictures.work = fs::temp_directory_path() /
                        ("citywall-debrief-" + std::to_string(static_cast<long>(getpid())));
        auto made = debrief::draw_moments(pictures, chosen);
        std::error_code ignored;
        fs::remove_all(pictures.work, ignored);
        if (!made) return fail(made.error());
        drawn = std::move(*made);
        for (const auto& p : drawn)
            if (!p.failure.empty())
                std::fprintf(stderr, "citywall-debrief: no picture at %s: %s\n",
                             format_iso8601_utc(p.at).c_str(), p.failure.c_str());
    }

    const std::string html = debrief::debrief_page(*read, drawn, page);
    const fs::path target = out;
    const fs::path temporary = target.string() + ".part";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << html;
        if (!file.flush()) return fail("cannot write " + temporary.string());
    }
    std::error_code error;
    fs::rename(temporary, target, error);
    if (error) return fail("cannot write " + target.string() + ": " + error.message());
    std::fprintf(stderr,
                 "citywall-debrief: wrote %s: %zu incidents, %zu orders, %zu deadlines missed, "
                 "%zu bookmarks, %zu pictures\n",
                 target.c_str(), read->first_seen.size(), read->orders.size(), read->missed.size(),
                 read->bookmarks.size(), drawn.size());
    return 0;
}
