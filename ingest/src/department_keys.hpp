// Who may speak: one CURVE key pair per department, checked by a ZAP handler (ZeroMQ RFC 27)
// that runs inside the ingest's ZeroMQ context. A department socket accepts a connection only
// when the sender proves it holds that department's secret key; every message it delivers then
// carries the metadata property "User-Id" = the department code. See docs/security.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/keys.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

// ---- Sockets ---------------------------------------------------------------------------------

// Makes `socket` the CURVE server for one department: curve_server = 1, the ingest's secret key,
// zap_domain = the department code. Call before bind/connect.
Result<void> configure_department_server(zmq::socket_t& socket, std::string_view department,
                                         std::string_view ingest_secret_key);

// Makes `socket` a department's CURVE client (feedsim, tests, the departments' own senders):
// curve_serverkey = the ingest's public key, curve_publickey/secretkey = the department's pair.
// Call before bind/connect. Works on PUSH (department connects) and PUB (ingest's SUB connects).
Result<void> configure_department_client(zmq::socket_t& socket, std::string_view ingest_public_key,
                                         const KeyPair& department);

// The department a received message came from: its "User-Id" metadata, set by the gate; empty
// when there is none (a socket the gate never saw). Never throws, unlike cppzmq's gets().
// Checking it against the socket's department is a second lock: with no gate bound, libzmq
// admits any CURVE client, and its messages carry no User-Id.
std::string_view speaker_of(const zmq::message_t& message);

// ---- The gate --------------------------------------------------------------------------------

enum class Refusal {
    unknown_key,           // a CURVE key that belongs to no department
    other_department_key,  // the key of another department (one department posting as another)
    wrong_mechanism,       // NULL/PLAIN while keys are on, or a mechanism mismatch at handshake
    // The peer left before it showed a key. A sender without keys often does this: it sees the
    // mismatch first and closes before its own greeting has gone out, so the socket never sees
    // its mechanism; a port scan does it too.
    broken_handshake,
    unknown_department,  // a ZAP domain that is no configured department
    // kWallDomain only: a department's key offered to the wall stream (keys are not shared
    // between speaking and reading)
    department_key_on_wall,
    // kWallDomain only: max_wall_connections are open already
    too_many_walls,
};

// Each reason, in the order of the enum: its code as a feed's refusals carry it on the wall
// stream (never renamed; the wall puts it in words) and its words in the ingest's log.
struct RefusalKind {
    Refusal reason;
    std::string_view code;
    std::string_view words;
};
inline constexpr RefusalKind kRefusalKinds[] = {
    {Refusal::unknown_key, "unknown_key", "unknown key"},
    {Refusal::other_department_key, "other_department_key", "key of another department"},
    {Refusal::wrong_mechanism, "wrong_mechanism", "wrong mechanism"},
    {Refusal::broken_handshake, "broken_handshake", "left during the handshake, showing no key"},
    {Refusal::unknown_department, "unknown_department", "not a department socket"},
    {Refusal::department_key_on_wall, "department_key_on_wall",
     "a department's key on the wall stream"},
    {Refusal::too_many_walls, "too_many_walls", "too many walls connected"},
};
inline constexpr std::size_t kRefusalKindCount = std::size(kRefusalKinds);
static_assert([] {
    for (std::size_t k = 0; k < kRefusalKindCount; ++k)
        if (static_cast<std::size_t>(kRefusalKinds[k].reason) != k) return false;
    return true;
}());
inline std::string_view describe(Refusal reason) {  // "unknown key", …
    return kRefusalKinds[static_cast<std::size_t>(reason)].words;
}
inline std::string_view code_of(Refusal reason) {  // "unknown_key", …
    return kRefusalKinds[static_cast<std::size_t>(reason)].code;
}

struct RefusalEvent {
    std::string domain;  // the department the socket is for (its ZAP domain)
    Refusal reason;
    std::string address;     // the peer's IP address as libzmq reports it
    std::string mechanism;   // "CURVE", "NULL", "PLAIN", …
    std::string client_key;  // the offered public key (Z85), CURVE only
    std::string key_owner;   // other_department_key, department_key_on_wall: whose key it is
};

struct GateCounts {
    std::uint64_t admitted = 0;
    std::array<std::uint64_t, kRefusalKindCount> refusals{};  // by reason, in enum order
    std::uint64_t& of(Refusal reason) { return refusals[static_cast<std::size_t>(reason)]; }
    std::uint64_t of(Refusal reason) const { return refusals[static_cast<std::size_t>(reason)]; }
    std::uint64_t refused() const {
        std::uint64_t all = 0;
        for (std::uint64_t n : refusals)
            all += n;
        return all;
    }
};

