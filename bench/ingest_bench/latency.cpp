// Latency at a fixed total rate: department send → subscriber receive, from the send time
// carried in each incident's title.
#include "ingest_bench.hpp"

namespace citywall::bench {

LatencyResult ingest_latency(const Options& options, const std::vector<LonLat>& points,
                             const BenchKeys* keys) {
    LatencyResult result;
    result.name = keys ? "keys on (CURVE)" : "keys off";
    const auto dir = scratch_dir(keys ? "latency-keys" : "latency");
    const auto config = ingest_config(options, dir, keys);
    const int per_department =
        static_cast<int>(options.rate * options.latency_seconds / options.departments);
    const auto pace_ns = static_cast<std::int64_t>(1e9 * options.departments / options.rate);
    result.sent = static_cast<std::uint64_t>(per_department) *
                  static_cast<std::uint64_t>(options.departments);
    std::vector<std::int64_t> latencies;
    latencies.reserve(result.sent);
    {
        InProcessIngest ingest(config);
        zmq::context_t client_context{1};
        Subscriber subscriber(client_context, config.updates_endpoint, &latencies, keys);
        if (!subscriber.wait_ready(3s)) std::fprintf(stderr, "no heartbeat from the ingest\n");
        run_departments(client_context, config, keys, points, per_department, pace_ns, [] {});
        wait_for(subscriber, result.sent);
        subscriber.stop();
        ingest.stop();
    }
    fs::remove_all(dir);
    result.received = latencies.size();
    if (!latencies.empty()) {
        std::sort(latencies.begin(), latencies.end());
        auto at = [&](double q) {
            const auto i = static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1));
            return static_cast<double>(latencies[i]) * 1e-6;
        };
        result.p50_ms = at(0.50);
        result.p99_ms = at(0.99);
        result.p999_ms = at(0.999);
        result.max_ms = static_cast<double>(latencies.back()) * 1e-6;
    }
    return result;
}

}  // namespace citywall::bench
