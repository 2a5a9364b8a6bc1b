// The binary messages ingest sends to viewers (docs/protocol.md). One decoder per version,
// chosen once from the header; every message carries the global sequence number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"
#include "citywall/unit.hpp"

namespace citywall::wire {

inline constexpr std::uint8_t kMagic0 = 'C';
inline constexpr std::uint8_t kMagic1 = 'W';
// What encode() writes. Version 3 is "CW", the version byte and a Protocol Buffers message
// whose schema is schema/wall.proto (docs/protocol.md, "Version history"); version 2 added the
// unit kinds to version 1. decode() reads all three: journals recorded before hold the older.
inline constexpr std::uint8_t kVersion = 3;
inline constexpr std::uint8_t kOldestVersion = 1;
// The fixed header of versions 1 and 2: magic (2) + version (1) + kind (1) + sequence (8).
inline constexpr std::size_t kHeaderSize = 12;
// A decoder refuses anything larger; snapshots are sent in chunks below it.
inline constexpr std::size_t kMaxMessageSize = 64u << 20;

enum class Kind : std::uint8_t {
    incident = 1,        // one incident as it now stands (created or changed)
    feed_health = 2,     // every department's feed health; seq = last incident seq, not a new one
    heartbeat = 3,       // the stream is alive; seq = last incident seq
    snapshot_chunk = 4,  // part of the reply to a snapshot request
    unit = 5,            // version 2: one unit's position fix
    unit_roster = 6,     // version 2: every unit on duty, in a snapshot reply before its last chunk
    day_counts = 7,      // version 2: today's counts, kept by ingest; seq = last event seq
    incident_case = 8,   // version 2: one incident with its history, the reply to a request
    command_reply = 9,   // version 3: the answer to a wall's command, to that wall only
    drill_clock = 10,    // version 3: where a replaying drill stands in its recording
};

struct IncidentUpdate {
    std::uint64_t seq = 0;
    Incident incident;
    friend bool operator==(const IncidentUpdate&, const IncidentUpdate&) = default;
};

struct FeedHealthReport {
    std::uint64_t seq = 0;
    TimeMs time = 0;
    std::vector<FeedHealth> feeds;
    friend bool operator==(const FeedHealthReport&, const FeedHealthReport&) = default;
};

struct Heartbeat {
    std::uint64_t seq = 0;
    TimeMs time = 0;
    bool drill = false;     // a drill (a drill ingest, or a replay), not the live city
    bool keys_off = false;  // ingest accepts departments without CURVE keys (config says so)
    // Why ingest accepts and publishes nothing now (its journal cannot be written), with since
    // when; empty while it runs. Every wall shows it, so a stopped ingest is not taken for a
    // network cut.
    std::string stopped;
    friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// A snapshot is the open incidents as of `seq`, in one or more chunks; the last chunk also
// carries the feed health. A viewer applies deltas with a sequence above `seq` afterwards.
struct SnapshotChunk {
    std::uint64_t seq = 0;
    bool last = false;
    std::vector<Incident> incidents;
    std::vector<FeedHealth> feeds;
    friend bool operator==(const SnapshotChunk&, const SnapshotChunk&) = default;
};

// A unit's position is sequenced like an incident, so a viewer that missed one resyncs.
struct UnitUpdate {
    std::uint64_t seq = 0;
    Unit unit;
    friend bool operator==(const UnitUpdate&, const UnitUpdate&) = default;
};

// The units on duty as of `seq` (the snapshot's sequence number).
struct UnitRoster {
    std::uint64_t seq = 0;
    std::vector<Unit> units;
    friend bool operator==(const UnitRoster&, const UnitRoster&) = default;
};

// The day's counts as ingest keeps them (since local midnight on ingest's clock, across its
// restarts): incidents received today, and of those how many were dispatched and resolved.
// The cases' steps of the day (the league table, docs/dispatch.md) ride in the same rows, and
// in rows of their own for the league's areas (streets: the level below the districts).
struct DayCount {
    enum class Scope : std::uint8_t { total = 0, department = 1, district = 2, street = 3 };
    Scope scope = Scope::total;
    std::string code;  // department, district or street code; empty for the total
    std::string name;  // district or street name; empty otherwise
    std::uint32_t received = 0;
    std::uint32_t dispatched = 0;
    std::uint32_t resolved = 0;
    CaseCounts cases;  // today's case steps of the department, or of the area's cases
    friend bool operator==(const DayCount&, const DayCount&) = default;
};

struct DayCountsReport {
    std::uint64_t seq = 0;
    TimeMs time = 0;       // ingest's clock
    TimeMs day_start = 0;  // local midnight that began the day counted
    std::vector<DayCount> counts;
    friend bool operator==(const DayCountsReport&, const DayCountsReport&) = default;
};

// The reply to a wall asking for one incident (docs/protocol.md, "Case requests"): the
// incident as it stands, with its description and the status changes ingest recorded. Sent
// only on the snapshot socket, to the client that asked; seq is the last event ingest applied
// (for a case read from the journal: the last event read).
struct IncidentCase {
    // Where ingest found the case. A closed one comes from those it keeps or from the journal;
    // `searching` says the journal is being read, and the answer follows.
    enum class Found : std::uint8_t { none = 0, open = 1, kept = 2, journal = 3, searching = 4 };
    std::uint64_t seq = 0;
    std::uint64_t id = 0;
    bool open = false;  // the incident is open (found is `open`)
    Incident incident;  // with the history: empty unless found is open, kept or journal
    CaseHistory history;
    Found found = Found::none;
    // An ingest older than `found` says only `open`.
    bool has_incident() const { return open || found == Found::kept || found == Found::journal; }
    friend bool operator==(const IncidentCase&, const IncidentCase&) = default;
};

// The answer to a CaseCommand (docs/dispatch.md), sent on the snapshot socket to the wall that
// sent it, once the step it made is on disk (or at once when it is refused); seq is the event
// the step made (accepted) or the last event ingest applied (refused).
struct CommandReply {
    std::uint64_t seq = 0;
    std::string id;  // the command's own id
    std::uint64_t incident = 0;
    bool accepted = false;
    std::string refusal;  // a CaseRefusal's code ("wrong_stage"); empty when accepted
    std::string detail;   // for the person who sent it
    friend bool operator==(const CommandReply&, const CommandReply&) = default;
};

// A trainer's mark on a drill's timeline (docs/drills.md, "Bookmarks").
struct Bookmark {
    TimeMs at = 0;  // the recording's time
    std::string note;
    friend bool operator==(const Bookmark&, const Bookmark&) = default;
};

// Where a drill that replays a recording stands (docs/drills.md, "Replay"). Sent with every
// heartbeat of a replaying drill ingest, as status: seq is then the last event published, as a
// heartbeat's. Two changes are events of their own, numbered and journaled like an incident:
// `rewound` (a seek replaced the picture: a wall drops its incidents and units, and the events
// that follow build the picture of the moment sought) and `bookmarked` (a trainer's bookmark).
struct DrillClock {
    enum class Change : std::uint8_t { none = 0, rewound = 1, bookmarked = 2 };
    std::uint64_t seq = 0;
    Change change = Change::none;
    TimeMs time = 0;  // the drill's time: the recording's, where the replay stands
    TimeMs from = 0;  // the window played
    TimeMs to = 0;
    double speed = 1;  // a multiple of real time; 0: as fast as possible
    bool paused = false;
    bool loop = false;
    std::uint64_t recording_seq = 0;  // the recording's last record played
    std::string recording;            // its name, for the wall
    std::string failure;              // why the recording ended early; empty while it plays
    std::vector<Bookmark> bookmarks;
    // The recording's records in equal parts of the window, for the timeline's histogram.
    std::vector<std::uint32_t> density;
    bool event() const { return change != Change::none; }
    friend bool operator==(const DrillClock&, const DrillClock&) = default;
};

using Message = std::variant<IncidentUpdate, FeedHealthReport, Heartbeat, SnapshotChunk, UnitUpdate,
                             UnitRoster, DayCountsReport, IncidentCase, CommandReply, DrillClock>;

// The kind a message is sent as: the kinds are the alternatives of Message in their order.
inline Kind kind_of(const Message& message) {
    return static_cast<Kind>(message.index() + 1);
}

std::string encode(const Message& message);
// A message, or why the bytes are not one. Text is as the sender wrote it: ingest checks that
// text is UTF-8 where it enters, so the decoder does not check it again (a wall shows a byte
// that is not as '?'). Text decoded from versions 1 and 2, which never checked it, is repaired.
Result<Message> decode(std::string_view bytes);
// The same into `out`, reusing the message it holds when that is of the same kind: its text and
// lists keep their capacity, so a reader that hands decoded messages back to be decoded into
// again (the wall's network thread) builds no new incident an update. On failure `out` holds
// no message worth reading.
Result<void> decode_into(std::string_view bytes, Message& out);
// Replaces what is not UTF-8 in every text field by '?': for a program that passes on text it
// decoded from another's stream (an ingest following a county's). True if anything changed.
bool repair_text(Message& message);
// The version 2 bytes of a message, as journals before version 3 hold them: for the tests of
// old journals and the bench that compares the versions.
std::string encode_version2(const Message& message);
// The schema of what encode() writes, as the .proto a foreign client compiles
// (schema/wall.proto is this text).
std::string schema_proto();

// What a wall asks on the snapshot socket (docs/protocol.md, "Requests"): "CW", the version
// byte, then a WallRequest (schema/wall.proto). Ingest checks each against the role of the
// wall's key.
struct SnapshotRequest {  // the open incidents, answered by SnapshotChunks
    friend bool operator==(const SnapshotRequest&, const SnapshotRequest&) = default;
};
struct CaseRequest {  // one incident with its history, answered by an IncidentCase
    std::uint64_t id = 0;
    friend bool operator==(const CaseRequest&, const CaseRequest&) = default;
};
// A step of a case a wall's key takes (docs/dispatch.md): checked against the key's role and the
// case's stage, journaled with who took it before it has any effect, answered by a
// CommandReply.
struct CaseCommand {
    std::string id;  // the sender's id of the command; an order's id is the order's
    std::uint64_t incident = 0;
    CaseAction action = CaseAction::none;
    std::string department;
    std::string unit;
    std::string reason;
    std::string note;
    TimeMs until = 0;
    friend bool operator==(const CaseCommand&, const CaseCommand&) = default;
};
// What a trainer does to a replaying drill (docs/drills.md, "Steering a replay"): only a key of
// role `trainer` may, answered by a CommandReply like a case's command.
enum class DrillAction : std::uint8_t {
    none = 0,
    play = 1,  // from where it stands, at the speed it has
    pause = 2,
    speed = 3,     // `speed`: 0.25 to 64, or 0 for as fast as possible
    step = 4,      // while paused: the next `count` events, or the next `span_ms` of the recording
    seek = 5,      // to `at` (the recording's time), or after the recording's record `seq`
    loop = 6,      // `loop` on or off: the window starts again at its end
    bookmark = 7,  // a bookmark at `at` (0: where the replay stands) with `note`
};
struct DrillCommand {
    std::string id;  // the sender's id of the command
    DrillAction action = DrillAction::none;
    double speed = 0;
    TimeMs at = 0;
    std::uint64_t seq = 0;
    std::uint32_t count = 0;
    TimeMs span_ms = 0;
    bool loop = false;
    std::string note;
    friend bool operator==(const DrillCommand&, const DrillCommand&) = default;
};
using Request = std::variant<SnapshotRequest, CaseRequest, CaseCommand, DrillCommand>;
// "play", "pause", "speed", "step", "seek", "loop", "bookmark" ("none" for none), and back.
std::string_view to_string(DrillAction action);
std::optional<DrillAction> parse_drill_action(std::string_view code);

std::string encode_request(const Request& request);
Result<Request> decode_request(std::string_view bytes);

// Sequence number, kind and version from a header, without decoding the body.
struct Header {
    Kind kind;
    std::uint64_t seq;
    std::uint8_t version = kVersion;
};
Result<Header> peek_header(std::string_view bytes);

}  // namespace citywall::wire
