// The snapshot socket seen from the walls' side: requests taken one wall at a time within a
// rate, snapshots streamed to each wall at the pace it reads them, never queued whole
// (docs/protocol.md, "Wall stream: sockets"). It knows nothing of the city: ingest builds a
// snapshot once per sequence number (SnapshotImage) and every wall that asks shares it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/incident.hpp"
#include "citywall/wire.hpp"

namespace citywall::ingest {

// A snapshot as the encoded messages a wall receives, in order.
struct SnapshotImage {
    std::uint64_t seq = 0;
    TimeMs built = 0;
    std::vector<std::string> messages;
    std::size_t bytes() const;
};

struct WallRequestLimits {
    // Per wall: per key when keys are on (every connection of one key shares it), else per
    // connection.
    double snapshots_per_s = 1.0;  // a burst of two is allowed
    double cases_per_s = 20.0;     // a burst of twice that
    // Steps of cases: a busy centre's console (or the demo's simulated duty leader) takes a
    // few a second; a console stuck in a loop is held here. A burst of twice that.
    double commands_per_s = 50.0;
    // Messages of a snapshot queued for one wall at a time; the rest wait until it reads.
    int queued_messages = 16;
    // Answers (to commands and case requests) kept for one wall while its queue is full: more
    // than a burst of both rates, so a console that is slow to read loses no answer.
    std::size_t waiting_answers = 256;
    TimeMs stalled_ms = 30'000;  // a wall that takes nothing of its snapshot this long is cut off
    std::size_t requests_per_pass = 256;
};

struct WallRequestCounters {
    std::uint64_t snapshots_started = 0;
    std::uint64_t snapshots_completed = 0;
    std::uint64_t snapshots_cut_off = 0;  // stalled, or the wall went away
    std::uint64_t cases_answered = 0;     // and commands answered
    std::uint64_t answers_dropped = 0;    // a wall's waiting answers were full, or it went away
    std::uint64_t refused = 0;            // neither request
    std::uint64_t limited = 0;            // over a wall's rate
    std::uint64_t forbidden = 0;          // a request the wall's role does not allow
};

// The role of whoever asks: `speaker` is the wall name the key gate set on the connection
// (empty with keys off). Nothing: it may not ask anything.
using WallRoleOf = std::function<std::optional<WallRole>(std::string_view speaker)>;

class WallRequests {
  public:
    struct Request {
        enum class Kind { snapshot, incident_case, command, unknown };
        Kind kind = Kind::unknown;
        std::string peer;     // the connection, to answer it
        std::string speaker;  // the wall's name from its key (empty with keys off)
        WallRole role = WallRole::viewer;
        std::uint64_t incident = 0;
        wire::CaseCommand command;  // of a command: what the caller checks against the role
        // Of a trainer's command to a replaying drill, instead of a case's.
        std::optional<wire::DrillCommand> drill;
        std::size_t size = 0;  // of an unknown request, for the log
        bool forbidden = false;
        bool limited = false;  // a command over its wall's rate: refused, not taken
    };

    // Sets the socket's queue limits: call before the socket binds (a listener copies them).
    WallRequests(zmq::socket_t& socket, WallRequestLimits limits, WallRoleOf role_of);

    // The next request within its wall's rate and role: an unknown or forbidden one is
    // returned once for the log (kind unknown, and `forbidden` set).
    // A snapshot asked for over the rate waits until the wall's rate allows it (repeats of it
    // meanwhile fold into that one); a case over the rate is dropped. Both are counted.
    std::optional<Request> next(TimeMs now);
    // Sends `bytes` to `peer` now, or keeps it (in order) until its queue has room.
    void answer(const std::string& peer, std::string bytes);
    // Streams `image` to `peer`, replacing a stream it had.
    void stream(const std::string& peer, std::shared_ptr<const SnapshotImage> image, TimeMs now);
    // Sends what each wall's queue has room for, answers before snapshots; cuts off walls
    // that stopped reading.
    void pump(TimeMs now);
    bool streaming() const { return !streams_.empty(); }
    // Something to do without a new request: an answer or a stream to go on with, or a
    // snapshot waiting.
    bool busy() const { return !streams_.empty() || !answers_.empty() || waiting_ > 0; }
    const WallRequestCounters& counters() const { return counters_; }
    // Memory the streams hold: their images, shared ones counted once.
    std::size_t stream_bytes() const;

  private:
    struct Bucket {
        double snapshot_tokens = 0;
        double case_tokens = 0;
        double command_tokens = 0;
        TimeMs refilled = 0;
        std::string snapshot_waiting;  // the connection a deferred snapshot goes to
    };
    struct Stream {
        std::shared_ptr<const SnapshotImage> image;
        std::size_t next = 0;
        TimeMs progressed = 0;
    };
    struct Answers {
        std::deque<std::string> waiting;
        TimeMs progressed = 0;
    };
    bool take_token(Bucket& bucket, Request::Kind kind, TimeMs now);
    enum class Sent { yes, full, gone };
    Sent send_to(const std::string& peer, const std::string& bytes);
    void pump_answers(TimeMs now);

    zmq::socket_t& socket_;
    WallRequestLimits limits_;
    WallRoleOf role_of_;
    WallRequestCounters counters_;
    std::unordered_map<std::string, Bucket> buckets_;  // by wall: its key's name, or connection
    std::unordered_map<std::string, Stream> streams_;
    std::unordered_map<std::string, Answers> answers_;  // by connection: kept while it is full
    TimeMs pruned_ = 0;
    std::size_t waiting_ = 0;  // buckets with snapshot_waiting
};

}  // namespace citywall::ingest
