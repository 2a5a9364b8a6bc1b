// Open incidents per area, at every level the wall knows, counted from the area path each
// incident already carries (ingest placed it; no geometry here). A delta changes only the counts of
// the areas its incidents left or entered, and the layer that colours areas uploads only those.
// Pure logic, no GL.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "citywall/area_levels.hpp"
#include "citywall/picture.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

// The side panel's totals of open incidents, kept as deltas arrive so that drawing the panel
// does not walk every open incident.
struct OpenTotals {
    std::size_t open = 0;
    std::array<std::size_t, 4> by_severity{};           // critical … low
    std::vector<std::string> families, departments;     // names by index
    std::vector<std::size_t> by_family, by_department;  // counts by the same index
    std::size_t outside = 0;  // of the open ones, those outside the city (Incident::far_m)
};

class AreaCounts {
  public:
    static constexpr std::uint32_t kNone = 0xffffffff;

    AreaCounts() = default;
    // The areas of each level, by index (CityAreas' order), and the levels' keys; at most
    // kMaxAreaLevels levels.
    AreaCounts(const std::vector<std::vector<AreaRef>>& areas, std::vector<std::string> keys);

    void rebuild(const CityPicture& picture);
    // Moves the changed incidents from where they were counted (their `before`) to where they
    // are now; keeps nothing of its own per incident.
    void update(const CityPicture& picture, const std::vector<OpenIncidents::Change>& changes);

    std::uint32_t count(AreaLevel level, std::uint32_t area) const {
        return levels_[level].counts[area];
    }
    std::uint32_t max_count(AreaLevel level) const;
    std::size_t area_count(AreaLevel level) const {
        return level < levels_.size() ? levels_[level].counts.size() : 0;
    }
    // Open incidents whose path has no area of this level that is one of the map's (outside
    // every area of it, or a map older than ingest's).
    std::size_t unplaced(AreaLevel level) const { return levels_[level].unplaced; }
    // Areas whose count changed since the last call, each once.
    std::vector<std::uint32_t> take_changed(AreaLevel level);
    // The incidents in one area, for a detail panel; walks every open incident.
    std::vector<std::uint64_t> incidents_in(const CityPicture& picture, AreaLevel level,
                                            std::uint32_t area);
    const OpenTotals& totals() const { return totals_; }

  private:
    // Where an open incident is counted: its area at each level, and its row in the totals.
    struct Placement {
        std::array<std::uint32_t, kMaxAreaLevels> areas{};
        std::uint16_t family = 0;
        std::uint16_t department = 0;
        std::uint8_t severity = 0;  // 0 critical … 3 low
        bool outside = false;       // outside the city
        friend bool operator==(const Placement&, const Placement&) = default;
    };
    struct Level {
        std::unordered_map<std::string, std::uint32_t> by_code;
        std::vector<std::uint32_t> counts;
        std::vector<std::uint8_t> dirty;
        std::vector<std::uint32_t> changed;
        std::size_t unplaced = 0;
        mutable std::uint32_t max = 0;
        mutable bool max_stale = true;
    };
    Placement place(const IncidentView& incident);
    // The areas of an area path at each level, by the store's key for it: looked up once per
    // key.
    const std::uint32_t* areas_of(const IncidentView& incident);
    static std::uint16_t index_of(std::vector<std::string>& names, std::vector<std::size_t>& counts,
                                  std::string_view name);
    void add(const Placement& placement, int delta);
    void touch(Level& level, std::uint32_t area);

    std::vector<Level> levels_;
    std::vector<std::string> keys_;  // by level
    OpenTotals totals_;
    // By the picture's area path key, one slot per level; kUnknown until looked up. Emptied
    // when a snapshot replaces the picture, whose keys then start again.
    std::vector<std::uint32_t> area_by_key_;
};

// The choropleth's classes: six, the first from 1, the others doubling from `scale`, where
// `scale` is a power of two chosen so the largest count falls in the top class or just below
// it. Breaks move only when the largest count crosses a power of two, so a colour keeps its
// meaning through the night.
struct ClassBreaks {
    static constexpr int kClasses = 6;
    std::array<std::uint32_t, kClasses> lower{};  // the least count in each class
};
ClassBreaks class_breaks(std::uint32_t max_count);

}  // namespace citywall::viewer
