// Dispatch latency under background traffic (docs/benchmarks.md, "Dispatch"): a leader's
// console orders cases while 16 departments send --rate events/s, and the benchmark times
// each order from the moment the console sends it to
//   - the ordered department having it on its acknowledged feed (the order channel),
//   - every wall showing the case as assigned (the slowest of --walls subscribers, each
//     decoding the whole stream as a wall does),
//   - the console having its reply (sent once the step is on disk).
// Keys on, as a centre that takes orders runs: the console is a listed leader's key, each wall
// and department has its own.
#include <charconv>
#include <cinttypes>
#include <mutex>

#include "citywall/case_flow.hpp"
#include "citywall/keys.hpp"
#include "citywall/wire.hpp"
#include "department_link.hpp"
#include "ingest_bench.hpp"
#include "loopback.hpp"
#include "resilience.hpp"

namespace citywall::bench {
namespace {

constexpr const char* kOrdered = "works";  // the department every order goes to
constexpr const char* kOrderPrefix = "B-";

// The order number k of "B-k"; nothing for any other id.
std::optional<std::size_t> order_number(std::string_view id) {
    if (id.substr(0, 2) != kOrderPrefix) return std::nullopt;
    std::size_t k = 0;
    const auto* end = id.data() + id.size();
    const auto [at, error] = std::from_chars(id.data() + 2, end, k);
    if (error != std::errc{} || at != end) return std::nullopt;
    return k;
}

// Times in steady ns, one slot per order; 0 until it happens. Each slot is written by one
// thread and read after every thread has stopped.
struct Times {
    explicit Times(std::size_t orders) : at(orders) {}
    std::vector<std::atomic<std::int64_t>> at;
    void mark(std::size_t k, std::int64_t ns) {
        if (k >= at.size()) return;
        std::int64_t zero = 0;
        at[k].compare_exchange_strong(zero, ns);
    }
};

// A wall: a SUB with its own key that decodes every update and marks the first one showing
// order k in force with the case assigned. The first wall also learns the ids of the cases to
// order from their titles ("dispatch k").
class Wall {
  public:
    Wall(zmq::context_t& context, const std::string& endpoint, const WallKeys& keys,
         std::size_t orders, std::vector<std::atomic<std::uint64_t>>* ids)
        : shown_(orders), ids_(ids) {
        thread_ = std::thread([this, &context, endpoint, keys] { loop(context, endpoint, keys); });
    }
    ~Wall() { stop(); }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    bool ready() const { return ready_.load(); }
    std::uint64_t updates() const { return updates_.load(); }
    std::uint64_t gaps() const { return gaps_.load(); }
    const Times& shown() const { return shown_; }

  private:
    void loop(zmq::context_t& context, const std::string& endpoint, const WallKeys& keys) {
        auto socket = stream_subscriber(context, endpoint, &keys);
        std::uint64_t last_seq = 0;
        zmq::message_t message;
        while (!stop_.load()) {
            if (!socket.recv(message)) continue;
            const std::string_view bytes = message.to_string_view();
            auto header = wire::peek_header(bytes);
            if (!header) continue;
            ready_.store(true);
            if (header->kind != wire::Kind::incident) continue;
            if (last_seq != 0 && header->seq != last_seq + 1) gaps_.fetch_add(1);
            last_seq = header->seq;
            updates_.fetch_add(1);
            auto decoded = wire::decode(bytes);
            if (!decoded) continue;
            const auto* update = std::get_if<wire::IncidentUpdate>(&*decoded);
            if (!update) continue;
            const auto& incident = update->incident;
            const auto& state = incident.case_state;
            if (state.stage == CaseStage::assigned)
                if (auto k = order_number(state.order)) shown_.mark(*k, steady_ns());
            if (ids_ && incident.title.rfind("dispatch ", 0) == 0) {
                const auto k = static_cast<std::size_t>(std::atoll(incident.title.c_str() + 9));
                if (k < ids_->size()) (*ids_)[k].store(incident.id);
            }
        }
    }

