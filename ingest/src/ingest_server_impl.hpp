// Private to ingest: the server's state and the parts around its event log (event_log.hpp, the
// one path every event takes: number, journal, durable, publish). departments.cpp takes in what
// departments and other centres send and answers them; ingest_server.cpp starts the server,
// turns changes into events, serves the walls' requests and runs the loop and its timers;
// recovery.cpp rebuilds the state at start and writes checkpoints.
#pragma once

#include "citywall/ingest_server.hpp"

#include <ogr_spatialref.h>

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "area_leaders.hpp"
#include "case_search.hpp"
#include "city_state.hpp"
#include "citywall/checkpoint.hpp"
#include "citywall/chinese_datum.hpp"
#include "citywall/journal.hpp"
#include "citywall/placement.hpp"
#include "citywall/wire.hpp"
#include "day_ledger.hpp"
#include "dead_letter.hpp"
#include "department_keys.hpp"
#include "drill_replay.hpp"
#include "escalation.hpp"
#include "event_log.hpp"
#include "feed_adapter.hpp"
#include "feed_health.hpp"
#include "log_throttle.hpp"
#include "report_merge.hpp"
#include "scenario.hpp"
#include "state_file.hpp"
#include "unit_roster.hpp"
#include "upstream_link.hpp"
#include "wall_requests.hpp"

namespace citywall::ingest {

constexpr std::size_t kSnapshotChunk = 2000;
constexpr TimeMs kKeepSnapshotImageMs = 5000;
// A unit not heard from for this long is left out of snapshots (its receiver is off).
constexpr TimeMs kUnitMaxAgeMs = 15 * 60 * 1000;
// Messages taken from one department before the next is served: a flooding department delays
// another by at most this many of its own.
constexpr int kDrainPerSocket = 256;
// The departments are read for at most this long a pass; then the pass's events are journaled
// and the walls' requests, a leader's commands among them, get their turn, however much traffic
// waits (a slow pass, as while a checkpoint is forked, would otherwise grow the next one). The
// next pass starts with the department after the last one read, so none waits for ever.
constexpr std::chrono::milliseconds kPassBudget{10};
// Notices kept for one department that is away (docs/dispatch.md, "Notices").
constexpr std::size_t kMaxNoticesWaiting = 1000;
// Notices of steps read again from the journal at a restart are made again when the step is at
// most this old (a department long away has had its orders withdrawn since by the same notices).
constexpr TimeMs kNoticeReplayMs = 24 * 3'600'000;
// Beside the checkpoint: the notices not yet known to have reached their departments.
constexpr const char* kNoticesFile = "notices.jsonl";
// Where the updates and snapshot sockets' monitors publish; the key gate reads them.
constexpr const char* kWallMonitors[] = {"inproc://citywall-walls-updates",
                                         "inproc://citywall-walls-requests"};
#ifdef ZMQ_ZERO_COPY_RECV
constexpr int kZmqZeroCopyRecv = ZMQ_ZERO_COPY_RECV;
#else
constexpr int kZmqZeroCopyRecv = 10;  // zmq.h's draft context option, not compiled in there
#endif

// Beside the journal: damage an operator chose to start without (docs/journal.md, "Damage").
constexpr const char* kAcceptedDamageFile = "damage.accepted";
// Escalation steps taken in one pass at most: after a long stop the overdue incidents catch up
// over a few passes, and the departments are read between them.
constexpr int kMaxEscalationsPerPass = 1024;
// Who an escalation step comes from, in the batch beside the departments' events: ingest itself.
constexpr const char* kEscalationSource = "@deadlines";
// Who a wall's command comes from, in the batch: this, then the wall key's name.
constexpr std::string_view kWallCommandSource = "@wall:";
constexpr TimeMs kFirstCheckpointRetryMs = 1000;
constexpr TimeMs kMaxCheckpointRetryMs = 5 * 60'000;

inline TimeMs now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline void log(const std::string& line) {
    std::fprintf(stderr, "citywall-ingest: %s\n", line.c_str());
}

// Converts a department's positions to WGS84; identity when it already sends WGS84.
class PositionTransform {
  public:
    static Result<PositionTransform> create(const std::string& crs) {
        PositionTransform t;
        if (crs == "EPSG:4326") return t;
        // GCJ-02 and BD-09 are not in PROJ; core converts them (docs/coordinates.md).
        if (auto datum = geo::parse_chinese_datum(crs)) {
            t.datum_ = *datum;
            return t;
        }
        OGRSpatialReference from, to;
        if (from.SetFromUserInput(crs.c_str()) != OGRERR_NONE)
            return Result<PositionTransform>::failure(ErrorKind::invalid,
                                                      "unknown coordinate system '" + crs + "'");
        to.SetWellKnownGeogCS("WGS84");
        from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        to.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        t.transform_.reset(OGRCreateCoordinateTransformation(&from, &to));
        if (!t.transform_)
            return Result<PositionTransform>::failure(ErrorKind::invalid,
                                                      "no transformation from '" + crs + "'");
        return t;
    }
    bool apply(LonLat& p) const {
        if (datum_) {
            p = geo::to_wgs84(*datum_, p);
            return true;
        }
        if (!transform_) return true;
        double x = p.lon, y = p.lat;
        if (!transform_->Transform(1, &x, &y)) return false;
        p = {x, y};
        return true;
    }
    // Converts to WGS84; false when the result is not a place on Earth.
    bool to_world(LonLat& p) const {
        return apply(p) && std::isfinite(p.lon) && std::isfinite(p.lat) && std::abs(p.lon) <= 180 &&
               std::abs(p.lat) <= 90;
    }

