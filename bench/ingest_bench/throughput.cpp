// Sustained throughput: the real IngestServer in this process, departments sending as fast as
// they can, one SUB counting the published updates.
#include "ingest_bench.hpp"

namespace citywall::bench {

ThroughputResult ingest_throughput(const Options& options, const std::vector<LonLat>& points,
                                   const BenchKeys* keys) {
    ThroughputResult result;
    result.name = keys ? "keys on (CURVE)" : "keys off";
    const auto dir = scratch_dir(keys ? "throughput-keys" : "throughput");
    const auto config = ingest_config(options, dir, keys);
    result.expected = static_cast<std::uint64_t>(options.per_department) *
                      static_cast<std::uint64_t>(options.departments);
    {
        InProcessIngest ingest(config);
        zmq::context_t client_context{1};
        Subscriber subscriber(client_context, config.updates_endpoint, nullptr, keys);
        subscriber.set_mark(result.expected / 2);
        if (!subscriber.wait_ready(3s)) std::fprintf(stderr, "no heartbeat from the ingest\n");
        Clock::time_point start;
        double cpu_before = 0;
        std::thread senders([&] {
            run_departments(client_context, config, keys, points, options.per_department, 0, [&] {
                start = Clock::now();
                cpu_before = process_cpu_seconds();
            });
        });
        senders.join();
        wait_for(subscriber, result.expected);
        result.received = subscriber.incidents();
        result.seconds = std::chrono::duration<double>(subscriber.last_incident() - start).count();
        result.first_half_seconds =
            std::chrono::duration<double>(subscriber.mark_time() - start).count();
        result.process_cpu = process_cpu_seconds() - cpu_before;
        result.gaps = subscriber.gaps();
        subscriber.stop();
        ingest.stop();
        result.accepted = ingest.counters().accepted;
        result.rejected = ingest.counters().rejected;
        result.ingest_cpu = ingest.cpu_seconds();
    }
    fs::remove_all(dir);
    return result;
}

}  // namespace citywall::bench
