#include "city_state.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace citywall::ingest {

namespace {
constexpr double kMetresPerDegree = 111'320.0;
constexpr double kMinCellMetres = 100.0;  // smaller cells only cost more cells to visit
}  // namespace

std::optional<std::uint64_t> CityState::find(const SourceRef& source) const {
    return find(source.department, source.source_id);
}

std::optional<std::uint64_t> CityState::find(const std::string& department,
                                             const std::string& source_id) const {
    auto d = departments_.find(department);
    if (!d || *d >= by_source_.size()) return std::nullopt;
    const auto& ids = by_source_[*d];
    auto it = ids.find(source_id);
    if (it == ids.end()) return std::nullopt;
    return it->second;
}

const OpenIncident* CityState::open_incident(std::uint64_t id) const {
    auto it = open_.find(id);
    return it == open_.end() ? nullptr : &it->second;
}

Incident CityState::incident(const OpenIncident& open) const {
    Incident out;
    fill(out, open);
    return out;
}

void CityState::fill(Incident& out, const OpenIncident& open) const {
    out.id = open.id;
    out.sources.resize(open.sources.size());
    for (std::size_t k = 0; k < open.sources.size(); ++k) {
        const OpenSource& from = open.sources[k];
        SourceRef& to = out.sources[k];
        to.department = departments_[from.department];
        to.source_id = from.source_id;
        to.status = from.status;
        to.reported = from.reported;
    }
    out.category = words_[open.category];
    out.severity = open.severity;
    out.status = open.status;
    out.escalation = open.escalation;
    out.location = open.location;
    out.source_crs = words_[open.source_crs];
    out.grid = grid_paths_[open.grid];
    out.beat = areas_[open.beat];
    out.occurred = open.occurred;
    out.received = open.received;
    out.updated = open.updated;
    out.due = open.due;
    out.title = open.title;
    out.description = open.description;
    out.drill = open.drill;
    out.provenance.centre = words_[open.provenance_centre];
    out.provenance.incident = open.provenance_incident;
    out.provenance.seq = open.provenance_seq;
}

CaseHistory CityState::history(const OpenIncident& open) const {
    CaseHistory out;
    fill(out, open);
    return out;
}

void CityState::fill(CaseHistory& out, const OpenIncident& open) const {
    out.omitted = open.history_omitted;
    out.changes.resize(open.history.size());
    for (std::size_t k = 0; k < open.history.size(); ++k) {
        const HistoryStep& from = open.history[k];
        StatusChange& to = out.changes[k];
        to.time = from.time;
        to.department = departments_[from.department];
        to.reported = from.reported;
        to.status = from.status;
    }
}

wire::IncidentCase CityState::incident_case(std::uint64_t id) const {
    wire::IncidentCase out{last_seq_, id, false, {}, {}};
    if (const OpenIncident* open = open_incident(id)) {
        out.open = true;
        fill(out.incident, *open);
        fill(out.history, *open);
    }
    return out;
}

// A step for each department whose word on the incident is new (its first report, or a status
// other than the one it last gave). Each step carries the incident's status after the report,
// so a change of that status with no new word (a merge, a county centre's decision) gets a step
// of its own, in the name of the department that spoke last.
void CityState::record_steps(OpenIncident& open, const Incident& in) {
    auto add = [&](HistoryStep step) {
        if (open.history.size() == CaseHistory::kMaxCaseChanges) {
            // The first report stays: where the case began matters as much as where it is.
            open.history.erase(open.history.begin() + 1);
            ++open.history_omitted;
        }
        open.history.push_back(step);
    };
    bool added = false;
    const SourceRef* latest = nullptr;
    for (const SourceRef& source : in.sources) {
        if (!latest || source.reported >= latest->reported) latest = &source;
        const std::uint32_t department = departments_.intern(source.department);
        const auto before =
            std::find_if(open.sources.begin(), open.sources.end(), [&](const OpenSource& s) {
                return s.department == department && s.source_id == source.source_id;
            });
        if (before != open.sources.end() && before->status == source.status) continue;
        add({source.reported > 0 ? source.reported : in.updated, department, source.status,
             in.status});
        added = true;
    }
    if (!added && in.status != open.status && latest)
        add({in.updated, departments_.intern(latest->department), latest->status, in.status});
}

