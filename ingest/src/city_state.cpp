#include "city_state.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace citywall::ingest {

std::optional<std::uint64_t> CityState::find(const SourceRef& source) const {
    auto it = by_source_.find({source.department, source.source_id});
    if (it == by_source_.end()) return std::nullopt;
    return it->second;
}

const Incident* CityState::open_incident(std::uint64_t id) const {
    auto it = open_.find(id);
    return it == open_.end() ? nullptr : &it->second;
}

namespace {
constexpr double kCellDegrees = 0.01;  // about 1.1 km of latitude
constexpr double kMetresPerDegree = 111'320.0;

double ground_distance_m(LonLat a, LonLat b) {
    // Equirectangular: within a city, far below a metre off at merge distances.
    double mean_lat = (a.lat + b.lat) / 2 * std::numbers::pi / 180;
    double dx = (a.lon - b.lon) * std::cos(mean_lat) * kMetresPerDegree;
    double dy = (a.lat - b.lat) * kMetresPerDegree;
    return std::sqrt(dx * dx + dy * dy);
}
}  // namespace

CityState::Cell CityState::cell_of(LonLat p) {
    return {static_cast<std::int64_t>(std::floor(p.lon / kCellDegrees)),
            static_cast<std::int64_t>(std::floor(p.lat / kCellDegrees))};
}

void CityState::index(const Incident& incident) {
    cells_[cell_of(incident.location)].push_back(incident.id);
}

void CityState::unindex(const Incident& incident) {
    auto it = cells_.find(cell_of(incident.location));
    if (it == cells_.end()) return;
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), incident.id), ids.end());
    if (ids.empty()) cells_.erase(it);
}

std::vector<const Incident*> CityState::open_near(LonLat p, double metres) const {
    std::vector<const Incident*> out;
    const double lat_cells = metres / kMetresPerDegree / kCellDegrees;
    const double cos_lat = std::max(0.05, std::cos(p.lat * std::numbers::pi / 180));
    const auto reach_lat = static_cast<std::int64_t>(std::ceil(lat_cells));
    const auto reach_lon = static_cast<std::int64_t>(std::ceil(lat_cells / cos_lat));
    const Cell centre = cell_of(p);
    for (auto dy = -reach_lat; dy <= reach_lat; ++dy) {
        for (auto dx = -reach_lon; dx <= reach_lon; ++dx) {
            auto it = cells_.find({centre.first + dx, centre.second + dy});
            if (it == cells_.end()) continue;
            for (auto id : it->second) {
                const Incident& incident = open_.at(id);
                if (ground_distance_m(p, incident.location) <= metres) out.push_back(&incident);
            }
        }
    }
    return out;
}

void CityState::commit(const wire::IncidentUpdate& update) {
    const Incident& incident = update.incident;
    last_seq_ = update.seq;
    last_id_ = std::max(last_id_, incident.id);
    for (const auto& source : incident.sources)
        by_source_[{source.department, source.source_id}] = incident.id;
    if (auto it = open_.find(incident.id); it != open_.end()) {
        unindex(it->second);
        open_.erase(it);
    }
    if (incident.open()) {
        index(incident);
        open_.emplace(incident.id, incident);
    }
}

Checkpoint CityState::checkpoint() const {
    Checkpoint c;
    c.seq = last_seq_;
    c.last_id = last_id_;
    c.open.reserve(open_.size());
    for (const auto& [id, incident] : open_)
        c.open.push_back(incident);
    std::sort(c.open.begin(), c.open.end(),
              [](const Incident& a, const Incident& b) { return a.id < b.id; });
    for (const auto& [source, id] : by_source_) {
        if (!open_.contains(id)) c.closed.push_back({{source.first, source.second}, id});
    }
    return c;
}

void CityState::restore(Checkpoint checkpoint) {
    last_seq_ = checkpoint.seq;
    last_id_ = checkpoint.last_id;
    open_.clear();
    by_source_.clear();
    cells_.clear();
    for (auto& incident : checkpoint.open) {
        for (const auto& source : incident.sources)
            by_source_[{source.department, source.source_id}] = incident.id;
        index(incident);
        open_.emplace(incident.id, std::move(incident));
    }
    for (auto& closed : checkpoint.closed)
        by_source_[{std::move(closed.source.department), std::move(closed.source.source_id)}] =
            closed.incident;
}

std::vector<wire::SnapshotChunk> CityState::snapshot(std::size_t chunk_size,
                                                     const std::vector<FeedHealth>& feeds) const {
    std::vector<const Incident*> ordered;
    ordered.reserve(open_.size());
    for (const auto& [id, incident] : open_)
        ordered.push_back(&incident);
    std::sort(ordered.begin(), ordered.end(),
              [](const Incident* a, const Incident* b) { return a->id < b->id; });
    std::vector<wire::SnapshotChunk> chunks;
    for (std::size_t k = 0; k < ordered.size() || chunks.empty(); k += chunk_size) {
        wire::SnapshotChunk chunk{last_seq_, false, {}, {}};
        for (std::size_t j = k; j < std::min(ordered.size(), k + chunk_size); ++j)
            chunk.incidents.push_back(*ordered[j]);
        chunks.push_back(std::move(chunk));
    }
    chunks.back().last = true;
    chunks.back().feeds = feeds;
    return chunks;
}

}  // namespace citywall::ingest
