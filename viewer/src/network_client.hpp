// The viewer's side of the Clone pattern: a SUB socket on ingest's updates, a DEALER that asks
// ingest's ROUTER for a snapshot, and another that asks it for one incident's case. Sockets live on
// their own thread, which decodes messages and hands them to the render thread through a
// mutex-protected queue; a slow frame never blocks them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "citywall/keys.hpp"
#include "citywall/wire.hpp"

namespace citywall::viewer {

class NetworkClient {
  public:
    using Clock = std::chrono::steady_clock;

    // keys: this wall's pair and the ingest's public key (CURVE); none: an ingest with keys off.
    NetworkClient(std::string updates_endpoint, std::string snapshot_endpoint,
                  std::optional<WallKeys> keys = std::nullopt);
    ~NetworkClient();
    NetworkClient(const NetworkClient&) = delete;
    NetworkClient& operator=(const NetworkClient&) = delete;

    // Everything decoded since the last call, in arrival order. If the queue overflowed while
    // the render thread was away, `overflowed` is set: treat it as a gap.
    std::vector<wire::Message> take_messages(bool& overflowed);
    // Messages the caller is done with, to be decoded into again (their text keeps its
    // capacity): the render thread hands back what take_messages() gave it.
    void give_back(std::vector<wire::Message> used);
    // Asks for a fresh snapshot (after a gap); any snapshot still in flight is abandoned.
    void request_snapshot() { snapshot_wanted_ = true; }
    // Asks ingest for one incident's case; the reply (an IncidentCase) comes with the messages.
    // A newer request before this one is sent replaces it.
    void request_case(std::uint64_t id) { case_wanted_ = id; }
    // Sends a step of a case (the console) or a trainer's command to a drill (the timeline);
    // the answer (a CommandReply) comes with the messages.
    void send_command(wire::Request command);

    // When anything last arrived, heartbeats included; nullopt before the first message.
    std::optional<Clock::time_point> last_received() const;
    std::uint64_t decode_errors() const { return decode_errors_; }
    std::uint64_t snapshots_requested() const { return snapshots_requested_; }
    const std::string& updates_endpoint() const { return updates_endpoint_; }
    // Why the ingest would not let this wall in, as the last handshake said ("this wall's key is
    // not admitted", …); empty once a handshake succeeds, or if none failed.
    std::string refused() const;

  private:
    void run();
    void deliver(wire::Message message);
    // Moves a batch of spare messages into the network thread's own `stash`.
    void take_spares(std::vector<wire::Message>& stash);
    void watch_handshakes(zmq::socket_t& monitor);

    std::string updates_endpoint_;
    std::string snapshot_endpoint_;
    std::optional<WallKeys> keys_;
    bool handshaking_ = false;  // the network thread's: connected, no handshake result yet
    std::atomic<bool> stop_{false};
    std::atomic<bool> snapshot_wanted_{true};
    std::atomic<std::uint64_t> case_wanted_{0};
    std::atomic<std::int64_t> last_received_ns_{0};
    std::atomic<std::uint64_t> decode_errors_{0};
    std::atomic<std::uint64_t> snapshots_requested_{0};

    mutable std::mutex mutex_;  // guards queue_, spare_, commands_, overflowed_ and refused_
    std::vector<wire::Message> queue_;
    std::vector<wire::Message> spare_;
    std::vector<wire::Request> commands_;  // to send
    bool overflowed_ = false;
    std::string refused_;

    std::thread thread_;  // last: starts after everything above is ready
};

}  // namespace citywall::viewer
