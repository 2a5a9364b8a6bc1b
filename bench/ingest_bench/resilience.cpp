// What the resilience phases share: the stream watcher, the quiet department, cycling senders,
// loading open incidents, the memory sampler and percentiles (resilience.hpp).
#include "resilience.hpp"

#include <cstdio>

#include "citywall/wire.hpp"

namespace citywall::bench {

IngestConfig resilience_config(const Options& options, const fs::path& dir, int departments) {
    Options shaped = options;
    shaped.departments = departments;
    return ingest_config(shaped, dir, nullptr);
}

std::string category_of(int department) {
    char category[32];
    std::snprintf(category, sizeof category, "bench.d%02d", department);
    return category;
}

// ---- StreamWatcher -----------------------------------------------------------------------------

StreamWatcher::StreamWatcher(zmq::context_t& context, const std::string& endpoint,
                             int quiet_department)
    : marker_(quiet_department >= 0 ? category_of(quiet_department) : std::string()) {
    samples_.reserve(1 << 16);
    heartbeats_.reserve(1 << 16);
    thread_ = std::thread([this, &context, endpoint] { loop(context, endpoint); });
}

void StreamWatcher::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

bool StreamWatcher::wait_ready(std::chrono::milliseconds limit) const {
    const auto until = Clock::now() + limit;
    while (!ready_.load() && Clock::now() < until)
        std::this_thread::sleep_for(10ms);
    return ready_.load();
}

void StreamWatcher::wait_for(std::uint64_t expected, std::chrono::milliseconds idle) const {
    std::uint64_t seen = incidents();
    auto progress = Clock::now();
    while (incidents() < expected && Clock::now() - progress < idle) {
        std::this_thread::sleep_for(5ms);
        if (incidents() != seen) {
            seen = incidents();
            progress = Clock::now();
        }
    }
}

void StreamWatcher::loop(zmq::context_t& context, const std::string& endpoint) {
    auto socket = stream_subscriber(context, endpoint);
    std::uint64_t last_seq = 0;
    zmq::message_t message;
    while (!stop_.load()) {
        if (!socket.recv(message)) continue;
        const std::int64_t now = steady_ns();
        const std::string_view bytes = message.to_string_view();
        auto header = wire::peek_header(bytes);
        if (!header) continue;
        if (header->kind == wire::Kind::heartbeat) {
            heartbeats_.push_back(now);
            ready_.store(true);
            continue;
        }
        if (header->kind != wire::Kind::incident) continue;
        if (last_seq != 0 && header->seq != last_seq + 1) gaps_.fetch_add(1);
        last_seq = header->seq;
        // Only the quiet department's updates are decoded: the rest are counted.
        if (!marker_.empty() && bytes.find(marker_) != std::string_view::npos) {
            auto decoded = wire::decode(bytes);
            if (decoded) {
                if (auto* update = std::get_if<wire::IncidentUpdate>(&*decoded)) {
                    if (update->incident.category == marker_) {
                        if (auto sent = sent_ns_of_title(update->incident.title))
                            samples_.push_back({*sent, now});
                        quiet_.fetch_add(1);
                    }
                }
            }
        }
        last_ns_.store(Clock::now().time_since_epoch().count());
        incidents_.fetch_add(1);
    }
}

// ---- QuietFeed and CyclingSender ---------------------------------------------------------------

QuietFeed::QuietFeed(zmq::context_t& context, const IngestConfig& config, int department,
                     double rate, const std::vector<LonLat>& points) {
    const std::string endpoint = config.departments[static_cast<std::size_t>(department)].endpoint;
    thread_ = std::thread([this, &context, &points, endpoint, department, rate] {
        zmq::socket_t push(context, zmq::socket_type::push);
        push.set(zmq::sockopt::linger, 1000);
        push.connect(endpoint);
        std::this_thread::sleep_for(200ms);  // the connection is made before the first report
        const auto pace_ns = static_cast<std::int64_t>(1e9 / std::max(rate, 0.1));
        const std::int64_t t0 = steady_ns();
        for (std::uint64_t k = 0; !stop_.load(); ++k) {
            const std::int64_t due = t0 + pace_ns * static_cast<std::int64_t>(k);
            std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(due)));
            if (stop_.load()) break;
            auto body = report(department, k, points[(k * 7919 + 13) % points.size()], steady_ns());
            push.send(zmq::buffer(body), zmq::send_flags::none);
            sent_.fetch_add(1);
        }
    });
}

void QuietFeed::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