void CityState::store(OpenIncident& out, Incident&& in) {
    out.id = in.id;
    out.sources.resize(in.sources.size());
    for (std::size_t k = 0; k < in.sources.size(); ++k) {
        SourceRef& from = in.sources[k];
        OpenSource& to = out.sources[k];
        to.department = departments_.intern(from.department);
        remember(to.department, from.source_id, in.id);
        to.source_id = std::move(from.source_id);
        to.reported = from.reported;
        to.status = from.status;
    }
    out.title = std::move(in.title);
    out.description = std::move(in.description);
    out.location = in.location;
    out.occurred = in.occurred;
    out.received = in.received;
    out.updated = in.updated;
    out.due = in.due;
    out.provenance_incident = in.provenance.incident;
    out.provenance_seq = in.provenance.seq;
    out.category = words_.intern(in.category);
    out.source_crs = words_.intern(in.source_crs);
    out.provenance_centre = words_.intern(in.provenance.centre);
    out.grid = grid_paths_.intern(in.grid);
    out.beat = areas_.intern(in.beat);
    out.severity = in.severity;
    out.status = in.status;
    out.escalation = in.escalation;
    out.drill = in.drill;
}

void CityState::remember(std::uint32_t department, const std::string& source_id, std::uint64_t id) {
    if (by_source_.size() <= department) by_source_.resize(department + 1);
    auto [it, fresh] = by_source_[department].try_emplace(source_id, id);
    if (!fresh) it->second = id;
}

void CityState::set_neighbour_radius(double metres) {
    cell_degrees_ = 2 * std::max(metres, kMinCellMetres) / kMetresPerDegree;
    cells_.clear();
    for (const auto& [id, incident] : open_)
        index(incident);
}

CityState::Cell CityState::cell_of(LonLat p) const {
    return {static_cast<std::int64_t>(std::floor(p.lon / cell_degrees_)),
            static_cast<std::int64_t>(std::floor(p.lat / cell_degrees_))};
}

void CityState::index(const OpenIncident& incident) {
    cells_[cell_of(incident.location)].push_back({&incident, incident.location});
}

void CityState::unindex(const OpenIncident& incident, LonLat location) {
    auto it = cells_.find(cell_of(location));
    if (it == cells_.end()) return;
    auto& entries = it->second;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.incident == &incident; }),
                  entries.end());
    if (entries.empty()) cells_.erase(it);
}

std::vector<const OpenIncident*> CityState::open_near(LonLat p, double metres) const {
    std::vector<const OpenIncident*> out;
    // Equirectangular distance with one cosine per search: within a city, far below a metre
    // off at merge distances.
    const double cos_lat = std::max(0.05, std::cos(p.lat * std::numbers::pi / 180));
    const double limit = metres * metres;
    auto visit = [&](const std::vector<Entry>& entries) {
        for (const Entry& e : entries) {
            double east = (e.location.lon - p.lon) * cos_lat * kMetresPerDegree;
            double north = (e.location.lat - p.lat) * kMetresPerDegree;
            if (east * east + north * north <= limit) out.push_back(e.incident);
        }
    };
    // Only the cells the search's bounding box touches.
    const double reach_lat = metres / kMetresPerDegree;
    const double reach_lon = reach_lat / cos_lat;
    const Cell low = cell_of({p.lon - reach_lon, p.lat - reach_lat});
    const Cell high = cell_of({p.lon + reach_lon, p.lat + reach_lat});
    const double span = static_cast<double>(high.first - low.first + 1) *
                        static_cast<double>(high.second - low.second + 1);
    if (span > static_cast<double>(cells_.size())) {
        // A search far wider than the merge distance: every cell is cheaper than every key.
        for (const auto& [cell, entries] : cells_)
            visit(entries);
        return out;
    }
    for (auto y = low.second; y <= high.second; ++y) {
        for (auto x = low.first; x <= high.first; ++x) {
            auto it = cells_.find({x, y});
            if (it != cells_.end()) visit(it->second);
        }
    }
    return out;
}

