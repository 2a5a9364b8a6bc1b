// The current state of the city as ingest knows it: open incidents, numbered events, and the
// map from a department's own ids to ours. Live input and journal recovery both go through
// commit(), so a restart rebuilds exactly what was published.
#pragma once

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
    // Open incidents within `metres` of a point (ground distance), for merging reports.
    std::vector<const Incident*> open_near(LonLat p, double metres) const;

    // Records an event that is now in the journal. seq must be next_seq().
    void commit(const wire::IncidentUpdate& update);

    // The whole state at last_seq(), and back; restore() replaces everything.
    Checkpoint checkpoint() const;
    void restore(Checkpoint checkpoint);

    // The open incidents as snapshot chunks of at most `chunk_size` incidents each.
    std::vector<wire::SnapshotChunk> snapshot(std::size_t chunk_size,
                                              const std::vector<FeedHealth>& feeds) const;

  private:
    // A hash of ~kCellDegrees cells over lon/lat holding the open incidents, so finding
    // neighbours costs the same however many incidents are open.
    using Cell = std::pair<std::int64_t, std::int64_t>;
    struct CellHash {
        std::size_t operator()(const Cell& c) const {
            return std::hash<std::int64_t>()(c.first * 1'000'003 ^ c.second);
        }
    };
    static Cell cell_of(LonLat p);
    void index(const Incident& incident);
    void unindex(const Incident& incident);

    std::unordered_map<Cell, std::vector<std::uint64_t>, CellHash> cells_;
    std::uint64_t last_id_ = 0;
    std::uint64_t last_seq_ = 0;
    std::unordered_map<std::uint64_t, Incident> open_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> by_source_;
};

}  // namespace citywall::ingest
