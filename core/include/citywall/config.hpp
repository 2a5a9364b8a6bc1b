// Ingest's configuration file (TOML; docs/config.md). Relative paths in it are resolved
// against the directory of the file.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/area_levels.hpp"
#include "citywall/centre.hpp"
#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall {

enum class FeedFormat {
    json,      // one JSON object per message, fields found through `fields`
    geojson,   // a GeoJSON Feature: Point geometry, the rest in its properties
    cap,       // an OASIS CAP 1.2 alert (XML)
    citywall,  // another ingest's wall stream (a county centre feeding this one)
};

enum class FeedSocket {
    pull,  // ingest binds a PULL socket at `endpoint`; the department connects PUSH
    sub,   // ingest connects a SUB socket to the department's own PUB at `endpoint`
    // ingest binds a ROUTER; the department connects a DEALER and gets an answer to each
    // message once it is durable, or refused (docs/protocol.md, "Acknowledged delivery")
    acknowledged,
};

// Where each model field is found in a department's JSON message: a path of object keys
// separated by dots, with [n] for array elements, e.g. "event.location.coordinates[0]".
// For GeoJSON the paths are relative to the Feature's properties (the position comes from the
// geometry); CAP ignores them.
struct FieldMapping {
    std::string id = "id";
    std::string category = "category";
    std::string severity = "severity";
    std::string status = "status";
    std::string lon = "lon";
    std::string lat = "lat";
    std::string occurred = "occurred";
    std::string title = "title";
    std::string description = "description";
    std::string priority = "priority";  // the department's own priority code (text or integer)
    std::string type = "type";          // "incident" or "heartbeat"; absent means incident
    // A department's answer to an order (type "case"; docs/dispatch.md, "The order channel").
    std::string order = "order";    // the order's id, as the order said it
    std::string action = "action";  // the step: sign, return_request, arrive, resolve, …
    std::string reason = "reason";
    std::string note = "note";
    std::string until = "until";  // the deadline an extension asks for
};

// Where a unit's position fix is found in a message whose type is "unit" (json and geojson
// feeds; docs/protocol.md, "Unit positions"). Paths as in FieldMapping.
struct UnitFieldMapping {
    std::string id = "id";  // the department's own id of the unit: a plate or call sign
    std::string callsign = "callsign";
    std::string kind = "kind";
    std::string status = "status";
    std::string lon = "lon";
    std::string lat = "lat";
    std::string heading = "heading";    // degrees clockwise from north
    std::string speed = "speed";        // metres per second
    std::string incident = "incident";  // the department's own id of the incident it serves
    std::string time = "time";          // when the fix was taken
};

struct DepartmentConfig {
    std::string code;      // "110", "119", "12345", …; the department's identity on the wall
    std::string name;      // Chinese name
    std::string name_en;   // English name
    std::string endpoint;  // ZeroMQ endpoint (see `socket`)
    std::string crs = "EPSG:4326";  // coordinates it sends: EPSG code, PROJ string, GCJ-02, BD-09
    int heartbeat_s = 10;           // silent this long → stale on the wall
    FeedFormat format = FeedFormat::json;
    FeedSocket socket = FeedSocket::pull;
    FieldMapping fields;
    // The department's own words → the city taxonomy. Empty: it already speaks the taxonomy.
    std::map<std::string, std::string> categories;
    // The department's own severity / status words → ours ("1".."4", "reported"…).
    std::map<std::string, std::string> severities;
    std::map<std::string, std::string> statuses;
    // Unit position fixes: where their fields are, and the department's words for unit kinds
    // and statuses → ours ("police_car"…, "available"…). Empty maps: it speaks ours.
    UnitFieldMapping unit_fields;
    std::map<std::string, std::string> unit_kinds;
    std::map<std::string, std::string> unit_statuses;
    std::map<std::string, std::string> case_actions;  // its words for a step → ours ("签收" → sign)
    std::string public_key;                 // Z85 CURVE public key; required unless keys are off
    std::filesystem::path public_key_file;  // or a file holding it (citywall-keygen's NAME.pub)
    // format = "citywall": the other ingest's snapshot endpoint (its updates are `endpoint`).
    std::string snapshot_endpoint;
    // At most this many messages a second are read from this department, with a burst of one
    // second's worth; the rest wait in its socket (nothing is dropped: a department on the
    // acknowledged path sees its window fill). 0: no limit, only the fair share of each pass.
    int max_rate = 0;
    // How it writes times (docs/config.md, "Feed times"): formats tried in order, strptime-like
    // patterns or iso8601, epoch_s, epoch_ms; empty: iso8601 with a zone, then epoch_ms. Its
    // patterns are read in `time_zone`, an IANA name; the loaded config fills it with the
    // centre's zone when the department names none (empty here: the machine's zone).
    std::vector<std::string> time_formats;
    std::string time_zone;
};

