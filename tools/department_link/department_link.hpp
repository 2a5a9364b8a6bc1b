// A department's end of an acknowledged feed (docs/protocol.md, "Acknowledged delivery"): a
// DEALER that gives every message a delivery id, keeps it until ingest answers, and sends it
// again while no answer comes, so that a report handed over is never lost when ingest dies or
// cannot write its journal. Single-threaded and without threads of its own: the caller pumps it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall::department_link {

// The CURVE keys of a department's sender, each as 40 characters of Z85 text
// (citywall-keygen's NAME.key and ingest.pub; docs/security.md).
struct CurveClientKeys {
    std::string department_public;
    std::string department_secret;
    std::string ingest_public;
};

struct FeedOptions {
    // Messages sent and not yet answered, at most: send() refuses more.
    std::size_t window = 10'000;
    // A message unanswered this long is sent again; each resend doubles its wait, up to the max.
    TimeMs first_timeout_ms = 3'000;
    TimeMs max_timeout_ms = 30'000;
    // The ingest's max_message_bytes. A larger message is never put on the wire (one over four
    // times it makes ZeroMQ drop the connection, and the sender would resend it forever): it is
    // settled at once as refused, reason "oversized", as ingest would answer it.
    std::size_t max_message_bytes = 64 * 1024;
    // None: the NULL mechanism, for an ingest whose config says keys = "off".
    std::optional<CurveClientKeys> keys;
    // Milliseconds on a clock that never goes back; empty: std::chrono::steady_clock. Tests set
    // their own to make timeouts pass without waiting.
    std::function<TimeMs()> clock;
    // Delivery ids are "<prefix>-<n>", n counting from 1. Empty: the wall-clock time of opening
    // in ms, so a restarted sender never reuses an id. At most 40 printable ASCII characters.
    std::string id_prefix;
};

enum class Outcome {
    acknowledged,  // "ok": durable in ingest's journal, or a heartbeat
    duplicate,     // "duplicate": ingest had it already; delivered all the same
    refused,       // "refused": dropped for good, never sent again
};

// The answer that settled one message; each message gets exactly one.
struct Answer {
    Outcome outcome = Outcome::acknowledged;
    std::string delivery_id;
    std::string body;  // the message as it was sent
    // refused only: a reason code of docs/protocol.md's "Rejects" table, and ingest's words
    // about it. Text, not RejectReason: a newer ingest may answer a code this build lacks.
    std::string reason;
    std::string detail;
};

struct DeliveryCounters {
    std::uint64_t sent = 0;          // messages taken by send()
    std::uint64_t acknowledged = 0;  // answered "ok": in ingest's journal (or a heartbeat)
    std::uint64_t duplicates = 0;    // answered "duplicate": ingest had it already
    std::map<std::string, std::uint64_t> refused;  // answered "refused", by reason
    std::uint64_t resent = 0;                      // sends of a message after its first
    std::uint64_t reconnects = 0;                  // connections that came back after one was lost
    std::uint64_t unknown_replies = 0;             // well-formed answers for no message in flight
    std::uint64_t malformed_replies = 0;           // answers outside the protocol, ignored
    std::uint64_t orders = 0;  // orders received (each sending; docs/dispatch.md)
    std::uint64_t refused_total() const;
    // Messages that have their answer: sent minus those in flight.
    std::uint64_t answered() const { return acknowledged + duplicates + refused_total(); }
};

class AcknowledgedFeed {
  public:
    // Connects a DEALER to ingest's ROUTER at `endpoint`. Fails on bad keys, a bad id prefix or
    // an endpoint ZeroMQ cannot use; never throws.
    static Result<std::unique_ptr<AcknowledgedFeed>> open(zmq::context_t& context,
                                                          const std::string& endpoint,
                                                          FeedOptions options = {});
    ~AcknowledgedFeed();
    AcknowledgedFeed(const AcknowledgedFeed&) = delete;
    AcknowledgedFeed& operator=(const AcknowledgedFeed&) = delete;

