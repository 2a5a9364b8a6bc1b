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
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/geo.hpp"
#include "citywall/placement.hpp"
#include "citywall/wire.hpp"
#include "department_keys.hpp"
#include "ingest_server.hpp"
#include "loopback.hpp"

#ifndef CITYWALL_BENCH_MAP
#error "CITYWALL_BENCH_MAP (the demo city's GeoPackage) must be defined"
#endif
#ifndef CITYWALL_BENCH_INGEST_EXE
#error "CITYWALL_BENCH_INGEST_EXE (the built citywall-ingest) must be defined"
#endif

namespace citywall::bench {
namespace {

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
    std::vector<std::string> phases = {"raw", "throughput", "latency", "memory"};
    std::string map = CITYWALL_BENCH_MAP;
    std::string ingest_exe = CITYWALL_BENCH_INGEST_EXE;
    bool wants(const std::string& phase) const {
        return std::find(phases.begin(), phases.end(), phase) != phases.end();
    }
};

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

std::int64_t epoch_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// ---- Points inside the city, and the departments' messages ----------------------------------

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double unit(std::uint64_t& state) {
    return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

// Uniform points that fall in a basic grid of the demo city (rejection sampling in the grid
// layer's extent, checked with the same AreaIndex the ingest places with).
std::vector<LonLat> city_points(const std::string& map, std::size_t count) {
    auto grids = load_map_areas(map, "grids", "code", "name");
    if (!grids || grids->empty()) {
        std::fprintf(stderr, "cannot read the grids of %s: %s\n", map.c_str(),
                     grids ? "no grids" : grids.error().c_str());
        std::exit(2);
    }
    geo::AreaIndex index;
    geo::Bounds extent = geo::bounds_of(grids->front().shape);
    for (auto& area : *grids) {
        const auto b = geo::bounds_of(area.shape);
        extent.min_lon = std::min(extent.min_lon, b.min_lon);
        extent.min_lat = std::min(extent.min_lat, b.min_lat);
        extent.max_lon = std::max(extent.max_lon, b.max_lon);
        extent.max_lat = std::max(extent.max_lat, b.max_lat);
        index.add(std::move(area.shape));
    }
    index.build();
    std::vector<LonLat> points;
    points.reserve(count);
    std::uint64_t rng = 20261122;
    while (points.size() < count) {
        LonLat p{extent.min_lon + unit(rng) * (extent.max_lon - extent.min_lon),
                 extent.min_lat + unit(rng) * (extent.max_lat - extent.min_lat)};
        if (index.locate(p)) points.push_back(p);
    }
    return points;
}

// One native JSON incident (docs/protocol.md) of about 250 bytes. The title carries the
// sender's steady-clock time in ns, so a subscriber in this process can measure latency. Each
// department has its own category, so reports never merge and every message opens an
// incident (the merge search still runs for each).
std::string report(int department, std::uint64_t k, LonLat p, std::int64_t sent_ns) {
    char buffer[512];
    const int n = std::snprintf(
        buffer, sizeof buffer,
        R"({"id":"D%02d-%09)" PRIu64 R"(","category":"bench.d%02d","severity":%d,)"
        R"("status":"reported","lon":%.7f,"lat":%.7f,"occurred":%)" PRId64
        R"(,"title":"盗窃报警 t=%)" PRId64 R"(","description":"地铁站出口 bench report %)" PRIu64
        R"( of department %02d"})",
        department, k, department, static_cast<int>(1 + k % 4), p.lon, p.lat, epoch_ms(), sent_ns,
        k, department);
    return std::string(buffer, static_cast<std::size_t>(std::max(n, 0)));
}

std::optional<std::int64_t> sent_ns_of_title(const std::string& title) {
    const auto at = title.rfind("t=");
    if (at == std::string::npos) return std::nullopt;
    return std::strtoll(title.c_str() + at + 2, nullptr, 10);
}

// ---- CURVE keys for the benchmark's own departments ------------------------------------------

struct BenchKeys {
    ingest::KeyPair ingest;
    std::vector<ingest::KeyPair> departments;
};

BenchKeys make_keys(int departments) {
    BenchKeys keys;
    auto pair = [] {
        auto k = ingest::generate_key_pair();
        if (!k) {
            std::fprintf(stderr, "no CURVE: %s\n", k.error().c_str());
            std::exit(2);
        }
        return *k;
    };
    keys.ingest = pair();
    for (int d = 0; d < departments; ++d)
        keys.departments.push_back(pair());
    return keys;
}