// What a wall's key lets it do, checked on every request it makes (docs/dispatch.md, "Roles").
// Every role may watch; an operator may annotate and acknowledge and record a citizen's
// feedback; a leader may also order, transfer, review, extend, supervise, close and cancel; a
// trainer steers drills.
enum class WallRole { viewer, operator_, leader, trainer };
std::string_view describe(WallRole role);  // "viewer", "operator", …
std::optional<WallRole> parse_wall_role(std::string_view text);
// Who a wall of this role is when it takes a step of a case (citywall/case_flow.hpp); nothing:
// the role takes none (a viewer, or a trainer on a live case).
std::optional<Doer> doer_of(WallRole role);

// A wall (or a console, or another centre's ingest) that may read the picture: with keys on,
// only a connection that proves it holds one of these keys reads anything (docs/security.md).
struct WallConfig {
    std::string name;                       // in logs and counters; also the key's User-Id
    std::string public_key;                 // Z85 CURVE public key
    std::filesystem::path public_key_file;  // or a file holding it (citywall-keygen's NAME.pub)
    WallRole role = WallRole::viewer;
};

// A category ("fire.building") or every category under a prefix ("fire.*"): "fire.*" matches
// "fire.building" and "fire.building.high_rise", not "fire".
bool category_matches(std::string_view rule, std::string_view category);

// [taxonomy.default_severity]: the severity of a category's reports that say none.
struct CategorySeverity {
    std::string category;  // a category or a prefix rule, as category_matches() reads it
    Severity severity = Severity::moderate;
};

// The city's incident categories; a category outside it is rejected (empty: any well-formed
// family.kind is accepted).
struct Taxonomy {
    std::vector<std::string> categories;
    std::vector<CategorySeverity> default_severities = {};
    bool accepts(std::string_view category) const;
    // The severity of a report of this category that says none: the most specific entry (the
    // category itself, then the longest prefix), else moderate.
    Severity default_severity(std::string_view category) const;
};

// When reports from different departments are one event (docs/config.md, [merge]).
struct MergeConfig {
    bool enabled = true;
    double distance_m = 150.0;   // at most this far apart
    TimeMs window_ms = 600'000;  // event times at most this far apart
    // Groups of categories that can describe the same event; identical categories always can.
    std::vector<std::vector<std::string>> compatible;
    bool compatible_categories(std::string_view a, std::string_view b) const;
};

// How long an open incident may wait before it is overdue (docs/config.md, "Deadlines and
// escalation"). Minutes are kept by severity, critical first, then the time a department has
// to sign for an order (kSignMinutes); nothing: this rule does not say, 0: no deadline.
using DeadlineMinutes = std::array<std::optional<int>, 5>;
inline constexpr std::size_t kSignMinutes = 4;

// [[deadline]]: the deadlines of one category ("fire.building") or of every category under a
// prefix ("fire.*"), for the severities it names.
struct DeadlineRule {
    std::string category;
    DeadlineMinutes minutes;
    bool pattern() const { return category.ends_with(".*"); }
    bool matches(std::string_view category) const;
};

struct DeadlineConfig {
    DeadlineMinutes minutes;          // [deadlines]: every category
    std::vector<DeadlineRule> rules;  // [[deadline]]
    // An overdue incident goes one level up the grid hierarchy at its deadline, and one more
    // each this many minutes after it.
    int escalate_every_minutes = 30;
    // Who leads each area an escalation reaches (docs/config.md, "Leaders"): a CSV file read
    // when ingest starts. Empty: an escalation names the level and the area only.
    std::filesystem::path leaders;

