#include "city_areas.hpp"

#include <algorithm>
#include <optional>

#include "citywall/placement.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

CityAreas CityAreas::load(const std::vector<AreaLevelConfig>& levels,
                          std::vector<std::string>& errors) {
    CityAreas city;
    city.sets_.resize(levels.size());
    // One thread for every level, one after the other: a thread's first reprojection opens
    // PROJ's database for that thread (its context is per thread), the later ones reuse it,
    // and the map layers load on the other core meanwhile.
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const AreaLevelConfig& config = levels[i];
        AreaSet& set = city.sets_[i];
        set.config = config;
        auto areas = load_map_areas(config.source, config.layer, config.code_field,
                                    config.name_field, nullptr, config.level);
        if (!areas) {
            errors.push_back("areas '" + config.level + "': " + areas.error());
            continue;
        }
        set.mesh = triangulate_areas(*areas, true);
        if (set.mesh.skipped > 0)
            errors.push_back("areas '" + config.level + "': " + std::to_string(set.mesh.skipped) +
                             " could not be triangulated");
        std::vector<double> widths;
        for (const MercatorBox& box : set.mesh.boxes)
            widths.push_back(box.max_x - box.min_x);
        if (!widths.empty()) {
            std::nth_element(widths.begin(), widths.begin() + widths.size() / 2, widths.end());
            set.typical_width_m = widths[widths.size() / 2];
        }
        for (MapArea& area : *areas) {
            set.refs.push_back(std::move(area.ref));
            set.index.add(std::move(area.shape));
        }
        set.index.build();
    }
    return city;
}

std::optional<AreaLevel> CityAreas::find_level(std::string_view key) const {
    for (std::size_t i = 0; i < sets_.size(); ++i)
        if (sets_[i].config.level == key) return static_cast<AreaLevel>(i);
    return std::nullopt;
}

std::string CityAreas::label(AreaLevel level) const {
    return level_word(sets_[level].config);
}

std::string CityAreas::label(std::string_view key) const {
    if (auto level = find_level(key)) return label(*level);
    return std::string(key);
}

bool CityAreas::any() const {
    return std::any_of(sets_.begin(), sets_.end(), [](const AreaSet& set) { return set.loaded(); });
}

std::vector<AreaLevel> CityAreas::hierarchy(std::string_view hierarchy) const {
    std::vector<AreaLevel> out;
    if (sets_.empty()) return out;
    if (hierarchy.empty()) hierarchy = sets_.front().config.hierarchy;
    for (std::size_t i = 0; i < sets_.size(); ++i)
        if (sets_[i].config.hierarchy == hierarchy) out.push_back(static_cast<AreaLevel>(i));
    return out;
}

std::optional<std::uint32_t> CityAreas::locate(AreaLevel level, LonLat p) const {
    if (level >= sets_.size() || !sets_[level].loaded()) return std::nullopt;
    return sets_[level].index.locate(p);
}

// The config lists each hierarchy outermost first, so its order is "coarsest first" within a
// hierarchy, and the first hierarchy (the administrative one, as a rule) comes first.
std::vector<AreaHit> CityAreas::find_all(std::string_view text, std::size_t limit) const {
    std::vector<AreaHit> hits;
    if (text.empty()) return hits;
    for (std::size_t level = 0; level < sets_.size(); ++level) {
        const auto& refs = sets_[level].refs;
        for (std::uint32_t i = 0; i < refs.size() && hits.size() < limit; ++i)
            if (refs[i].code == text || refs[i].name == text)
                hits.push_back({static_cast<AreaLevel>(level), i});
    }
    return hits;
}

std::vector<AreaHit> CityAreas::find_containing(std::string_view text, std::size_t limit) const {
    std::vector<AreaHit> hits;
    if (text.empty()) return hits;
    for (std::size_t level = 0; level < sets_.size(); ++level) {
        const auto& refs = sets_[level].refs;
        for (std::uint32_t i = 0; i < refs.size() && hits.size() < limit; ++i)
            if (refs[i].name.find(text) != std::string::npos)
                hits.push_back({static_cast<AreaLevel>(level), i});
    }
    return hits;
}

const AreaRef* CityAreas::place_of(const AreaPath& path) const {
    if (path.empty()) return nullptr;
    const auto first = find_level(path.front().level);
    if (!first) return &path.front();
    const std::string& hierarchy = sets_[*first].config.hierarchy;
    const AreaRef* innermost = &path.front();
    for (const AreaRef& area : path) {
        const auto level = find_level(area.level);
        if (level && sets_[*level].config.hierarchy == hierarchy) innermost = &area;
    }
    return innermost;
}

}  // namespace citywall::viewer