    // Takes one message (JSON, GeoJSON or CAP text, exactly as on a PUSH feed) and sends it, or
    // queues it while the socket's own queue is full. False, and nothing taken, when `window`
    // messages already wait for their answer: pump and try again.
    bool send(std::string body);

    // Reads every answer that has arrived, sends what waits for room, and resends what is due at
    // `now` (on the options' clock). Never blocks.
    void pump(TimeMs now);
    // Waits up to `timeout` for an answer (less when a resend falls due sooner), then pumps.
    // Returns the number of answers read.
    std::size_t poll(std::chrono::milliseconds timeout);
    // Pumps until every message sent has its answer or the deadline passes; true when none is
    // left in flight.
    bool drain(std::chrono::steady_clock::time_point deadline);

    std::size_t in_flight() const { return pending_.size() + refused_here_.size(); }
    std::size_t window() const { return options_.window; }
    bool window_full() const { return pending_.size() >= options_.window; }
    // A connection to ingest has finished its handshake and has not been lost since.
    bool connected() const { return connected_; }
    const DeliveryCounters& counters() const { return counters_; }
    const std::string& endpoint() const { return endpoint_; }
    TimeMs now() const { return options_.clock(); }

    // Called from pump() for each message as its answer settles it (a department that keeps
    // its reports in its own records marks them delivered here).
    void on_answer(std::function<void(const Answer&)> handler) { on_answer_ = std::move(handler); }
    // Called from pump() for each order the centre sends this department (docs/dispatch.md,
    // "The order channel"): its JSON. An order not yet signed for is sent again every few
    // seconds and after every reconnect, so the handler must take an order id it has seen
    // before as a repeat. Setting it makes the feed speak as soon as it connects.
    void on_order(std::function<void(std::string_view order)> handler) {
        on_order_ = std::move(handler);
    }

  private:
    struct Pending {
        std::string id;
        std::string body;
        TimeMs timeout = 0;             // wait before the next resend
        TimeMs due = 0;                 // when it is sent again, once handed to the socket
        std::uint64_t handed_over = 0;  // transmission number of its latest send; 0: waiting
        std::uint32_t sends = 0;
    };

    AcknowledgedFeed(zmq::context_t& context, std::string endpoint, FeedOptions options);
    Result<void> start();
    std::size_t step(TimeMs now);
    bool transmit(std::uint64_t number, Pending& message, TimeMs now);
    void read_connection_events(TimeMs now);
    void connection_ready(TimeMs now);
    std::size_t read_answers();
    void answer(std::vector<zmq::message_t>& frames);
    void send_waiting(TimeMs now);
    void resend_due(TimeMs now);

    FeedOptions options_;
    std::string endpoint_;
    std::string id_prefix_;
    zmq::socket_t dealer_;
    zmq::socket_t monitor_;
    bool monitoring_ = false;
    bool connected_ = false;
    // Transmission number when the last connection was lost: what had been handed over by then
    // may have died with it; later sends wait in the DEALER's queue for the next connection.
    std::optional<std::uint64_t> lost_after_;
    std::uint64_t transmissions_ = 0;
    std::uint64_t next_number_ = 0;
    std::map<std::uint64_t, Pending> pending_;        // by number: in the order of sending
    std::set<std::pair<TimeMs, std::uint64_t>> due_;  // (resend time, number), handed over
    std::deque<std::uint64_t> waiting_;               // numbers waiting for room to be sent
    std::vector<Answer> refused_here_;  // oversized: answered at the next pump, never sent
    DeliveryCounters counters_;
    std::function<void(const Answer&)> on_answer_;
    std::function<void(std::string_view)> on_order_;
};

// True for 1..64 bytes of printable ASCII: what a delivery id is made of.
bool valid_delivery_id(std::string_view id);

}  // namespace citywall::department_link
