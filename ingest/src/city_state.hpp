// The current state of the city as ingest knows it: open incidents, numbered events, and the
// map from a department's own ids to ours. Live input and journal recovery both go through
// commit(), so a restart rebuilds exactly what was published.
//
// The open incidents are held in core's compact store, the one a wall holds (OpenIncidents).
// Beside it ingest keeps what only it needs: each open incident's case history, every
// department id it has ever given a number to, and a neighbour index for merging reports.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "citywall/checkpoint.hpp"
#include "citywall/incident.hpp"
#include "citywall/intern_table.hpp"
#include "citywall/open_incidents.hpp"
#include "citywall/result.hpp"
#include "citywall/wire.hpp"

namespace citywall::ingest {

// One recorded status change, with the department as an index into the state's codes.
struct HistoryStep {
    TimeMs time = 0;
    std::uint32_t department = 0;
    IncidentStatus reported = IncidentStatus::reported;
    IncidentStatus status = IncidentStatus::reported;
};

class CityState {
  public:
    CityState();

    // The incident a department's report refers to, if we know it (open or closed).
    std::optional<std::uint64_t> find(const SourceRef& source) const;
    std::optional<std::uint64_t> find(const std::string& department,
                                      const std::string& source_id) const;
    // An open incident, as the store holds it: valid until the state next changes.
    std::optional<IncidentView> open_incident(std::uint64_t id) const {
        return incidents_.find(id);
    }
    const OpenIncidents& incidents() const { return incidents_; }
    // The public model of an open incident (nothing if it is not open).
    std::optional<Incident> incident(std::uint64_t id) const { return incidents_.incident(id); }
    // The status changes recorded for an open incident; fill() reuses `out`'s storage.
    CaseHistory history(std::uint64_t id) const;
    void fill(CaseHistory& out, std::uint64_t id) const;
    // One incident's case for a wall that asked: open, or among the closed cases kept, or an
    // empty case saying it is neither (the journal may still hold it: JournalCaseSearch).
    wire::IncidentCase incident_case(std::uint64_t id) const;
    // Closed cases kept whole, with their histories, for walls that open them by id: the
    // latest this many (docs/dispatch.md, "Closed cases"). A checkpoint does not hold them; a
    // restart keeps those closed after it.
    static constexpr std::size_t kClosedCasesKept = 4096;
    std::size_t closed_kept() const { return closed_.size(); }
    // A closed case kept, as it closed (for reopening it).
    std::optional<Incident> closed_incident(std::uint64_t id) const;

    std::uint64_t next_id() const { return std::max(last_id_ + 1, own_ids_from_); }
    // A replaying drill: the incidents it opens itself are numbered from `first` on, after
    // every number of its recording (docs/drills.md, "Replay").
    void number_own_from(std::uint64_t first) { own_ids_from_ = first; }
    // A drill's seek: every incident, case and department's id is forgotten, as in a new state;
    // the numbering of events and incidents goes on.
    void start_over();
    std::uint64_t next_seq() const { return last_seq_ + 1; }
    std::uint64_t last_seq() const { return last_seq_; }
    std::size_t open_count() const { return incidents_.size(); }
    // Every open incident, in no particular order.
    void for_each_open(const std::function<void(const IncidentView&)>& visit) const {
        for (const auto& [id, incident] : incidents_)
            visit(incident);
    }
    // An open incident as the neighbour index holds it: what a merge looks at before it looks
    // the incident up.
    struct Neighbour {
        std::uint64_t id = 0;
        LonLat location;
        TimeMs occurred = 0;
        std::uint32_t category = 0;  // category_name()
        bool drill = false;
    };
    // Open incidents within `metres` of a point (ground distance) that occurred within
    // `window_ms` of `when` (nothing: any time), for merging reports. Cheap when `metres` is at
    // most the radius given here (the merge distance).
    void set_neighbour_radius(double metres);
    std::vector<Neighbour> open_near(LonLat p, double metres,
                                     std::optional<std::pair<TimeMs, TimeMs>> when = {}) const;
    const std::string& category_name(std::uint32_t category) const { return categories_[category]; }

