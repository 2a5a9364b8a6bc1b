// The day's KPIs as the wall can know them: received, dispatched, resolved, resolution rate
// and overdue, in total, per department and per district. Counted from what this viewer saw
// (the snapshot it joined with, then every update), so "today" starts at the later of local
// midnight and the moment it joined; docs/viewer.md says what a true day count needs. No GL,
// no ImGui (kpi_panel.cpp draws it).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "citywall/local_day.hpp"
#include "citywall/picture.hpp"

namespace citywall::viewer {

struct DayCounts {
    std::size_t received = 0;    // received since the day began
    std::size_t dispatched = 0;  // of those: seen dispatched, en route, on scene or resolved
    std::size_t resolved = 0;    // of those: seen resolved or closed (cancelled is not)
    std::size_t overdue = 0;     // open now and past `due` (whenever received)
    double resolution_rate() const {
        return received == 0 ? 0.0 : static_cast<double>(resolved) / static_cast<double>(received);
    }
};

class DayStats {
  public:
    // One incident as it arrived (a snapshot's, or an update's, terminal ones included).
    void observe(const Incident& incident);
    void observe(std::uint64_t id, std::string_view department, const AreaRef& district,
                 TimeMs received, IncidentStatus status);
    // Every incident of a picture a snapshot just replaced.
    void observe_all(const CityPicture& picture);
    // Recounts for the day containing `now` (local time), at most once a second unless
    // `force`, or when something was observed.
    void refresh(const CityPicture& picture, TimeMs now, bool force = false);

    const DayCounts& total() const { return total_; }
    const std::map<std::string, DayCounts>& by_department() const { return by_department_; }
    // Keyed by district code; district_name() gives the name.
    const std::map<std::string, DayCounts>& by_district() const { return by_district_; }
    const std::string& district_name(const std::string& code) const;
    TimeMs day_start() const { return day_start_; }
    // Stream time of the first picture this viewer saw (0 = none yet): counts start there,
    // unless ingest sends the day's counts.
    TimeMs joined() const { return joined_; }
    // The counts are ingest's, for the whole day (not only what this wall saw).
    bool from_ingest() const { return from_ingest_; }
    // The league table (docs/dispatch.md): the day's case steps per department and per street,
    // as ingest counts them; empty until ingest sends any. Ranked: best on-time resolution
    // first, then on-time signing, then satisfaction, then fewest returns.
    const std::vector<wire::DayCount>& league_departments() const { return league_departments_; }
    const std::vector<wire::DayCount>& league_streets() const { return league_streets_; }

  private:
    struct Seen {
        std::string department;
        std::string district;
        TimeMs received = 0;
        bool dispatched = false;
        bool resolved = false;
    };
    std::unordered_map<std::uint64_t, Seen> seen_;
    std::map<std::string, std::string> district_names_;
    bool dirty_ = true;
    bool from_ingest_ = false;
    TimeMs joined_ = 0;
    TimeMs day_start_ = 0;
    TimeMs counted_at_ = -1;
    std::chrono::steady_clock::time_point counted_wall_{};
    DayCounts total_;
    std::map<std::string, DayCounts> by_department_, by_district_;
    std::vector<wire::DayCount> league_departments_, league_streets_;
};

// The league's order (league_departments()); rows with no case step last.
void rank_league(std::vector<wire::DayCount>& rows);

using citywall::local_day_start;

}  // namespace citywall::viewer
