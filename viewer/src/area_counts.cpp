#include "area_counts.hpp"

#include <algorithm>
#include <utility>

#include "palette.hpp"

namespace citywall::viewer {

namespace {

constexpr std::uint32_t kUnknown = 0xfffffffeu;  // not yet looked up; kNone is 0xffffffff

}  // namespace

AreaCounts::AreaCounts(const std::vector<std::vector<AreaRef>>& areas,
                       std::vector<std::string> keys)
    : levels_(std::min(areas.size(), kMaxAreaLevels)), keys_(std::move(keys)) {
    keys_.resize(levels_.size());
    for (std::size_t i = 0; i < levels_.size(); ++i) {
        Level& level = levels_[i];
        for (std::uint32_t a = 0; a < areas[i].size(); ++a) {
            level.by_code.emplace(areas[i][a].code, a);
        }
        level.counts.assign(areas[i].size(), 0);
        level.dirty.assign(areas[i].size(), 0);
    }
}

std::uint16_t AreaCounts::index_of(std::vector<std::string>& names,
                                   std::vector<std::size_t>& counts, std::string_view name) {
    // Families and departments are a handful: a scan beats a hash of a string here.
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<std::uint16_t>(i);
    if (names.size() == 0xffff) return 0xffff - 1;  // more than the panel can list: lumped
    names.emplace_back(name);
    counts.push_back(0);
    return static_cast<std::uint16_t>(names.size() - 1);
}

const std::uint32_t* AreaCounts::areas_of(const IncidentView& incident) {
    const std::size_t n = levels_.size();
    const std::size_t at = static_cast<std::size_t>(incident.areas_key) * n;
    if (at + n > area_by_key_.size()) area_by_key_.resize(at + n, kUnknown);
    std::uint32_t* areas = area_by_key_.data() + at;
    if (n > 0 && areas[0] == kUnknown) {
        std::fill(areas, areas + n, kNone);
        for (const AreaRef& area : incident.areas) {
            for (std::size_t level = 0; level < n; ++level) {
                if (keys_[level] != area.level) continue;
                const auto it = levels_[level].by_code.find(area.code);
                if (it != levels_[level].by_code.end()) areas[level] = it->second;
            }
        }
    }
    return areas;
}

AreaCounts::Placement AreaCounts::place(const IncidentView& incident) {
    Placement placement;
    const std::uint32_t* areas = areas_of(incident);
    std::copy(areas, areas + levels_.size(), placement.areas.begin());
    placement.family =
        index_of(totals_.families, totals_.by_family, category_family(incident.category));
    placement.department =
        index_of(totals_.departments, totals_.by_department, incident.department());
    placement.severity =
        static_cast<std::uint8_t>(std::clamp(static_cast<int>(incident.severity), 1, 4) - 1);
    placement.outside = incident.outside;
    return placement;
}

void AreaCounts::touch(Level& level, std::uint32_t area) {
    level.max_stale = true;
    if (!level.dirty[area]) {
        level.dirty[area] = 1;
        level.changed.push_back(area);
    }
}

void AreaCounts::add(const Placement& placement, int delta) {
    for (std::size_t i = 0; i < levels_.size(); ++i) {
        Level& level = levels_[i];
        if (placement.areas[i] == kNone) {
            level.unplaced += static_cast<std::size_t>(delta);  // wraps back on -1 as intended
            continue;
        }
        level.counts[placement.areas[i]] += static_cast<std::uint32_t>(delta);
        touch(level, placement.areas[i]);
    }
    // Unsigned sums that wrap back on -1, as above.
    const auto d = static_cast<std::size_t>(delta);
    totals_.open += d;
    totals_.by_severity[placement.severity] += d;
    totals_.by_family[placement.family] += d;
    totals_.by_department[placement.department] += d;
    if (placement.outside) totals_.outside += d;
}

void AreaCounts::rebuild(const CityPicture& picture) {
    for (Level& level : levels_) {
        for (std::uint32_t a = 0; a < level.counts.size(); ++a) {
            if (level.counts[a] != 0) touch(level, a);
        }
        std::fill(level.counts.begin(), level.counts.end(), 0);
        level.unplaced = 0;
        level.max_stale = true;
    }
    area_by_key_.clear();
    totals_.open = 0;
    totals_.by_severity.fill(0);
    totals_.outside = 0;
    std::fill(totals_.by_family.begin(), totals_.by_family.end(), 0);
    std::fill(totals_.by_department.begin(), totals_.by_department.end(), 0);
    for (const auto& [id, incident] : picture.incidents())
        add(place(incident), +1);
}

void AreaCounts::update(const CityPicture& picture,
                        const std::vector<OpenIncidents::Change>& changes) {
    for (const auto& change : changes) {
        const auto now = picture.incidents().find(change.id);
        if (change.before && now) {
            const Placement was = place(*change.before);
            const Placement placement = place(*now);
            if (placement == was) continue;  // a status change in the same grid
            add(was, -1);
            add(placement, +1);
        } else if (change.before) {
            add(place(*change.before), -1);
        } else if (now) {
            add(place(*now), +1);
        }
    }
}

std::uint32_t AreaCounts::max_count(AreaLevel which) const {
    const Level& level = levels_[which];
    if (level.max_stale) {  // once per change of counts, over areas (not incidents)
        level.max =
            level.counts.empty() ? 0 : *std::max_element(level.counts.begin(), level.counts.end());
        level.max_stale = false;
    }
    return level.max;
}

std::vector<std::uint32_t> AreaCounts::take_changed(AreaLevel which) {
    Level& level = levels_[which];
    for (const std::uint32_t area : level.changed)
        level.dirty[area] = 0;
    return std::exchange(level.changed, {});
}

std::vector<std::uint64_t> AreaCounts::incidents_in(const CityPicture& picture, AreaLevel level,
                                                    std::uint32_t area) {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, incident] : picture.incidents()) {
        if (place(incident).areas[level] == area) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

ClassBreaks class_breaks(std::uint32_t max_count) {
    ClassBreaks breaks;
    // The largest count lands in class 5 (the top) when max >= 32 * scale / 2.
    std::uint32_t scale = 1;
    while (scale * 32 <= max_count / 2 + 1 && scale < (1u << 26))
        scale *= 2;
    breaks.lower[0] = 1;
    for (int i = 1; i < ClassBreaks::kClasses; ++i)
        breaks.lower[i] = scale << i;
    return breaks;
}

}  // namespace citywall::viewer
