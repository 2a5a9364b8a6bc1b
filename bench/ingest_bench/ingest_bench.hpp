// The shared parts of citywall-ingest-bench (docs/benchmarks.md, "Ingest"): options, clocks,
// the departments' messages, an in-process ingest and subscriber, the built ingest as a child
// process, and one entry per phase. Each phase lives in its own file: raw.cpp, throughput.cpp,
// latency.cpp, memory.cpp, dispatch.cpp; the resilience phases in flood.cpp, stuck_subscribers.cpp,
// snapshot_loop.cpp and checkpoint_stall.cpp around resilience.hpp.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/incident.hpp"
#include "citywall/ingest_server.hpp"
#include "department_keys.hpp"

#ifndef CITYWALL_BENCH_MAP
#error "CITYWALL_BENCH_MAP (the demo city's GeoPackage) must be defined"
#endif
#ifndef CITYWALL_BENCH_INGEST_EXE
#error "CITYWALL_BENCH_INGEST_EXE (the built citywall-ingest) must be defined"
#endif

namespace citywall::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
    int departments = 16;
    int raw_messages = 400'000;      // raw ZeroMQ: messages per variant
    int per_department = 5'000;      // throughput: messages each department sends
    double rate = 10'000;            // latency: events/s over all departments
    double latency_seconds = 5;      // latency: how long the paced senders run
    int memory_incidents = 100'000;  // memory: open incidents in the ingest process
    bool keys_off = true, keys_on = true;
    bool merge = true;  // --merge off: a what-if without the merge search, not the real config
    // The resilience phases (not in the default run; --phases resilience runs all four).
    double quiet_rate = 20;            // the quiet department's paced events/s
    double flood_seconds = 30;         // flood: how long the quiet department is measured
    int flood_senders = 2;             // flood: PUSH sockets (threads) of the flooding department
    int flood_incidents = 10'000;      // flood: incidents the flood cycles through (updates)
    int stuck_subscribers = 200;       // stuck-subscribers: SUB sockets that never read
    double stuck_seconds = 20;         // stuck-subscribers: each half, without and with them
    double stuck_rate = 20'000;        // stuck-subscribers: events/s over 4 departments
    int snapshot_incidents = 100'000;  // snapshot-loop: open incidents loaded first
    double snapshot_seconds = 20;      // snapshot-loop: how long the client asks
    int checkpoint_incidents = 1'000'000;  // checkpoint-stall: open incidents loaded first
    // dispatch: a leader's orders under --rate events/s of background traffic.
    double order_rate = 20;     // orders/s from the console
    double order_seconds = 10;  // how long the console orders
    int walls = 4;              // walls decoding the stream (the leader's is the first)
    std::vector<std::string> phases = {"raw", "throughput", "latency", "memory"};
    std::string map = CITYWALL_BENCH_MAP;
    std::string ingest_exe = CITYWALL_BENCH_INGEST_EXE;
    bool wants(const std::string& phase) const {
        return std::find(phases.begin(), phases.end(), phase) != phases.end();
    }
};

inline std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

inline std::int64_t epoch_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

inline double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// ---- Points inside the city, and the departments' messages ----------------------------------

// Uniform points that fall in a basic grid of the demo city.
std::vector<LonLat> city_points(const std::string& map, std::size_t count);
// One native JSON incident of about 250 bytes; the title carries `sent_ns`.
std::string report(int department, std::uint64_t k, LonLat p, std::int64_t sent_ns);
std::optional<std::int64_t> sent_ns_of_title(const std::string& title);

// ---- CURVE keys for the benchmark's own departments ------------------------------------------

struct BenchKeys {
    KeyPair ingest;
    std::vector<KeyPair> departments;
    KeyPair wall;  // the subscriber's: the one wall the ingest lists
    WallKeys reader() const { return {wall, ingest.public_key}; }
};

BenchKeys make_keys(int departments);

// ---- The phases ------------------------------------------------------------------------------