    Times shown_;
    std::vector<std::atomic<std::uint64_t>>* ids_;
    std::atomic<bool> stop_{false}, ready_{false};
    std::atomic<std::uint64_t> updates_{0}, gaps_{0};
    std::thread thread_;
};

// One run, with ingest in this process or (`child`) the built citywall-ingest.
void dispatch_run(const Options& options, const std::vector<LonLat>& points, bool child) {
    const auto orders =
        static_cast<std::size_t>(std::max(1.0, options.order_rate * options.order_seconds));
    const int walls = std::max(1, options.walls);
    std::printf("  %s:\n", child ? "citywall-ingest as a process of its own"
                                 : "the IngestServer in this process");
    std::fflush(stdout);

    const auto dir = scratch_dir(child ? "dispatch-child" : "dispatch");
    const BenchKeys keys = make_keys(options.departments);
    auto config = ingest_config(options, dir, &keys);
    // Wall 0 is the leader's: its key also signs the console's commands.
    config.walls.front().name = "leader";
    config.walls.front().role = WallRole::leader;
    std::vector<KeyPair> wall_keys{keys.wall};
    for (int w = 1; w < walls; ++w) {
        auto pair = generate_key_pair();
        if (!pair) {
            std::fprintf(stderr, "no CURVE: %s\n", pair.error().c_str());
            std::exit(2);
        }
        config.walls.push_back(
            {"wall-" + std::to_string(w), pair->public_key, {}, WallRole::viewer});
        wall_keys.push_back(*pair);
    }
    auto works_keys = generate_key_pair();
    if (!works_keys) std::exit(2);
    auto works = testing::department_config(kOrdered, "市政工程", testing::loopback_endpoint(),
                                            "EPSG:4326", 10);
    works.socket = FeedSocket::acknowledged;
    works.public_key = works_keys->public_key;
    config.departments.push_back(works);
    // The background senders are every department but the ordered one.
    auto background = config;
    background.departments.pop_back();

    Times received(orders), replied(orders);
    std::vector<std::int64_t> sent_at(orders, 0);
    std::vector<std::atomic<std::uint64_t>> ids(orders);
    std::atomic<bool> departments_stop{false}, background_started{false};
    std::uint64_t accepted = 0, refused = 0, resent_orders = 0;
    std::vector<Percentiles> shown_each;
    std::vector<std::uint64_t> wall_updates, wall_gaps;
    std::vector<std::int64_t> every_wall;
    std::uint64_t ingest_sent = 0;
    {
        std::optional<InProcessIngest> in_process;
        std::optional<ChildIngest> process;
        if (child) {
            process.emplace(options, config, dir);
            if (!process->started()) return;
        } else {
            in_process.emplace(config);
        }
        zmq::context_t context{2};
        std::vector<std::unique_ptr<Wall>> wall_threads;
        for (int w = 0; w < walls; ++w)
            wall_threads.push_back(std::make_unique<Wall>(
                context, config.updates_endpoint,
                WallKeys{wall_keys[static_cast<std::size_t>(w)], keys.ingest.public_key}, orders,
                w == 0 ? &ids : nullptr));
        const auto ready_by = Clock::now() + 60s;
        for (const auto& wall : wall_threads)
            while (!wall->ready() && Clock::now() < ready_by)
                std::this_thread::sleep_for(10ms);

        // The ordered department: reports the cases, then signs for every order it is sent,
        // as a department's desk does.
        std::atomic<bool> reported{false};
        std::thread department([&] {
            department_link::FeedOptions feed_options;
            feed_options.keys = department_link::CurveClientKeys{
                works_keys->public_key, works_keys->secret_key, keys.ingest.public_key};
            auto feed =
                department_link::AcknowledgedFeed::open(context, works.endpoint, feed_options);
            if (!feed) {
                std::fprintf(stderr, "the ordered department: %s\n", feed.error().c_str());
                std::exit(2);
            }
            auto& desk = **feed;
            desk.on_order([&](std::string_view json) {
                const std::int64_t now = steady_ns();
                // {"order":"B-k",...}: the id is all this needs.
                const auto at = json.find("\"order\":\"");
                if (at == std::string_view::npos) return;
                const auto from = at + 9;
                const auto to = json.find('"', from);
                if (to == std::string_view::npos) return;
                const auto id = json.substr(from, to - from);
                if (auto k = order_number(id)) {
                    if (received.at[*k].load() != 0) {
                        ++resent_orders;
                        return;
                    }
                    received.mark(*k, now);
                    desk.send(R"({"type":"case","order":")" + std::string(id) +
                              R"(","action":"sign"})");
                }
            });
            for (std::size_t k = 0; k < orders; ++k) {
                const LonLat p = points[(k * 7919) % points.size()];
                char body[400];
                std::snprintf(body, sizeof body,
                              R"({"id":"W-%zu","category":"urban.road","severity":2,)"
                              R"("lon":%.7f,"lat":%.7f,"title":"dispatch %zu",)"
                              R"("description":"a pothole to order"})",
                              k, p.lon, p.lat, k);
                while (!(*feed)->send(body))
                    (*feed)->poll(10ms);
            }
            (*feed)->drain(Clock::now() + 30s);
            reported.store(true);
            while (!departments_stop.load())
                (*feed)->poll(5ms);
        });
        const auto known = [&] {
            for (const auto& id : ids)
                if (id.load() == 0) return false;
            return true;
        };
        const auto until = Clock::now() + 60s;
        while ((!reported.load() || !known()) && Clock::now() < until)
            std::this_thread::sleep_for(10ms);
        if (!known()) std::fprintf(stderr, "the walls never showed every case to order\n");

