// checkpoint-stall: with M open incidents loaded, a checkpoint falls due while a quiet
// department sends a few events a second (checkpoint_every = M + 5 s of the quiet feed, so the
// load itself writes none); heartbeat_ms = 100. citywall-ingest runs as a child process (keys
// off). The checkpoint's duration is read from its file (<journal>/checkpoint.cwc.tmp appears,
// then is renamed over checkpoint.cwc); the ingest loop's longest stall from the largest gap
// between heartbeats at a subscriber, and from the quiet department's largest latency.
#include <sys/stat.h>

#include <cinttypes>

#include "resilience.hpp"

namespace citywall::bench {

namespace {

constexpr double kDueAfterSeconds = 5;

// Polls the journal directory every millisecond for the checkpoint's temporary file and the
// rename that finishes it.
class CheckpointWatch {
  public:
    explicit CheckpointWatch(const fs::path& journal_dir) {
        const std::string temporary = (journal_dir / "checkpoint.cwc.tmp").string();
        const std::string final_file = (journal_dir / "checkpoint.cwc").string();
        thread_ = std::thread([this, temporary, final_file] {
            struct stat before {};
            const bool had = ::stat(final_file.c_str(), &before) == 0;
            while (!stop_.load() && finished_ns_.load() == 0) {
                struct stat s {};
                const std::int64_t now = steady_ns();
                if (started_ns_.load() == 0 && ::stat(temporary.c_str(), &s) == 0)
                    started_ns_.store(now);
                if (::stat(final_file.c_str(), &s) == 0 && (!had || s.st_ino != before.st_ino))
                    finished_ns_.store(now);
                std::this_thread::sleep_for(1ms);
            }
        });
    }
    ~CheckpointWatch() { stop(); }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    std::int64_t started_ns() const { return started_ns_.load(); }  // 0: the file was not seen
    std::int64_t finished_ns() const { return finished_ns_.load(); }

