// citywall-ingest-bench: the ingest's throughput, latency and memory against raw ZeroMQ, and
// how it holds up under a flood, stuck subscribers, a snapshot loop and a large checkpoint
// (docs/benchmarks.md, "Ingest"). It prints figures; it is not a test and has no thresholds.
//
// The default run, side by side:
//   raw         PUSH→PULL over TCP loopback with department-sized JSON messages (1→1 and the
//               ingest's own shape, 16 PUSH → 16 PULL polled by one thread), NULL and CURVE
//   throughput  the real IngestServer in this process (16 departments, demo city grids and
//               beats, journal on with the default 50 ms fsync interval), 16 PUSH sender threads
//               as fast as they can, one SUB counting the published updates; keys off and on
//   latency     the same at a fixed total rate (paced senders): department send → subscriber
//               receive, from the send time carried in each incident's title
//   memory      the built citywall-ingest as a separate process with a generated TOML config:
//               RSS after loading the map vs after N open incidents
//
// The resilience phases (--phases resilience runs all four; each prints the target it is
// measured against beside its figures). Each runs the built citywall-ingest as a separate
// process (keys off, a generated TOML config, the demo city) and takes under ~2 minutes at
// the defaults on a 2-core box:
//   flood              d00 sends as fast as it can from --flood-senders PUSH sockets, cycling
//                      over --flood-incidents of its incidents (updates), while d01 sends
//                      --quiet-rate new incidents/s, paced, for --flood-seconds: d01's send →
//                      subscriber p50/p90/p99/max (target p99 < 50 ms) and the flood's accepted
//                      (published) rate
//   stuck-subscribers  4 departments at --stuck-rate events/s in all (paced, 5,000 incidents
//                      each, updates) for --stuck-seconds without, then again with
//                      --stuck-subscribers SUB sockets that never read (RCVHWM 1, RCVBUF 4096):
//                      accepted events/s of each and their ratio; ingest RSS before, peak, and
//                      10 s after the stuck subscribers disconnect; the sockets ingest holds
//   snapshot-loop      --snapshot-incidents open incidents, then a DEALER sends the snapshot
//                      request in a loop for --snapshot-seconds without reading: ingest RSS
//                      before, peak and 10 s after the disconnect, its sockets and CPU; the time
//                      from SIGINT to the exit afterwards (30 s at most, then SIGKILL); the
//                      quiet department's latency during the loop
//   checkpoint-stall   --checkpoint-incidents open incidents (loading 1,000,000 takes 30-40 s
//                      on a 2-core box), heartbeat_ms 100 and checkpoint_every set so that a
//                      checkpoint falls due 5 s into a --quiet-rate quiet feed: the
//                      checkpoint's duration (from its file), the largest heartbeat gap across
//                      it and the quiet department's largest latency (target: stall < 50 ms)
//
// The dispatch phase (--phases dispatch; about 20 s at the defaults): the real IngestServer in
// this process with keys on, 16 PUSH departments paced at --rate events/s in all as background,
// one acknowledged department that reports the cases and receives their orders, --walls SUB
// walls with keys of their own decoding every update, and a leader's console (a DEALER with the
// first wall's key) ordering --order-rate cases a second for --order-seconds: order sent ->
// the department has it, every wall shows it assigned (the slowest wall per order), the
// console has its reply; p50/p99/max (target p99 < 100 ms for the first two)
//
// Options (defaults in brackets):
//   --phases LIST              raw,throughput,latency,memory [all four]; flood,
//                              stuck-subscribers, snapshot-loop, checkpoint-stall, or
//                              resilience for those four; dispatch
//   --keys off|on|both         [both] for raw, throughput and latency
//   --departments N            [16] departments (the resilience phases' loaders too)
//   --raw-messages N           [400000]      --per-department N   [5000]
//   --rate EVENTS_S            [10000]       --latency-seconds S  [5]
//   --memory-incidents N       [100000]      --merge on|off       [on]
//   --quiet-rate EVENTS_S      [20]          the quiet department of the resilience phases
//   --flood-seconds S          [30]          --flood-senders N    [2]
//   --flood-incidents N        [10000]
//   --stuck-subscribers N      [200]         --stuck-seconds S    [20]
//   --stuck-rate EVENTS_S      [20000]
//   --snapshot-incidents N     [100000]      --snapshot-seconds S [20]
//   --checkpoint-incidents N   [1000000]
//   --order-rate ORDERS_S      [20]          --order-seconds S    [10]
//   --walls N                  [4]           the dispatch phase
//   --map GPKG, --ingest EXE   the demo city and the built citywall-ingest (set by the build)
#include <cinttypes>
#include <sstream>

#include "ingest_bench.hpp"

