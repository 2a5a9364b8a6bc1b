// The simulated duty leader's connection (duty_desk.hpp): it follows the wall stream as a wall
// does (a snapshot, then the updates, a new snapshot after a gap), with a leader's key, and
// sends the desk's commands on the snapshot socket. Pumped by the caller.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "citywall/keys.hpp"
#include "citywall/picture.hpp"
#include "citywall/result.hpp"
#include "duty_desk.hpp"

namespace citywall::feedsim {

class DutyLink {
  public:
    static Result<std::unique_ptr<DutyLink>> open(zmq::context_t& context,
                                                  const std::string& updates_endpoint,
                                                  const std::string& snapshot_endpoint,
                                                  const std::optional<WallKeys>& keys,
                                                  DutyDesk desk);
    // Reads what arrived; every `every_ms` lets the desk decide and sends what it decided.
    void pump(TimeMs now);
    const DutyDesk& desk() const { return desk_; }

  private:
    DutyLink(zmq::context_t& context, DutyDesk desk);
    zmq::socket_t updates_;
    zmq::socket_t requests_;
    CityPicture picture_;
    DutyDesk desk_;
    TimeMs decided_ = 0;
    TimeMs snapshot_asked_ = 0;
};

}  // namespace citywall::feedsim
