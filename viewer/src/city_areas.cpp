#include "city_areas.hpp"

#include <optional>

#include "citywall/placement.hpp"

namespace citywall::viewer {

std::string_view level_name(AreaLevel level) {
    constexpr std::string_view kNames[] = {"grid", "community", "street", "district", "beat"};
    return kNames[static_cast<int>(level)];
}

std::string_view level_label(AreaLevel level) {
    constexpr std::string_view kLabels[] = {"网格 grid", "社区 community", "街道 street",
                                            "区 district", "警格 police beat"};
    return kLabels[static_cast<int>(level)];
}

CityAreas CityAreas::load(const AreaSources& sources, std::vector<std::string>& errors) {
    CityAreas city;
    if (sources.source.empty()) return city;
    // One thread for every level, one after the other: a thread's first reprojection opens
    // PROJ's database for that thread (its context is per thread), the later ones reuse it,
    // and the map layers load on the other core meanwhile.
    auto load_level = [&sources](int i) -> Result<AreaSet> {
        auto areas = load_map_areas(sources.source, sources.layers[i], sources.code_field,
                                    sources.name_field);
        if (!areas) return areas.error_value();
        AreaSet set;
        set.mesh = triangulate_areas(*areas, true);
        for (MapArea& area : *areas) {
            set.refs.push_back(std::move(area.ref));
            set.index.add(std::move(area.shape));
        }
        set.index.build();
        return set;
    };
    std::array<std::optional<Result<AreaSet>>, kAreaLevelCount> jobs;
    for (int i = 0; i < kAreaLevelCount; ++i) {
        if (!sources.layers[i].empty()) jobs[i] = load_level(i);
    }
    for (int i = 0; i < kAreaLevelCount; ++i) {
        if (!jobs[i]) continue;
        auto& set = *jobs[i];
        if (!set) {
            errors.push_back("areas '" + sources.layers[i] + "': " + set.error());
            continue;
        }
        if (set->mesh.skipped > 0) {
            errors.push_back("areas '" + sources.layers[i] + "': " +
                             std::to_string(set->mesh.skipped) + " could not be triangulated");
        }
        city.sets_[i] = std::move(*set);
    }
    return city;
}

bool CityAreas::any() const {
    for (const AreaSet& set : sets_) {
        if (set.loaded()) return true;
    }
    return false;
}

std::optional<std::uint32_t> CityAreas::locate(AreaLevel level, LonLat p) const {
    const AreaSet& set = sets_[static_cast<int>(level)];
    if (!set.loaded()) return std::nullopt;
    return set.index.locate(p);
}

namespace {

constexpr AreaLevel kCoarsestFirst[] = {AreaLevel::district, AreaLevel::street,
                                        AreaLevel::community, AreaLevel::grid, AreaLevel::beat};

}  // namespace

std::vector<AreaHit> CityAreas::find_all(std::string_view text, std::size_t limit) const {
    std::vector<AreaHit> hits;
    if (text.empty()) return hits;
    for (const AreaLevel level : kCoarsestFirst) {
        const auto& refs = sets_[static_cast<int>(level)].refs;
        for (std::uint32_t i = 0; i < refs.size() && hits.size() < limit; ++i)
            if (refs[i].code == text || refs[i].name == text) hits.push_back({level, i});
    }
    return hits;
}

std::vector<AreaHit> CityAreas::find_containing(std::string_view text, std::size_t limit) const {
    std::vector<AreaHit> hits;
    if (text.empty()) return hits;
    for (const AreaLevel level : kCoarsestFirst) {
        const auto& refs = sets_[static_cast<int>(level)].refs;
        for (std::uint32_t i = 0; i < refs.size() && hits.size() < limit; ++i)
            if (refs[i].name.find(text) != std::string::npos) hits.push_back({level, i});
    }
    return hits;
}

}  // namespace citywall::viewer
