// citywall-replay-bench: seeking in a busy day's recording, the journal's time index against
// reading from the start, side by side in one run; and how fast the recording's busiest hour is
// played, against what 64× real time needs.
//
//   citywall-replay-bench [--records 1000000] [--seeks 200] [--scans 5] [--dir DIR]
//
// The recording: a day of records (about 40 % incident events, 60 % unit fixes, wire-encoded
// as ingest journals them; a day shape with the busiest hour at three times the mean), written
// through JournalWriter in 64 MiB segments. A seek is RecordingCursor::seek to a random moment
// then playing the next 1,000 records; the baseline reads the journal from its start up to the
// same moment. Then the wall's picture at a random moment (RecordedPicture: the nearest kept
// picture and the records after it). Then the drill end to end: citywall-replay's ingest on the
// recording with a wall following it over loopback; a trainer's seek is timed from the command
// to the wall holding the picture of the moment (every event of the rewind applied), and the
// busiest hour is played as fast as the drill ingest takes it (each record journaled and
// published as the drill's own event). Last, a drill package of the evening's four hours: the
// window's journal, packed plain and gzip, read back. Results: docs/benchmarks.md, "Replay",
// "Drill seek", "Drill package".
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "citywall/ingest_server.hpp"
#include "citywall/journal.hpp"
#include "citywall/journal_index.hpp"
#include "citywall/replay.hpp"
#include "citywall/wire.hpp"
#include "drill_package.hpp"
#include "loopback.hpp"
#include "package_archive.hpp"
#include "wall_client.hpp"

namespace {

using namespace citywall;
using Clock = std::chrono::steady_clock;
constexpr TimeMs kDayStart = 1'780'000'000'000;
constexpr TimeMs kDayMs = 86'400'000;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The day's shape: quiet at night, busiest in the evening (three times the mean at 19:00).
double rate_at(double hour) {
    return 1.0 + 2.0 * std::exp(-std::pow((hour - 19.0) / 2.0, 2)) +
           0.8 * std::exp(-std::pow((hour - 9.0) / 2.5, 2)) -
           0.6 * std::exp(-std::pow((hour - 3.5) / 2.0, 2));
}

// Record k of the day: an incident's event (40 %; about 30,000 incidents open at a time, one
// event in ten closing one) or a fix of one of 2,000 units (60 %), as ingest journals them.
std::string payload(std::uint64_t k, TimeMs time) {
    static const char* kTitles[] = {"滨江花园7栋住宅起火", "滨江路地铁站附近盗窃",
                                    "解放大道两车追尾", "城东菜市场占道经营"};
    static const char* kCategories[] = {"fire.building", "police.theft", "traffic.crash",
                                        "city.street_vendor"};
    if (k % 5 < 2) {
        Incident i;
        // Four events an incident, 30,000 incident events apart: about 30,000 open at a time.
        const std::uint64_t n = k / 5 * 2 + k % 5;  // the incident events so far
        const std::uint64_t round = n % 120'000 / 30'000;
        i.id = 1 + n / 120'000 * 30'000 + n % 30'000;
        i.category = kCategories[i.id % 4];
        i.title = kTitles[i.id % 4];
        i.location = {114.0 + (i.id % 3400) * 1e-4, 22.5 + (i.id % 3700) * 1e-4};
        i.received = time;
        i.updated = time;
        i.status = round == 3 ? IncidentStatus::closed : IncidentStatus::reported;
        i.areas = {{"district", "449902", "江北区"},
                   {"street", "449902001", "滨江街道"},
                   {"community", "449902001001", "友湾社区"},
                   {"grid", "449902001001002", "友湾社区第2网格"}};
        i.sources.push_back({"110", "P-" + std::to_string(i.id), IncidentStatus::reported, time});
        return wire::encode(wire::Message{wire::IncidentUpdate{k + 1, std::move(i)}});
    }
    Unit u;
    u.id = "U" + std::to_string(k % 2000);
    u.department = "110";
    u.callsign = "巡逻" + std::to_string(k % 2000);
    u.location = {114.1 + (k % 977) * 1e-4, 22.6 + (k % 991) * 1e-4};
    u.reported = time;
    return wire::encode(wire::Message{wire::UnitUpdate{k + 1, std::move(u)}});
}

struct Percentiles {
    double p50, p99, max;
};
Percentiles percentiles(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))];
    };
    return {at(0.5), at(0.99), v.back()};
}

}  // namespace

