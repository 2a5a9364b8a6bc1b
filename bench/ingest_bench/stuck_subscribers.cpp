// stuck-subscribers: SUB sockets that connect to the updates endpoint, subscribe and never read
// (RCVHWM 1 and a 4 KiB RCVBUF, so the backlog stays in ingest, not in this process), while
// four departments send at a steady paced rate. citywall-ingest runs as a child process with its
// defaults (keys off; the default publish_queue a subscriber); the same run goes first without
// them, then with them: the accepted rate of each, and ingest's RSS before, at its peak, and 10 s
// after they disconnect. The departments cycle over a fixed set of incidents (each message an
// update), so what grows is the subscribers' backlog, not the city.
#include <sys/resource.h>

#include <cinttypes>

#include "resilience.hpp"

namespace citywall::bench {

namespace {

constexpr int kDepartments = 4;
constexpr std::uint64_t kIncidentsEach = 5'000;

struct RunResult {
    std::uint64_t sent = 0, received = 0;
    double seconds = 0;
    double rate() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0; }
};

// The departments at `rate` a second in all for `seconds`; the rate the subscriber saw, from
// the first send to the last update.
RunResult steady_run(zmq::context_t& context, const IngestConfig& config, double rate,
                     double seconds, const StreamWatcher& watcher,
                     const std::vector<LonLat>& points) {
    RunResult result;
    std::vector<std::unique_ptr<CyclingSender>> senders;
    for (int d = 0; d < kDepartments; ++d)
        senders.push_back(std::make_unique<CyclingSender>(
            context, config.departments[static_cast<std::size_t>(d)].endpoint, d, 0, kIncidentsEach,
            rate / kDepartments, points));
    std::this_thread::sleep_for(300ms);
    const std::uint64_t base = watcher.incidents();
    const auto start = Clock::now();
    for (auto& s : senders)
        s->go();
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(seconds)));
    for (auto& s : senders) {
        s->stop();
        result.sent += s->sent();
    }
    watcher.wait_for(base + result.sent);
    result.received = watcher.incidents() - base;
    result.seconds = std::chrono::duration<double>(watcher.last_incident() - start).count();
    return result;
}

}  // namespace

void stuck_subscribers_phase(const Options& options, const std::vector<LonLat>& points) {
    const int stuck_count = std::max(options.stuck_subscribers, 1);
    std::printf(
        "stuck-subscribers: citywall-ingest as a child process (keys off, defaults: publish_queue "
        "%d); %d departments x %" PRIu64
        " incidents (updates), %.0f events/s paced, %.0f s without, then %.0f s with %d SUB "
        "sockets that never read (RCVHWM 1, RCVBUF 4096):\n",
        IngestConfig{}.publish_queue, kDepartments, kIncidentsEach, options.stuck_rate,
        options.stuck_seconds, options.stuck_seconds, stuck_count);
    std::fflush(stdout);
    // Two descriptors a socket here (and one a connection in ingest, which inherits the limit).
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    ScratchDir dir("stuck-subscribers");
    const auto config = resilience_config(options, dir.path(), kDepartments);
    ChildIngest ingest(options, config, dir.path());
    if (!ingest.started()) return;

    RunResult without, with;
    Rss before, after_without, end_with, after;
    long peak_kib = 0;
    // The sockets ingest holds: before, with the stuck subscribers, 10 s after they left.
    int sockets_before = 0, sockets_with = 0, sockets_after = 0;
    bool ok = true;
    {
        zmq::context_t watch_context{1}, send_context{1};
        StreamWatcher watcher(watch_context, config.updates_endpoint, -1);
        if (!watcher.wait_ready(30s)) {
            std::fprintf(stderr, "  citywall-ingest did not start; see %s\n", ingest.log().c_str());
            ok = false;
        } else {
            std::this_thread::sleep_for(500ms);
            before = rss_of(ingest.pid());
            sockets_before = open_sockets(ingest.pid());
            RssSampler sampler(ingest.pid());
            without = steady_run(send_context, config, options.stuck_rate, options.stuck_seconds,
                                 watcher, points);
            after_without = rss_of(ingest.pid());
            {
                zmq::context_t stuck_context{1};
                stuck_context.set(zmq::ctxopt::max_sockets, stuck_count + 16);
                std::vector<zmq::socket_t> stuck;
                for (int k = 0; k < stuck_count; ++k) {
                    zmq::socket_t socket(stuck_context, zmq::socket_type::sub);
                    socket.set(zmq::sockopt::rcvhwm, 1);
                    socket.set(zmq::sockopt::rcvbuf, 4096);
                    socket.set(zmq::sockopt::linger, 0);
                    socket.set(zmq::sockopt::subscribe, "");
                    socket.connect(config.updates_endpoint);
                    stuck.push_back(std::move(socket));
                }
                std::this_thread::sleep_for(2s);  // connected and subscribed
                sampler.reset_peak();
                with = steady_run(send_context, config, options.stuck_rate, options.stuck_seconds,
                                  watcher, points);
                peak_kib = sampler.peak_kib();
                end_with = rss_of(ingest.pid());
                sockets_with = open_sockets(ingest.pid());
                for (auto& socket : stuck)
                    socket.close();
            }
            std::this_thread::sleep_for(10s);
            after = rss_of(ingest.pid());
            sockets_after = open_sockets(ingest.pid());
            sampler.stop();
        }
        watcher.stop();
    }
    if (!ingest.running()) {
        std::printf("  citywall-ingest ended during the run (%s); see %s\n", ingest.ended().c_str(),
                    ingest.log().c_str());
        ok = false;
    }
    ingest.stop();
    if (!ok) {
        dir.keep();
        std::printf("\n");
        return;
    }
    std::printf("  accepted events/s: without %.0f (%" PRIu64 " of %" PRIu64
                " in %.2f s); with %d stuck %.0f (%" PRIu64 " of %" PRIu64
                " in %.2f s); ratio with / without %.3f\n",
                without.rate(), without.received, without.sent, without.seconds, stuck_count,
                with.rate(), with.received, with.sent, with.seconds,
                without.rate() > 0 ? with.rate() / without.rate() : 0.0);
    std::printf(
        "  ingest RSS: before %.1f MiB; after the run without %.1f MiB; with the stuck "
        "subscribers: peak %.1f MiB (sampled every 50 ms; VmHWM %.1f), %.1f at the end; "
        "10 s after they disconnected %.1f MiB (anon %.1f)\n",
        mib(before.rss_kib), mib(after_without.rss_kib), mib(peak_kib), mib(end_with.hwm_kib),
        mib(end_with.rss_kib), mib(after.rss_kib), mib(after.anon_kib));
    std::printf(
        "  sockets ingest holds: %d before, %d with the stuck subscribers, %d 10 s after "
        "they disconnected\n\n",
        sockets_before, sockets_with, sockets_after);
    std::fflush(stdout);
}

}  // namespace citywall::bench