        // The console: a DEALER with the leader's key, one order every 1/order_rate s once the
        // background has run for a second; its replies are read on the same thread.
        std::thread console([&] {
            zmq::socket_t dealer(context, zmq::socket_type::dealer);
            if (!make_curve_client(dealer.handle(), keys.ingest.public_key, keys.wall))
                std::exit(2);
            dealer.set(zmq::sockopt::linger, 0);
            dealer.connect(config.snapshot_endpoint);
            while (!background_started.load())
                std::this_thread::sleep_for(1ms);
            std::this_thread::sleep_for(1s);
            const auto pace = std::chrono::nanoseconds(
                static_cast<std::int64_t>(1e9 / std::max(options.order_rate, 0.1)));
            const auto start = Clock::now();
            std::size_t next = 0, answered = 0;
            auto last_answer = Clock::now();
            zmq::message_t message;
            while (answered < orders && seconds_since(last_answer) < 10.0) {
                const auto due = start + pace * static_cast<std::int64_t>(next);
                if (next < orders && Clock::now() >= due) {
                    wire::CaseCommand command;
                    command.id = kOrderPrefix + std::to_string(next);
                    command.incident = ids[next].load();
                    command.action = CaseAction::order;
                    command.department = kOrdered;
                    const auto bytes = wire::encode_request(command);
                    sent_at[next] = steady_ns();
                    dealer.send(zmq::buffer(bytes), zmq::send_flags::none);
                    ++next;
                    if (next == orders) last_answer = Clock::now();
                }
                zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
                zmq::poll(&item, 1, 1ms);
                while (dealer.recv(message, zmq::recv_flags::dontwait)) {
                    const std::int64_t now = steady_ns();
                    auto decoded = wire::decode(message.to_string_view());
                    if (!decoded) continue;
                    const auto* reply = std::get_if<wire::CommandReply>(&*decoded);
                    if (!reply) continue;
                    ++answered;
                    last_answer = Clock::now();
                    reply->accepted ? ++accepted : ++refused;
                    if (!reply->accepted && refused <= 3)
                        std::fprintf(stderr, "refused %s: %s %s\n", reply->id.c_str(),
                                     reply->refusal.c_str(), reply->detail.c_str());
                    if (auto k = order_number(reply->id); k && reply->accepted)
                        replied.mark(*k, now);
                }
            }
        });

