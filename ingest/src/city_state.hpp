// The current state of the city as ingest knows it: open incidents, numbered events, and the
// map from a department's own ids to ours. Live input and journal recovery both go through
// commit(), so a restart rebuilds exactly what was published.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "citywall/checkpoint.hpp"
#include "citywall/incident.hpp"
#include "citywall/wire.hpp"

namespace citywall::ingest {

class CityState {
  public:
    // The incident a department's report refers to, if we know it (open or closed).
    std::optional<std::uint64_t> find(const SourceRef& source) const;
    const Incident* open_incident(std::uint64_t id) const;

    std::uint64_t next_id() const { return last_id_ + 1; }
    std::uint64_t next_seq() const { return last_seq_ + 1; }
    std::uint64_t last_seq() const { return last_seq_; }
    std::size_t open_count() const { return open_.size(); }
    // Open incidents within `metres` of a point (ground distance), for merging reports. Cheap
    // when `metres` is at most the radius given here (the merge distance).
    void set_neighbour_radius(double metres);
    std::vector<const Incident*> open_near(LonLat p, double metres) const;

    // Numbering continues after `seq` (records this build could not read).
    void skip_to(std::uint64_t seq) { last_seq_ = std::max(last_seq_, seq); }

    // Records an event that is now in the journal. seq must be next_seq().
    void commit(const wire::IncidentUpdate& update);

    // The whole state at last_seq(), and back; restore() replaces everything.
    Checkpoint checkpoint() const;
    void restore(Checkpoint checkpoint);

    // The open incidents as snapshot chunks of at most `chunk_size` incidents each.
    std::vector<wire::SnapshotChunk> snapshot(std::size_t chunk_size,
                                              const std::vector<FeedHealth>& feeds) const;

  private:
    // A hash of cells about as wide as the merge distance over lon/lat, holding the open
    // incidents with their positions, so a neighbour search touches a few nearby incidents only.
    using Cell = std::pair<std::int64_t, std::int64_t>;
    struct Entry {
        std::uint64_t id;
        LonLat location;
    };
    struct CellHash {
        std::size_t operator()(const Cell& c) const {
            return std::hash<std::int64_t>()(c.first * 1'000'003 ^ c.second);
        }
    };
    Cell cell_of(LonLat p) const;
    void index(const Incident& incident);
    void unindex(const Incident& incident);

    double cell_degrees_ = 150.0 / 111'320.0;
    std::unordered_map<Cell, std::vector<Entry>, CellHash> cells_;
    std::uint64_t last_id_ = 0;
    std::uint64_t last_seq_ = 0;
    std::unordered_map<std::uint64_t, Incident> open_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> by_source_;
};

}  // namespace citywall::ingest
