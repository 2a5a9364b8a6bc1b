// The city as a subscriber sees it: open incidents and feed health, rebuilt from a snapshot and
// kept current by sequenced updates (the Clone pattern; docs/protocol.md). Pure logic, no
// sockets: the viewer owns one, and so can a chained ingest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/open_incidents.hpp"
#include "citywall/unit.hpp"
#include "citywall/wire.hpp"

namespace citywall {

class CityPicture {
  public:
    enum class Outcome {
        applied,            // the message changed the picture
        already_seen,       // an update at or below the picture's sequence: ignored
        gap,                // updates were missed: the caller must fetch a fresh snapshot
        awaiting_snapshot,  // no snapshot yet: the update was buffered
        not_held,           // a message the picture does not keep (an incident case)
    };

    // Feeds one decoded message. Snapshot chunks accumulate until the last one, which replaces
    // the picture and then applies any buffered updates above the snapshot's sequence.
    Outcome apply(const wire::Message& message);
    // Forget the picture and wait for a new snapshot (after a gap or reconnect).
    void reset();

    // Off: incidents are held without what only a detail panel shows (the description, the
    // departments' own ids and report times; OpenIncidents::keep_case_details), which a wall
    // asks ingest for, for the one it shows (docs/protocol.md, "Case requests"): at a million
    // incidents, about 125 MB. Set before the first snapshot.
    void keep_case_details(bool on);

    bool has_snapshot() const { return has_snapshot_; }
    std::uint64_t seq() const { return seq_; }
    TimeMs last_heard() const { return last_heard_; }  // time of the newest message of any kind
    bool drill() const { return drill_; }
    // Ingest accepts departments without CURVE keys (its config says so): the wall must say so.
    bool keys_off() const { return keys_off_; }
    // Why ingest has stopped taking and publishing events, as its last heartbeat said; empty
    // while it runs.
    const std::string& ingest_stopped() const { return stopped_; }
    // Ingest's clock at its latest heartbeat; 0 before the first. Drill and keys-off are known
    // only from heartbeats, so a picture is not trustworthy before one.
    TimeMs last_heartbeat() const { return last_heartbeat_; }

    // The open incidents, compact (a wall holds a million).
    const OpenIncidents& incidents() const { return incidents_; }
    const std::vector<FeedHealth>& feeds() const { return feeds_; }
    // Today's counts as ingest keeps them; empty until ingest has sent one (an older ingest
    // never does: the wall then counts what it saw itself).
    const std::optional<wire::DayCountsReport>& day_counts() const { return day_counts_; }
    // Where a replaying drill stands in its recording, as its latest DrillClock said; nothing
    // from a live ingest or a drill that replays nothing.
    const std::optional<wire::DrillClock>& drill_clock() const { return drill_clock_; }
    // Units on duty, by unit_key().
    const std::unordered_map<std::string, Unit>& units() const { return units_; }

    // Incidents changed by apply() since the last call, so a renderer touches only those: one
    // entry an id, with the incident as it was before (nothing if it was not open).
    std::vector<OpenIncidents::Change> take_changes();
    // Unit keys changed by apply() since the last call (moved, changed, or gone off duty).
    std::vector<std::string> take_changed_units();
    // True once after a snapshot replaced everything.
    bool take_replaced();

  private:
    Outcome take_seq(std::uint64_t seq);
    Outcome apply_update(const wire::IncidentUpdate& update);
    Outcome apply_unit(const wire::UnitUpdate& update);
    Outcome apply_buffered();
    Outcome apply_drill_clock(const wire::DrillClock& clock);
    // A drill's seek replaced the picture at `seq`: nothing before it stays.
    void rewind(std::uint64_t seq);

    bool has_snapshot_ = false;
    bool replaced_ = false;
    bool drill_ = false;
    bool keys_off_ = false;
    std::string stopped_;
    TimeMs last_heartbeat_ = 0;
    std::uint64_t seq_ = 0;
    TimeMs last_heard_ = 0;
    OpenIncidents incidents_;
    std::vector<FeedHealth> feeds_;
    std::optional<wire::DayCountsReport> day_counts_;
    std::unordered_map<std::string, Unit> units_;
    std::vector<std::string> changed_units_;
    OpenIncidents pending_snapshot_;  // the chunks of a snapshot so far
    bool pending_any_ = false;
    std::uint64_t pending_seq_ = 0;
    std::vector<Unit> pending_units_;
    std::uint64_t pending_units_seq_ = 0;
    std::vector<wire::IncidentUpdate> buffered_;
    std::vector<wire::UnitUpdate> buffered_units_;
    std::uint64_t buffered_rewind_ = 0;  // a drill's rewind that came while a snapshot was due
    std::optional<wire::DrillClock> drill_clock_;
};

}  // namespace citywall
