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

CityState::CityState() {
    // Ingest keeps what a wall leaves to case requests: it answers them.
    incidents_.keep_case_details(true);
    incidents_.track_changes(false);
}

CaseHistory CityState::history(std::uint64_t id) const {
    CaseHistory out;
    fill(out, id);
    return out;
}

namespace {

// A kept history as a wall reads it, with the department codes spelled out.
template <typename Codes, typename History>
void fill_history(CaseHistory& out, const History& history, const Codes& departments) {
    out.omitted = history.omitted;
    out.steps = history.case_steps;
    out.steps_omitted = history.case_omitted;
    out.changes.resize(history.steps.size());
    for (std::size_t k = 0; k < history.steps.size(); ++k) {
        const HistoryStep& from = history.steps[k];
        StatusChange& to = out.changes[k];
        to.time = from.time;
        to.department = departments[from.department];
        to.reported = from.reported;
        to.status = from.status;
    }
}

}  // namespace

void CityState::fill(CaseHistory& out, std::uint64_t id) const {
    auto it = histories_.find(id);
    if (it == histories_.end()) {
        out = {};
        return;
    }
    fill_history(out, it->second, departments_);
}

wire::IncidentCase CityState::incident_case(std::uint64_t id) const {
    using Found = wire::IncidentCase::Found;
    wire::IncidentCase out{last_seq_, id, false, {}, {}};
    if (incidents_.fill(out.incident, id)) {
        out.open = true;
        out.found = Found::open;
        fill(out.history, id);
    } else if (auto kept = closed_.find(id); kept != closed_.end()) {
        out.found = Found::kept;
        out.incident = kept->second.incident;
        fill_history(out.history, kept->second.history, departments_);
    }
    return out;
}

std::optional<Incident> CityState::closed_incident(std::uint64_t id) const {
    auto it = closed_.find(id);
    if (it == closed_.end()) return std::nullopt;
    return it->second.incident;
}

void CityState::keep_closed(const Incident& incident, History history) {
    auto [it, added] =
        closed_.insert_or_assign(incident.id, ClosedCase{incident, std::move(history)});
    if (!added) return;
    closed_order_.push_back(incident.id);
    while (closed_order_.size() > kClosedCasesKept) {
        const std::uint64_t oldest = closed_order_.front();
        closed_order_.pop_front();
        closed_.erase(oldest);
    }
}

// A step for each department whose word on the incident is new (its first report, or a status
// other than the one it last gave). Each step carries the incident's status after the report,
// so a change of that status with no new word (a merge, a county centre's decision) gets a step
// of its own, in the name of the department that spoke last.
void CityState::record_steps(History& history, const IncidentChange& change) {
    const Incident& in = change.after;
    auto add = [&](HistoryStep step) {
        if (history.steps.size() == CaseHistory::kMaxCaseChanges) {
            // The first report stays: where the case began matters as much as where it is.
            history.steps.erase(history.steps.begin() + 1);
            ++history.omitted;
        }
        history.steps.push_back(step);
    };
    bool added = false;
    const SourceRef* latest = nullptr;
    for (std::size_t k = 0; k < in.sources.size(); ++k) {
        const SourceRef& source = in.sources[k];
        if (!latest || source.reported >= latest->reported) latest = &source;
        if (!change.said_something(k)) continue;
        add({source.reported > 0 ? source.reported : in.updated,
             departments_.intern(source.department), source.status, in.status});
        added = true;
    }
    if (!added && change.moved.has(IncidentField::status) && latest)
        add({in.updated, departments_.intern(latest->department), latest->status, in.status});
    // A case step is new when its number is past the last one kept.
    const CaseStep& step = in.case_state.last;
    if (step.number != 0 &&
        (history.case_steps.empty() || step.number > history.case_steps.back().number)) {
        if (history.case_steps.size() == CaseHistory::kMaxCaseSteps) {
            history.case_steps.erase(history.case_steps.begin() + 1);
            ++history.case_omitted;
        }
        history.case_steps.push_back(step);
    }
}