void CityState::commit(wire::IncidentUpdate update) {
    Incident& incident = update.incident;
    last_seq_ = update.seq;
    last_id_ = std::max(last_id_, incident.id);
    auto it = open_.find(incident.id);
    if (!incident.open()) {
        for (const auto& source : incident.sources)
            remember(departments_.intern(source.department), source.source_id, incident.id);
        if (it != open_.end()) {
            unindex(it->second, it->second.location);
            open_.erase(it);
        }
        return;
    }
    if (it == open_.end()) {
        it = open_.try_emplace(incident.id).first;
        record_steps(it->second, incident);
        store(it->second, std::move(incident));
        index(it->second);
        return;
    }
    // Updated in place: the neighbour index points at it, and moves only when it moved.
    const LonLat before = it->second.location;
    record_steps(it->second, incident);
    store(it->second, std::move(incident));
    if (it->second.location != before) {
        unindex(it->second, before);
        index(it->second);
    }
}

std::uint32_t CityState::closed_source_count() const {
    std::uint32_t count = 0;
    for (const auto& ids : by_source_)
        for (const auto& [source_id, id] : ids)
            if (!open_.contains(id)) ++count;
    return count;
}

Checkpoint CityState::checkpoint() const {
    Checkpoint c;
    c.seq = last_seq_;
    c.last_id = last_id_;
    c.open.reserve(open_.size());
    for (const OpenIncident* open : open_by_id())
        c.open.push_back({incident(*open), history(*open)});
    for (std::uint32_t d = 0; d < by_source_.size(); ++d)
        for (const auto& [source_id, id] : by_source_[d])
            if (!open_.contains(id)) c.closed.push_back({{departments_[d], source_id}, id});
    return c;
}

// Checkpoints and snapshots list incidents by id, so the same state gives the same bytes.
std::vector<const OpenIncident*> CityState::open_by_id() const {
    std::vector<const OpenIncident*> ordered;
    ordered.reserve(open_.size());
    for (const auto& [id, incident] : open_)
        ordered.push_back(&incident);
    std::sort(ordered.begin(), ordered.end(),
              [](const OpenIncident* a, const OpenIncident* b) { return a->id < b->id; });
    return ordered;
}

Result<void> CityState::write_checkpoint(const std::filesystem::path& directory) const {
    const std::vector<const OpenIncident*> ordered = open_by_id();
    auto writer =
        CheckpointWriter::start(directory, last_seq_, last_id_,
                                static_cast<std::uint32_t>(ordered.size()), closed_source_count());
    if (!writer) return writer.error_value();
    Incident scratch;
    CaseHistory scratch_history;
    for (const OpenIncident* open : ordered) {
        fill(scratch, *open);
        fill(scratch_history, *open);
        if (auto added = (*writer)->add_open(scratch, scratch_history); !added) return added;
    }
    for (std::uint32_t d = 0; d < by_source_.size(); ++d) {
        for (const auto& [source_id, id] : by_source_[d]) {
            if (open_.contains(id)) continue;
            if (auto added = (*writer)->add_closed(departments_[d], source_id, id); !added)
                return added;
        }
    }
    return (*writer)->finish();
}

void CityState::restore(Checkpoint checkpoint) {
    last_seq_ = checkpoint.seq;
    last_id_ = checkpoint.last_id;
    open_.clear();
    by_source_.clear();
    cells_.clear();
    for (auto& [incident, recorded] : checkpoint.open) {
        auto& open = open_[incident.id];
        store(open, std::move(incident));
        open.history_omitted = recorded.omitted;
        open.history.reserve(recorded.changes.size());
        for (const StatusChange& change : recorded.changes)
            open.history.push_back({change.time, departments_.intern(change.department),
                                    change.reported, change.status});
        index(open);
    }
    checkpoint.open.clear();
    for (auto& closed : checkpoint.closed)
        remember(departments_.intern(closed.source.department), closed.source.source_id,
                 closed.incident);
}

void CityState::snapshot(std::size_t chunk_size, const std::vector<FeedHealth>& feeds,
                         const std::function<void(const wire::SnapshotChunk&)>& on_chunk) const {
    const std::vector<const OpenIncident*> ordered = open_by_id();
    wire::SnapshotChunk chunk{last_seq_, false, {}, {}};
    std::size_t k = 0;
    do {
        const std::size_t end = std::min(ordered.size(), k + chunk_size);
        chunk.incidents.resize(end - k);
        for (std::size_t j = k; j < end; ++j)
            fill(chunk.incidents[j - k], *ordered[j]);
        k = end;
        chunk.last = k == ordered.size();
        if (chunk.last) chunk.feeds = feeds;
        on_chunk(chunk);
    } while (k < ordered.size());
}

}  // namespace citywall::ingest
