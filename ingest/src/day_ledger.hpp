// Today's counts for the wall's KPIs, kept by ingest so that every wall shows the same day,
// whenever it joined: the incidents received since local midnight, and of those how many were
// dispatched (dispatched, en route, on scene, or resolved) and resolved (resolved or closed;
// cancelled is not); and the league table, the day's case steps per department and per street
// (CaseLeague). Published as a wire DayCountsReport with every heartbeat.
//
// Counted from status changes as they are recorded, so the ledger holds tallies per department
// and area of the city's first level, nothing per incident: memory does not grow with the day's
// incidents.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "citywall/case_league.hpp"
#include "citywall/open_incidents.hpp"
#include "citywall/result.hpp"
#include "citywall/time_zone.hpp"
#include "citywall/wire.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

class DayLedger {
  public:
    // Days of the machine's time zone (TZ), or UTC when it names none.
    DayLedger();
    // Days of `zone`: the centre's ([centre] time_zone).
    explicit DayLedger(TimeZone zone) : zone_(std::move(zone)) {}
    // Counts per area of this level (the city's first [[area]], its districts); empty: none.
    void count_areas_of(std::string level) { area_level_ = std::move(level); }
    // The league table's areas (docs/dispatch.md): the level below the districts.
    void count_league_of(std::string level) { league_.area_level = std::move(level); }

    // What an event changed. `now` is when ingest recorded it: a new local day starts from zero.
    // `case_step`: the event is a step of the incident's case (its case_state.last).
    void observe(const IncidentChange& change, TimeMs now, bool case_step = false) {
        observe(change.before ? std::optional(change.before->status) : std::nullopt, change.after,
                now, case_step);
    }
    // The same from the incident's status before (nothing when the event opened it).
    void observe(std::optional<IncidentStatus> before, const Incident& incident, TimeMs now,
                 bool case_step = false);
    // Totals, per department (of first report) and per area, for the day containing `now`.
    wire::DayCountsReport report(std::uint64_t seq, TimeMs now);
    TimeMs day_start() const { return day_start_; }

    // Kept beside each checkpoint (<dir>/day.ledger: the report as of the checkpoint), so a
    // restart keeps the day's counts.
    Result<void> save(const std::filesystem::path& dir, std::uint64_t seq) const;
    // Restored::absent (nothing changed) when there is none, it belongs to another checkpoint, or
    // to another day than the one containing `now`.
    Result<Restored> load(const std::filesystem::path& dir, std::uint64_t seq, TimeMs now);

  private:
    struct Tally {
        std::uint32_t received = 0, dispatched = 0, resolved = 0;
    };
    using AreaTallies =
        std::map<std::string, std::pair<std::string, Tally>>;  // code → name, counts
    void roll_over(TimeMs now);
    wire::DayCountsReport current(std::uint64_t seq, TimeMs now) const;

    Tally total_;
    std::map<std::string, Tally> departments_;
    AreaTallies areas_;  // the districts
    CaseLeague league_;  // the day's case steps
    std::string area_level_;
    TimeZone zone_;
    TimeMs day_start_ = 0;
    TimeMs next_day_start_ = 0;  // the end of the day that starts at day_start_
};

}  // namespace citywall::ingest
