#include "day_stats.hpp"

#include <algorithm>
#include <ctime>
#include <tuple>

#include "citywall/case_league.hpp"
#include "incident_queue.hpp"

namespace citywall::viewer {

namespace {

// The day is counted by the city's first level (its districts): an incident's outermost area.
const AreaRef& outermost(const AreaPath& path) {
    static const AreaRef kNone;
    return path.empty() ? kNone : path.front();
}

}  // namespace

void DayStats::observe(const Incident& incident) {
    observe(incident.id, incident.department(), outermost(incident.areas), incident.received,
            incident.status);
}

void DayStats::observe(std::uint64_t id, std::string_view department, const AreaRef& district,
                       TimeMs received, IncidentStatus status) {
    Seen& seen = seen_[id];
    // Usually unchanged since the last update: compare rather than build strings.
    if (seen.department != department) seen.department.assign(department);
    if (seen.district != district.code) seen.district = district.code;
    if (!district.empty()) district_names_.try_emplace(district.code, district.name);
    seen.received = received;
    switch (status) {
        case IncidentStatus::resolved:
        case IncidentStatus::closed:
            seen.resolved = true;
            seen.dispatched = true;  // handled
            break;
        case IncidentStatus::dispatched:
        case IncidentStatus::en_route:
        case IncidentStatus::on_scene:
            seen.dispatched = true;
            break;
        default:
            break;
    }
    dirty_ = true;
}

void DayStats::observe_all(const CityPicture& picture) {
    // The snapshot's time is its newest heartbeat: counts start there.
    if (joined_ == 0) joined_ = picture.last_heard();
    for (const auto& [id, incident] : picture.incidents()) {
        observe(id, incident.department(), outermost(incident.areas), incident.received,
                incident.status);
    }
}

const std::string& DayStats::district_name(const std::string& code) const {
    const auto it = district_names_.find(code);
    return it == district_names_.end() ? code : it->second;
}

void DayStats::refresh(const CityPicture& picture, TimeMs now, bool force) {
    const auto wall = std::chrono::steady_clock::now();
    const bool second_passed = wall - counted_wall_ >= std::chrono::seconds(1);
    if (!force && !(second_passed && (dirty_ || now / 1000 != counted_at_ / 1000))) return;
    dirty_ = false;
    if (joined_ == 0 && !seen_.empty()) joined_ = now;  // no heartbeat came with the snapshot
    counted_at_ = now;
    counted_wall_ = wall;
    const TimeMs day = local_day_start(now);
    if (day != day_start_) {
        // A new day: yesterday's incidents no longer count; forget the closed ones.
        std::erase_if(seen_, [&](const auto& entry) {
            return entry.second.received < day && !picture.incidents().contains(entry.first);
        });
        day_start_ = day;
    }
    total_ = {};
    by_department_.clear();
    by_district_.clear();
    // Ingest keeps the day's counts across its restarts and whenever this wall joined: use
    // them when it sends them for this day; otherwise count what this wall saw.
    const auto& ingest_day = picture.day_counts();
    from_ingest_ = ingest_day && ingest_day->day_start == day_start_;
    // What this wall counted itself is not needed once ingest counts: let it go.
    if (ingest_day && !seen_.empty()) std::unordered_map<std::uint64_t, Seen>().swap(seen_);
    league_departments_.clear();
    league_streets_.clear();
    if (from_ingest_) {
        for (const wire::DayCount& c : ingest_day->counts) {
            const bool stepped = c.cases != CaseCounts{};
            if (stepped && c.scope == wire::DayCount::Scope::department)
                league_departments_.push_back(c);
            if (stepped && c.scope == wire::DayCount::Scope::street) league_streets_.push_back(c);
            if (c.scope == wire::DayCount::Scope::street) continue;
            DayCounts* to = &total_;
            if (c.scope == wire::DayCount::Scope::department) to = &by_department_[c.code];
            if (c.scope == wire::DayCount::Scope::district) {
                to = &by_district_[c.code];
                if (!c.name.empty()) district_names_.try_emplace(c.code, c.name);
            }
            to->received = c.received;
            to->dispatched = c.dispatched;
            to->resolved = c.resolved;
        }
    }
    rank_league(league_departments_);
    rank_league(league_streets_);
    for (const auto& [id, seen] : seen_) {
        if (from_ingest_) break;
        if (seen.received < day_start_) continue;
        for (DayCounts* c : {&total_, &by_department_[seen.department],
                             &by_district_[seen.district.empty() ? "—" : seen.district]}) {
            ++c->received;
            c->dispatched += seen.dispatched;
            c->resolved += seen.resolved;
        }
    }
    for (const auto& [id, incident] : picture.incidents()) {
        if (!is_overdue(incident, now)) continue;
        const std::string& district = outermost(incident.areas).code;
        for (DayCounts* c : {&total_, &by_department_[std::string(incident.department())],
                             &by_district_[district.empty() ? "—" : district]}) {
            ++c->overdue;
        }
    }
}

void rank_league(std::vector<wire::DayCount>& rows) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const wire::DayCount& a, const wire::DayCount& b) {
                         return ranks_above(a.cases, b.cases);
                     });
}

}  // namespace citywall::viewer
