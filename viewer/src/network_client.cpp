#include "network_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>
#include <zmq.hpp>

#include "citywall/socket_events.hpp"

namespace citywall::viewer {

namespace {

// Bounds on what may pile up, in the socket and on the way to the render thread.
constexpr int kReceiveHighWaterMark = 100'000;
constexpr std::size_t kMaxQueued = 500'000;
// Decoded updates handed back by the render thread, kept to be decoded into again: a burst's
// worth, so a quiet wall holds little.
constexpr std::size_t kMaxSpare = 4096;
// Taken from the spares at once by the network thread, so it locks once for many messages.
constexpr std::size_t kSpareBatch = 256;
// A snapshot that has not completed by then is asked for again (ingest may have restarted).
constexpr auto kSnapshotRetry = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(50);
// A wall the ingest refused asks again this often (with new sockets: libzmq does not).
constexpr auto kRefusedRetry = std::chrono::seconds(5);

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               NetworkClient::Clock::now().time_since_epoch())
        .count();
}

}  // namespace

NetworkClient::NetworkClient(std::string updates_endpoint, std::string snapshot_endpoint,
                             std::optional<WallKeys> keys)
    : updates_endpoint_(std::move(updates_endpoint)),
      snapshot_endpoint_(std::move(snapshot_endpoint)),
      keys_(std::move(keys)),
      thread_([this] { run(); }) {}

std::string NetworkClient::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

// The updates socket's handshakes: a refusal is said on the wall (a wrong key is not a network
// cut, and waiting will not mend it).
void NetworkClient::watch_handshakes(zmq::socket_t& monitor) {
    while (const auto event = next_socket_event(monitor.handle())) {
        const auto [id, value] = *event;
        std::string why;
        if (id == ZMQ_EVENT_CONNECTED) {
            handshaking_ = true;
            continue;
        }
        if (id == ZMQ_EVENT_DISCONNECTED) {
            // A server that cannot read this wall's hello (it was given another ingest's key)
            // just hangs up: connected, then closed, never a handshake.
            // (Without keys of its own, the likeliest cause is a keyed ingest that saw the
            // mismatch first.)
            if (!std::exchange(handshaking_, false)) continue;
            why = keys_ ? "ingest hung up during the handshake: is its key the one this wall "
                          "was given?"
                        : "ingest wants a key and this wall has none";
        } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            why = "ingest refused this wall's key: it is not on the ingest's list of walls";
        } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
            why = value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                      ? (keys_ ? "ingest has keys off but this wall has a key"
                               : "ingest wants a key and this wall has none")
                      : "the ingest's key is not the one this wall was given";
        } else if (id != ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            continue;
        }
        handshaking_ = false;
        std::lock_guard lock(mutex_);
        refused_ = why;
    }
}

NetworkClient::~NetworkClient() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void NetworkClient::send_command(wire::Request command) {
    std::lock_guard lock(mutex_);
    commands_.push_back(std::move(command));
}

std::vector<wire::Message> NetworkClient::take_messages(bool& overflowed) {
    std::vector<wire::Message> out;
    std::lock_guard lock(mutex_);
    out.swap(queue_);
    overflowed = std::exchange(overflowed_, false);
    return out;
}

void NetworkClient::give_back(std::vector<wire::Message> used) {
    std::lock_guard lock(mutex_);
    for (wire::Message& message : used) {
        if (spare_.size() >= kMaxSpare) break;
        // Updates only: a snapshot chunk or a roster is large and rare.
        if (std::holds_alternative<wire::IncidentUpdate>(message) ||
            std::holds_alternative<wire::UnitUpdate>(message))
            spare_.push_back(std::move(message));
    }
}

