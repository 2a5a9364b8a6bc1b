// The [[area]] levels tests configure: the demo city's (a GeoPackage or VRT with its layer names)
// and the San Francisco police districts as a city's only level.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "citywall/area_levels.hpp"
#include "citywall/incident.hpp"

namespace citywall::testing {

inline AreaLevelConfig area_level(std::string key, std::string hierarchy,
                                  std::filesystem::path source, std::string layer,
                                  ParentBy parent = ParentBy::prefix) {
    AreaLevelConfig level;
    level.level = key;
    level.name = key;
    level.name_en = std::move(key);
    level.hierarchy = std::move(hierarchy);
    level.source = std::move(source);
    level.layer = std::move(layer);
    level.parent = parent;
    return level;
}

// district > street > community > grid by code prefix, and police beats on their own.
inline std::vector<AreaLevelConfig> demo_levels(const std::filesystem::path& source) {
    return {area_level("district", "admin", source, "districts"),
            area_level("street", "admin", source, "streets"),
            area_level("community", "admin", source, "communities"),
            area_level("grid", "admin", source, "grids"),
            area_level("beat", "police", source, "police_beats")};
}

// The ten real SFPD districts (tests/data/real/sfpd_districts.geojson) as a level `key`.
inline AreaLevelConfig sf_districts(const std::filesystem::path& file, std::string key = "beat") {
    AreaLevelConfig level = area_level(std::move(key), "police", file, "");
    level.code_field = "DISTRICT";
    level.name_field = "DISTRICT";
    return level;
}

// The code of the incident's area at `level`; empty: none.
inline std::string area_code(const AreaPath& path, std::string_view level) {
    const AreaRef* area = area_at(path, level);
    return area ? area->code : std::string();
}

// The [[area]] tables of `levels`, for a config file a test writes.
inline std::string area_levels_toml(const std::vector<AreaLevelConfig>& levels) {
    std::string out;
    const auto quoted = [](const std::string& text) {
        std::string q = "\"";
        for (char c : text)
            q += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
        return q + "\"";
    };
    for (const AreaLevelConfig& level : levels) {
        out += "[[area]]\nlevel = " + quoted(level.level) + "\nname = " + quoted(level.name) +
               "\nname_en = " + quoted(level.name_en) + "\nhierarchy = " + quoted(level.hierarchy) +
               "\nsource = " + quoted(level.source.string()) + "\nlayer = " + quoted(level.layer) +
               "\ncode_field = " + quoted(level.code_field) +
               "\nname_field = " + quoted(level.name_field) +
               "\nparent = " + (level.parent == ParentBy::prefix ? "\"prefix\"" : "\"geometry\"") +
               "\n\n";
    }
    return out;
}

}  // namespace citywall::testing