// The drill end to end: citywall-replay's ingest on the recording, a wall following it.
bool drill(const std::filesystem::path& recording, int seeks, TimeMs busiest,
           std::uint64_t busiest_records, std::mt19937_64& rng) {
    namespace fs = std::filesystem;
    const fs::path own = recording.string() + "-drill";
    fs::remove_all(own);
    IngestConfig config = testing::loopback_config(own);
    config.drill = true;
    config.role_without_keys = WallRole::trainer;
    ingest::StartOptions options;
    options.replay = ingest::ReplayOptions{recording, 0, 0, 1, true, false};
    auto start = Clock::now();
    auto server = ingest::IngestServer::create(config, options);
    if (!server) {
        std::fprintf(stderr, "drill: %s\n", server.error().c_str());
        return false;
    }
    std::printf(
        "drill: citywall-replay's ingest opened the day in %.1f s (played once through, "
        "pictures kept for seeks)\n",
        ms_since(start) / 1000);
    std::atomic<bool> stop{false};
    std::thread loop([&] { (*server)->run(stop); });
    bool ok = true;
    {
        zmq::context_t context(1);
        testing::WallClient wall(context, config.updates_endpoint, config.snapshot_endpoint);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        wall.request_snapshot();
        ok = wall.pump_until([](const CityPicture& p) { return p.drill_clock().has_value(); });
        std::uniform_int_distribution<TimeMs> moment(kDayStart, kDayStart + kDayMs);
        std::vector<double> seek_ms;
        std::size_t open = 0;
        for (int s = 0; ok && s < seeks; ++s) {
            wire::DrillCommand seek;
            seek.id = "seek-" + std::to_string(s);
            seek.action = wire::DrillAction::seek;
            seek.at = moment(rng);
            start = Clock::now();
            const auto reply = wall.command(seek, std::chrono::seconds(60));
            ok = reply && reply->accepted &&
                 wall.pump_until([&](const CityPicture& p) { return p.seq() >= reply->seq; },
                                 std::chrono::seconds(60));
            seek_ms.push_back(ms_since(start));
            open = wall.picture.incidents().size();
        }
        if (!ok) std::fprintf(stderr, "drill: a seek was not answered\n");
        const Percentiles p = percentiles(seek_ms);
        std::printf(
            "drill seek, command to the wall's picture of the moment (rewind + every open "
            "incident and unit as events, journaled, published, applied): p50 %.0f ms, p99 "
            "%.0f ms, max %.0f ms (%zu seeks; the last had %zu incidents open; target under "
            "1 s)\n",
            p.p50, p.p99, p.max, seek_ms.size(), open);
        // The busiest hour as fast as the drill takes it.
        wire::DrillCommand seek;
        seek.id = "hour";
        seek.action = wire::DrillAction::seek;
        seek.at = busiest;
        auto reply = wall.command(seek, std::chrono::seconds(60));
        ok = ok && reply && reply->accepted &&
             wall.pump_until([&](const CityPicture& pic) { return pic.seq() >= reply->seq; });
        const std::uint64_t first = (*server)->counters().replayed;
        wire::DrillCommand fastest;
        fastest.id = "fastest";
        fastest.action = wire::DrillAction::speed;
        fastest.speed = 0;
        reply = wall.command(fastest);
        wire::DrillCommand play;
        play.id = "play";
        play.action = wire::DrillAction::play;
        start = Clock::now();
        reply = wall.command(play);
        ok = ok && reply && reply->accepted &&
             wall.pump_until(
                 [&](const CityPicture& pic) {
                     return pic.drill_clock() && pic.drill_clock()->time >= busiest + 3'600'000;
                 },
                 std::chrono::seconds(120));
        const double hour_ms = ms_since(start);
        const std::uint64_t played = (*server)->counters().replayed - first;
        const double needed = static_cast<double>(busiest_records) / (3600.0 / 64.0);
        std::printf(
            "drill: the busiest hour as fast as the drill ingest takes it: %llu records in "
            "%.1f s, %.0f records/s (journaled, published, on the wall); 64x needs %.0f "
            "records/s: %.0fx to spare\n",
            static_cast<unsigned long long>(played), hour_ms / 1000, played / (hour_ms / 1000.0),
            needed, played / (hour_ms / 1000.0) / needed);
    }
    stop = true;
    loop.join();
    server->reset();
    fs::remove_all(own);
    return ok;
}