    // The deadline of an incident of this category and severity, in ms from its receipt; 0: it
    // has none. For its severity the most specific rule that names it wins: the exact category,
    // then the longest prefix, then [deadlines].
    TimeMs deadline_ms(std::string_view category, Severity severity) const;
    // The time a department has to sign for an order of this category, in ms from the order;
    // 0: no limit. Chosen as deadline_ms() chooses.
    TimeMs sign_ms(std::string_view category) const;
    // When the incident is due: its receipt plus its deadline; 0 when it has none.
    TimeMs due(const Incident& incident) const {
        const TimeMs deadline = deadline_ms(incident.category, incident.severity);
        return deadline != 0 ? incident.received + deadline : 0;
    }
    TimeMs escalate_every_ms() const { return TimeMs{escalate_every_minutes} * 60'000; }

  private:
    TimeMs minutes_ms(std::string_view category, std::size_t which) const;
};

struct IngestConfig {
    CentreConfig centre;
    std::string updates_endpoint = "tcp://127.0.0.1:5556";   // PUB: sequenced updates
    std::string snapshot_endpoint = "tcp://127.0.0.1:5557";  // ROUTER: snapshots on request
    std::filesystem::path journal_dir = "journal";
    int fsync_interval_ms = 50;
    int heartbeat_ms = 1000;
    // Updates queued for one viewer before that viewer starts losing them (and resyncs from a
    // snapshot): a slow viewer never slows ingest.
    // 20,000 is two seconds at 10,000 events/s, a few MB per wall that stopped reading.
    int publish_queue = 20'000;
    // Walls connected at once, at most (each holds up to three connections); one more is
    // refused. With publish_queue this bounds what the walls can make ingest hold.
    int max_walls = 64;
    // A checkpoint after this many events (and at a clean stop), so a restart replays only
    // the journal after it. 0: never.
    std::uint64_t checkpoint_every = 100'000;
    std::size_t max_message_bytes = 64 * 1024;
    std::filesystem::path dead_letter_file;  // empty: <journal_dir>/dead-letter.jsonl
    // The dead letter never holds more than this on disk (it and its rotated predecessor),
    // nor more than this many raw bytes of one rejected message.
    std::uint64_t dead_letter_max_bytes = std::uint64_t{64} << 20;
    std::size_t dead_letter_record_bytes = 4096;
    // The city's areas, level by level, outermost of each hierarchy first (docs/config.md,
    // "Areas"). Empty: incidents are not placed in areas.
    std::vector<AreaLevelConfig> areas;
    Taxonomy taxonomy;
    MergeConfig merge;
    DeadlineConfig deadlines;
    // A drill ingest: every incident and unit it publishes, and its heartbeats, say drill, and
    // so does its journal. A drill's journal is never the live city's (docs/config.md, "Drill").
    bool drill = false;
    // A drill's: the live city's ingest config, whose journal directory and endpoints the drill
    // refuses to use, so a drill started while the city's ingest is down cannot take its ports
    // (and with them the real departments' reports).
    std::filesystem::path live_config;
    // CURVE keys (docs/security.md). Keys are on unless the config says keys = "off"; then
    // every department must have a public key and ingest its own secret key file.
    bool keys_off = false;
    // With keys off, the role of every wall and console ([security] role_without_keys): only
    // "viewer" unless the config says otherwise, so a keyless centre cannot be ordered from by
    // anyone on its network by default.
    WallRole role_without_keys = WallRole::viewer;
    std::filesystem::path ingest_key_file;
    std::vector<DepartmentConfig> departments;
    std::vector<WallConfig> walls;  // who may read the wall stream; required with keys on
};

Result<IngestConfig> load_ingest_config(const std::filesystem::path& file);
// A drill's config ([ingest] drill = true); another is refused, saying why it must be a drill's
// (`because`: "a recording is played only into a drill").
Result<IngestConfig> load_drill_config(const std::filesystem::path& file, std::string_view because);
Result<IngestConfig> parse_ingest_config(std::string_view toml_text,
                                         const std::filesystem::path& base_dir);

}  // namespace citywall
