#include "incident_queue.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "palette.hpp"

namespace citywall::viewer {

bool is_overdue(const IncidentView& incident, TimeMs now) {
    return incident.due > 0 && incident.due < now && incident.open();
}

namespace {

// Near its deadline: the last fifth of its time, and at least the last five minutes, but never
// more than the last half (a deadline of minutes would otherwise be near from the start).
TimeMs near_deadline_from(const IncidentView& incident) {
    constexpr TimeMs kNearAtLeast = 5 * 60'000;
    const TimeMs span = std::max<TimeMs>(0, incident.due - incident.received);
    return incident.due - std::min(std::max(kNearAtLeast, span / 5), span / 2);
}

}  // namespace

CaseBand case_band(const IncidentView& incident, TimeMs now) {
    if (is_overdue(incident, now)) return CaseBand::overdue;
    if (incident.due > 0 && now >= near_deadline_from(incident)) return CaseBand::near_deadline;
    switch (incident.stage) {
        case CaseStage::received:
            return CaseBand::fresh;
        case CaseStage::assigned:
        case CaseStage::returning:
            return CaseBand::assigned;
        default:
            return CaseBand::in_progress;
    }
}

std::optional<TimeMs> next_band_change(const IncidentView& incident, TimeMs now) {
    if (incident.due <= 0 || !incident.open()) return std::nullopt;
    if (now < near_deadline_from(incident)) return near_deadline_from(incident);
    if (now <= incident.due) return incident.due + 1;  // overdue once past it
    return std::nullopt;
}

void CaseBandSchedule::schedule(const IncidentView& incident, TimeMs now) {
    const auto next = next_band_change(incident, now);
    if (!next) {
        due_.erase(incident.id);
        return;
    }
    auto [it, added] = due_.try_emplace(incident.id, *next);
    if (!added && it->second == *next) return;
    it->second = *next;
    changes_.emplace(*next, incident.id);
}

void CaseBandSchedule::clear() {
    changes_.clear();
    due_.clear();
}

std::vector<std::uint64_t> CaseBandSchedule::take_due(TimeMs now) {
    std::vector<std::uint64_t> out;
    while (!changes_.empty() && changes_.begin()->first <= now) {
        const auto [when, id] = *changes_.begin();
        changes_.erase(changes_.begin());
        auto it = due_.find(id);
        if (it == due_.end() || it->second != when) continue;  // rescheduled or forgotten
        due_.erase(it);
        out.push_back(id);
    }
    // Stale entries of forgotten ids are dropped as they come up; none outlives its time.
    return out;
}

std::array<float, 4> case_band_color(CaseBand band) {
    switch (band) {
        case CaseBand::fresh:
            return {0.0f, 0.0f, 0.0f, 0.0f};
        case CaseBand::assigned:
            return {0.55f, 0.75f, 1.0f, 1.0f};
        case CaseBand::in_progress:
            return {0.45f, 0.85f, 0.5f, 1.0f};
        case CaseBand::near_deadline:
            return {1.0f, 0.78f, 0.25f, 1.0f};
        case CaseBand::overdue:
            return {1.0f, 0.36f, 0.32f, 1.0f};
    }
    return {0.0f, 0.0f, 0.0f, 0.0f};
}

std::optional<double> parse_age(std::string_view text) {
    if (text == "any" || text == "0") return 0.0;
    double scale = 1;
    if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
        scale = text.back() == 'h' ? 3600 : text.back() == 'm' ? 60 : 1;
        text.remove_suffix(1);
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value * scale;
}

std::optional<QueueSort> parse_queue_sort(std::string_view text) {
    if (text == "severity") return QueueSort::severity;
    if (text == "age") return QueueSort::age;
    if (text == "department") return QueueSort::department;
    return std::nullopt;
}

void IncidentQueue::refresh(const CityPicture& picture, TimeMs now, bool force) {
    const auto wall = std::chrono::steady_clock::now();
    const bool filter_changed = !built_once_ || !(filter_ == built_filter_);
    // Ages move with the clock: an "older than" filter and the overdue marks need a rebuild
    // now and then even without a delta.
    const bool clock_moved = now - built_now_ > 15000 || now < built_now_;
    if (!force && !filter_changed && !dirty_ && !clock_moved) return;
    if (!force && !filter_changed && wall - built_at_ < std::chrono::milliseconds(500)) return;
    rebuild(picture, now);
    built_at_ = wall;
}

void IncidentQueue::rebuild(const CityPicture& picture, TimeMs now) {
    dirty_ = false;
    built_once_ = true;
    built_filter_ = filter_;
    built_now_ = now;
    rows_.clear();
    open_total_ = overdue_total_ = 0;
    std::set<std::string, std::less<>> departments;
    std::set<std::pair<std::string, std::string>> districts;  // code, name
    const QueueFilter& f = filter_;
    const TimeMs older_ms = static_cast<TimeMs>(f.older_than_s * 1000);
    std::vector<Sorting> sorting;  // not kept: at a million open it is 40 MB
    for (const auto& [id, incident] : picture.incidents()) {
        if (!incident.open()) continue;
        ++open_total_;
        const bool overdue = is_overdue(incident, now);
        overdue_total_ += overdue;
        const std::string_view department = incident.department();
        if (departments.find(department) == departments.end()) departments.emplace(department);
        // Its outermost area: the city's first level (a district) wherever that holds it.
        const AreaRef* district = incident.areas.empty() ? nullptr : &incident.areas.front();
        if (district) districts.emplace(district->code, district->name);
        if (!f.department.empty() && department != f.department) continue;
        if (!f.family.empty() && category_family(incident.category) != f.family) continue;
        if (f.severity != 0 && static_cast<int>(incident.severity) != f.severity) continue;
        if (f.status >= 0 && static_cast<int>(incident.status) != f.status) continue;
        if (!f.district.empty() && (!district || district->code != f.district)) continue;
        if (older_ms > 0 && now - incident.received <= older_ms) continue;
        sorting.push_back(
            {{id, overdue}, incident.received, incident.department(), incident.severity});
    }
    // Overdue first, then the chosen key; ties by id, so the order never flickers. The rows
    // keep ids, which stay valid when an incident closes.
    std::sort(sorting.begin(), sorting.end(), [&](const Sorting& x, const Sorting& y) {
        if (x.row.overdue != y.row.overdue) return x.row.overdue;
        switch (f.sort) {
            case QueueSort::severity:
                if (x.severity != y.severity) return x.severity < y.severity;
                if (x.received != y.received) return x.received < y.received;
                break;
            case QueueSort::age:
                if (x.received != y.received) return x.received < y.received;
                break;
            case QueueSort::department:
                if (x.department != y.department) return x.department < y.department;
                if (x.severity != y.severity) return x.severity < y.severity;
                break;
        }
        return x.row.id < y.row.id;
    });
    rows_.reserve(sorting.size());
    for (const Sorting& s : sorting)
        rows_.push_back(s.row);
    departments_.assign(departments.begin(), departments.end());
    districts_.clear();
    for (const auto& [code, name] : districts)
        districts_.push_back({{}, code, name});
}

}  // namespace citywall::viewer