// A drill package of the evening's four hours: the window's journal (the picture at its start
// as records, then the window's records), then that journal in an archive, plain and gzip,
// and read back as the receiving centre reads it.
bool package(const std::filesystem::path& journal, TimeMs from, TimeMs to) {
    namespace fs = std::filesystem;
    const fs::path out = journal.string() + "-package";
    fs::remove_all(out);
    auto start = Clock::now();
    auto window = ingest::write_window_journal(journal, from, to, out / "journal");
    if (!window) {
        std::fprintf(stderr, "package: %s\n", window.error().c_str());
        return false;
    }
    const double window_ms = ms_since(start);
    std::uintmax_t bytes = 0;
    std::vector<fs::path> segments;
    for (const auto& e : fs::directory_iterator(out / "journal")) {
        bytes += e.file_size();
        segments.push_back(e.path());
    }
    std::printf(
        "package: the window 17:00-21:00 as a journal of its own in %.1f s (the records "
        "before it read once, the window's copied, both pictures checked against the "
        "recording): %llu records, %llu of them the picture at its start, %.0f MiB\n",
        window_ms / 1000, static_cast<unsigned long long>(window->records),
        static_cast<unsigned long long>(window->picture_records), bytes / 1048576.0);
    for (const char* name : {"window.tar", "window.tar.gz"}) {
        start = Clock::now();
        auto writer = ingest::ArchiveWriter::create(out / name);
        if (!writer) return false;
        for (const fs::path& segment : segments)
            if (!(*writer)->add_file("journal/" + segment.filename().string(), segment))
                return false;
        if (!(*writer)->finish()) return false;
        const double pack_ms = ms_since(start);
        start = Clock::now();
        auto reader = ingest::ArchiveReader::open(out / name);
        if (!reader) return false;
        std::string buffer(1u << 20, '\0');
        std::uint64_t read = 0;
        while (auto member = (*reader)->next()) {
            if (!*member) break;
            for (auto got = (*reader)->read(buffer.data(), buffer.size()); got && *got > 0;
                 got = (*reader)->read(buffer.data(), buffer.size()))
                read += *got;
        }
        std::printf("package: %s written in %.2f s, %.0f MiB; read back in %.2f s\n", name,
                    pack_ms / 1000, fs::file_size(out / name) / 1048576.0, ms_since(start) / 1000);
        if (read != bytes) return false;
    }
    fs::remove_all(out);
    return true;
}

