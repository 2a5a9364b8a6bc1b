// The current state of the city as ingest knows it: open incidents, numbered events, and the
// map from a department's own ids to ours. Live input and journal recovery both go through
// commit(), so a restart rebuilds exactly what was published.
//
// Open incidents are held compactly (OpenIncident): what many incidents share — grid paths,
// police beats, categories, coordinate systems, department codes — is stored once in the
// state's tables and referred to by index, so an open incident costs a few hundred bytes on
// top of its own texts. incident() turns one back into the public model.
#pragma once

#include <algorithm>
#include <cstdint>
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
#include "citywall/result.hpp"
#include "citywall/wire.hpp"

namespace citywall::ingest {

// One department's reference, with the department as an index into the state's codes.
struct OpenSource {
    std::string source_id;
    TimeMs reported = 0;
    std::uint32_t department = 0;
    IncidentStatus status = IncidentStatus::reported;
};

// One recorded status change, with the department as an index into the state's codes.
struct HistoryStep {
    TimeMs time = 0;
    std::uint32_t department = 0;
    IncidentStatus reported = IncidentStatus::reported;
    IncidentStatus status = IncidentStatus::reported;
};

// An open incident as the state holds it. The fields with the model's names mean what they
// mean in Incident; the indices are resolved by CityState.
struct OpenIncident {
    std::uint64_t id = 0;
    std::vector<OpenSource> sources;
    std::vector<HistoryStep> history;  // oldest first; capped as CaseHistory says
    std::string title;
    std::string description;
    LonLat location;
    TimeMs occurred = 0;
    TimeMs received = 0;
    TimeMs updated = 0;
    TimeMs due = 0;
    std::uint64_t provenance_incident = 0;
    std::uint64_t provenance_seq = 0;
    std::uint32_t category = 0;           // CityState::words_
    std::uint32_t source_crs = 0;         // CityState::words_
    std::uint32_t provenance_centre = 0;  // CityState::words_; 0: reported here directly
    std::uint32_t grid = 0;               // CityState::grid_paths_
    std::uint32_t beat = 0;               // CityState::areas_
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    std::uint8_t escalation = 0;
    bool drill = false;
    std::uint32_t history_omitted = 0;  // steps dropped between the first and the rest
};

class CityState {
  public:
    // The incident a department's report refers to, if we know it (open or closed).
    std::optional<std::uint64_t> find(const SourceRef& source) const;
    std::optional<std::uint64_t> find(const std::string& department,
                                      const std::string& source_id) const;
    const OpenIncident* open_incident(std::uint64_t id) const;
    // The public model of an open incident; fill() reuses `out`'s storage.
    Incident incident(const OpenIncident& open) const;
    void fill(Incident& out, const OpenIncident& open) const;
    // The status changes recorded for an open incident; fill() reuses `out`'s storage.
    CaseHistory history(const OpenIncident& open) const;
    void fill(CaseHistory& out, const OpenIncident& open) const;
    // One incident's case for a wall that asked (not open: an empty case saying so).
    wire::IncidentCase incident_case(std::uint64_t id) const;
    const std::string& category(const OpenIncident& open) const { return words_[open.category]; }
    // The index a department code has in OpenSource::department, if any incident has it.
    std::optional<std::uint32_t> department_index(const std::string& code) const {
        return departments_.find(code);
    }

    std::uint64_t next_id() const { return last_id_ + 1; }
    std::uint64_t next_seq() const { return last_seq_ + 1; }
    std::uint64_t last_seq() const { return last_seq_; }
    std::size_t open_count() const { return open_.size(); }
    // Every open incident, in no particular order.
    void for_each_open(const std::function<void(const OpenIncident&)>& visit) const {
        for (const auto& [id, incident] : open_)
            visit(incident);
    }
    // Open incidents within `metres` of a point (ground distance), for merging reports. Cheap
    // when `metres` is at most the radius given here (the merge distance).
    void set_neighbour_radius(double metres);
    std::vector<const OpenIncident*> open_near(LonLat p, double metres) const;

    // Numbering continues after `seq` (records this build could not read).
    void skip_to(std::uint64_t seq) { last_seq_ = std::max(last_seq_, seq); }

    // Records an event that is now in the journal. seq must be next_seq(). The incident's texts
    // move into the state: pass an rvalue when the update is not needed afterwards.
    void commit(wire::IncidentUpdate update);

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
    std::vector<const OpenIncident*> open_by_id() const;

    // A hash of cells twice as wide as the merge distance over lon/lat, holding the open
    // incidents with their positions, so a neighbour search visits two to six cells and
    // touches only the incidents within reach.
    using Cell = std::pair<std::int64_t, std::int64_t>;
    struct Entry {
        const OpenIncident* incident;
        LonLat location;
    };
    struct CellHash {
        std::size_t operator()(const Cell& c) const {
            return std::hash<std::uint64_t>()(static_cast<std::uint64_t>(c.first) *
                                                  0x9E3779B97F4A7C15ull ^
                                              static_cast<std::uint64_t>(c.second));
        }
    };
    Cell cell_of(LonLat p) const;
    void index(const OpenIncident& incident);
    void unindex(const OpenIncident& incident, LonLat location);
    void store(OpenIncident& out, Incident&& in);
    // Adds to `open`'s history what the report `in` changes; before store() replaces it.
    void record_steps(OpenIncident& open, const Incident& in);
    // Records that `department`'s `source_id` is our incident `id`.
    void remember(std::uint32_t department, const std::string& source_id, std::uint64_t id);
    std::uint32_t closed_source_count() const;

    double cell_degrees_ = 300.0 / 111'320.0;
    std::unordered_map<Cell, std::vector<Entry>, CellHash> cells_;
    std::uint64_t last_id_ = 0;
    std::uint64_t last_seq_ = 0;
    std::unordered_map<std::uint64_t, OpenIncident> open_;

    InternTable<std::string, StringHash> words_;        // categories, CRS names, centres
    InternTable<std::string, StringHash> departments_;  // department codes
    InternTable<AreaRef, AreaHash> areas_;              // police beats
    InternTable<GridPath, GridPathHash> grid_paths_;
    // Per department (by index in departments_): its own ids → ours, open and closed.
    std::vector<std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>>
        by_source_;
};

}  // namespace citywall::ingest
