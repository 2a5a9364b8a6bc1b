// flood: one department sends as fast as it can (several PUSH sockets on one endpoint) while a
// quiet one sends a few events a second, paced; the quiet department's send → subscriber
// latency, and the rate the flood is accepted at. citywall-ingest runs as a child process with
// its defaults (keys off); the flood cycles over a fixed set of its incidents (each message an
// update), so the city does not grow during the run.
#include <cinttypes>

#include "resilience.hpp"

namespace citywall::bench {

void flood_phase(const Options& options, const std::vector<LonLat>& points) {
    constexpr int kFlood = 0, kQuiet = 1;
    const int senders = std::max(options.flood_senders, 1);
    const auto per_sender =
        static_cast<std::uint64_t>(std::max(options.flood_incidents / senders, 1));
    std::printf(
        "flood: citywall-ingest as a child process (keys off, defaults); d00 floods from %d PUSH "
        "sockets as fast as they can, cycling over %" PRIu64
        " of its incidents; d01 sends %.0f new incidents/s, paced; measured for %.0f s:\n",
        senders, per_sender * static_cast<std::uint64_t>(senders), options.quiet_rate,
        options.flood_seconds);
    std::fflush(stdout);
    ScratchDir dir("flood");
    const auto config = resilience_config(options, dir.path(), 2);
    ChildIngest ingest(options, config, dir.path());
    if (!ingest.started()) return;

    std::uint64_t quiet_sent = 0, flood_sent = 0, flood_published = 0, gaps = 0;
    double window = 0;
    Rss at_end;
    std::vector<std::int64_t> latencies;
    bool ok = true;
    {
        // Separate contexts: the bench's own I/O threads must not make the quiet department wait
        // behind the flood, or the subscriber behind either.
        zmq::context_t watch_context{1}, flood_context{1}, quiet_context{1};
        StreamWatcher watcher(watch_context, config.updates_endpoint, kQuiet);
        if (!watcher.wait_ready(30s)) {
            std::fprintf(stderr, "  citywall-ingest did not start; see %s\n", ingest.log().c_str());
            ok = false;
        } else {
            std::vector<std::unique_ptr<CyclingSender>> flood;
            for (int s = 0; s < senders; ++s)
                flood.push_back(std::make_unique<CyclingSender>(
                    flood_context, config.departments[kFlood].endpoint, kFlood,
                    static_cast<std::uint64_t>(s) * per_sender, per_sender, 0, points));
            std::this_thread::sleep_for(300ms);
            for (auto& f : flood)
                f->go();
            // The flood's queues fill and its incidents open before anything is measured.
            std::this_thread::sleep_for(2s);
            auto flood_count = [&] {
                std::uint64_t sent = 0;
                for (auto& f : flood)
                    sent += f->sent();
                return sent;
            };
            const std::uint64_t sent_before = flood_count();
            const std::uint64_t published_before = watcher.incidents() - watcher.quiet();
            const auto start = Clock::now();
            {
                QuietFeed quiet(quiet_context, config, kQuiet, options.quiet_rate, points);
                std::this_thread::sleep_until(
                    start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options.flood_seconds)));
                quiet.stop();
                quiet_sent = quiet.sent();
            }
            window = seconds_since(start);
            flood_published = watcher.incidents() - watcher.quiet() - published_before;
            flood_sent = flood_count() - sent_before;
            at_end = rss_of(ingest.pid());
            // The last quiet reports arrive while the flood goes on.
            const auto wait_start = Clock::now();
            while (watcher.quiet() < quiet_sent && seconds_since(wait_start) < 10)
                std::this_thread::sleep_for(5ms);
            for (auto& f : flood)
                f->stop();
            gaps = watcher.gaps();
        }
        watcher.stop();
        for (const auto& s : watcher.quiet_samples())
            latencies.push_back(s.received_ns - s.sent_ns);
    }
    if (!ingest.running()) {
        std::printf("  citywall-ingest ended during the run (%s); see %s\n", ingest.ended().c_str(),
                    ingest.log().c_str());
        dir.keep();
        ok = false;
    }
    ingest.stop();
    if (!ok) {
        dir.keep();
        std::printf("\n");
        return;
    }
    const auto p = percentiles(latencies);
    std::printf(
        "  quiet d01, send -> subscriber: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  "
        "(%zu of %" PRIu64 " arrived)   target: p99 < 50 ms\n",
        p.p50_ms, p.p90_ms, p.p99_ms, p.max_ms, p.count, quiet_sent);
    std::printf(
        "  flood d00: accepted (published) %.0f events/s; its senders pushed %.0f/s into "
        "their sockets; sequence gaps seen %" PRIu64 "\n",
        window > 0 ? static_cast<double>(flood_published) / window : 0.0,
        window > 0 ? static_cast<double>(flood_sent) / window : 0.0, gaps);
    std::printf("  ingest RSS at the end of the flood: %.1f MiB (peak %.1f MiB)\n\n",
                mib(at_end.rss_kib), mib(at_end.hwm_kib));
    std::fflush(stdout);
}

}  // namespace citywall::bench
