#include "department_link.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <iterator>
#include <vector>
#include <zmq_addon.hpp>

#include "citywall/reject_reason.hpp"

namespace citywall::department_link {

namespace {

constexpr std::size_t kMaxDeliveryId = 64;
// Room for "-" and the 20 digits of any message number within kMaxDeliveryId.
constexpr std::size_t kMaxIdPrefix = 40;
constexpr std::size_t kZ85KeyChars = 40;
// ZMTP heartbeats: a connection whose peer went silent (a host that died without closing its
// sockets) is dropped and dialled again, so the reconnection resend happens at all.
constexpr int kHeartbeatIntervalMs = 2'000;
constexpr int kHeartbeatTimeoutMs = 10'000;

TimeMs steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Wall-clock milliseconds at opening, never the same twice in one process, so that two feeds
// opened in the same millisecond never share delivery ids.
std::string start_time_prefix() {
    static std::atomic<TimeMs> last{0};
    using namespace std::chrono;
    TimeMs now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    TimeMs previous = last.load();
    for (;;) {
        const TimeMs candidate = std::max(now, previous + 1);
        if (last.compare_exchange_weak(previous, candidate)) return std::to_string(candidate);
    }
}

bool printable(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

}  // namespace

bool valid_delivery_id(std::string_view id) {
    return !id.empty() && id.size() <= kMaxDeliveryId && printable(id);
}

std::uint64_t DeliveryCounters::refused_total() const {
    std::uint64_t total = 0;
    for (const auto& [reason, count] : refused)
        total += count;
    return total;
}

AcknowledgedFeed::AcknowledgedFeed(zmq::context_t& context, std::string endpoint,
                                   FeedOptions options)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      dealer_(context, zmq::socket_type::dealer),
      monitor_(context, zmq::socket_type::pair) {
    if (!options_.clock) options_.clock = steady_ms;
    id_prefix_ = options_.id_prefix.empty() ? start_time_prefix() : options_.id_prefix;
}

Result<std::unique_ptr<AcknowledgedFeed>> AcknowledgedFeed::open(zmq::context_t& context,
                                                                 const std::string& endpoint,
                                                                 FeedOptions options) {
    using R = Result<std::unique_ptr<AcknowledgedFeed>>;
    if (options.window == 0)
        return R::failure(ErrorKind::invalid, "acknowledged feed: window must be at least 1");
    if (options.first_timeout_ms <= 0)
        return R::failure(ErrorKind::invalid,
                          "acknowledged feed: first_timeout_ms must be positive");
    options.max_timeout_ms = std::max(options.max_timeout_ms, options.first_timeout_ms);
    if (options.id_prefix.size() > kMaxIdPrefix || !printable(options.id_prefix))
        return R::failure(ErrorKind::invalid,
                          "acknowledged feed: id_prefix must be at most 40 printable ASCII "
                          "characters");
    if (const auto& keys = options.keys) {
        for (const std::string* key :
             {&keys->department_public, &keys->department_secret, &keys->ingest_public})
            if (key->size() != kZ85KeyChars)
                return R::failure(ErrorKind::invalid,
                                  "acknowledged feed: a CURVE key is 40 characters of Z85 text");
    }
    std::unique_ptr<AcknowledgedFeed> feed;
    try {
        feed.reset(new AcknowledgedFeed(context, endpoint, std::move(options)));
    } catch (const zmq::error_t& e) {
        return R::failure(ErrorKind::io, std::string("acknowledged feed: ") + e.what());
    }
    if (auto started = feed->start(); !started) return started.error_value();
    return R(std::move(feed));
}

Result<void> AcknowledgedFeed::start() {
    try {
        // Unanswered messages are kept here, not in the socket: nothing waits at close.
        dealer_.set(zmq::sockopt::linger, 0);
        // An answer dropped for want of room would cost a resend; answers are few and small.
        dealer_.set(zmq::sockopt::rcvhwm, 0);
        dealer_.set(zmq::sockopt::heartbeat_ivl, kHeartbeatIntervalMs);
        dealer_.set(zmq::sockopt::heartbeat_timeout, kHeartbeatTimeoutMs);
        if (const auto& keys = options_.keys) {
            dealer_.set(zmq::sockopt::curve_serverkey, keys->ingest_public);
            dealer_.set(zmq::sockopt::curve_publickey, keys->department_public);
            dealer_.set(zmq::sockopt::curve_secretkey, keys->department_secret);
        }
    } catch (const zmq::error_t& e) {
        return Result<void>::failure(ErrorKind::io,
                                     std::string("acknowledged feed: socket options: ") + e.what());
    }
    // Without the monitor the feed still works, on timeouts alone.
    static std::atomic<std::uint64_t> monitors{0};
    const std::string address =
        "inproc://citywall-department-link-" + std::to_string(monitors.fetch_add(1));
    if (zmq_socket_monitor(dealer_.handle(), address.c_str(),
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) == 0) {
        try {
            monitor_.set(zmq::sockopt::linger, 0);
            monitor_.connect(address);
            monitoring_ = true;
        } catch (const zmq::error_t&) {
            zmq_socket_monitor(dealer_.handle(), nullptr, 0);
        }
    }
    try {
        dealer_.connect(endpoint_);
    } catch (const zmq::error_t& e) {
        return Result<void>::failure(
            ErrorKind::io, "acknowledged feed: cannot connect to " + endpoint_ + ": " + e.what());
    }
    return {};
}

AcknowledgedFeed::~AcknowledgedFeed() {
    if (monitoring_) zmq_socket_monitor(dealer_.handle(), nullptr, 0);
    monitor_.close();
    dealer_.close();
}

bool AcknowledgedFeed::send(std::string body) {
    if (window_full()) return false;
    const TimeMs now = options_.clock();
    const std::uint64_t number = ++next_number_;
    if (body.size() > options_.max_message_bytes) {
        ++counters_.sent;
        Answer refused{Outcome::refused, id_prefix_ + "-" + std::to_string(number), std::move(body),
                       std::string(to_string(RejectReason::oversized)), ""};
        refused.detail = std::to_string(refused.body.size()) + " bytes, more than " +
                         std::to_string(options_.max_message_bytes) + " (not sent)";
        refused_here_.push_back(std::move(refused));
        return true;
    }
    Pending& message = pending_[number];
    message.id = id_prefix_ + "-" + std::to_string(number);
    message.body = std::move(body);
    message.timeout = options_.first_timeout_ms;
    ++counters_.sent;
    // Behind messages that wait for room, so that the order of sending is kept.
    if (!waiting_.empty() || !transmit(number, message, now)) waiting_.push_back(number);
    return true;
}

bool AcknowledgedFeed::transmit(std::uint64_t number, Pending& message, TimeMs now) {
    try {
        if (!dealer_.send(zmq::buffer(message.id),
                          zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return false;
        // Once the first frame is taken ZeroMQ takes the rest of the message.
        (void)dealer_.send(zmq::buffer(message.body), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
        return false;
    }
    if (message.sends++ > 0) ++counters_.resent;
    message.handed_over = ++transmissions_;
    message.due = now + message.timeout;
    due_.emplace(message.due, number);
    return true;
}

void AcknowledgedFeed::pump(TimeMs now) {
    step(now);
}

std::size_t AcknowledgedFeed::step(TimeMs now) {
    read_connection_events(now);
    std::size_t answers = read_answers();
    for (Answer& refused : std::exchange(refused_here_, {})) {
        ++counters_.refused[refused.reason];
        ++answers;
        if (on_answer_) on_answer_(refused);
    }
    send_waiting(now);
    resend_due(now);
    return answers;
}

void AcknowledgedFeed::read_connection_events(TimeMs now) {
    if (!monitoring_) return;
    for (;;) {
        zmq::message_t event;
        try {
            if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
            // The endpoint's address follows in a second frame; it is not needed.
            for (bool more = event.more(); more;) {
                zmq::message_t rest;
                if (!monitor_.recv(rest, zmq::recv_flags::dontwait)) break;
                more = rest.more();
            }
        } catch (const zmq::error_t&) {
            return;
        }
        if (event.size() < sizeof(std::uint16_t)) continue;
        std::uint16_t kind = 0;
        std::memcpy(&kind, event.data(), sizeof kind);
        if (kind == ZMQ_EVENT_DISCONNECTED) {
            if (connected_) lost_after_ = transmissions_;
            connected_ = false;
        } else if (kind == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            connection_ready(now);
        }
    }
}

// Messages handed over before the last connection was lost may have died with it (in its
// buffers, or in the memory of an ingest that was killed): they are sent again. The rest are
// in the DEALER's queue and travel on this connection; their timers start now.
void AcknowledgedFeed::connection_ready(TimeMs now) {
    connected_ = true;
    std::vector<std::uint64_t> lost;
    for (auto& [number, message] : pending_) {
        if (message.handed_over == 0) continue;
        due_.erase({message.due, number});
        if (lost_after_ && message.handed_over <= *lost_after_) {
            message.handed_over = 0;
            lost.push_back(number);
        } else {
            message.due = now + message.timeout;
            due_.emplace(message.due, number);
        }
    }
    if (lost_after_) ++counters_.reconnects;
    lost_after_.reset();
    // Ingest sends orders to the connection that last spoke: a department that takes orders
    // speaks at once, so those waiting for it come now, not with its next report.
    if (on_order_) send(R"({"type":"heartbeat"})");
    waiting_.insert(waiting_.begin(), lost.begin(), lost.end());
}

std::size_t AcknowledgedFeed::read_answers() {
    std::size_t count = 0;
    std::vector<zmq::message_t> frames;
    for (;;) {
        frames.clear();
        try {
            if (!zmq::recv_multipart(dealer_, std::back_inserter(frames),
                                     zmq::recv_flags::dontwait))
                break;
        } catch (const zmq::error_t&) {
            break;
        }
        ++count;
        answer(frames);
    }
    return count;
}

// An answer is [delivery id, "ok"], [delivery id, "duplicate"] or
// [delivery id, "refused", reason, detail]; anything else is counted and left alone, and the
// message it may have been about is sent again when its time comes.
void AcknowledgedFeed::answer(std::vector<zmq::message_t>& frames) {
    // An order: [empty, order JSON]. A delivery id is never empty, so it is no answer.
    if (frames.size() == 2 && frames[0].size() == 0 &&
        frames[1].to_string_view().starts_with('{')) {
        ++counters_.orders;
        if (on_order_) on_order_(frames[1].to_string_view());
        return;
    }
    if (frames.size() < 2) {
        ++counters_.malformed_replies;
        return;
    }
    const std::string_view id = frames[0].to_string_view(), status = frames[1].to_string_view();
    const bool delivered = (status == "ok" || status == "duplicate") && frames.size() == 2;
    // A reason code is held to the rules of a delivery id: short, printable text.
    const bool refused =
        status == "refused" && frames.size() == 4 && valid_delivery_id(frames[2].to_string_view());
    if (!valid_delivery_id(id) || !(delivered || refused)) {
        ++counters_.malformed_replies;
        return;
    }
    auto found = pending_.end();
    if (id.size() > id_prefix_.size() + 1 && id.starts_with(id_prefix_) &&
        id[id_prefix_.size()] == '-') {
        std::uint64_t number = 0;
        const char* first = id.data() + id_prefix_.size() + 1;
        const char* last = id.data() + id.size();
        if (auto [end, error] = std::from_chars(first, last, number);
            error == std::errc() && end == last)
            found = pending_.find(number);
    }
    if (found == pending_.end() || found->second.id != id) {
        ++counters_.unknown_replies;
        return;
    }
    Answer settled;
    settled.delivery_id = std::move(found->second.id);
    settled.body = std::move(found->second.body);
    if (found->second.handed_over != 0) due_.erase({found->second.due, found->first});
    pending_.erase(found);  // a copy still in waiting_ is skipped there
    if (status == "ok") {
        ++counters_.acknowledged;
    } else if (status == "duplicate") {
        settled.outcome = Outcome::duplicate;
        ++counters_.duplicates;
    } else {
        settled.outcome = Outcome::refused;
        settled.reason = frames[2].to_string();
        settled.detail = frames[3].to_string();
        ++counters_.refused[settled.reason];
    }
    if (on_answer_) on_answer_(settled);
}

void AcknowledgedFeed::send_waiting(TimeMs now) {
    while (!waiting_.empty()) {
        auto found = pending_.find(waiting_.front());
        if (found != pending_.end() && found->second.handed_over == 0 &&
            !transmit(found->first, found->second, now))
            return;
        waiting_.pop_front();
    }
}

// While the connection is known to be down nothing is resent: it would only pile up in the
// DEALER's queue, and the reconnection resends what was lost.
void AcknowledgedFeed::resend_due(TimeMs now) {
    if (monitoring_ && !connected_) return;
    while (waiting_.empty() && !due_.empty() && due_.begin()->first <= now) {
        const std::uint64_t number = due_.begin()->second;
        due_.erase(due_.begin());
        Pending& message = pending_.at(number);
        message.handed_over = 0;
        message.timeout = std::min(message.timeout * 2, options_.max_timeout_ms);
        if (!transmit(number, message, now)) waiting_.push_back(number);
    }
}

std::size_t AcknowledgedFeed::poll(std::chrono::milliseconds timeout) {
    const TimeMs now = options_.clock();
    TimeMs wait = std::max<TimeMs>(0, timeout.count());
    if (!due_.empty() && (connected_ || !monitoring_))
        wait = std::clamp<TimeMs>(due_.begin()->first - now, 0, wait);
    if (!refused_here_.empty()) wait = 0;  // answers to give now
    zmq::pollitem_t items[] = {
        {dealer_.handle(), 0, static_cast<short>(ZMQ_POLLIN | (waiting_.empty() ? 0 : ZMQ_POLLOUT)),
         0},
        {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
        zmq::poll(items, monitoring_ ? 2 : 1, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t&) {
        // EINTR: a signal; the caller's loop decides what happens next.
    }
    return step(options_.clock());
}

bool AcknowledgedFeed::drain(std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
    while (in_flight() > 0) {
        const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0) break;
        poll(std::min(left, milliseconds(100)));
    }
    return in_flight() == 0;
}

}  // namespace citywall::department_link
