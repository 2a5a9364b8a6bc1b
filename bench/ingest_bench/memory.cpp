// Memory: the built citywall-ingest as a separate process with a generated TOML config, RSS
// after loading the map and after N open incidents.
#include "ingest_bench.hpp"

namespace citywall::bench {

// Runs citywall-ingest as a child process (keys off) and reads its RSS after the map is loaded
// and after `options.memory_incidents` open incidents. Senders stay at most 20,000 events ahead
// of the subscriber, so no socket queue is full when the RSS is read.
std::optional<MemoryResult> ingest_memory(const Options& options,
                                          const std::vector<LonLat>& points) {
    MemoryResult result;
    result.incidents = options.memory_incidents;
    const auto dir = scratch_dir("memory");
    const auto config = ingest_config(options, dir, nullptr);
    ChildIngest ingest(options, config, dir);
    if (!ingest.started()) {
        fs::remove_all(dir);
        return std::nullopt;
    }
    const pid_t pid = ingest.pid();
    bool ok = true;
    {
        zmq::context_t client_context{1};
        Subscriber subscriber(client_context, config.updates_endpoint, nullptr);
        // The first heartbeat: the map is loaded and every socket bound.
        if (!subscriber.wait_ready(30s)) {
            std::fprintf(stderr, "citywall-ingest did not start; see %s\n", ingest.log().c_str());
            ok = false;
        } else {
            std::this_thread::sleep_for(500ms);
            result.map_loaded = rss_of(pid);
            const int departments = options.departments;
            const int per_department = options.memory_incidents / departments;
            const std::uint64_t total = static_cast<std::uint64_t>(per_department) *
                                        static_cast<std::uint64_t>(departments);
            result.incidents = static_cast<int>(total);
            const auto start = Clock::now();
            std::vector<std::thread> threads;
            for (int d = 0; d < departments; ++d) {
                threads.emplace_back([&, d] {
                    zmq::socket_t push(client_context, zmq::socket_type::push);
                    push.set(zmq::sockopt::linger, 2000);
                    push.connect(config.departments[static_cast<std::size_t>(d)].endpoint);
                    for (int k = 0; k < per_department; ++k) {
                        const auto sent_total =
                            static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(departments);
                        while (sent_total > subscriber.incidents() + 20'000)
                            std::this_thread::sleep_for(1ms);
                        const auto kk = static_cast<std::uint64_t>(k);
                        auto body = report(
                            d, kk,
                            points[(kk * 16 + static_cast<std::uint64_t>(d)) % points.size()],
                            steady_ns());
                        push.send(zmq::buffer(body), zmq::send_flags::none);
                    }
                });
            }
            while (subscriber.incidents() < total / 2 && seconds_since(start) < 60)
                std::this_thread::sleep_for(1ms);
            result.half = rss_of(pid);
            for (auto& t : threads)
                t.join();
            wait_for(subscriber, total);
            result.seconds = seconds_since(start);
            result.received = subscriber.incidents();
            std::this_thread::sleep_for(500ms);
            result.full = rss_of(pid);
        }
        subscriber.stop();
    }
    ingest.stop();
    fs::remove_all(dir);
    if (!ok) return std::nullopt;
    return result;
}

}  // namespace citywall::bench