struct RawResult {
    std::string name;
    std::uint64_t messages = 0;
    double seconds = 0;
    double rate() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
};

RawResult raw_zeromq(const std::vector<LonLat>& points, int senders, int total,
                     const BenchKeys* keys);

struct ThroughputResult {
    std::string name;
    std::uint64_t expected = 0, received = 0, accepted = 0, rejected = 0, gaps = 0;
    double seconds = 0, first_half_seconds = 0, ingest_cpu = 0, process_cpu = 0;
    double rate() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0; }
    double first_half_rate() const {
        return first_half_seconds > 0 ? static_cast<double>(expected / 2) / first_half_seconds : 0;
    }
    double second_half_rate() const {
        const double rest = seconds - first_half_seconds;
        return rest > 0 && first_half_seconds > 0
                   ? static_cast<double>(received - expected / 2) / rest
                   : 0;
    }
};

ThroughputResult ingest_throughput(const Options& options, const std::vector<LonLat>& points,
                                   const BenchKeys* keys);

struct LatencyResult {
    std::string name;
    std::uint64_t sent = 0, received = 0;
    double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

LatencyResult ingest_latency(const Options& options, const std::vector<LonLat>& points,
                             const BenchKeys* keys);

struct Rss {
    long rss_kib = 0, anon_kib = 0, file_kib = 0, hwm_kib = 0;
};

struct MemoryResult {
    int incidents = 0;
    std::uint64_t received = 0;
    Rss map_loaded, half, full;
    double seconds = 0;
};

std::optional<MemoryResult> ingest_memory(const Options& options,
                                          const std::vector<LonLat>& points);

// The resilience phases print their own figures (docs/benchmarks.md, "resilience").
void flood_phase(const Options& options, const std::vector<LonLat>& points);
void stuck_subscribers_phase(const Options& options, const std::vector<LonLat>& points);
void snapshot_loop_phase(const Options& options, const std::vector<LonLat>& points);
void checkpoint_stall_phase(const Options& options, const std::vector<LonLat>& points);
// Order sent by a leader's console -> department has it, every wall shows it, the console has
// its reply, under background traffic (docs/benchmarks.md, "Dispatch").
void dispatch_phase(const Options& options, const std::vector<LonLat>& points);

// ---- The built citywall-ingest, as a child process ---------------------------------------------

Rss rss_of(pid_t pid);
// The sockets a process holds open (TCP, Unix), from /proc/PID/fd.
int open_sockets(pid_t pid);
// The CPU time a process has used (user + system), from /proc/PID/stat.
double cpu_seconds_of(pid_t pid);
// The same configuration as ingest_config(), as a file for citywall-ingest --config: keys,
// walls and acknowledged departments included.
void write_toml(const IngestConfig& config, const fs::path& file);

// citywall-ingest --config <dir>/ingest.toml (written from `config`), its stderr in
// <dir>/ingest.log. Stopped (SIGTERM, then SIGKILL after 60 s) when destroyed; the kernel sends
// it SIGTERM if this process dies first, as long as the thread that started it (the main
// thread, for every phase) lives.
class ChildIngest {
  public:
    ChildIngest(const Options& options, const IngestConfig& config, const fs::path& dir);
    ~ChildIngest() { stop(); }
    ChildIngest(const ChildIngest&) = delete;
    ChildIngest& operator=(const ChildIngest&) = delete;

    bool started() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    const std::string& log() const { return log_; }
    // Still running (false once it exited, or if it never started).
    bool running();
    // Sends `signal`, waits for nothing.
    void signal(int signal);
    // Whether its log (stderr) holds `text` yet.
    bool log_contains(const std::string& text) const;
    // Sends `signal` and waits for the exit: the seconds until it exited, or nothing when it
    // was not running or had to be killed after `limit_s`.
    std::optional<double> stop(int signal = SIGTERM, double limit_s = 60);
    // How it ended ("exit 0", "signal 9"), once it has.
    const std::string& ended() const { return ended_; }