        const double seconds = options.order_seconds + 3.0;
        const int per_department = static_cast<int>(options.rate * seconds / options.departments);
        const auto pace_ns = static_cast<std::int64_t>(1e9 * options.departments / options.rate);
        ingest_sent = static_cast<std::uint64_t>(per_department) *
                      static_cast<std::uint64_t>(options.departments);
        run_departments(context, background, &keys, points, per_department, pace_ns,
                        [&] { background_started.store(true); });
        console.join();
        // Orders still travelling to the walls get a moment.
        std::this_thread::sleep_for(500ms);
        departments_stop.store(true);
        department.join();
        for (auto& wall : wall_threads) {
            wall->stop();
            wall_updates.push_back(wall->updates());
            wall_gaps.push_back(wall->gaps());
        }
        for (std::size_t k = 0; k < orders; ++k) {
            if (sent_at[k] == 0) continue;
            std::int64_t slowest = 0;
            bool all = true;
            for (const auto& wall : wall_threads) {
                const auto at = wall->shown().at[k].load();
                if (at == 0) all = false;
                slowest = std::max(slowest, at - sent_at[k]);
            }
            if (all) every_wall.push_back(slowest);
        }
        for (const auto& wall : wall_threads) {
            std::vector<std::int64_t> one;
            for (std::size_t k = 0; k < orders; ++k)
                if (sent_at[k] != 0 && wall->shown().at[k].load() != 0)
                    one.push_back(wall->shown().at[k].load() - sent_at[k]);
            shown_each.push_back(percentiles(std::move(one)));
        }
        if (in_process) in_process->stop();
        if (process && !process->stop()) std::fprintf(stderr, "citywall-ingest did not stop\n");
    }
    fs::remove_all(dir);

    auto since_sent = [&](const Times& times) {
        std::vector<std::int64_t> ns;
        for (std::size_t k = 0; k < orders; ++k)
            if (sent_at[k] != 0 && times.at[k].load() != 0)
                ns.push_back(times.at[k].load() - sent_at[k]);
        return percentiles(std::move(ns));
    };
    auto show = [&](const char* what, const Percentiles& p) {
        std::printf("    %-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu of %zu orders)\n",
                    what, p.p50_ms, p.p99_ms, p.max_ms, p.count, orders);
    };
    show("-> the department has it", since_sent(received));
    show("-> every wall shows it (slowest)", percentiles(every_wall));
    show("-> the console has its reply", since_sent(replied));
    for (std::size_t w = 0; w < shown_each.size(); ++w) {
        char label[48];
        std::snprintf(label, sizeof label, "   wall %zu alone", w);
        show(label, shown_each[w]);
    }
    std::uint64_t least = wall_updates.empty() ? 0 : wall_updates.front(), gaps = 0;
    for (std::size_t w = 0; w < wall_updates.size(); ++w) {
        least = std::min(least, wall_updates[w]);
        gaps += wall_gaps[w];
    }
    std::printf("    orders accepted %" PRIu64 ", refused %" PRIu64
                ", sent again to the department %" PRIu64
                " (unsigned after 5 s); background %" PRIu64
                " events sent, the wall that saw fewest saw %" PRIu64
                " updates, gaps over all walls %" PRIu64 "\n",
                accepted, refused, resent_orders, ingest_sent, least, gaps);
    std::fflush(stdout);
}

}  // namespace

void dispatch_phase(const Options& options, const std::vector<LonLat>& points) {
    std::printf(
        "dispatch under load, keys on: %.0f orders at %.0f/s from a leader's console to one "
        "department that signs for each, %d walls decoding the stream, background %.0f "
        "events/s from %d departments; order sent ->\n",
        std::max(1.0, options.order_rate * options.order_seconds), options.order_rate,
        std::max(1, options.walls), options.rate, options.departments);
    dispatch_run(options, points, false);
    dispatch_run(options, points, true);
    std::printf("\n");
    std::fflush(stdout);
}

}  // namespace citywall::bench