std::optional<std::uint64_t> CityState::order(std::string_view order_id) const {
    auto it = orders_.find(order_id);
    if (it == orders_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::uint64_t> CityState::awaiting_sign(std::string_view department) const {
    std::vector<std::pair<TimeMs, std::uint64_t>> found;
    for (const auto& [id, code] : awaiting_sign_)
        if (code == department) found.push_back({incidents_.find(id)->received, id});
    std::sort(found.begin(), found.end());
    std::vector<std::uint64_t> ids;
    for (const auto& [when, id] : found)
        ids.push_back(id);
    return ids;
}

void CityState::index_case(const Incident& incident) {
    const CaseState& c = incident.case_state;
    if (!c.order.empty()) orders_.try_emplace(c.order, incident.id);
    if (incident.open() && c.stage == CaseStage::assigned && c.signed_at == 0)
        awaiting_sign_[incident.id] = c.department;
    else
        awaiting_sign_.erase(incident.id);
}

void CityState::remember(std::uint32_t department, const std::string& source_id, std::uint64_t id) {
    if (by_source_.size() <= department) by_source_.resize(department + 1);
    auto [it, fresh] = by_source_[department].try_emplace(source_id, id);
    if (!fresh) it->second = id;
}

void CityState::set_neighbour_radius(double metres) {
    cell_degrees_ = 2 * std::max(metres, kMinCellMetres) / kMetresPerDegree;
    cells_.clear();
    Incident scratch;
    for (const auto& [id, incident] : incidents_) {
        incidents_.fill(scratch, id);
        index(scratch);
    }
}

CityState::Cell CityState::cell_of(LonLat p) const {
    return {static_cast<std::int64_t>(std::floor(p.lon / cell_degrees_)),
            static_cast<std::int64_t>(std::floor(p.lat / cell_degrees_))};
}

void CityState::index(const Incident& incident) {
    cells_[cell_of(incident.location)].push_back({incident.id, incident.location, incident.occurred,
                                                  categories_.intern(incident.category),
                                                  incident.drill});
}

void CityState::unindex(std::uint64_t id, LonLat location) {
    auto it = cells_.find(cell_of(location));
    if (it == cells_.end()) return;
    auto& entries = it->second;
    entries.erase(
        std::remove_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == id; }),
        entries.end());
    if (entries.empty()) cells_.erase(it);
}

