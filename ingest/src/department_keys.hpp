// Who may speak: one CURVE key pair per department, checked by a ZAP handler (ZeroMQ RFC 27)
// that runs inside the ingest's ZeroMQ context. A department socket accepts a connection only
// when the sender proves it holds that department's secret key; every message it delivers then
// carries the metadata property "User-Id" = the department code. See docs/security.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

inline constexpr std::size_t kCurveKeyChars = 40;  // Z85 text of a 32-byte CURVE key

// A CURVE key pair as Z85 text. secret_key is empty when only the public half is known.
struct KeyPair {
    std::string public_key;
    std::string secret_key;
};

// ---- Keys -------------------------------------------------------------------------------------

// Checks a Z85 CURVE key: exactly 40 characters of the Z85 alphabet that decode to 32 bytes.
// Returns the key itself, or the reason it is not one (never throws).
Result<std::string> parse_curve_key(std::string_view z85);

// A fresh key pair from libzmq (libsodium underneath); fails when libzmq lacks CURVE.
Result<KeyPair> generate_key_pair();

// The public key that belongs to a secret key.
Result<std::string> public_key_of(std::string_view secret_key);

// ---- Key files (format: docs/security.md) -------------------------------------------------------
//
//   # comment
//   public = "<40 Z85 characters>"
//   secret = "<40 Z85 characters>"      (only in NAME.key)
//
// NAME.key holds both halves and is written 0600; NAME.pub holds the public half only.

struct KeyFiles {
    std::filesystem::path secret_file;  // DIR/NAME.key
    std::filesystem::path public_file;  // DIR/NAME.pub
};

// A key file name: 1..64 characters of [A-Za-z0-9._-], not starting with '.'.
bool valid_key_name(std::string_view name);
KeyFiles key_files_for(const std::filesystem::path& dir, std::string_view name);

// The text of a key file; with_secret: the NAME.key text, else the NAME.pub text.
std::string key_file_text(std::string_view name, const KeyPair& keys, bool with_secret);
// Parses a key file's text. `public` is required; `secret`, when present, must belong to it.
Result<KeyPair> parse_key_file(std::string_view text);

// NAME.key: must hold a secret and be readable by its owner only (like ssh, a key file that
// group or others may read is refused: "chmod 600 FILE").
Result<KeyPair> load_secret_key_file(const std::filesystem::path& file);
// NAME.pub (or NAME.key: only its public half is returned).
Result<std::string> load_public_key_file(const std::filesystem::path& file);

// Writes DIR/NAME.key (0600) and DIR/NAME.pub (0644), creating DIR (0700) when missing. Refuses
// to replace an existing file unless overwrite; each file appears complete or not at all.
Result<KeyFiles> write_key_files(const std::filesystem::path& dir, std::string_view name,
                                 const KeyPair& keys, bool overwrite);

// ---- Sockets ---------------------------------------------------------------------------------

// Makes `socket` the CURVE server for one department: curve_server = 1, the ingest's secret key,
// zap_domain = the department code. Call before bind/connect.
Result<bool> configure_department_server(zmq::socket_t& socket, std::string_view department,
                                         std::string_view ingest_secret_key);

// Makes `socket` a department's CURVE client (feedsim, tests, the departments' own senders):
// curve_serverkey = the ingest's public key, curve_publickey/secretkey = the department's pair.
// Call before bind/connect. Works on PUSH (department connects) and PUB (ingest's SUB connects).
Result<bool> configure_department_client(zmq::socket_t& socket, std::string_view ingest_public_key,
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
    unknown_department,    // a ZAP domain that is no configured department
};
std::string_view describe(Refusal reason);  // "unknown key", "key of another department", …

struct RefusalEvent {
    std::string domain;  // the department the socket is for (its ZAP domain)
    Refusal reason;
    std::string address;     // the peer's IP address as libzmq reports it
    std::string mechanism;   // "CURVE", "NULL", "PLAIN", …
    std::string client_key;  // the offered public key (Z85), CURVE only
    std::string key_owner;   // other_department_key: whose key it is
};

struct GateCounts {
    std::uint64_t admitted = 0;
    std::uint64_t unknown_key = 0;
    std::uint64_t other_department_key = 0;
    std::uint64_t wrong_mechanism = 0;
    std::uint64_t unknown_department = 0;
    std::uint64_t refused() const {
        return unknown_key + other_department_key + wrong_mechanism + unknown_department;
    }
};

struct KeyGateConfig {
    KeyPair ingest;  // the ingest's own pair (secret required unless keys_off)
    // Department code → its Z85 public key. With keys off a key may be empty (NULL only).
    std::map<std::string, std::string> department_keys;
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
    Result<bool> guard(zmq::socket_t& socket, const std::string& department) const;

    // Per ZAP domain, counted since open (a refused sender reconnects, so it counts each try).
    std::map<std::string, GateCounts> counts() const;

    // Counts a refusal that libzmq makes before the gate is asked (a NULL sender on a CURVE
    // socket fails the handshake with a mechanism mismatch): feed it from the department
    // socket's monitor with refusal_of_handshake_event().
    void count_refusal(const std::string& department, Refusal reason, std::string address = {});

  private:
    struct Impl;
    explicit KeyGate(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Maps a socket monitor event (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL with a mechanism mismatch)
// to the refusal it means; nothing for any other event.
std::optional<Refusal> refusal_of_handshake_event(std::uint16_t event, std::int32_t value);

}  // namespace citywall::ingest
