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
        // Its own socket: a new snapshot request replaces the snapshot DEALER, which would drop
        // a case reply on its way.
        std::optional<zmq::socket_t> cases;
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
                snapshot->send(zmq::buffer(wire::kSnapshotRequest), zmq::send_flags::dontwait);
                snapshot_sent = Clock::now();
                snapshot_pending = true;
                ++snapshots_requested_;
            }

            if (const std::uint64_t id = case_wanted_.exchange(0); id != 0) {
                if (!cases) {
                    cases.emplace(context, zmq::socket_type::dealer);
                    cases->set(zmq::sockopt::linger, 0);
                    cases->connect(snapshot_endpoint_);
                }
                cases->send(zmq::buffer(wire::case_request(id)), zmq::send_flags::dontwait);
            }

            // Only the sockets made so far (an item without a socket would poll fd 0).
            zmq::pollitem_t items[3];
            std::size_t polled = 0;
            zmq::socket_t* sockets[3] = {&updates, snapshot ? &*snapshot : nullptr,
                                         cases ? &*cases : nullptr};
            for (zmq::socket_t* socket : sockets)
                if (socket) items[polled++] = {socket->handle(), 0, ZMQ_POLLIN, 0};
            try {
                zmq::poll(items, polled, kPollInterval);
            } catch (const zmq::error_t& e) {
                if (e.num() == EINTR) continue;  // a signal, not a failure
                throw;
            }

            enum class From { update_stream, snapshot_reply, case_reply };
            auto drain = [&](zmq::socket_t& socket, From from) {
                zmq::message_t frame;
                while (socket.recv(frame, zmq::recv_flags::dontwait)) {
                    // A case reply says ingest answers, not that the stream flows.
                    if (from != From::case_reply) last_received_ns_ = now_ns();
                    auto decoded = wire::decode(std::string_view(frame.data<char>(), frame.size()));
                    if (!decoded) {
                        ++decode_errors_;
                        continue;
                    }
                    if (from == From::snapshot_reply) {
                        if (const auto* chunk = std::get_if<wire::SnapshotChunk>(&*decoded);
                            chunk && chunk->last) {
                            snapshot_pending = false;
                        }
                    }
                    deliver(std::move(*decoded));
                }
            };
            // Drained whether or not poll saw them: recv is non-blocking.
            drain(updates, From::update_stream);
            if (snapshot) drain(*snapshot, From::snapshot_reply);
            if (cases) drain(*cases, From::case_reply);
        }
    } catch (const zmq::error_t& e) {
        std::fprintf(stderr, "citywall-viewer: network: %s\n", e.what());
    }
}

}  // namespace citywall::viewer