  private:
    std::atomic<bool> stop_{false};
    std::atomic<std::int64_t> started_ns_{0}, finished_ns_{0};
    std::thread thread_;
};

}  // namespace

void checkpoint_stall_phase(const Options& options, const std::vector<LonLat>& points) {
    const int loaders = options.departments, quiet_department = options.departments;
    const auto per_loader = static_cast<std::uint64_t>(options.checkpoint_incidents / loaders);
    const std::uint64_t total = per_loader * static_cast<std::uint64_t>(loaders);
    const auto due_after = static_cast<std::uint64_t>(options.quiet_rate * kDueAfterSeconds);
    std::printf(
        "checkpoint-stall: citywall-ingest as a child process (keys off, heartbeat_ms 100, "
        "checkpoint_every %" PRIu64 "); %" PRIu64
        " open incidents from %d departments, then d%02d sends %.0f new incidents/s, paced, "
        "until the checkpoint falls due (after its %" PRIu64 "th event) and 2 s past it:\n",
        total + due_after, total, loaders, quiet_department, options.quiet_rate, due_after);
    std::fflush(stdout);
    ScratchDir dir("checkpoint-stall");
    auto config = resilience_config(options, dir.path(), loaders + 1);
    config.heartbeat_ms = 100;
    config.checkpoint_every = total + due_after;
    ChildIngest ingest(options, config, dir.path());
    if (!ingest.started()) return;

    LoadResult load;
    Rss loaded, after_checkpoint;
    std::int64_t quiet_start_ns = 0, started_ns = 0, finished_ns = 0;
    std::uint64_t quiet_sent = 0;
    std::optional<double> stop_seconds;
    std::vector<StreamWatcher::Sample> samples;
    std::vector<std::int64_t> heartbeats;
    bool ok = true;
    {
        zmq::context_t watch_context{1}, load_context{1}, quiet_context{1};
        StreamWatcher watcher(watch_context, config.updates_endpoint, quiet_department);
        if (!watcher.wait_ready(30s)) {
            std::fprintf(stderr, "  citywall-ingest did not start; see %s\n", ingest.log().c_str());
            ok = false;
        } else {
            load = load_incidents(load_context, config, loaders, total, watcher, points, 600);
            std::printf("  loaded %" PRIu64 " of %" PRIu64
                        " open incidents in %.1f s (%.0f events/s)\n",
                        load.received, load.wanted, load.seconds,
                        load.seconds > 0 ? static_cast<double>(load.received) / load.seconds : 0.0);
            std::fflush(stdout);
            if (!load.complete()) {
                std::printf(
                    "  the load did not finish, so the checkpoint would not fall due: try a "
                    "smaller --checkpoint-incidents\n");
                ok = false;
            } else {
                std::this_thread::sleep_for(500ms);
                loaded = rss_of(ingest.pid());
                CheckpointWatch watch(config.journal_dir);
                QuietFeed quiet(quiet_context, config, quiet_department, options.quiet_rate,
                                points);
                quiet_start_ns = steady_ns();
                // Due after `due_after` quiet events; a checkpoint of a large city may take long.
                const auto limit = Clock::now() + 180s;
                while (watch.finished_ns() == 0 && Clock::now() < limit && ingest.running())
                    std::this_thread::sleep_for(10ms);
                std::this_thread::sleep_for(2s);
                quiet.stop();
                quiet_sent = quiet.sent();
                watch.stop();
                started_ns = watch.started_ns();
                finished_ns = watch.finished_ns();
                const auto wait_start = Clock::now();
                while (watcher.quiet() < quiet_sent && seconds_since(wait_start) < 10)
                    std::this_thread::sleep_for(5ms);
                after_checkpoint = rss_of(ingest.pid());
            }
        }
        watcher.stop();
        samples = watcher.quiet_samples();
        heartbeats = watcher.heartbeats();
    }
    if (!ingest.running()) {
        if (!ingest.ended().empty())
            std::printf("  citywall-ingest ended during the run (%s); see %s\n",
                        ingest.ended().c_str(), ingest.log().c_str());
        ok = false;
    }
    if (ok) stop_seconds = ingest.stop(SIGTERM, 300);
    ingest.stop();
    if (!ok) {
        dir.keep();
        std::printf("\n");
        return;
    }
    if (finished_ns == 0) {
        std::printf("  no checkpoint was written within 180 s of the quiet feed's start\n\n");
        return;
    }
    // The window: from the temporary file's first sighting (or the rename, if the file was
    // never seen) to the rename.
    const std::int64_t window_start = started_ns != 0 ? started_ns : finished_ns;
    std::int64_t gap_in = 0, gap_before = 0;
    for (std::size_t k = 1; k < heartbeats.size(); ++k) {
        const std::int64_t a = heartbeats[k - 1], b = heartbeats[k];
        if (a < quiet_start_ns) continue;
        if (b >= window_start && a <= finished_ns)
            gap_in = std::max(gap_in, b - a);
        else if (b < window_start)
            gap_before = std::max(gap_before, b - a);
    }
    std::int64_t quiet_in = 0, quiet_before = 0;
    std::size_t count_in = 0;
    for (const auto& s : samples) {
        if (s.sent_ns < quiet_start_ns) continue;
        const std::int64_t latency = s.received_ns - s.sent_ns;
        if (s.sent_ns <= finished_ns && s.received_ns >= window_start) {
            quiet_in = std::max(quiet_in, latency);
            ++count_in;
        } else if (s.received_ns < window_start) {
            quiet_before = std::max(quiet_before, latency);
        }
    }
    const double gap_ms = static_cast<double>(gap_in) * 1e-6;
    if (started_ns != 0)
        std::printf(
            "  checkpoint: %.1f ms from its temporary file to the rename (watched every "
            "1 ms); %.1f s after the quiet feed started\n",
            static_cast<double>(finished_ns - started_ns) * 1e-6,
            static_cast<double>(started_ns - quiet_start_ns) * 1e-9);
    else
        std::printf(
            "  checkpoint: renamed %.1f s after the quiet feed started; its temporary "
            "file was never seen (under ~1 ms)\n",
            static_cast<double>(finished_ns - quiet_start_ns) * 1e-9);
    std::printf(
        "  largest heartbeat gap across it: %.1f ms (period 100 ms: the loop stood still "
        "%.1f to %.1f ms)   target: stall < 50 ms\n",
        gap_ms, std::max(gap_ms - 100, 0.0), gap_ms);
    std::printf(
        "  quiet d%02d across it: max %.1f ms (%zu reports sent before the rename and "
        "received after the temporary file appeared)\n",
        quiet_department, static_cast<double>(quiet_in) * 1e-6, count_in);
    std::printf(
        "  before it (quiet feed running, no checkpoint): largest heartbeat gap %.1f ms, "
        "quiet max %.1f ms; %zu of %" PRIu64 " quiet reports arrived\n",
        static_cast<double>(gap_before) * 1e-6, static_cast<double>(quiet_before) * 1e-6,
        samples.size(), quiet_sent);
    std::printf("  ingest RSS: %.1f MiB loaded, %.1f MiB after the checkpoint (peak %.1f MiB)\n",
                mib(loaded.rss_kib), mib(after_checkpoint.rss_kib), mib(after_checkpoint.hwm_kib));
    if (stop_seconds)
        std::printf("  clean stop (SIGTERM; it writes a checkpoint too): %.2f s\n\n",
                    *stop_seconds);
    else
        std::printf("  clean stop (SIGTERM): not within 300 s; killed\n\n");
    std::fflush(stdout);
}

}  // namespace citywall::bench