    // The open incident an order id was given to (docs/dispatch.md): every order since the
    // last checkpoint, and those of the cases open at it.
    std::optional<std::uint64_t> order(std::string_view order_id) const;
    // The open cases ordered to `department` that it has not signed for, oldest incident first.
    std::vector<std::uint64_t> awaiting_sign(std::string_view department) const;

    // Numbering continues after `seq` (records this build could not read).
    void skip_to(std::uint64_t seq) { last_seq_ = std::max(last_seq_, seq); }

    // What `after` would change: the one change an event makes, which the journal, the day's
    // counts, the case history and the escalation schedule read (OpenIncidents::change()).
    IncidentChange change(Incident after) const { return incidents_.change(std::move(after)); }
    // Records an event that is now in the journal. seq must be next_seq().
    void commit(std::uint64_t seq, const IncidentChange& change);
    // The same for an update read back (recovery, tests): its change is worked out here.
    void commit(const wire::IncidentUpdate& update) { commit(update.seq, change(update.incident)); }

    // The whole state at last_seq(), and back; restore() replaces everything.
    Checkpoint checkpoint() const;
    void restore(Checkpoint checkpoint);
    // Writes the checkpoint file straight from the state, one incident at a time.
    Result<void> write_checkpoint(const std::filesystem::path& directory) const;

    // The open incidents as snapshot chunks of at most `chunk_size` incidents each, handed
    // over one at a time so that only one chunk of whole incidents exists at once.
    void snapshot(std::size_t chunk_size, const std::vector<FeedHealth>& feeds,
                  const std::function<void(const wire::SnapshotChunk&)>& on_chunk) const;

  private:
    // A case's history, oldest first; capped as CaseHistory says.
    struct History {
        std::vector<HistoryStep> steps;
        std::uint32_t omitted = 0;         // steps dropped between the first and the rest
        std::vector<CaseStep> case_steps;  // the centre's steps, capped the same way
        std::uint32_t case_omitted = 0;
    };
    // The case's indexes (orders, cases awaiting signature) after `incident` is committed.
    void index_case(const Incident& incident);
    std::vector<std::uint64_t> open_by_id() const;

    // A hash of cells twice as wide as the merge distance over lon/lat, holding the open
    // incidents with their positions, so a neighbour search visits two to six cells and
    // touches only the incidents within reach.
    using Cell = std::pair<std::int64_t, std::int64_t>;
    using Entry = Neighbour;
    struct CellHash {
        std::size_t operator()(const Cell& c) const {
            return std::hash<std::uint64_t>()(static_cast<std::uint64_t>(c.first) *
                                                  0x9E3779B97F4A7C15ull ^
                                              static_cast<std::uint64_t>(c.second));
        }
    };
    Cell cell_of(LonLat p) const;
    void index(const Incident& incident);
    void unindex(std::uint64_t id, LonLat location);
    // Adds to the case history the steps a change makes.
    void record_steps(History& history, const IncidentChange& change);
    // Records that `department`'s `source_id` is our incident `id`.
    void remember(std::uint32_t department, const std::string& source_id, std::uint64_t id);
    std::uint32_t closed_source_count() const;

    double cell_degrees_ = 300.0 / 111'320.0;
    std::unordered_map<Cell, std::vector<Entry>, CellHash> cells_;
    std::uint64_t last_id_ = 0;
    std::uint64_t own_ids_from_ = 0;
    std::uint64_t last_seq_ = 0;
    OpenIncidents incidents_;
    std::unordered_map<std::uint64_t, History> histories_;  // by open incident
    struct ClosedCase {
        Incident incident;
        History history;
    };
    std::unordered_map<std::uint64_t, ClosedCase> closed_;  // by incident, the latest closed
    std::deque<std::uint64_t> closed_order_;                // oldest first
    void keep_closed(const Incident& incident, History history);
    InternTable<std::string, StringHash> departments_;  // department codes
    InternTable<std::string, StringHash> categories_;   // of the neighbour index's entries
    // Per department (by index in departments_): its own ids → ours, open and closed.
    std::vector<std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>>
        by_source_;
    std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> orders_;
    std::unordered_map<std::uint64_t, std::string> awaiting_sign_;  // incident → department
};

}  // namespace citywall::ingest
