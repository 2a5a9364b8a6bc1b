#include "escalation.hpp"

#include <algorithm>

namespace citywall::ingest {

namespace {

// Entries left behind by incidents that closed or changed are dropped when they reach the top;
// past this many per open incident (and a floor) the heap is built again from the state, so
// incidents that close long before their deadline cannot grow it without bound.
constexpr std::size_t kEntriesPerIncident = 2;
constexpr std::size_t kEntriesFloor = 4096;

// std::push_heap keeps the greatest on top: "greater" is the later step, so the earliest is.
struct Later {
    template <class Entry>
    bool operator()(const Entry& a, const Entry& b) const {
        return a.at > b.at;
    }
};

}  // namespace

std::optional<TimeMs> next_escalation(const IncidentView& incident, TimeMs every_ms) {
    if (incident.due == 0 || incident.federated || incident.escalation >= kEscalationLevels)
        return std::nullopt;
    return incident.due + TimeMs{incident.escalation} * every_ms;
}

void EscalationSchedule::push(Entry entry) {
    heap_.push_back(entry);
    std::push_heap(heap_.begin(), heap_.end(), Later{});
}

void EscalationSchedule::pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
}

void EscalationSchedule::changed(const CityState& state, const IncidentChange& change) {
    const auto incident = state.open_incident(change.id());
    if (!incident) return;  // closed: its entry is dropped when it comes to the top
    const auto next = next_escalation(*incident, every_ms_);
    const auto before = change.before ? next_escalation(*change.before, every_ms_) : std::nullopt;
    if (!next || next == before) return;
    if (heap_.size() >= kEntriesPerIncident * state.open_count() + kEntriesFloor)
        return rebuild(state);
    push({*next, incident->id});
}

void EscalationSchedule::retry(const CityState& state, std::uint64_t id) {
    const auto incident = state.open_incident(id);
    if (!incident) return;
    if (const auto next = next_escalation(*incident, every_ms_)) push({*next, id});
}

void EscalationSchedule::rebuild(const CityState& state) {
    heap_.clear();
    state.for_each_open([&](const IncidentView& incident) {
        if (auto next = next_escalation(incident, every_ms_)) heap_.push_back({*next, incident.id});
    });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
}

std::optional<std::uint64_t> EscalationSchedule::take_due(const CityState& state, TimeMs now) {
    while (!heap_.empty() && heap_.front().at <= now) {
        const Entry entry = heap_.front();
        pop();
        // Closed since, or its deadline or level changed: the entry is stale, and the incident
        // (if it still has a next step) has an entry of its own with the right time.
        const auto incident = state.open_incident(entry.id);
        if (incident && next_escalation(*incident, every_ms_) == entry.at) return entry.id;
    }
    return std::nullopt;
}

std::optional<TimeMs> EscalationSchedule::next_at() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.front().at;
}

}  // namespace citywall::ingest