CyclingSender::CyclingSender(zmq::context_t& context, const std::string& endpoint, int department,
                             std::uint64_t first, std::uint64_t count, double rate,
                             const std::vector<LonLat>& points) {
    thread_ = std::thread([this, &context, &points, endpoint, department, first, count, rate] {
        zmq::socket_t push(context, zmq::socket_type::push);
        // Paced senders deliver what they sent; a flood stops at once.
        push.set(zmq::sockopt::linger, rate > 0 ? 2000 : 0);
        push.set(zmq::sockopt::sndtimeo, 100);
        push.connect(endpoint);
        while (!go_.load() && !stop_.load())
            std::this_thread::sleep_for(1ms);
        const std::int64_t pace_ns = rate > 0 ? static_cast<std::int64_t>(1e9 / rate) : 0;
        const std::int64_t t0 = steady_ns();
        for (std::uint64_t k = 0; !stop_.load(); ++k) {
            if (pace_ns > 0) {
                const std::int64_t due = t0 + pace_ns * static_cast<std::int64_t>(k);
                if (due > steady_ns())
                    std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(due)));
            }
            const std::uint64_t id = first + k % std::max<std::uint64_t>(count, 1);
            auto body = report(department, id, points[(k * 31 + id) % points.size()], steady_ns());
            bool sent = false;
            while (!sent && !stop_.load())
                sent = push.send(zmq::buffer(body), zmq::send_flags::none).has_value();
            if (sent) sent_.fetch_add(1);
        }
    });
}

void CyclingSender::stop() {
    go_.store(true);
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

// ---- Loading open incidents --------------------------------------------------------------------

LoadResult load_incidents(zmq::context_t& context, const IngestConfig& config, int senders,
                          std::uint64_t total, const StreamWatcher& watcher,
                          const std::vector<LonLat>& points, double limit_s) {
    LoadResult result;
    const auto per_sender = total / static_cast<std::uint64_t>(senders);
    result.wanted = per_sender * static_cast<std::uint64_t>(senders);
    const std::uint64_t base = watcher.incidents();
    const auto start = Clock::now();
    std::atomic<std::uint64_t> sent{0};
    std::vector<std::thread> threads;
    for (int d = 0; d < senders; ++d) {
        threads.emplace_back([&, d] {
            zmq::socket_t push(context, zmq::socket_type::push);
            push.set(zmq::sockopt::linger, 2000);
            push.set(zmq::sockopt::sndtimeo, 100);
            push.connect(config.departments[static_cast<std::size_t>(d)].endpoint);
            const auto dd = static_cast<std::uint64_t>(d);
            for (std::uint64_t k = 0; k < per_sender; ++k) {
                // At most 20,000 ahead of the subscriber, so no socket queue grows large.
                while (k * static_cast<std::uint64_t>(senders) >
                           watcher.incidents() - base + 20'000 &&
                       seconds_since(start) < limit_s)
                    std::this_thread::sleep_for(1ms);
                if (seconds_since(start) >= limit_s) return;
                auto body = report(d, k, points[(k * 16 + dd) % points.size()], steady_ns());
                bool done = false;
                while (!done && seconds_since(start) < limit_s)
                    done = push.send(zmq::buffer(body), zmq::send_flags::none).has_value();
                if (!done) return;
                sent.fetch_add(1);
            }
        });
    }
    for (auto& t : threads)
        t.join();
    result.sent = sent.load();
    watcher.wait_for(base + result.sent, 5000ms);
    result.received = watcher.incidents() - base;
    result.seconds = seconds_since(start);
    return result;
}

// ---- RssSampler and percentiles ----------------------------------------------------------------

RssSampler::RssSampler(pid_t pid, std::chrono::milliseconds every) {
    thread_ = std::thread([this, pid, every] {
        while (!stop_.load()) {
            const long now = rss_of(pid).rss_kib;
            long peak = peak_kib_.load();
            while (now > peak && !peak_kib_.compare_exchange_weak(peak, now)) {
            }
            std::this_thread::sleep_for(every);
        }
    });
}

void RssSampler::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

Percentiles percentiles(std::vector<std::int64_t> ns) {
    Percentiles p;
    p.count = ns.size();
    if (ns.empty()) return p;
    std::sort(ns.begin(), ns.end());
    auto at = [&](double q) {
        const auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
        return static_cast<double>(ns[i]) * 1e-6;
    };
    p.p50_ms = at(0.50);
    p.p90_ms = at(0.90);
    p.p99_ms = at(0.99);
    p.max_ms = static_cast<double>(ns.back()) * 1e-6;
    return p;
}

}  // namespace citywall::bench