int main(int argc, char** argv) {
    CLI::App app{
        "citywall-replay-bench: seeking in a day's recording, and its busiest hour at 64x"};
    std::uint64_t records = 1'000'000;
    int seeks = 200, scans = 5;
    std::string dir;
    app.add_option("--records", records, "records in the recording");
    app.add_option("--seeks", seeks, "random seeks through the index");
    app.add_option("--scans", scans, "seeks by reading from the start, for the baseline");
    app.add_option("--dir", dir, "where to write the recording (default: a temporary folder)");
    CLI11_PARSE(app, argc, argv);
    namespace fs = std::filesystem;
    const fs::path journal =
        dir.empty()
            ? fs::temp_directory_path() / ("citywall-replay-bench-" + std::to_string(::getpid()))
            : fs::path(dir);
    fs::remove_all(journal);

    // Times: the day's shape, sampled by its cumulative rate.
    std::vector<double> cumulative(24 * 60 + 1, 0);
    for (int m = 0; m < 24 * 60; ++m)
        cumulative[m + 1] = cumulative[m] + rate_at(m / 60.0);
    std::mt19937_64 rng(42);
    std::vector<TimeMs> times(records);
    for (std::uint64_t k = 0; k < records; ++k) {
        const double u = (k + 0.5) / static_cast<double>(records) * cumulative.back();
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        const auto minute = static_cast<double>(it - cumulative.begin() - 1);
        const double within =
            (u - cumulative[static_cast<std::size_t>(minute)]) / rate_at(minute / 60.0);
        times[k] = kDayStart + static_cast<TimeMs>((minute + within) * 60'000.0);
    }
    auto start = Clock::now();
    {
        auto writer = JournalWriter::open({journal, 64u << 20, 1000});
        if (!writer) {
            std::fprintf(stderr, "cannot write %s: %s\n", journal.c_str(), writer.error().c_str());
            return 1;
        }
        std::vector<JournalRecord> batch;
        for (std::uint64_t k = 0; k < records; ++k) {
            batch.push_back({k + 1, times[k], 1, payload(k, times[k])});
            if (batch.size() == 4096 || k + 1 == records) {
                if (!(*writer)->append_batch(batch)) return 1;
                batch.clear();
            }
        }
        if (!(*writer)->sync()) return 1;
    }
    std::uintmax_t size = 0;
    for (const auto& e : fs::directory_iterator(journal))
        size += e.file_size();
    std::printf("recording: %llu records over a day, %.0f MiB, written in %.1f s\n",
                static_cast<unsigned long long>(records), size / 1048576.0, ms_since(start) / 1000);

    start = Clock::now();
    auto cold = JournalIndex::open(journal);
    const double cold_ms = ms_since(start);
    start = Clock::now();
    auto warm = JournalIndex::open(journal);
    const double warm_ms = ms_since(start);
    if (!cold || !warm) return 1;
    std::printf(
        "index: opened in %.0f ms with no sidecars (%llu segments read, %llu sidecars "
        "written), %.0f ms with them (%llu read, %llu segment read whole)\n",
        cold_ms, static_cast<unsigned long long>(cold->stats().built),
        static_cast<unsigned long long>(cold->stats().written), warm_ms,
        static_cast<unsigned long long>(warm->stats().read),
        static_cast<unsigned long long>(warm->stats().built));

    auto cursor = RecordingCursor::open(journal);
    if (!cursor) return 1;
    std::uniform_int_distribution<TimeMs> moment(kDayStart, kDayStart + kDayMs);
    std::vector<double> seek_ms;
    for (int s = 0; s < seeks; ++s) {
        const TimeMs at = moment(rng);
        start = Clock::now();
        if (!cursor->seek(at)) return 1;
        cursor->play_until(std::numeric_limits<TimeMs>::max(), 1000,
                           [](JournalRecord&&, TimeMs) {});
        seek_ms.push_back(ms_since(start));
    }
    const Percentiles index_p = percentiles(seek_ms);
    std::vector<double> scan_ms;
    for (int s = 0; s < scans; ++s) {
        const TimeMs at = moment(rng);
        start = Clock::now();
        auto reader = JournalReader::open(journal);
        if (!reader) return 1;
        std::uint64_t read = 0;
        while (auto record = (*reader)->next()) {
            if (record->time >= at && ++read == 1000) break;
        }
        scan_ms.push_back(ms_since(start));
    }
    const Percentiles scan_p = percentiles(scan_ms);
    std::printf(
        "seek to a random moment and play 1,000 records: index p50 %.1f ms, p99 %.1f ms, "
        "max %.1f ms (%d seeks); reading from the start p50 %.0f ms, max %.0f ms (%d); "
        "the index %.0fx faster at the median\n",
        index_p.p50, index_p.p99, index_p.max, seeks, scan_p.p50, scan_p.max, scans,
        scan_p.p50 / index_p.p50);

    // The wall's picture at a random moment: the nearest picture kept (one every 50,000
    // records, kept while the day was played through once) and the records after it.
    auto replay = RecordedPicture::open(journal, 50'000);
    if (!replay) return 1;
    start = Clock::now();
    while (replay->play_until(std::numeric_limits<TimeMs>::max(), 65'536) != 0) {
    }
    const double through_ms = ms_since(start);
    std::printf(
        "the day played through into a wall's picture: %.1f s (%.0f records/s), %zu "
        "pictures kept, %zu incidents and %zu units at the end\n",
        through_ms / 1000, records / (through_ms / 1000), replay->copies_kept(),
        replay->picture().incidents().size(), replay->picture().units().size());
    std::vector<double> picture_ms;
    for (int s = 0; s < std::max(1, seeks / 4); ++s) {
        const TimeMs at = moment(rng);
        start = Clock::now();
        if (!replay->seek(at)) return 1;
        picture_ms.push_back(ms_since(start));
    }
    const Percentiles picture_p = percentiles(picture_ms);
    std::printf(
        "seek the wall's picture to a random moment: p50 %.0f ms, p99 %.0f ms, max %.0f "
        "ms (%zu seeks; target under 1 s)\n",
        picture_p.p50, picture_p.p99, picture_p.max, picture_ms.size());

    // The busiest hour: the hour of the day with the most records.
    std::uint64_t best = 0;
    TimeMs best_start = kDayStart;
    for (TimeMs h = kDayStart; h + 3'600'000 <= kDayStart + kDayMs; h += 600'000) {
        const auto n =
            static_cast<std::uint64_t>(std::lower_bound(times.begin(), times.end(), h + 3'600'000) -
                                       std::lower_bound(times.begin(), times.end(), h));
        if (n > best) {
            best = n;
            best_start = h;
        }
    }
    if (!cursor->seek(best_start)) return 1;
    start = Clock::now();
    std::uint64_t played = 0;
    cursor->play_until(best_start + 3'600'000 - 1, std::numeric_limits<std::size_t>::max(),
                       [&](JournalRecord&& r, TimeMs) { played += r.payload.size() > 0; });
    const double hour_ms = ms_since(start);
    const double needed = static_cast<double>(best) / (3600.0 / 64.0);
    std::printf(
        "busiest hour (%.1f h after midnight): %llu records; played in %.0f ms, %.0f "
        "records/s; 64x needs %.0f records/s: %.0fx to spare (the cursor alone)\n",
        static_cast<double>(best_start - kDayStart) / 3'600'000.0,
        static_cast<unsigned long long>(played), hour_ms, played / (hour_ms / 1000.0), needed,
        played / (hour_ms / 1000.0) / needed);
    const int drill_seeks = std::max(1, seeks / 10);
    if (drill_seeks > 0 && !drill(journal, drill_seeks, best_start, best, rng)) return 1;
    if (!package(journal, kDayStart + 17 * 3'600'000, kDayStart + 21 * 3'600'000)) return 1;
    if (dir.empty()) fs::remove_all(journal);
    return 0;
}
