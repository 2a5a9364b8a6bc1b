// Another ingest's merged stream taken as a feed: a county centre feeding the city centre
// (docs/protocol.md, "Federation"). The link follows the other ingest exactly as a wall does —
// snapshot plus sequenced updates, resync on a gap — and says which of its incidents changed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "city_state.hpp"
#include "citywall/config.hpp"
#include "citywall/keys.hpp"
#include "citywall/picture.hpp"
#include "citywall/placement.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

class UpstreamLink {
  public:
    // Connects to the other ingest's wall stream. With keys on here (own_keys has a secret),
    // as a CURVE client that talks only to the holder of the centre's public_key and reads
    // with this ingest's own key, which the other ingest lists as one of its [[wall]]s.
    static Result<std::unique_ptr<UpstreamLink>> open(const DepartmentConfig& centre,
                                                      zmq::context_t& context,
                                                      const KeyPair& own_keys);

    zmq::socket_t& updates() { return updates_; }
    zmq::socket_t& snapshots() { return snapshots_; }

    // Connects afresh when the other ingest has said nothing for `silent_ms`: libzmq does not
    // try again after a refusal (this ingest's key not yet listed there, or its max_walls
    // reached), and a lost snapshot request is asked again. True when it did (the sockets are
    // new: poll their new handles).
    bool reconnect_if_silent(TimeMs silent_ms);

    struct Change {
        Incident upstream;  // as the other ingest now has it; not open() means it closed there
        std::uint64_t seq = 0;
    };
    // Takes every message waiting on both sockets; returns what changed upstream, in order.
    std::vector<Change> receive();

    std::uint64_t replayed() const { return replayed_; }  // updates at or below what we had
    std::uint64_t resyncs() const { return resyncs_; }
    std::uint64_t reconnects() const { return reconnects_; }

  private:
    UpstreamLink(const DepartmentConfig& centre, zmq::context_t& context, KeyPair own_keys);
    Result<void> connect();
    void request_snapshot();
    void collect(std::vector<Change>& out);

    const DepartmentConfig centre_;
    zmq::context_t& context_;
    const KeyPair own_keys_;
    TimeMs heard_ = 0;  // when a message last came, or the sockets were made (steady clock)
    zmq::socket_t updates_;
    zmq::socket_t snapshots_;
    CityPicture picture_;
    std::unordered_map<std::uint64_t, Incident> mirrored_;  // what we last passed on, by id
    std::uint64_t replayed_ = 0;
    std::uint64_t resyncs_ = 0;
    std::uint64_t reconnects_ = 0;
};

// The local incident for an upstream one: its sources keep their departments, prefixed with the
// centre ("county-a:110"), and its provenance names the centre, its id and sequence there.
Incident federated_incident(const CityState& state, const CityPlacement& placement,
                            const std::string& centre, const UpstreamLink::Change& change,
                            TimeMs now);

}  // namespace citywall::ingest
