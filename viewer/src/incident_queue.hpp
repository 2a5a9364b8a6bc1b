// The incident queue: the open incidents an operator works through, filtered and sorted, with
// overdue ones (past their `due`) first. The model has no GL and no ImGui; the panel
// (queue_panel.cpp) shows its rows through ImGuiListClipper, so 100k rows cost a screenful.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "citywall/picture.hpp"

namespace citywall::viewer {

enum class QueueSort { severity, age, department };

struct QueueFilter {
    std::string department;   // Incident::department(); "" = any
    std::string family;       // category family ("police"); "" = any
    int severity = 0;         // 1 critical … 4 low; 0 = any
    int status = -1;          // IncidentStatus; -1 = any
    std::string district;     // its outermost area's code (a district); "" = any
    double older_than_s = 0;  // open longer than this; 0 = any
    QueueSort sort = QueueSort::severity;
    friend bool operator==(const QueueFilter&, const QueueFilter&) = default;
};

struct QueueRow {
    std::uint64_t id = 0;
    bool overdue = false;
};

class IncidentQueue {
  public:
    // Marks the rows out of date (the picture changed); the next refresh rebuilds them.
    void invalidate() { dirty_ = true; }
    // Rebuilds when out of date (or the filter changed), at most twice a second unless
    // `force`: a burst of deltas costs one rebuild, not one per message. `now` is the
    // animation clock (stream time): ages and overdue are measured on it.
    void refresh(const CityPicture& picture, TimeMs now, bool force = false);

    QueueFilter& filter() { return filter_; }
    const QueueFilter& filter() const { return filter_; }
    const std::vector<QueueRow>& rows() const { return rows_; }
    std::size_t open_total() const { return open_total_; }
    std::size_t overdue_total() const { return overdue_total_; }
    // What the filter boxes offer: departments and districts among the open incidents.
    const std::vector<std::string>& departments() const { return departments_; }
    const std::vector<AreaRef>& districts() const { return districts_; }

  private:
    void rebuild(const CityPicture& picture, TimeMs now);

    QueueFilter filter_, built_filter_;
    bool dirty_ = true;
    bool built_once_ = false;
    TimeMs built_now_ = 0;
    std::chrono::steady_clock::time_point built_at_{};
    std::vector<QueueRow> rows_;
    // What the sort compares, copied out of the store (an IncidentView cannot be reordered).
    struct Sorting {
        QueueRow row;
        TimeMs received;
        std::string_view department;  // the store's shared string
        Severity severity;
    };
    std::size_t open_total_ = 0, overdue_total_ = 0;
    std::vector<std::string> departments_;
    std::vector<AreaRef> districts_;
};

bool is_overdue(const IncidentView& incident, TimeMs now);

// The five colours of a case on every wall and in the queue (the Hangzhou practice;
// docs/viewer.md, "Cases"): new (not ordered), assigned (ordered, not signed for), in progress
// (signed for, on scene, resolved, reviewed), near its deadline (the last fifth of its time, and
// at least the last five minutes, never more than the last half), overdue.
enum class CaseBand : std::uint8_t { fresh, assigned, in_progress, near_deadline, overdue };
inline constexpr int kCaseBandCount = 5;
CaseBand case_band(const IncidentView& incident, TimeMs now);
// When case_band() next changes with time alone (near its deadline, then overdue); nothing when
// it never does.
std::optional<TimeMs> next_band_change(const IncidentView& incident, TimeMs now);
// The band's colour in the queue and on the markers' rims, red, green, blue and alpha; fresh
// has none (alpha 0: the text's colour, the marker's own dark rim).
std::array<float, 4> case_band_color(CaseBand band);

// When each incident's band changes with time alone, so that a wall recolours only those then
// (the markers' rims), not every incident every frame.
class CaseBandSchedule {
  public:
    // Keeps `incident`'s next change (none: forgets it); the latest call for an id counts.
    void schedule(const IncidentView& incident, TimeMs now);
    void forget(std::uint64_t id) { due_.erase(id); }
    void clear();
    // The incidents whose band has changed by `now`, each once; schedule() them again.
    std::vector<std::uint64_t> take_due(TimeMs now);
    std::size_t size() const { return due_.size(); }

  private:
    std::multimap<TimeMs, std::uint64_t> changes_;   // soonest first; some stale
    std::unordered_map<std::uint64_t, TimeMs> due_;  // the one that counts, by id
};
// "30m", "2h", "90s", "1800" (seconds), "any" → seconds (0 = any); nullopt if malformed.
std::optional<double> parse_age(std::string_view text);
std::optional<QueueSort> parse_queue_sort(std::string_view text);

}  // namespace citywall::viewer
