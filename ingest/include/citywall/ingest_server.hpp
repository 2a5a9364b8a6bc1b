// The ingest process: departments in, one numbered, journaled, published picture out.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "citywall/case_flow.hpp"
#include "citywall/config.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

struct IngestCounters {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t published = 0;
    std::uint64_t snapshots_served = 0;       // streamed to the end
    std::uint64_t snapshots_cut_off = 0;      // the wall stopped reading or went away
    std::uint64_t cases_served = 0;           // replies to a wall asking for one incident
    std::uint64_t cases_from_journal = 0;     // closed cases read back from the journal
    std::uint64_t case_searches_refused = 0;  // journal searches over the limit waiting
    std::uint64_t answers_dropped = 0;        // replies a wall never took (gone, or 256 waiting)
    std::uint64_t requests_refused = 0;       // snapshot-socket requests that were neither
    std::uint64_t requests_limited = 0;       // over a wall's rate: dropped
    std::uint64_t requests_forbidden = 0;     // not allowed by the asking wall's role
    std::uint64_t walls_refused = 0;  // connections to the wall stream the key gate turned away
    std::uint64_t recovered_events = 0;
    std::uint64_t journal_failures = 0;  // writes that failed; ingest stopped, then retried
    std::uint64_t journal_retries = 0;
    std::uint64_t checkpoint_failures = 0;  // each tried again after a back-off
    std::uint64_t answered = 0;             // answers sent on acknowledged feeds
    std::uint64_t escalations = 0;  // steps up the grid hierarchy taken by overdue incidents
    // Cases (docs/dispatch.md): walls' commands taken, and refused by reason (CaseRefusal's
    // order); departments' answers taken (their refusals are rejects, case_refused); orders
    // sent to departments, each sending counted (an order is sent again until signed for).
    std::uint64_t commands_accepted = 0;
    std::array<std::uint64_t, kCaseRefusalCount> commands_refused{};
    std::uint64_t case_answers = 0;
    std::uint64_t arrivals_by_unit = 0;  // cases put on scene by a unit's own "on_scene" fix
    std::uint64_t orders_sent = 0;
    // Notices to departments (orders withdrawn, cases supervised or escalated), each sending
    // counted; and the oldest let go, past 1,000 waiting for one that is away.
    std::uint64_t notices_sent = 0;
    std::uint64_t notices_dropped = 0;
    std::uint64_t escalations_unnamed = 0;  // escalations that reached an area with no leader named
    // A replaying drill (docs/drills.md): the recording's records it took as its own events,
    // the seeks that rebuilt its picture, and trainers' commands taken (refusals are counted
    // with the cases' commands, by reason).
    std::uint64_t replayed = 0;
    std::uint64_t replay_seeks = 0;
    std::uint64_t drill_commands = 0;
};

// A recording a drill ingest plays (citywall-replay; docs/drills.md, "Replay"): another
// journal's directory, the window of it played (0: from its first record, to its last), and how
// the replay starts. A trainer's key steers it from there.
struct ReplayOptions {
    std::filesystem::path recording;
    TimeMs from = 0;
    TimeMs to = 0;
    double speed = 1;  // 0.25 to 64; 0: as fast as possible
    bool paused = false;
    bool loop = false;
};

// What is decided at start-up beside the config: by an operator on the command line, or by a
// test that runs ingest.
struct StartOptions {
    // Start although the journal has damage that may have held published events (their
    // numbers are named in the refusal); the damage is then recorded as accepted beside the
    // journal, and later starts do not ask again (docs/journal.md, "Damage").
    bool accept_journal_damage = false;
    // Ingest's clock, ms since the epoch (UTC): when events are received, when deadlines fall,
    // what heartbeats say. Empty: the system clock. A test moves it on instead of waiting; it
    // must be safe to call from any thread and should not go backwards.
    std::function<TimeMs()> clock;
    // A drill ingest that replays a recording ([ingest] drill must be on).
    std::optional<ReplayOptions> replay;
    // A drill's scenario (a CSV file, docs/drills.md, "Scenarios"): its rows are sent in as
    // their departments' reports at their times after the drill's start. Checked before the
    // journal is touched; [ingest] drill must be on.
    std::filesystem::path scenario;
};

class IngestServer {
  public:
    // Loads the map, recovers the journal and binds every socket; fails with a reason.
    static Result<std::unique_ptr<IngestServer>> create(const IngestConfig& config,
                                                        const StartOptions& options = {});
    ~IngestServer();
    IngestServer(const IngestServer&) = delete;
    IngestServer& operator=(const IngestServer&) = delete;

    // Serves until `stop` becomes true (checked at least every 100 ms).
    void run(const std::atomic<bool>& stop);
    IngestCounters counters() const;

  private:
    struct Impl;
    explicit IngestServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace citywall::ingest
