// The departments' messages, points in the city, keys and the in-process plumbing shared by
// the phases of citywall-ingest-bench.
#include <cinttypes>
#include <cstring>

#include "area_levels.hpp"
#include "citywall/geo.hpp"
#include "citywall/placement.hpp"
#include "citywall/wire.hpp"
#include "ingest_bench.hpp"
#include "loopback.hpp"

namespace citywall::bench {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double unit(std::uint64_t& state) {
    return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

}  // namespace

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

BenchKeys make_keys(int departments) {
    BenchKeys keys;
    auto pair = [] {
        auto k = generate_key_pair();
        if (!k) {
            std::fprintf(stderr, "no CURVE: %s\n", k.error().c_str());
            std::exit(2);
        }
        return *k;
    };
    keys.ingest = pair();
    for (int d = 0; d < departments; ++d)
        keys.departments.push_back(pair());
    keys.wall = pair();
    return keys;
}

// ---- The ingest, in this process ---------------------------------------------------------------

IngestConfig ingest_config(const Options& options, const fs::path& dir, const BenchKeys* keys) {
    IngestConfig config;
    config.updates_endpoint = testing::loopback_endpoint();
    config.snapshot_endpoint = testing::loopback_endpoint();
    config.journal_dir = dir / "journal";
    // fsync_interval_ms, heartbeat_ms, checkpoint_every, merge: the defaults.
    config.merge.enabled = options.merge;
    config.areas = testing::demo_levels(options.map);
    config.keys_off = keys == nullptr;
    if (keys) {
        auto files = write_key_files(dir / "keys", "ingest", keys->ingest, true);
        if (!files) {
            std::fprintf(stderr, "cannot write the ingest key: %s\n", files.error().c_str());
            std::exit(2);
        }
        config.ingest_key_file = files->secret_file;
        config.walls.push_back({"bench", keys->wall.public_key, {}, WallRole::viewer});
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

zmq::socket_t stream_subscriber(zmq::context_t& context, const std::string& endpoint,
                                const WallKeys* keys) {
    zmq::socket_t socket(context, zmq::socket_type::sub);
    if (keys && !make_curve_client(socket.handle(), keys->ingest_public_key, keys->own)) {
        std::fprintf(stderr, "a subscriber's keys do not work\n");
        std::exit(2);
    }
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.set(zmq::sockopt::rcvtimeo, 50);
    socket.set(zmq::sockopt::subscribe, "");
    socket.connect(endpoint);
    return socket;
}

void Subscriber::loop(zmq::context_t& context, const std::string& endpoint) {
    auto socket = stream_subscriber(context, endpoint, keys_ ? &*keys_ : nullptr);
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

}  // namespace citywall::bench