  private:
    void reaped(int status);

    pid_t pid_ = -1;
    std::string log_, ended_;
};

// ---- The ingest, in this process ---------------------------------------------------------------

IngestConfig ingest_config(const Options& options, const fs::path& dir, const BenchKeys* keys);

// A SUB on the wall stream that takes everything and never drops (RCVHWM 0), waking every
// 50 ms; with `keys`, as that listed wall.
zmq::socket_t stream_subscriber(zmq::context_t& context, const std::string& endpoint,
                                const WallKeys* keys = nullptr);

// Counts the published incident updates; with `latencies`, decodes each and records
// receive − send (ns) from the send time in its title.
class Subscriber {
  public:
    // keys: read as the benchmark's listed wall (an ingest with keys on).
    Subscriber(zmq::context_t& context, const std::string& endpoint,
               std::vector<std::int64_t>* latencies, const BenchKeys* keys = nullptr)
        : latencies_(latencies) {
        if (keys) keys_ = keys->reader();
        thread_ = std::thread([this, &context, endpoint] { loop(context, endpoint); });
    }
    ~Subscriber() { stop(); }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    bool wait_ready(std::chrono::milliseconds limit) const {
        const auto until = Clock::now() + limit;
        while (!ready_.load() && Clock::now() < until)
            std::this_thread::sleep_for(10ms);
        return ready_.load();
    }
    std::uint64_t incidents() const { return incidents_.load(); }
    std::uint64_t gaps() const { return gaps_.load(); }
    // The time the `mark`-th incident update arrived (set_mark before it does).
    void set_mark(std::uint64_t mark) { mark_ = mark; }
    Clock::time_point mark_time() const {
        return Clock::time_point(Clock::duration(mark_ns_.load()));
    }
    Clock::time_point last_incident() const {
        return Clock::time_point(Clock::duration(last_ns_.load()));
    }

  private:
    void loop(zmq::context_t& context, const std::string& endpoint);

    std::vector<std::int64_t>* latencies_;
    std::optional<WallKeys> keys_;
    std::atomic<bool> stop_{false}, ready_{false};
    std::atomic<std::uint64_t> incidents_{0}, gaps_{0};
    std::atomic<Clock::rep> last_ns_{0}, mark_ns_{0};
    std::uint64_t mark_ = 0;
    std::thread thread_;
};

// The IngestServer on its own thread, which also measures its own CPU time.
// The IngestServer on its own thread, which also measures its own CPU time.
class InProcessIngest {
  public:
    explicit InProcessIngest(const IngestConfig& config) {
        auto server = ingest::IngestServer::create(config);
        if (!server) {
            std::fprintf(stderr, "ingest: %s\n", server.error().c_str());
            std::exit(2);
        }
        server_ = std::move(*server);
        thread_ = std::thread([this] {
            const double before = thread_cpu_seconds();
            server_->run(stop_);
            cpu_seconds_ = thread_cpu_seconds() - before;
        });
    }
    ~InProcessIngest() { stop(); }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    // After stop().
    ingest::IngestCounters counters() const { return server_->counters(); }
    double cpu_seconds() const { return cpu_seconds_; }

  private:
    std::unique_ptr<ingest::IngestServer> server_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    double cpu_seconds_ = 0;
};

// One PUSH socket per department, on threads of their own. `pace_ns` 0: as fast as possible.
void run_departments(zmq::context_t& context, const IngestConfig& config, const BenchKeys* keys,
                     const std::vector<LonLat>& points, int per_department, std::int64_t pace_ns,
                     const std::function<void()>& on_start);
// Waits until `expected` updates arrived, or nothing more came for 3 s.
void wait_for(const Subscriber& subscriber, std::uint64_t expected);
// An empty directory of this run's own under the system's temporary directory.
fs::path scratch_dir(const std::string& name);

}  // namespace citywall::bench