std::vector<CityState::Neighbour> CityState::open_near(
    LonLat p, double metres, std::optional<std::pair<TimeMs, TimeMs>> when) const {
    std::vector<Neighbour> out;
    // Equirectangular distance with one cosine per search: within a city, far below a metre
    // off at merge distances.
    const double cos_lat = std::max(0.05, std::cos(p.lat * std::numbers::pi / 180));
    const double limit = metres * metres;
    auto visit = [&](const std::vector<Entry>& entries) {
        for (const Entry& e : entries) {
            if (when && std::llabs(e.occurred - when->first) > when->second) continue;
            double east = (e.location.lon - p.lon) * cos_lat * kMetresPerDegree;
            double north = (e.location.lat - p.lat) * kMetresPerDegree;
            if (east * east + north * north <= limit) out.push_back(e);
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

void CityState::commit(std::uint64_t seq, const IncidentChange& change) {
    const Incident& incident = change.after;
    last_seq_ = seq;
    last_id_ = std::max(last_id_, incident.id);
    for (const auto& source : incident.sources)
        remember(departments_.intern(source.department), source.source_id, incident.id);
    index_case(incident);
    if (!incident.open()) {
        if (change.before) {
            unindex(incident.id, change.before->location);
            // Kept whole with the step that closed it, for a wall that opens it by id.
            auto open = histories_.extract(incident.id);
            History history = open ? std::move(open.mapped()) : History{};
            record_steps(history, change);
            keep_closed(incident, std::move(history));
        }
        incidents_.put(incident);  // it leaves the store
        return;
    }
    History& history = histories_[incident.id];
    if (auto reopened = closed_.extract(incident.id)) {
        std::erase(closed_order_, incident.id);
        if (history.steps.empty()) history = std::move(reopened.mapped().history);  // goes on
    }
    record_steps(history, change);
    // The neighbour index changes only when what it holds did.
    const auto indexed_as_before = [&] {
        for (IncidentField held : {IncidentField::place, IncidentField::occurred,
                                   IncidentField::category, IncidentField::drill})
            if (change.moved.has(held)) return false;
        return true;
    };
    if (!change.before) {
        index(incident);
    } else if (!indexed_as_before()) {
        unindex(incident.id, change.before->location);
        index(incident);
    }
    incidents_.put(incident);
}

std::uint32_t CityState::closed_source_count() const {
    std::uint32_t count = 0;
    for (const auto& ids : by_source_)
        for (const auto& [source_id, id] : ids)
            if (!incidents_.contains(id)) ++count;
    return count;
}

Checkpoint CityState::checkpoint() const {
    Checkpoint c;
    c.seq = last_seq_;
    c.last_id = last_id_;
    c.open.reserve(incidents_.size());
    for (const std::uint64_t id : open_by_id())
        c.open.push_back({*incident(id), history(id)});
    for (std::uint32_t d = 0; d < by_source_.size(); ++d)
        for (const auto& [source_id, id] : by_source_[d])
            if (!incidents_.contains(id)) c.closed.push_back({{departments_[d], source_id}, id});
    return c;
}

// Checkpoints and snapshots list incidents by id, so the same state gives the same bytes.
std::vector<std::uint64_t> CityState::open_by_id() const {
    std::vector<std::uint64_t> ordered;
    ordered.reserve(incidents_.size());
    for (const auto& [id, incident] : incidents_)
        ordered.push_back(id);
    std::sort(ordered.begin(), ordered.end());
    return ordered;
}

Result<void> CityState::write_checkpoint(const std::filesystem::path& directory) const {
    const std::vector<std::uint64_t> ordered = open_by_id();
    auto writer =
        CheckpointWriter::start(directory, last_seq_, last_id_,
                                static_cast<std::uint32_t>(ordered.size()), closed_source_count());
    if (!writer) return writer.error_value();
    Incident scratch;
    CaseHistory scratch_history;
    for (const std::uint64_t id : ordered) {
        incidents_.fill(scratch, id);
        fill(scratch_history, id);
        if (auto added = (*writer)->add_open(scratch, scratch_history); !added) return added;
    }
    for (std::uint32_t d = 0; d < by_source_.size(); ++d) {
        for (const auto& [source_id, id] : by_source_[d]) {
            if (incidents_.contains(id)) continue;
            if (auto added = (*writer)->add_closed(departments_[d], source_id, id); !added)
                return added;
        }
    }
    return (*writer)->finish();
}

void CityState::restore(Checkpoint checkpoint) {
    last_seq_ = checkpoint.seq;
    last_id_ = checkpoint.last_id;
    incidents_.clear();
    histories_.clear();
    closed_.clear();
    closed_order_.clear();
    by_source_.clear();
    orders_.clear();
    awaiting_sign_.clear();
    cells_.clear();
    for (auto& [incident, recorded] : checkpoint.open) {
        for (const auto& source : incident.sources)
            remember(departments_.intern(source.department), source.source_id, incident.id);
        History& history = histories_[incident.id];
        history.omitted = recorded.omitted;
        history.steps.reserve(recorded.changes.size());
        for (const StatusChange& change : recorded.changes)
            history.steps.push_back({change.time, departments_.intern(change.department),
                                     change.reported, change.status});
        history.case_steps = std::move(recorded.steps);
        history.case_omitted = recorded.steps_omitted;
        for (const CaseStep& step : history.case_steps)
            if (step.action == CaseAction::order || step.action == CaseAction::reopen)
                orders_.try_emplace(step.command, incident.id);
        index_case(incident);
        index(incident);
        incidents_.put(incident);
    }
    checkpoint.open.clear();
    for (auto& closed : checkpoint.closed)
        remember(departments_.intern(closed.source.department), closed.source.source_id,
                 closed.incident);
}

void CityState::snapshot(std::size_t chunk_size, const std::vector<FeedHealth>& feeds,
                         const std::function<void(const wire::SnapshotChunk&)>& on_chunk) const {
    const std::vector<std::uint64_t> ordered = open_by_id();
    wire::SnapshotChunk chunk{last_seq_, false, {}, {}};
    std::size_t k = 0;
    do {
        const std::size_t end = std::min(ordered.size(), k + chunk_size);
        chunk.incidents.resize(end - k);
        for (std::size_t j = k; j < end; ++j)
            incidents_.fill(chunk.incidents[j - k], ordered[j]);
        k = end;
        chunk.last = k == ordered.size();
        if (chunk.last) chunk.feeds = feeds;
        on_chunk(chunk);
    } while (k < ordered.size());
}

void CityState::start_over() {
    CityState fresh;
    fresh.cell_degrees_ = cell_degrees_;
    fresh.last_id_ = last_id_;
    fresh.own_ids_from_ = own_ids_from_;
    fresh.last_seq_ = last_seq_;
    *this = std::move(fresh);
}

}  // namespace citywall::ingest
