#include "area_counts.hpp"

#include <algorithm>
#include <utility>

#include "palette.hpp"

namespace citywall::viewer {

namespace {

constexpr std::uint32_t kUnknown = 0xfffffffeu;  // not yet looked up; kNone is 0xffffffff

const std::string& code_at(const IncidentView& incident, int level) {
    switch (static_cast<AreaLevel>(level)) {
        case AreaLevel::grid:
            return incident.grid.grid.code;
        case AreaLevel::community:
            return incident.grid.community.code;
        case AreaLevel::street:
            return incident.grid.street.code;
        case AreaLevel::district:
            return incident.grid.district.code;
        case AreaLevel::beat:
            break;
    }
    return incident.beat.code;
}

}  // namespace

AreaCounts::AreaCounts(const std::array<std::vector<AreaRef>, kAreaLevelCount>& areas) {
    for (int i = 0; i < kAreaLevelCount; ++i) {
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

std::uint32_t AreaCounts::area_of(int level, std::uint32_t key, std::string_view code) {
    std::vector<std::uint32_t>& known = area_by_key_[level];
    if (key >= known.size()) known.resize(key + 1, kUnknown);
    if (known[key] == kUnknown) {
        const auto it = levels_[level].by_code.find(std::string(code));
        known[key] = it == levels_[level].by_code.end() ? kNone : it->second;
    }
    return known[key];
}

AreaCounts::Placement AreaCounts::place(const IncidentView& incident) {
    Placement placement;
    for (int i = 0; i < kAreaLevelCount; ++i) {
        const bool beat = static_cast<AreaLevel>(i) == AreaLevel::beat;
        placement.areas[i] =
            area_of(i, beat ? incident.beat_key : incident.grid_key, code_at(incident, i));
    }
    placement.family =
        index_of(totals_.families, totals_.by_family, category_family(incident.category));
    placement.department =
        index_of(totals_.departments, totals_.by_department, incident.department());
    placement.severity =
        static_cast<std::uint8_t>(std::clamp(static_cast<int>(incident.severity), 1, 4) - 1);
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
    for (int i = 0; i < kAreaLevelCount; ++i) {
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
    for (auto& known : area_by_key_)
        known.clear();
    totals_.open = 0;
    totals_.by_severity.fill(0);
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
    const Level& level = levels_[static_cast<int>(which)];
    if (level.max_stale) {  // once per change of counts, over areas (not incidents)
        level.max =
            level.counts.empty() ? 0 : *std::max_element(level.counts.begin(), level.counts.end());
        level.max_stale = false;
    }
    return level.max;
}

std::vector<std::uint32_t> AreaCounts::take_changed(AreaLevel which) {
    Level& level = levels_[static_cast<int>(which)];
    for (const std::uint32_t area : level.changed)
        level.dirty[area] = 0;
    return std::exchange(level.changed, {});
}

std::vector<std::uint64_t> AreaCounts::incidents_in(const CityPicture& picture, AreaLevel level,
                                                    std::uint32_t area) {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, incident] : picture.incidents()) {
        if (place(incident).areas[static_cast<int>(level)] == area) ids.push_back(id);
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
