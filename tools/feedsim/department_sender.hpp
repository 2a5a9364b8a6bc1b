// How one simulated department hands its messages to ingest: a PUSH socket (at most once: a
// message in flight when ingest dies is lost), or, when ingest's config says
// socket = "acknowledged", an AcknowledgedFeed that keeps each message until ingest has it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/keys.hpp"
#include "citywall/result.hpp"
#include "department_link.hpp"
#include "order_desk.hpp"

namespace citywall::feedsim {

// The one place that decides which way a department's messages go.
inline bool uses_acknowledged_feed(const DepartmentConfig& department) {
    return department.socket == FeedSocket::acknowledged;
}

class DepartmentSender {
  public:
    // keys: the department's own pair and ingest's public key; none when keys are off.
    static Result<DepartmentSender> open(zmq::context_t& context,
                                         const DepartmentConfig& department,
                                         const std::optional<KeyPair>& keys,
                                         const std::string& ingest_public_key,
                                         std::size_t max_message_bytes);

    bool acknowledged() const { return feed_ != nullptr; }
    // An incident report: on the acknowledged feed it waits (pumping) while the window is full,
    // until it is taken or `stop` is set; false only then.
    bool send_report(const std::string& body, const std::atomic<bool>& stop);
    // A heartbeat or a unit fix: the next one supersedes it, so it is skipped while the
    // acknowledged window is more than half full (ingest away or not keeping up).
    void send_status(const std::string& body);
    // Reads answers and resends what is due; nothing for PUSH.
    void pump();
    // Waits until the deadline for the answers still due (acknowledged feeds only).
    void finish(std::chrono::steady_clock::time_point deadline);
    void print_counters(std::FILE* out) const;
    // The units the centre's orders named, and the orders whose work is over (OrderDesk).
    std::vector<OrderDesk::UnitCall> take_unit_calls() {
        return desk_ ? desk_->take_unit_calls() : std::vector<OrderDesk::UnitCall>{};
    }

  private:
    DepartmentSender(std::string code, std::optional<zmq::socket_t> push,
                     std::unique_ptr<department_link::AcknowledgedFeed> feed);

    std::string code_;
    std::optional<zmq::socket_t> push_;
    std::unique_ptr<department_link::AcknowledgedFeed> feed_;
    std::uint64_t pushed_ = 0;   // messages handed to the PUSH socket
    std::uint64_t skipped_ = 0;  // heartbeats and fixes left out for want of window room
    std::shared_ptr<std::uint64_t> refusals_logged_ = std::make_shared<std::uint64_t>(0);
    std::shared_ptr<OrderDesk> desk_;  // acknowledged feeds: the orders it answers
};

}  // namespace citywall::feedsim