  private:
    std::shared_ptr<OGRCoordinateTransformation> transform_;
    std::optional<geo::ChineseDatum> datum_;
};

// A department's `max_rate`: how many of its messages one pass may read, with a burst of one
// second's worth. What is over waits in its socket (and on the department's side).
class IntakeRate {
  public:
    explicit IntakeRate(int per_s) : per_s_(per_s), tokens_(std::max(1, per_s)) {}
    bool limited() const { return per_s_ > 0; }
    // Messages this pass may read: at most `most`.
    int budget(TimeMs now, int most) {
        if (!limited()) return most;
        if (refilled_ != 0 && now > refilled_)
            tokens_ =
                std::min<double>(std::max(1, per_s_),
                                 tokens_ + static_cast<double>(now - refilled_) * per_s_ / 1000.0);
        refilled_ = now;
        return std::min(most, static_cast<int>(tokens_));
    }
    void spend(int messages) {
        if (limited()) tokens_ -= messages;
    }
    // Until the next message may be read (0: now).
    TimeMs wait_ms() const {
        if (!limited() || tokens_ >= 1) return 0;
        return static_cast<TimeMs>(std::ceil((1 - tokens_) * 1000.0 / per_s_));
    }

  private:
    int per_s_;
    double tokens_;
    TimeMs refilled_ = 0;
};

struct Department {
    DepartmentConfig config;
    std::unique_ptr<FeedAdapter> adapter;
    PositionTransform transform;
    zmq::socket_t socket;
    zmq::socket_t monitor;
    IntakeRate rate{config.max_rate};
    // Its order channel (acknowledged feeds only): the connection that last spoke, where its
    // orders go, and when they were last sent.
    std::string order_peer;
    TimeMs orders_sent_at = 0;
    // Notices for it (docs/dispatch.md, "Notices"): an order taken away, a case supervised or
    // escalated; each with the connection it was last sent to. One is let go once that
    // connection speaks after it (it was alive when the notice went); every new connection gets
    // those left. The oldest go past kMaxNoticesWaiting. Saved beside each checkpoint, and
    // made again from the journal after it, so a restart of ingest loses none.
    struct Notice {
        std::string message;
        std::string sent_to;
    };
    std::deque<Notice> notices;
    bool acknowledged() const { return config.socket == FeedSocket::acknowledged; }
};

// Who is waiting for an answer about one message of an acknowledged feed: the DEALER's
// routing id and the department's own delivery id (docs/protocol.md, "Acknowledged delivery").
struct Delivery {
    std::size_t department = 0;  // index in Impl::departments
    std::string peer;
    std::string id;
};

// An answer sent once the journal has everything up to `seq` on disk.
struct PendingAnswer {
    std::uint64_t seq = 0;
    Delivery delivery;
    const char* status = "ok";
};

constexpr std::size_t kMaxDeliveryId = 64;
// Orders not signed for are sent again this often, until they are.
constexpr TimeMs kOrderResendMs = 5000;

// A wall's command answered once its step is published.
struct PendingReply {
    std::uint64_t seq = 0;
    std::string peer;
    wire::CommandReply reply;
};

struct IngestServer::Impl {
    Impl(const IngestConfig& config, const StartOptions& options);