// ---- Raw ZeroMQ ------------------------------------------------------------------------------

struct RawResult {
    std::string name;
    std::uint64_t messages = 0;
    double seconds = 0;
    double rate() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
};

// `senders` PUSH sockets (one thread each) → `senders` PULL sockets polled by one thread, the
// ingest's own shape (1 → 1 is the plain pipe). Each sender sends `total / senders` messages.
RawResult raw_zeromq(const std::vector<LonLat>& points, int senders, int total,
                     const BenchKeys* keys) {
    zmq::context_t server_context{1}, client_context{1};
    std::vector<zmq::socket_t> pulls;
    std::vector<std::string> endpoints;
    for (int s = 0; s < senders; ++s) {
        pulls.emplace_back(server_context, zmq::socket_type::pull);
        pulls.back().set(zmq::sockopt::rcvhwm, 100000);
        if (keys) {
            pulls.back().set(zmq::sockopt::curve_server, 1);
            pulls.back().set(zmq::sockopt::curve_secretkey, keys->ingest.secret_key);
        }
        endpoints.push_back(testing::loopback_endpoint());
        pulls.back().bind(endpoints.back());
    }
    const int each = total / senders;
    const std::uint64_t expected = static_cast<std::uint64_t>(each) * senders;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
        threads.emplace_back([&, s] {
            zmq::socket_t push(client_context, zmq::socket_type::push);
            if (keys) {
                push.set(zmq::sockopt::curve_serverkey, keys->ingest.public_key);
                push.set(zmq::sockopt::curve_publickey, keys->departments[s].public_key);
                push.set(zmq::sockopt::curve_secretkey, keys->departments[s].secret_key);
            }
            push.set(zmq::sockopt::linger, 1000);
            push.connect(endpoints[s]);
            while (!go.load())
                std::this_thread::sleep_for(1ms);
            for (int k = 0; k < each; ++k) {
                auto body = report(s, static_cast<std::uint64_t>(k),
                                   points[(static_cast<std::size_t>(k) * 16 + s) % points.size()],
                                   steady_ns());
                push.send(zmq::buffer(body), zmq::send_flags::none);
            }
        });
    }
    std::vector<zmq::pollitem_t> items;
    for (auto& p : pulls)
        items.push_back({p.handle(), 0, ZMQ_POLLIN, 0});
    std::this_thread::sleep_for(200ms);
    const auto start = Clock::now();
    go.store(true);
    std::uint64_t received = 0;
    auto last = start;
    while (received < expected && seconds_since(last) < 5.0) {
        zmq::poll(items.data(), items.size(), 100ms);
        for (std::size_t s = 0; s < pulls.size(); ++s) {
            if (!(items[s].revents & ZMQ_POLLIN)) continue;
            zmq::message_t message;
            for (int n = 0; n < 1000; ++n) {
                if (!pulls[s].recv(message, zmq::recv_flags::dontwait)) break;
                ++received;
                last = Clock::now();
            }
        }
    }
    const double seconds = std::chrono::duration<double>(last - start).count();
    for (auto& t : threads)
        t.join();
    return {std::to_string(senders) + " PUSH → " + std::to_string(senders) + " PULL" +
                (keys ? ", CURVE" : ""),
            received, seconds};
}

// ---- The ingest, in this process ---------------------------------------------------------------

IngestConfig ingest_config(const Options& options, const fs::path& dir, const BenchKeys* keys) {
    IngestConfig config;
    config.updates_endpoint = testing::loopback_endpoint();
    config.snapshot_endpoint = testing::loopback_endpoint();
    config.journal_dir = dir / "journal";
    // fsync_interval_ms, heartbeat_ms, checkpoint_every, merge: the defaults.
    config.merge.enabled = options.merge;
    config.placement.grid_source = options.map;
    config.placement.beat_source = options.map;
    config.keys_off = keys == nullptr;
    if (keys) {
        auto files = ingest::write_key_files(dir / "keys", "ingest", keys->ingest, true);
        if (!files) {
            std::fprintf(stderr, "cannot write the ingest key: %s\n", files.error().c_str());
            std::exit(2);
        }
        config.ingest_key_file = files->secret_file;
    }
    for (int d = 0; d < options.departments; ++d) {
        char code[16], name[32];
        std::snprintf(code, sizeof code, "d%02d", d);
        std::snprintf(name, sizeof name, "部门%02d", d);
        auto department =
            testing::department_config(code, name, testing::loopback_endpoint(), "EPSG:4326", 10);
        department.name_en = std::string("Department ") + (code + 1);
        if (keys) department.public_key = keys->departments[static_cast<std::size_t>(d)].public_key;
        config.departments.push_back(std::move(department));
    }
    return config;
}

