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
constexpr double kMetresPerDegree = 111'320.0;
constexpr double kMinCellMetres = 100.0;  // smaller cells only cost more cells to visit
}  // namespace

void CityState::set_neighbour_radius(double metres) {
    std::vector<Incident> open;
    for (auto& [id, incident] : open_)
        open.push_back(incident);
    cell_degrees_ = std::max(metres, kMinCellMetres) / kMetresPerDegree;
    cells_.clear();
    for (const auto& incident : open)
        index(incident);
}

CityState::Cell CityState::cell_of(LonLat p) const {
    return {static_cast<std::int64_t>(std::floor(p.lon / cell_degrees_)),
            static_cast<std::int64_t>(std::floor(p.lat / cell_degrees_))};
}

void CityState::index(const Incident& incident) {
    cells_[cell_of(incident.location)].push_back({incident.id, incident.location});
}

void CityState::unindex(const Incident& incident) {
    auto it = cells_.find(cell_of(incident.location));
    if (it == cells_.end()) return;
    auto& entries = it->second;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.id == incident.id; }),
                  entries.end());
    if (entries.empty()) cells_.erase(it);
}

std::vector<const Incident*> CityState::open_near(LonLat p, double metres) const {
    std::vector<const Incident*> out;
    // Equirectangular distance with one cosine per search: within a city, far below a metre
    // off at merge distances.
    const double cos_lat = std::max(0.05, std::cos(p.lat * std::numbers::pi / 180));
    const double reach = metres / kMetresPerDegree / cell_degrees_;
    const auto reach_lat = static_cast<std::int64_t>(std::ceil(reach));
    const auto reach_lon = static_cast<std::int64_t>(std::ceil(reach / cos_lat));
    const double limit = metres * metres;
    const Cell centre = cell_of(p);
    for (auto dy = -reach_lat; dy <= reach_lat; ++dy) {
        for (auto dx = -reach_lon; dx <= reach_lon; ++dx) {
            auto it = cells_.find({centre.first + dx, centre.second + dy});
            if (it == cells_.end()) continue;
            for (const Entry& e : it->second) {
                double east = (e.location.lon - p.lon) * cos_lat * kMetresPerDegree;
                double north = (e.location.lat - p.lat) * kMetresPerDegree;
                if (east * east + north * north <= limit) out.push_back(&open_.at(e.id));
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
