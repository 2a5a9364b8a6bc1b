// Overdue incidents go up the grid hierarchy: at its deadline an open incident leaves the grid
// for its community (escalation 1), and each escalate_every_minutes after that it goes one level
// further, to the street and then the district (docs/protocol.md, "Deadlines and escalation").
// Each step is an event ingest numbers, journals and publishes like a report; this file only
// says which incidents are due for their next step, without looking at the others.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "city_state.hpp"
#include "citywall/incident.hpp"

namespace citywall::ingest {

// Levels above the grid: community, street, district.
inline constexpr std::uint8_t kEscalationLevels = 3;

// When an open incident takes its next step up: its deadline, then one step every `every_ms`.
// Nothing when it has no deadline, is at the top already, or was fed by another centre (that
// centre keeps its deadline and escalates it; this one shows what it says).
std::optional<TimeMs> next_escalation(const IncidentView& incident, TimeMs every_ms);

// The open incidents with a deadline, ordered by their next step (a min-heap). An incident that
// changes is pushed again with its new time; the entry it had is dropped when it comes to the
// top and no longer matches the incident (lazy removal), so a step costs O(log n) and a pass
// with nothing due costs one look at the top, however many incidents are open.
class EscalationSchedule {
  public:
    explicit EscalationSchedule(TimeMs every_ms = 30 * 60'000) : every_ms_(every_ms) {}

    TimeMs every_ms() const { return every_ms_; }

    // After `change` was committed: schedules the incident's next step if it has one that it
    // did not have before.
    void changed(const CityState& state, const IncidentChange& change);
    // A step take_due() gave that could not be taken: scheduled again as it stands.
    void retry(const CityState& state, std::uint64_t id);
    // Every open incident of `state` afresh (after recovery): O(n) once.
    void rebuild(const CityState& state);

    // An open incident whose next step is due at `now` (the earliest first), taken off the
    // schedule; nothing when none is. Once the step is committed, changed() schedules the next.
    std::optional<std::uint64_t> take_due(const CityState& state, TimeMs now);
    // When the earliest entry is due (perhaps one no longer current): the loop wakes for it.
    std::optional<TimeMs> next_at() const;

    std::size_t entries() const { return heap_.size(); }

  private:
    struct Entry {
        TimeMs at = 0;
        std::uint64_t id = 0;
    };
    void push(Entry entry);
    void pop();

    TimeMs every_ms_;
    std::vector<Entry> heap_;  // std::push_heap order: the earliest on top
};

}  // namespace citywall::ingest