// Counts the published incident updates; with `latencies`, decodes each and records
// receive − send (ns) from the send time in its title.
class Subscriber {
  public:
    Subscriber(zmq::context_t& context, const std::string& endpoint,
               std::vector<std::int64_t>* latencies)
        : latencies_(latencies) {
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
    void loop(zmq::context_t& context, const std::string& endpoint) {
        zmq::socket_t socket(context, zmq::socket_type::sub);
        socket.set(zmq::sockopt::rcvhwm, 0);
        socket.set(zmq::sockopt::rcvtimeo, 50);
        socket.set(zmq::sockopt::subscribe, "");
        socket.connect(endpoint);
        std::uint64_t last_seq = 0;
        zmq::message_t message;
        while (!stop_.load()) {
            if (!socket.recv(message)) continue;
            const std::string_view bytes = message.to_string_view();
            auto header = wire::peek_header(bytes);
            if (!header) continue;
            if (header->kind != wire::Kind::incident) {
                ready_.store(true);
                continue;
            }
            if (last_seq != 0 && header->seq != last_seq + 1) gaps_.fetch_add(1);
            last_seq = header->seq;
            if (latencies_) {
                const std::int64_t now = steady_ns();
                auto decoded = wire::decode(bytes);
                if (decoded) {
                    if (auto* update = std::get_if<wire::IncidentUpdate>(&*decoded))
                        if (auto sent = sent_ns_of_title(update->incident.title))
                            latencies_->push_back(now - *sent);
                }
            }
            last_ns_.store(Clock::now().time_since_epoch().count());
            if (incidents_.fetch_add(1) + 1 == mark_) mark_ns_.store(last_ns_.load());
        }
    }

    std::vector<std::int64_t>* latencies_;
    std::atomic<bool> stop_{false}, ready_{false};
    std::atomic<std::uint64_t> incidents_{0}, gaps_{0};
    std::atomic<Clock::rep> last_ns_{0}, mark_ns_{0};
    std::uint64_t mark_ = 0;
    std::thread thread_;
};

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
                     const std::function<void()>& on_start) {
    const int departments = static_cast<int>(config.departments.size());
    std::atomic<int> connected{0};
    std::atomic<bool> go{false};
    std::atomic<std::int64_t> t0{0};
    std::vector<std::thread> threads;
    for (int d = 0; d < departments; ++d) {
        threads.emplace_back([&, d] {
            zmq::socket_t push(context, zmq::socket_type::push);
            if (keys) {
                auto configured = ingest::configure_department_client(
                    push, keys->ingest.public_key, keys->departments[static_cast<std::size_t>(d)]);
                if (!configured) std::fprintf(stderr, "keys: %s\n", configured.error().c_str());
            }
            push.set(zmq::sockopt::linger, 2000);
            push.connect(config.departments[static_cast<std::size_t>(d)].endpoint);
            connected.fetch_add(1);
            while (!go.load())
                std::this_thread::sleep_for(1ms);
            // Paced departments are staggered so the total rate is even.
            const std::int64_t offset = pace_ns * d / departments;
            // Unpaced senders give up after 30 s, so a slow ingest cannot stretch the run.
            const std::int64_t give_up = t0.load() + 30'000'000'000;
            for (int k = 0; k < per_department; ++k) {
                if (pace_ns == 0 && (k & 63) == 0 && steady_ns() > give_up) break;
                if (pace_ns > 0) {
                    const std::int64_t due = t0.load() + offset + pace_ns * k;
                    std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(due)));
                }
                const auto kk = static_cast<std::uint64_t>(k);
                auto body =
                    report(d, kk, points[(kk * 16 + static_cast<std::uint64_t>(d)) % points.size()],
                           steady_ns());
                push.send(zmq::buffer(body), zmq::send_flags::none);
            }
        });
    }
    while (connected.load() < departments)
        std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(300ms);  // let the connections (and CURVE handshakes) finish
    on_start();
    t0.store(steady_ns());
    go.store(true);
    for (auto& t : threads)
        t.join();
}

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

