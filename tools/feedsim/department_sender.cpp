#include "department_sender.hpp"

#include <thread>

namespace citywall::feedsim {

namespace {

// A department that refuses every message (a bad mapping) would fill the log: the first ones
// are printed, the rest only counted.
constexpr std::uint64_t kRefusalsLogged = 20;

TimeMs wall_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

DepartmentSender::DepartmentSender(std::string code, std::optional<zmq::socket_t> push,
                                   std::unique_ptr<department_link::AcknowledgedFeed> feed)
    : code_(std::move(code)), push_(std::move(push)), feed_(std::move(feed)) {}

Result<DepartmentSender> DepartmentSender::open(zmq::context_t& context,
                                                const DepartmentConfig& department,
                                                const std::optional<KeyPair>& keys,
                                                const std::string& ingest_public_key,
                                                std::size_t max_message_bytes) {
    using R = Result<DepartmentSender>;
    if (uses_acknowledged_feed(department)) {
        department_link::FeedOptions options;
        options.max_message_bytes = max_message_bytes;
        if (keys)
            options.keys = department_link::CurveClientKeys{keys->public_key, keys->secret_key,
                                                            ingest_public_key};
        auto feed = department_link::AcknowledgedFeed::open(context, department.endpoint,
                                                            std::move(options));
        if (!feed) return feed.because(department.code + ": ");
        DepartmentSender sender(department.code, std::nullopt, std::move(*feed));
        sender.feed_->on_answer([code = department.code, logged = sender.refusals_logged_](
                                    const department_link::Answer& refusal) {
            if (refusal.outcome == department_link::Outcome::refused &&
                (*logged)++ < kRefusalsLogged)
                std::fprintf(stderr, "citywall-feedsim: %s: ingest refused %s: %s (%s)\n",
                             code.c_str(), refusal.delivery_id.c_str(), refusal.reason.c_str(),
                             refusal.detail.c_str());
        });
        // It answers the centre's orders as a department would (order_desk.hpp).
        sender.desk_ = std::make_shared<OrderDesk>(
            OrderDeskTiming{}, std::hash<std::string>()(department.code) ^ 0x5eed);
        sender.feed_->on_order(
            [desk = sender.desk_](std::string_view order) { desk->take(order, wall_clock_ms()); });
        return R(std::move(sender));
    }
    try {
        zmq::socket_t push(context, zmq::socket_type::push);
        push.set(zmq::sockopt::linger, 2000);
        if (keys) {
            if (auto ok = make_curve_client(push.handle(), ingest_public_key, *keys); !ok)
                return ok.because(department.code + ": ");
        }
        push.connect(department.endpoint);
        return R(DepartmentSender(department.code, std::move(push), nullptr));
    } catch (const zmq::error_t& e) {
        return R::failure(ErrorKind::io, department.code + ": " + e.what());
    }
}

bool DepartmentSender::send_report(const std::string& body, const std::atomic<bool>& stop) {
    if (!feed_) {
        push_->send(zmq::buffer(body), zmq::send_flags::none);
        ++pushed_;
        return true;
    }
    while (!feed_->send(body)) {
        if (stop.load()) return false;
        feed_->poll(std::chrono::milliseconds(50));
    }
    return true;
}

void DepartmentSender::send_status(const std::string& body) {
    if (!feed_) {
        if (push_->send(zmq::buffer(body), zmq::send_flags::dontwait)) ++pushed_;
        return;
    }
    if (2 * feed_->in_flight() >= feed_->window() || !feed_->send(body)) ++skipped_;
}

void DepartmentSender::pump() {
    if (!feed_) return;
    feed_->pump(feed_->now());
    if (desk_)
        for (std::string& answer : desk_->due(wall_clock_ms()))
            if (!feed_->send(std::move(answer)))
                break;  // the window is full: dropped, and
                        // ingest sends the order again
}

void DepartmentSender::finish(std::chrono::steady_clock::time_point deadline) {
    if (feed_) feed_->drain(deadline);
}

void DepartmentSender::print_counters(std::FILE* out) const {
    if (!feed_) {
        std::fprintf(out, "citywall-feedsim: %s (push, at most once): sent %llu messages\n",
                     code_.c_str(), static_cast<unsigned long long>(pushed_));
        return;
    }
    const auto& c = feed_->counters();
    if (desk_ && desk_->orders() + desk_->withdrawn() > 0)
        std::fprintf(out,
                     "citywall-feedsim: %s: %llu orders taken (%llu repeats, %llu withdrawn, "
                     "%llu hurried: supervised or escalated)\n",
                     code_.c_str(), static_cast<unsigned long long>(desk_->orders()),
                     static_cast<unsigned long long>(desk_->repeats()),
                     static_cast<unsigned long long>(desk_->withdrawn()),
                     static_cast<unsigned long long>(desk_->hurried()));
    std::string refused;
    for (const auto& [reason, count] : c.refused)
        refused += (refused.empty() ? " (" : ", ") + reason + " " + std::to_string(count);
    if (!refused.empty()) refused += ")";
    auto n = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    std::fprintf(out,
                 "citywall-feedsim: %s (acknowledged): sent %llu, acknowledged %llu, duplicates "
                 "%llu, refused %llu%s, resent %llu, reconnects %llu, unanswered %zu, skipped "
                 "%llu, unknown answers %llu, malformed answers %llu\n",
                 code_.c_str(), n(c.sent), n(c.acknowledged), n(c.duplicates), n(c.refused_total()),
                 refused.c_str(), n(c.resent), n(c.reconnects), feed_->in_flight(), n(skipped_),
                 n(c.unknown_replies), n(c.malformed_replies));
}

}  // namespace citywall::feedsim
