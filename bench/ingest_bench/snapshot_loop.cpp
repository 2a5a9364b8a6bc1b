// snapshot-loop: with K open incidents loaded, a DEALER on the snapshot endpoint sends the
// snapshot request in a loop and never reads the replies (RCVHWM 1 and a 4 KiB RCVBUF, so the
// replies pile up in ingest, not in this process). citywall-ingest runs as a child process with
// its defaults (keys off). Ingest's RSS before, at its peak and 10 s after the client
// disconnects; then the time from SIGINT until the process exits. A quiet department sends a
// few events a second during the loop, and its latency is printed too.
#include <cinttypes>

#include "citywall/wire.hpp"
#include "resilience.hpp"

namespace citywall::bench {

namespace {

constexpr double kSigintLimitSeconds = 30;
constexpr const char* kStoppedLine = "citywall-ingest: stopped after";

}  // namespace

void snapshot_loop_phase(const Options& options, const std::vector<LonLat>& points) {
    const int loaders = options.departments, quiet_department = options.departments;
    std::printf(
        "snapshot-loop: citywall-ingest as a child process (keys off, defaults); %d open "
        "incidents from %d departments, then a DEALER sends a snapshot request in a loop for %.0f "
        "s and "
        "never reads (RCVHWM 1, RCVBUF 4096); d%02d sends %.0f new incidents/s meanwhile:\n",
        options.snapshot_incidents, loaders, options.snapshot_seconds, quiet_department,
        options.quiet_rate);
    std::fflush(stdout);
    ScratchDir dir("snapshot-loop");
    const auto config = resilience_config(options, dir.path(), loaders + 1);
    ChildIngest ingest(options, config, dir.path());
    if (!ingest.started()) return;

    LoadResult load;
    Rss before, at_disconnect, after;
    long peak_kib = 0;
    // The sockets ingest holds: before, while the client asks, 10 s after it left.
    int sockets_before = 0, sockets_during = 0, sockets_after = 0;
    // Ingest's CPU seconds while the client asks, and in the 10 s after it left.
    double cpu_during = 0, cpu_after = 0;
    std::uint64_t requests = 0, quiet_sent = 0;
    double loop_seconds = 0;
    // After SIGINT: when its log said the loop had stopped, and when the process exited.
    std::optional<double> loop_stopped, exited;
    std::string ended;
    std::vector<std::int64_t> latencies;
    bool ok = true;
    {
        zmq::context_t watch_context{1}, load_context{1}, quiet_context{1};
        StreamWatcher watcher(watch_context, config.updates_endpoint, quiet_department);
        if (!watcher.wait_ready(30s)) {
            std::fprintf(stderr, "  citywall-ingest did not start; see %s\n", ingest.log().c_str());
            ok = false;
        } else {
            load = load_incidents(load_context, config, loaders,
                                  static_cast<std::uint64_t>(options.snapshot_incidents), watcher,
                                  points, 300);
            std::printf("  loaded %" PRIu64 " of %" PRIu64 " open incidents in %.1f s\n",
                        load.received, load.wanted, load.seconds);
            std::fflush(stdout);
            std::this_thread::sleep_for(1s);
            before = rss_of(ingest.pid());
            sockets_before = open_sockets(ingest.pid());
            const double cpu_start = cpu_seconds_of(ingest.pid());
            double cpu_disconnect = 0;
            RssSampler sampler(ingest.pid());
            {
                QuietFeed quiet(quiet_context, config, quiet_department, options.quiet_rate,
                                points);
                zmq::context_t client_context{1};
                zmq::socket_t dealer(client_context, zmq::socket_type::dealer);
                dealer.set(zmq::sockopt::rcvhwm, 1);
                dealer.set(zmq::sockopt::rcvbuf, 4096);
                dealer.set(zmq::sockopt::linger, 0);
                dealer.connect(config.snapshot_endpoint);
                const auto start = Clock::now();
                while (seconds_since(start) < options.snapshot_seconds) {
                    if (dealer.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                                    zmq::send_flags::dontwait))
                        ++requests;
                    else
                        std::this_thread::sleep_for(1ms);
                }
                loop_seconds = seconds_since(start);
                at_disconnect = rss_of(ingest.pid());
                sockets_during = open_sockets(ingest.pid());
                cpu_disconnect = cpu_seconds_of(ingest.pid());
                dealer.close();
                client_context.close();
                quiet.stop();
                quiet_sent = quiet.sent();
            }
            std::this_thread::sleep_for(10s);
            after = rss_of(ingest.pid());
            sockets_after = open_sockets(ingest.pid());
            cpu_during = cpu_disconnect - cpu_start;
            cpu_after = cpu_seconds_of(ingest.pid()) - cpu_disconnect;
            peak_kib = sampler.peak_kib();
            sampler.stop();
            if (ingest.running()) {
                const auto start = Clock::now();
                ingest.signal(SIGINT);
                for (int k = 0; seconds_since(start) < kSigintLimitSeconds; ++k) {
                    if (!loop_stopped && k % 10 == 0 && ingest.log_contains(kStoppedLine))
                        loop_stopped = seconds_since(start);
                    if (!ingest.running()) {
                        exited = seconds_since(start);
                        if (!loop_stopped && ingest.log_contains(kStoppedLine))
                            loop_stopped = exited;
                        break;
                    }
                    std::this_thread::sleep_for(1ms);
                }
                ingest.stop(SIGKILL, 10);
                ended = ingest.ended();
            } else {
                ok = false;
            }
        }
        watcher.stop();
        for (const auto& s : watcher.quiet_samples())
            latencies.push_back(s.received_ns - s.sent_ns);
    }
    if (!ok) {
        if (!ingest.running() && !ingest.ended().empty())
            std::printf("  citywall-ingest ended during the run (%s); see %s\n",
                        ingest.ended().c_str(), ingest.log().c_str());
        ingest.stop();
        dir.keep();
        std::printf("\n");
        return;
    }
    std::printf("  requests sent: %" PRIu64 " in %.1f s (the socket took them; none read)\n",
                requests, loop_seconds);
    std::printf(
        "  ingest RSS: before %.1f MiB; peak %.1f MiB (sampled every 50 ms; VmHWM %.1f); "
        "%.1f at the disconnect; 10 s after it %.1f MiB (anon %.1f)\n",
        mib(before.rss_kib), mib(peak_kib), mib(after.hwm_kib), mib(at_disconnect.rss_kib),
        mib(after.rss_kib), mib(after.anon_kib));
    std::printf(
        "  sockets ingest holds: %d before, %d while the client asks, %d 10 s after it "
        "left\n",
        sockets_before, sockets_during, sockets_after);
    std::printf(
        "  ingest CPU: %.1f s in the %.0f s the client asked, %.1f s in the 10 s after it "
        "left\n",
        cpu_during, loop_seconds, cpu_after);
    if (exited)
        std::printf("  SIGINT, 10 s after the disconnect: exited in %.3f s (%s)\n", *exited,
                    ended.c_str());
    else
        std::printf("  SIGINT, 10 s after the disconnect: not exited after %.0f s; killed (%s)\n",
                    kSigintLimitSeconds, ended.c_str());
    if (loop_stopped)
        std::printf("    its loop had stopped (\"%s\" in its log) %.3f s after SIGINT\n",
                    kStoppedLine, *loop_stopped);
    else
        std::printf("    its log never said \"%s\"\n", kStoppedLine);
    const auto p = percentiles(latencies);
    std::printf(
        "  quiet d%02d during the loop, send -> subscriber: p50 %.2f ms  p99 %.2f ms  max "
        "%.2f ms  (%zu of %" PRIu64 " sent arrived)\n\n",
        quiet_department, p.p50_ms, p.p99_ms, p.max_ms, p.count, quiet_sent);
    std::fflush(stdout);
}

}  // namespace citywall::bench
