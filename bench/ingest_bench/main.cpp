// citywall-ingest-bench: the ingest's throughput, latency and memory against raw ZeroMQ
// (docs/benchmarks.md, "Ingest"). It prints figures; it is not a test and has no thresholds.
//
// In one run, side by side:
//   raw         PUSH→PULL over TCP loopback with department-sized JSON messages (1→1 and the
//               ingest's own shape, 16 PUSH → 16 PULL polled by one thread), NULL and CURVE
//   throughput  the real IngestServer in this process (16 departments, demo city grids and
//               beats, journal on with the default 50 ms fsync interval), 16 PUSH sender threads
//               as fast as they can, one SUB counting the published updates; keys off and on
//   latency     the same at a fixed total rate (paced senders): department send → subscriber
//               receive, from the send time carried in each incident's title
//   memory      the built citywall-ingest as a separate process with a generated TOML config:
//               RSS after loading the map vs after N open incidents
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
                "[--memory-incidents 100000] [--merge on|off] [--map GPKG] [--ingest EXE]\n");
            std::exit(arg == "--help" ? 0 : 2);
        }
    }
    o.departments = std::clamp(o.departments, 1, 99);
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
    return 0;
}

}  // namespace
}  // namespace citywall::bench

int main(int argc, char** argv) {
    return citywall::bench::run(argc, argv);
}