namespace citywall::bench {
namespace {

// ---- Options and the report -------------------------------------------------------------------

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--departments")
            o.departments = std::stoi(value());
        else if (arg == "--raw-messages")
            o.raw_messages = std::stoi(value());
        else if (arg == "--per-department")
            o.per_department = std::stoi(value());
        else if (arg == "--rate")
            o.rate = std::stod(value());
        else if (arg == "--latency-seconds")
            o.latency_seconds = std::stod(value());
        else if (arg == "--memory-incidents")
            o.memory_incidents = std::stoi(value());
        else if (arg == "--phases")
            o.phases = split(value());
        else if (arg == "--quiet-rate")
            o.quiet_rate = std::stod(value());
        else if (arg == "--flood-seconds")
            o.flood_seconds = std::stod(value());
        else if (arg == "--flood-senders")
            o.flood_senders = std::stoi(value());
        else if (arg == "--flood-incidents")
            o.flood_incidents = std::stoi(value());
        else if (arg == "--stuck-subscribers")
            o.stuck_subscribers = std::stoi(value());
        else if (arg == "--stuck-seconds")
            o.stuck_seconds = std::stod(value());
        else if (arg == "--stuck-rate")
            o.stuck_rate = std::stod(value());
        else if (arg == "--snapshot-incidents")
            o.snapshot_incidents = std::stoi(value());
        else if (arg == "--snapshot-seconds")
            o.snapshot_seconds = std::stod(value());
        else if (arg == "--checkpoint-incidents")
            o.checkpoint_incidents = std::stoi(value());
        else if (arg == "--order-rate")
            o.order_rate = std::stod(value());
        else if (arg == "--order-seconds")
            o.order_seconds = std::stod(value());
        else if (arg == "--walls")
            o.walls = std::stoi(value());
        else if (arg == "--map")
            o.map = value();
        else if (arg == "--ingest")
            o.ingest_exe = value();
        else if (arg == "--merge")
            o.merge = value() != "off";
        else if (arg == "--keys") {
            const auto keys = value();
            o.keys_off = keys == "off" || keys == "both";
            o.keys_on = keys == "on" || keys == "both";
        } else {
            std::fprintf(
                stderr,
                "usage: citywall-ingest-bench [--phases raw,throughput,latency,memory] "
                "[--keys off|on|both] [--departments 16] [--raw-messages 400000] "
                "[--per-department 5000] [--rate 10000] [--latency-seconds 5] "
                "[--memory-incidents 100000] [--merge on|off] [--map GPKG] [--ingest EXE]\n"
                "       resilience phases (--phases resilience = all four, or any of "
                "flood,stuck-subscribers,snapshot-loop,checkpoint-stall):\n"
                "       [--quiet-rate 20] [--flood-seconds 30] [--flood-senders 2] "
                "[--flood-incidents 10000] [--stuck-subscribers 200] [--stuck-seconds 20] "
                "[--stuck-rate 20000] [--snapshot-incidents 100000] [--snapshot-seconds 20] "
                "[--checkpoint-incidents 1000000]\n"
                "       dispatch phase (--phases dispatch): [--rate 10000] [--order-rate 20] "
                "[--order-seconds 10] [--walls 4]\n"
                "       every phase and option is described at the top of "
                "bench/ingest_bench/main.cpp\n");
            std::exit(arg == "--help" ? 0 : 2);
        }
    }
    o.departments = std::clamp(o.departments, 1, 98);  // the quiet department is one more
    std::vector<std::string> phases;
    for (const auto& phase : o.phases) {
        if (phase == "resilience")
            phases.insert(phases.end(),
                          {"flood", "stuck-subscribers", "snapshot-loop", "checkpoint-stall"});
        else
            phases.push_back(phase);
    }
    o.phases = std::move(phases);
    o.quiet_rate = std::clamp(o.quiet_rate, 0.1, 10'000.0);
    o.flood_senders = std::clamp(o.flood_senders, 1, 64);
    o.flood_incidents = std::max(o.flood_incidents, o.flood_senders);
    o.snapshot_incidents = std::max(o.snapshot_incidents, o.departments);
    o.checkpoint_incidents = std::max(o.checkpoint_incidents, o.departments);
    return o;
}

int run(int argc, char** argv) {
    const Options options = parse(argc, argv);
    std::printf("citywall-ingest-bench: %d departments, map %s, %u hardware threads\n",
                options.departments, options.map.c_str(), std::thread::hardware_concurrency());
    const auto points = city_points(options.map, 1 << 16);
    std::size_t bytes = 0;
    for (int k = 0; k < 1000; ++k)
        bytes +=
            report(k % 16, static_cast<std::uint64_t>(k) * 7919, points[k], steady_ns()).size();
    std::printf("message: native JSON, %.0f bytes on average; e.g.\n  %s\n\n",
                static_cast<double>(bytes) / 1000, report(3, 42, points[0], steady_ns()).c_str());
    std::fflush(stdout);

    std::optional<BenchKeys> keys;
    if (options.keys_on) keys = make_keys(options.departments);

    std::vector<RawResult> raw;
    if (options.wants("raw")) {
        std::printf("raw ZeroMQ, TCP loopback, %d messages each:\n", options.raw_messages);
        auto show = [&](RawResult r) {
            std::printf("  %-28s %10.0f msg/s  (%" PRIu64 " in %.2f s)\n", r.name.c_str(), r.rate(),
                        r.messages, r.seconds);
            std::fflush(stdout);
            raw.push_back(std::move(r));
        };
        show(raw_zeromq(points, 1, options.raw_messages, nullptr));
        show(raw_zeromq(points, options.departments, options.raw_messages, nullptr));
        if (keys) {
            show(raw_zeromq(points, 1, options.raw_messages, &*keys));
            show(raw_zeromq(points, options.departments, options.raw_messages, &*keys));
        }
        std::printf("\n");
    }
    auto raw_rate = [&](bool curve) {
        for (const auto& r : raw)
            if (r.name.find(std::to_string(options.departments) + " PULL") != std::string::npos &&
                (r.name.find("CURVE") != std::string::npos) == curve)
                return r.rate();
        return 0.0;
    };

    if (options.wants("throughput")) {
        std::printf(
            "ingest sustained throughput, %d departments x %d messages as fast as they "
            "can, journal on (fsync 50 ms), merge %s, one SUB counting:\n",
            options.departments, options.per_department, options.merge ? "on" : "OFF");
        auto show = [&](const ThroughputResult& r, double base) {
            std::printf("  %-16s %9.0f events/s  (%" PRIu64 " of %" PRIu64
                        " received in %.2f s; accepted %" PRIu64 ", rejected %" PRIu64
                        ", gaps %" PRIu64
                        ")\n"
                        "  %-16s first half %.0f events/s, second half %.0f events/s\n"
                        "  %-16s ratio to raw ZeroMQ (same shape): %.3f; ingest thread %.1f "
                        "us CPU/event, whole process %.1f us CPU/event\n",
                        r.name.c_str(), r.rate(), r.received, r.expected, r.seconds, r.accepted,
                        r.rejected, r.gaps, "", r.first_half_rate(), r.second_half_rate(), "",
                        base > 0 ? r.rate() / base : 0.0,
                        r.accepted ? r.ingest_cpu * 1e6 / static_cast<double>(r.accepted) : 0.0,
                        r.received ? r.process_cpu * 1e6 / static_cast<double>(r.received) : 0.0);
            std::fflush(stdout);
        };
        if (options.keys_off) show(ingest_throughput(options, points, nullptr), raw_rate(false));
        if (keys) show(ingest_throughput(options, points, &*keys), raw_rate(true));
        std::printf("\n");
    }

    if (options.wants("latency")) {
        std::printf(
            "ingest latency at %.0f events/s for %.0f s (paced senders), department send "
            "-> subscriber receive:\n",
            options.rate, options.latency_seconds);
        auto show = [](const LatencyResult& r) {
            std::printf("  %-16s p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  (%" PRIu64
                        " of %" PRIu64 " received)\n",
                        r.name.c_str(), r.p50_ms, r.p99_ms, r.p999_ms, r.max_ms, r.received,
                        r.sent);
            std::fflush(stdout);
        };
        if (options.keys_off) show(ingest_latency(options, points, nullptr));
        if (keys) show(ingest_latency(options, points, &*keys));
        std::printf("\n");
    }

    if (options.wants("memory")) {
        std::printf(
            "ingest memory, citywall-ingest as a separate process (keys off), %d open "
            "incidents:\n",
            options.memory_incidents);
        std::fflush(stdout);
        if (auto m = ingest_memory(options, points)) {
            auto show = [](const char* when, const Rss& r) {
                std::printf("  %-26s RSS %8.1f MiB (anon %8.1f, file %6.1f)  peak %8.1f MiB\n",
                            when, r.rss_kib / 1024.0, r.anon_kib / 1024.0, r.file_kib / 1024.0,
                            r.hwm_kib / 1024.0);
            };
            show("map loaded", m->map_loaded);
            char label[64];
            std::snprintf(label, sizeof label, "%d open incidents", m->incidents / 2);
            show(label, m->half);
            std::snprintf(label, sizeof label, "%d open incidents", m->incidents);
            show(label, m->full);
            const double n = m->incidents;
            std::printf(
                "  bytes per open incident: %.0f (RSS), %.0f (anon), %.0f (anon, slope "
                "of the second half); %" PRIu64 " received in %.1f s\n",
                (m->full.rss_kib - m->map_loaded.rss_kib) * 1024.0 / n,
                (m->full.anon_kib - m->map_loaded.anon_kib) * 1024.0 / n,
                (m->full.anon_kib - m->half.anon_kib) * 1024.0 / (n / 2), m->received, m->seconds);
        }
        std::printf("\n");
    }

    if (options.wants("flood")) flood_phase(options, points);
    if (options.wants("stuck-subscribers")) stuck_subscribers_phase(options, points);
    if (options.wants("snapshot-loop")) snapshot_loop_phase(options, points);
    if (options.wants("checkpoint-stall")) checkpoint_stall_phase(options, points);
    if (options.wants("dispatch")) dispatch_phase(options, points);
    return 0;
}

}  // namespace
}  // namespace citywall::bench

int main(int argc, char** argv) {
    return citywall::bench::run(argc, argv);
}