void NetworkClient::take_spares(std::vector<wire::Message>& stash) {
    std::lock_guard lock(mutex_);
    const std::size_t n = std::min(kSpareBatch, spare_.size());
    std::move(spare_.end() - static_cast<std::ptrdiff_t>(n), spare_.end(),
              std::back_inserter(stash));
    spare_.resize(spare_.size() - n);
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
    std::vector<wire::Message> stash;  // spares this thread decodes into, taken in batches
    try {
        zmq::context_t context(1);
        // Every socket to ingest: with keys, a CURVE client that proves it holds this wall's key
        // and talks only to the holder of the ingest's.
        auto to_ingest = [&](zmq::socket_type type) {
            zmq::socket_t socket(context, type);
            socket.set(zmq::sockopt::linger, 0);
            if (keys_) {
                if (auto keyed =
                        make_curve_client(socket.handle(), keys_->ingest_public_key, keys_->own);
                    !keyed) {
                    // The keys were checked when the config was read: a libzmq without CURVE.
                    std::lock_guard lock(mutex_);
                    refused_ = keyed.error();
                    throw zmq::error_t();
                }
            }
            return socket;
        };
        // The subscription and the monitor of its handshakes. Made again after a refusal:
        // libzmq does not try again after the ingest said no (the wall's key may be listed
        // since, or a place among max_walls free).
        std::optional<zmq::socket_t> updates;
        zmq::socket_t handshakes(context, zmq::socket_type::pair);
        int incarnation = 0;
        auto open_updates = [&] {
            if (updates) zmq_socket_monitor(updates->handle(), nullptr, 0);
            handshakes = zmq::socket_t(context, zmq::socket_type::pair);
            handshakes.set(zmq::sockopt::linger, 0);
            updates.emplace(to_ingest(zmq::socket_type::sub));
            updates->set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
            updates->set(zmq::sockopt::subscribe, "");
            const std::string monitor_endpoint =
                "inproc://wall-handshakes-" + std::to_string(++incarnation);
            if (zmq_socket_monitor(
                    updates->handle(), monitor_endpoint.c_str(),
                    ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_SUCCEEDED) == 0)
                handshakes.connect(monitor_endpoint);
            updates->connect(updates_endpoint_);
            handshaking_ = false;
        };
        open_updates();
        auto refused_at = Clock::now();
        bool was_refused = false;

        std::optional<zmq::socket_t> snapshot;
        // Its own socket: a new snapshot request replaces the snapshot DEALER, which would drop
        // a case reply on its way.
        std::optional<zmq::socket_t> cases;
        auto snapshot_sent = Clock::now();
        bool snapshot_pending = false;

        while (!stop_) {
            const bool refused_now = !refused().empty();
            if (refused_now && !was_refused) refused_at = Clock::now();
            was_refused = refused_now;
            if (refused_now && Clock::now() - refused_at > kRefusedRetry) {
                open_updates();
                refused_at = Clock::now();
                cases.reset();            // refused with it; made again when next needed
                snapshot_wanted_ = true;  // its snapshot socket was refused too
            }
            if (snapshot_wanted_.exchange(false) ||
                (snapshot_pending && Clock::now() - snapshot_sent > kSnapshotRetry)) {
                // A fresh DEALER drops any half-received reply to an older request.
                snapshot.emplace(to_ingest(zmq::socket_type::dealer));
                snapshot->set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
                snapshot->connect(snapshot_endpoint_);
                snapshot->send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                               zmq::send_flags::dontwait);
                snapshot_sent = Clock::now();
                snapshot_pending = true;
                ++snapshots_requested_;
            }

            std::vector<wire::Request> commands;
            {
                std::lock_guard lock(mutex_);
                commands.swap(commands_);
            }
            const std::uint64_t wanted = case_wanted_.exchange(0);
            if ((wanted != 0 || !commands.empty()) && !cases) {
                cases.emplace(to_ingest(zmq::socket_type::dealer));
                cases->connect(snapshot_endpoint_);
            }
            if (wanted != 0)
                cases->send(zmq::buffer(wire::encode_request(wire::CaseRequest{wanted})),
                            zmq::send_flags::dontwait);
            for (const wire::Request& command : commands)
                cases->send(zmq::buffer(wire::encode_request(command)), zmq::send_flags::dontwait);

            // Only the sockets made so far (an item without a socket would poll fd 0).
            zmq::pollitem_t items[4];
            std::size_t polled = 0;
            zmq::socket_t* sockets[4] = {&*updates, &handshakes, snapshot ? &*snapshot : nullptr,
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
                    // Decoded into an update the render thread is done with, when there is one:
                    // no new incident an update (docs/architecture.md, "Where a whole Incident
                    // exists").
                    if (stash.empty()) take_spares(stash);
                    wire::Message message;
                    if (!stash.empty()) {
                        message = std::move(stash.back());
                        stash.pop_back();
                    }
                    if (!wire::decode_into(std::string_view(frame.data<char>(), frame.size()),
                                           message)) {
                        ++decode_errors_;
                        continue;
                    }
                    if (from == From::snapshot_reply) {
                        if (const auto* chunk = std::get_if<wire::SnapshotChunk>(&message);
                            chunk && chunk->last) {
                            snapshot_pending = false;
                        }
                    }
                    deliver(std::move(message));
                }
            };
            // Drained whether or not poll saw them: recv is non-blocking.
            watch_handshakes(handshakes);
            drain(*updates, From::update_stream);
            if (snapshot) drain(*snapshot, From::snapshot_reply);
            if (cases) drain(*cases, From::case_reply);
        }
    } catch (const zmq::error_t& e) {
        std::fprintf(stderr, "citywall-viewer: network: %s\n", e.what());
    }
}

}  // namespace citywall::viewer