    IngestConfig config;
    StartOptions options;
    // Ingest's clock: every time it gives an event, a heartbeat or a deadline.
    TimeMs clock() const { return options.clock ? options.clock() : now_ms(); }
    zmq::context_t context{1};
    std::unique_ptr<KeyGate> gate;  // after the context, before every socket it guards
    KeyPair own_keys;               // the ingest's pair (empty with keys off)
    zmq::socket_t updates{context, zmq::socket_type::pub};
    // Walls coming and going on `updates`: a wall that leaves frees its queue, and the memory
    // is handed back to the system soon after (malloc keeps freed memory otherwise).
    TimeMs trim_at = 0;
    zmq::socket_t snapshots{context, zmq::socket_type::router};
    // Every event, whoever it comes from, is numbered, journaled and published here.
    EventLog events;
    std::unique_ptr<CityPlacement> placement;
    std::unique_ptr<DeadLetterFile> dead_letter;
    std::unique_ptr<FeedHealthBoard> health;
    CityState state;
    UnitRoster units;
    TimeZone centre_zone;  // [centre] time_zone: whose day "today" is
    DayLedger day;
    // A fresh ledger in the centre's time zone, counting the config's districts and streets.
    void start_day_ledger();
    // Whether the change is a step of the incident's case (its last step is a new one): the
    // league table counts it. Called before the change is committed.
    bool is_case_step(const IncidentChange& change) const;
    EscalationSchedule escalations;
    AreaLeaders leaders;  // [deadlines] leaders: whom an escalation reaches
    IngestCounters counters;
    LogThrottle throttled{[](const std::string& line) { log(line); }, 10'000};

    // ---- Departments (departments.cpp): what they send, and the answers they wait for.
    std::vector<Department> departments;
    FeedLimits limits;
    struct Upstream {
        DepartmentConfig config;
        std::unique_ptr<UpstreamLink> link;
        std::uint64_t replayed_counted = 0;
    };
    std::vector<Upstream> upstreams;
    // The message being handled, when its department waits for an answer: handling it either
    // answers at once (refused, heartbeat) or queues the answer until the event is published.
    std::optional<Delivery> delivery;
    std::deque<PendingAnswer> pending_answers;
    // Reads what department k has waiting, if the loop saw it readable, until `until`; false
    // when the time ran out.
    bool drain(std::size_t k, bool readable, std::chrono::steady_clock::time_point until);
    std::size_t first_to_drain = 0;  // the department a pass starts with (kPassBudget)
    void receive(Department& department, const zmq::message_t& message);
    // One message of an acknowledged feed: [peer, delivery id, body].
    void receive_acknowledged(std::size_t index, std::vector<zmq::message_t>& frames);
    void handle(Department& department, std::string_view bytes);
    // What the department's adapter made of `bytes`, taken at `now`: refused, answered, or a
    // unit's fix, a case's step or a report taken in.
    void take_decoded(Department& department, FeedMessage& decoded, std::string_view bytes,
                      TimeMs now);
    // A report decoded (its position in WGS84) merged into the state and recorded at `at`; its
    // texts may be moved into a new incident.
    void take_report(Department& department, FeedReport& report, LonLat position,
                     std::string_view bytes, TimeMs at);
    void handle_unit(Department& department, const FeedUnitFix& fix, std::string_view bytes,
                     TimeMs now);
    void arrived(const std::string& code, const std::string& unit, std::uint64_t id, TimeMs now);
    void reject(const Department& department, TimeMs now, const FeedReject& why,
                std::string_view raw);
    void answer(const Delivery& delivery, std::initializer_list<std::string_view> words);
    // Answers what waited for events up to `seq` to be published.
    void answer_published(std::uint64_t seq);
    void follow(Upstream& upstream);
    std::optional<std::size_t> department_index(std::string_view code) const;

    // ---- Cases (case_commands.cpp): walls' commands, departments' answers, orders out.
    std::deque<PendingReply> pending_replies;
    // A step of case `id` by `doer`, checked and recorded as an event from `source`; why not,
    // when it is refused.
    std::optional<CaseRefused> take_step(std::uint64_t id, CaseStep step, Doer doer,
                                         const std::string& source);
    void take_command(const WallRequests::Request& request, TimeMs now);
    void handle_case_step(Department& department, const FeedCaseStep& answer,
                          std::string_view bytes, TimeMs now);
    std::deque<std::pair<std::uint64_t, std::uint64_t>> pending_orders;  // seq, incident
    // Notices of steps not yet published: (seq, department index, JSON).
    struct PendingNotice {
        std::uint64_t seq = 0;
        std::size_t department = 0;
        std::string message;
    };
    std::deque<PendingNotice> pending_notices;
    // The notice a case step (the one that made `after` from `before`) gives a department, if
    // any: its order taken away (withdrawn), or its case supervised or escalated. One rule for
    // a live step and for a step read again from the journal after a restart.
    std::optional<PendingNotice> notice_of(const CaseState& before, const CaseState& after,
                                           std::uint64_t incident) const;
    // Keeps a notice for its department (the oldest go past kMaxNoticesWaiting).
    Department& keep_notice(PendingNotice notice);
    // Sends what waits in department.notices and was not sent to its connection yet; false
    // when the connection cannot take more.
    bool send_notices(Department& department);
    // The notices waiting, beside checkpoint `seq` (written by the checkpoint's writer), and
    // read back at a restart from the checkpoint `seq`.
    Result<void> save_notices(std::uint64_t seq) const;
    Result<Restored> load_notices(std::uint64_t seq);
    // Two frames to the department's order connection: [peer, "", json]. False when there is
    // none, or its queue is full; a connection that has gone is forgotten.
    bool send_to_department(Department& department, const std::string& json);
    // Sends department `index` every order it has not signed for.
    void deliver_orders(std::size_t index, TimeMs now);
    // Sends one order; false when it could not (no connection, or its queue is full).
    bool send_order(Department& department, std::uint64_t id);
    // Orders not signed for, sent again every kOrderResendMs.
    void resend_orders(TimeMs now);
    std::string order_message(const Incident& incident) const;
    // Answers the commands and sends the orders whose steps are now published.
    void case_published(std::uint64_t seq);
    void watch_peers(Department& department);
    [[nodiscard]] Result<void> open_gate();

    // ---- Events (ingest_server.cpp): a change to the city becomes one event on the log.
    // `as_recorded`: an incident of a drill's recording, whose deadline and escalation steps
    // are the recording's (the drill neither sets its deadline nor escalates it).
    [[nodiscard]] Result<void> record(IncidentChange change, TimeMs now, const std::string& source,
                                      bool as_recorded = false);
    [[nodiscard]] Result<void> record_unit(Unit unit, TimeMs now, const std::string& source);
    // Appends to the event log; the department waiting for this message is answered once the
    // event is published.
    [[nodiscard]] Result<std::uint64_t> append(wire::Message& message, TimeMs now,
                                               const std::string& source);
    // After an event is in the state: a checkpoint or a full batch is written.
    void after_commit();

    // ---- Walls' requests (ingest_server.cpp), on `snapshots`.
    std::unique_ptr<WallRequests> walls;
    std::shared_ptr<const SnapshotImage> image;  // the last one built
    // Closed cases the state no longer keeps, read from the journal (started when first asked).
    std::unique_ptr<JournalCaseSearch> case_search;
    void answer_case(const WallRequests::Request& request);
    void answer_searched_cases();
    void serve_requests();
    std::shared_ptr<const SnapshotImage> snapshot_image(TimeMs now);
    void publish(const wire::Message& message);

    // ---- Timers (ingest_server.cpp): escalations, heartbeats, memory.
    // Takes the escalation steps that are due (at most kMaxEscalationsPerPass).
    void escalate_overdue(TimeMs now);
    TimeMs next_beat = 0;
    void on_timers(TimeMs now);

    // ---- A recording replayed into a drill (drill_replay.cpp).
    std::unique_ptr<DrillReplay> replay;
    std::vector<wire::Bookmark> bookmarks;  // the drill's, from its journal and its trainers
    // The drill's time, where the replay stands in its recording; otherwise the clock. Events,
    // deadlines, case steps and heartbeats are stamped with it.
    TimeMs event_time() const;
    [[nodiscard]] Result<void> open_replay();
    // Takes the records now due (at most kReplayPerPass); starts a looped window again.
    void play_recording(TimeMs now);
    // The recording's picture where it stands becomes the drill's: a rewind, then its incidents
    // and units as events stamped `at`.
    [[nodiscard]] Result<void> rewind_to_recording(TimeMs at);
    void take_recorded(wire::Message& message, TimeMs due);
    // A mark of the drill's clock in its journal (a rewind, a bookmark), stamped `at`.
    [[nodiscard]] Result<std::uint64_t> append_drill_mark(wire::DrillClock::Change change,
                                                          std::vector<wire::Bookmark> marked,
                                                          TimeMs at, const std::string& source);
    // A rewind marked at `at`; the picture starts over after the mark.
    [[nodiscard]] Result<void> rewind_at(TimeMs at);
    // Forgets the picture (a rewind): incidents, units, deadlines, the day's counts.
    void start_over();
    void take_drill_command(const WallRequests::Request& request, TimeMs now);
    // Where the replay stands, as walls are told it (seq: the last published, or the event's).
    wire::DrillClock drill_clock(std::uint64_t seq) const;
    // Whether a case's order goes out to its department: in a replay only an order the drill
    // gave does; the recording's were sent when it was recorded.
    bool orders_out(std::uint64_t id) const;
    // The recording's picture where the replay stands, sent again (see DrillReplay::needs_rewind).
    void rewind_in_place(TimeMs now);

    // ---- A drill's scenario (drill_scenario.cpp): its rows sent in at their times as their
    // departments' reports, on the drill's time (docs/drills.md, "Scenarios").
    struct ScenarioPlay {
        Scenario scenario;
        TimeMs start = 0;      // the drill's start: a replay's window start, or ingest's start
        std::size_t next = 0;  // the next row to send
    };
    std::optional<ScenarioPlay> scenario;
    // Reads and checks options.scenario against the drill's departments, taxonomy and areas.
    [[nodiscard]] Result<void> open_scenario();
    // Sends the rows due by the drill's time `at`.
    void play_scenario(TimeMs at);
    // After a rewind to `at`: the rows before it are sent again (the picture of that moment
    // holds them), stamped with their own times.
    void restart_scenario(TimeMs at);
    void inject(const ScenarioEvent& row, TimeMs at);

    // ---- Recovery and checkpoints (recovery.cpp).
    std::uint64_t checkpointed_seq = 0;
    TimeMs next_checkpoint_try = 0;
    TimeMs checkpoint_retry_ms = 0;
    pid_t checkpoint_writer = 0;  // the child writing a checkpoint, if any
    std::uint64_t checkpoint_writing_seq = 0;
    [[nodiscard]] Result<void> recover();
    [[nodiscard]] Result<void> check_damage(const std::vector<JournalDamage>& damage);
    // The event log's journal came back holding less than the state: see EventLog::Hooks.
    [[nodiscard]] Result<void> rebuild(std::vector<UnjournaledEvent> dropped);
    void take_checkpoint(bool in_background = true);
    void reap_checkpoint(bool wait);
    void checkpoint_done(std::uint64_t seq, bool written, TimeMs now);
    bool write_checkpoint_files(std::uint64_t seq) const;
};

}  // namespace citywall::ingest
