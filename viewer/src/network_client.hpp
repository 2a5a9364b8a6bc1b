// The viewer's side of the Clone pattern: a SUB socket on ingest's updates, a DEALER that asks
// ingest's ROUTER for a snapshot, and another that asks it for one incident's case. Sockets live on
// their own thread, which decodes messages and hands them to the render thread through a
// mutex-protected queue; a slow frame never blocks them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "citywall/wire.hpp"

namespace citywall::viewer {

class NetworkClient {
  public:
    using Clock = std::chrono::steady_clock;

    NetworkClient(std::string updates_endpoint, std::string snapshot_endpoint);
    ~NetworkClient();
    NetworkClient(const NetworkClient&) = delete;
    NetworkClient& operator=(const NetworkClient&) = delete;

    // Everything decoded since the last call, in arrival order. If the queue overflowed while
    // the render thread was away, `overflowed` is set: treat it as a gap.
    std::vector<wire::Message> take_messages(bool& overflowed);
    // Asks for a fresh snapshot (after a gap); any snapshot still in flight is abandoned.
    void request_snapshot() { snapshot_wanted_ = true; }
    // Asks ingest for one incident's case; the reply (an IncidentCase) comes with the messages.
    // A newer request before this one is sent replaces it.
    void request_case(std::uint64_t id) { case_wanted_ = id; }

    // When anything last arrived, heartbeats included; nullopt before the first message.
    std::optional<Clock::time_point> last_received() const;
    std::uint64_t decode_errors() const { return decode_errors_; }
    std::uint64_t snapshots_requested() const { return snapshots_requested_; }
    const std::string& updates_endpoint() const { return updates_endpoint_; }

  private:
    void run();
    void deliver(wire::Message message);

    std::string updates_endpoint_;
    std::string snapshot_endpoint_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> snapshot_wanted_{true};
    std::atomic<std::uint64_t> case_wanted_{0};
    std::atomic<std::int64_t> last_received_ns_{0};
    std::atomic<std::uint64_t> decode_errors_{0};
    std::atomic<std::uint64_t> snapshots_requested_{0};

    std::mutex mutex_;  // guards queue_ and overflowed_
    std::vector<wire::Message> queue_;
    bool overflowed_ = false;

    std::thread thread_;  // last: starts after everything above is ready
};

}  // namespace citywall::viewer
