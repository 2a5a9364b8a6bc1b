#include "network_client.hpp"

#include <cerrno>
#include <cstdio>
#include <optional>
#include <zmq.hpp>

namespace citywall::viewer {

namespace {

// Bounds on what may pile up, in the socket and on the way to the render thread.
constexpr int kReceiveHighWaterMark = 100'000;
constexpr std::size_t kMaxQueued = 500'000;
// A snapshot that has not completed by then is asked for again (ingest may have restarted).
constexpr auto kSnapshotRetry = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               NetworkClient::Clock::now().time_since_epoch())
        .count();
}

}  // namespace

NetworkClient::NetworkClient(std::string updates_endpoint, std::string snapshot_endpoint)
    : updates_endpoint_(std::move(updates_endpoint)),
      snapshot_endpoint_(std::move(snapshot_endpoint)),
      thread_([this] { run(); }) {}

NetworkClient::~NetworkClient() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

std::vector<wire::Message> NetworkClient::take_messages(bool& overflowed) {
    std::vector<wire::Message> out;
    std::lock_guard lock(mutex_);
    out.swap(queue_);
    overflowed = std::exchange(overflowed_, false);
    return out;
}

std::optional<NetworkClient::Clock::time_point> NetworkClient::last_received() const {
    const std::int64_t ns = last_received_ns_;
    if (ns == 0) return std::nullopt;
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

void NetworkClient::deliver(wire::Message message) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
        queue_.clear();  // the picture will be rebuilt from a new snapshot anyway
        overflowed_ = true;
        return;
    }
    queue_.push_back(std::move(message));
}

void NetworkClient::run() {
    try {
        zmq::context_t context(1);
        zmq::socket_t updates(context, zmq::socket_type::sub);
        updates.set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
        updates.set(zmq::sockopt::linger, 0);
        updates.set(zmq::sockopt::subscribe, "");
        updates.connect(updates_endpoint_);

        std::optional<zmq::socket_t> snapshot;
        auto snapshot_sent = Clock::now();
        bool snapshot_pending = false;

        while (!stop_) {
            if (snapshot_wanted_.exchange(false) ||
                (snapshot_pending && Clock::now() - snapshot_sent > kSnapshotRetry)) {
                // A fresh DEALER drops any half-received reply to an older request.
                snapshot.emplace(context, zmq::socket_type::dealer);
                snapshot->set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
                snapshot->set(zmq::sockopt::linger, 0);
                snapshot->connect(snapshot_endpoint_);
                snapshot->send(zmq::str_buffer("SNAPSHOT"), zmq::send_flags::dontwait);
                snapshot_sent = Clock::now();
                snapshot_pending = true;
                ++snapshots_requested_;
            }

            zmq::pollitem_t items[2] = {
                {updates.handle(), 0, ZMQ_POLLIN, 0},
                {snapshot ? snapshot->handle() : nullptr, 0, ZMQ_POLLIN, 0},
            };
            try {
                zmq::poll(items, snapshot ? 2 : 1, kPollInterval);
            } catch (const zmq::error_t& e) {
                if (e.num() == EINTR) continue;  // a signal, not a failure
                throw;
            }

            auto drain = [&](zmq::socket_t& socket, bool from_snapshot) {
                zmq::message_t frame;
                while (socket.recv(frame, zmq::recv_flags::dontwait)) {
                    last_received_ns_ = now_ns();
                    auto decoded = wire::decode(std::string_view(frame.data<char>(), frame.size()));
                    if (!decoded) {
                        ++decode_errors_;
                        continue;
                    }
                    if (from_snapshot) {
                        if (const auto* chunk = std::get_if<wire::SnapshotChunk>(&*decoded);
                            chunk && chunk->last) {
                            snapshot_pending = false;
                        }
                    }
                    deliver(std::move(*decoded));
                }
            };
            if (items[0].revents & ZMQ_POLLIN) drain(updates, false);
            if (snapshot && (items[1].revents & ZMQ_POLLIN)) drain(*snapshot, true);
        }
    } catch (const zmq::error_t& e) {
        std::fprintf(stderr, "citywall-viewer: network: %s\n", e.what());
    }
}

}  // namespace citywall::viewer