// Waits until `expected` updates arrived, or nothing more came for 3 s.
void wait_for(const Subscriber& subscriber, std::uint64_t expected) {
    std::uint64_t seen = 0;
    auto progress = Clock::now();
    while (subscriber.incidents() < expected && seconds_since(progress) < 3.0) {
        std::this_thread::sleep_for(5ms);
        if (subscriber.incidents() != seen) {
            seen = subscriber.incidents();
            progress = Clock::now();
        }
    }
}

fs::path scratch_dir(const std::string& name) {
    auto dir = fs::temp_directory_path() /
               ("citywall-ingest-bench-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

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
        Subscriber subscriber(client_context, config.updates_endpoint, nullptr);
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

struct LatencyResult {
    std::string name;
    std::uint64_t sent = 0, received = 0;
    double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

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
        Subscriber subscriber(client_context, config.updates_endpoint, &latencies);
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

// ---- The ingest as a process: memory ----------------------------------------------------------

struct Rss {
    long rss_kib = 0, anon_kib = 0, file_kib = 0, hwm_kib = 0;
};

Rss rss_of(pid_t pid) {
    Rss rss;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        auto value = [&] { return std::strtol(line.c_str() + line.find(':') + 1, nullptr, 10); };
        if (line.rfind("VmRSS:", 0) == 0) rss.rss_kib = value();
        if (line.rfind("RssAnon:", 0) == 0) rss.anon_kib = value();
        if (line.rfind("RssFile:", 0) == 0) rss.file_kib = value();
        if (line.rfind("VmHWM:", 0) == 0) rss.hwm_kib = value();
    }
    return rss;
}

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// The same configuration as ingest_config(), as a file for citywall-ingest --config.
void write_toml(const IngestConfig& config, const fs::path& file) {
    std::ofstream out(file);
    out << "[ingest]\n"
        << "updates_endpoint = " << toml_string(config.updates_endpoint) << "\n"
        << "snapshot_endpoint = " << toml_string(config.snapshot_endpoint) << "\n"
        << "journal_dir = " << toml_string(config.journal_dir.string()) << "\n"
        << "fsync_interval_ms = " << config.fsync_interval_ms << "\n"
        << "heartbeat_ms = " << config.heartbeat_ms << "\n\n"
        << "[security]\nkeys = \"off\"\n\n"
        << "[placement]\n"
        << "grid_source = " << toml_string(config.placement.grid_source.string()) << "\n"
        << "beat_source = " << toml_string(config.placement.beat_source.string()) << "\n\n";
    for (const auto& d : config.departments) {
        out << "[[department]]\n"
            << "code = " << toml_string(d.code) << "\n"
            << "name = " << toml_string(d.name) << "\n"
            << "name_en = " << toml_string(d.name_en) << "\n"
            << "endpoint = " << toml_string(d.endpoint) << "\n"
            << "heartbeat_s = " << d.heartbeat_s << "\n\n";
    }
}

struct MemoryResult {
    int incidents = 0;
    std::uint64_t received = 0;
    Rss map_loaded, half, full;
    double seconds = 0;
};

// Runs citywall-ingest as a child process (keys off) and reads its RSS after the map is loaded
// and after `options.memory_incidents` open incidents. Senders stay at most 20,000 events ahead
// of the subscriber, so no socket queue is full when the RSS is read.
std::optional<MemoryResult> ingest_memory(const Options& options,
                                          const std::vector<LonLat>& points) {
    MemoryResult result;
    result.incidents = options.memory_incidents;
    const auto dir = scratch_dir("memory");
    const auto config = ingest_config(options, dir, nullptr);
    write_toml(config, dir / "ingest.toml");
    const std::string log = (dir / "ingest.log").string();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string config_path = (dir / "ingest.toml").string();
    std::vector<std::string> args = {options.ingest_exe, "--config", config_path};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, options.ingest_exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        std::fprintf(stderr, "cannot start %s: %s\n", options.ingest_exe.c_str(),
                     std::strerror(spawned));
        return std::nullopt;
    }
    bool ok = true;
    {
        zmq::context_t client_context{1};
        Subscriber subscriber(client_context, config.updates_endpoint, nullptr);
        // The first heartbeat: the map is loaded and every socket bound.
        if (!subscriber.wait_ready(30s)) {
            std::fprintf(stderr, "citywall-ingest did not start; see %s\n", log.c_str());
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
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int waited = 0; waited < 300 && ::waitpid(pid, &status, WNOHANG) == 0; ++waited)
        std::this_thread::sleep_for(100ms);
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    fs::remove_all(dir);
    if (!ok) return std::nullopt;
    return result;
}

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
