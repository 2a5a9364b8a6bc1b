#include "city_state.hpp"

#include <algorithm>

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

void CityState::commit(const wire::IncidentUpdate& update) {
    const Incident& incident = update.incident;
    last_seq_ = update.seq;
    last_id_ = std::max(last_id_, incident.id);
    for (const auto& source : incident.sources)
        by_source_[{source.department, source.source_id}] = incident.id;
    if (incident.open()) {
        open_[incident.id] = incident;
    } else {
        open_.erase(incident.id);
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
    for (auto& incident : checkpoint.open) {
        for (const auto& source : incident.sources)
            by_source_[{source.department, source.source_id}] = incident.id;
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