// The ZAP domain of the wall stream (the updates and snapshot sockets); no department code
// starts with '@', so it can never be a department's.
inline constexpr std::string_view kWallDomain = "@walls";

struct KeyGateConfig {
    KeyPair ingest;  // the ingest's own pair (secret required unless keys_off)
    // Department code → its Z85 public key. With keys off a key may be empty (NULL only).
    std::map<std::string, std::string> department_keys;
    // Wall name → its Z85 public key: the keys that may read the wall stream. Unused with keys
    // off (the wall stream is then open, like the department sockets).
    std::map<std::string, std::string> wall_keys;
    // Connections to the wall stream (both sockets together) open at once, at most; one more is
    // refused (too_many_walls). 0: no limit. Counted from the sockets' monitors, which the gate
    // reads itself (wall_monitors: the inproc endpoints guard_walls' callers monitor them on).
    int max_wall_connections = 0;
    std::vector<std::string> wall_monitors;
    // Keys off: department sockets speak NULL (no encryption, no keys) and the gate admits
    // NULL connections for configured departments, User-Id = the domain. Only when asked for.
    bool keys_off = false;
    // Called for every refusal (logging, the wall's counters): on the gate's thread, or on
    // count_refusal()'s caller. Must be quick and thread-safe; exceptions are swallowed.
    std::function<void(const RefusalEvent&)> on_refusal;

    // From the ingest configuration's departments (fails on a code listed twice). The keys are
    // checked by KeyGate::open: each required unless keys_off, valid, and none shared.
    static Result<KeyGateConfig> for_departments(const std::vector<DepartmentConfig>& departments,
                                                 KeyPair ingest, bool keys_off);
    // And the walls of the configuration (fails on a name listed twice).
    Result<void> add_walls(const std::vector<WallConfig>& walls);
};

// The ZAP handler on inproc://zeromq.zap.01 of one context, on its own thread. Open it before
// any department socket binds or connects (libzmq admits every CURVE client when no handler is
// bound), and destroy it before the context (declare it after the context).
class KeyGate {
  public:
    static constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

    // Fails on bad keys, or when the context already has a ZAP handler.
    static Result<std::unique_ptr<KeyGate>> open(zmq::context_t& context, KeyGateConfig config);
    ~KeyGate();  // stops and joins the handler thread
    KeyGate(const KeyGate&) = delete;
    KeyGate& operator=(const KeyGate&) = delete;

    bool keys_off() const;
    const std::string& ingest_public_key() const;  // what every department needs (empty: off)

    // Configures one department socket (before bind/connect): the CURVE server with the ingest's
    // secret key and zap_domain = department; with keys off, only zap_domain (NULL mechanism).
    Result<void> guard(zmq::socket_t& socket, const std::string& department) const;
    // Configures a socket of the wall stream (before bind): the CURVE server with zap_domain =
    // kWallDomain, so only a listed wall's key gets in, and each of its messages carries
    // User-Id = the wall's name. With keys off, nothing: the wall stream is open.
    Result<void> guard_walls(zmq::socket_t& socket) const;
    // Connections to the wall stream open now, and how many have closed since the last call
    // (the ingest frees memory after a wall leaves).
    int wall_connections() const;
    std::uint64_t take_wall_departures();

    // Per ZAP domain, counted since open (a refused sender reconnects, so it counts each try).
    std::map<std::string, GateCounts> counts() const;

    // Counts a refusal that libzmq makes before the gate is asked (a NULL sender on a CURVE
    // socket fails the handshake with a mechanism mismatch, or leaves before its mechanism
    // arrives): feed it from the department socket's monitor with refusal_of_handshake_event().
    void count_refusal(const std::string& department, Refusal reason, std::string address = {});

  private:
    struct Impl;
    explicit KeyGate(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Maps a socket monitor event to the refusal it means: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL with
// a mechanism mismatch, and (keys on) ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, a peer gone before
// it showed a key; nothing for any other event. kHandshakeRefusalEvents: what to monitor.
std::optional<Refusal> refusal_of_handshake_event(std::uint16_t event, std::int32_t value,
                                                  bool keys_off);
inline constexpr int kHandshakeRefusalEvents =
    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

}  // namespace citywall::ingest
