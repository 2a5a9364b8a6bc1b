// The city's areas as levels (docs/config.md, "Areas"): each [[area]] table of a config is one
// level (districts, streets, grids, police beats…) read from any OGR layer. Levels form
// hierarchies; within one, each level after the first finds its parent areas in the level
// before it, by code prefix or by geometry. Ingest and the viewer read the same tables.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/result.hpp"
#include "citywall/toml_schema.hpp"

namespace citywall {

// A city declares at most this many levels (a wall keeps a fixed slot per level for each count).
inline constexpr std::size_t kMaxAreaLevels = 16;

// How an area finds its parent in the level above it.
enum class ParentBy {
    prefix,    // the parent's code begins the child's (440305 → 440305001), the longest such
    geometry,  // the parent holds a point inside the child (where codes do not nest)
};

struct AreaLevelConfig {
    std::string level;      // its key: "district", "beat"; in search, export and the stream
    std::string name;       // the wall's Chinese label: "区"
    std::string name_en;    // and English one: "District"
    std::string hierarchy;  // levels of one hierarchy nest: "admin", "police"
    std::filesystem::path source;
    std::string layer;  // empty: the source's first layer
    std::string code_field = "code";
    std::string name_field = "name";  // a layer without it: an area is named by its code
    ParentBy parent = ParentBy::prefix;
    // The wall's label in `language` ("zh" or "en"), falling back to the other one.
    const std::string& label(std::string_view language) const;
};

// The keys of one [[area]] table, for a program's schema (toml_schema::check).
inline constexpr toml_schema::Key kAreaLevelKeys[] = {
    {"level", toml_schema::Type::string},
    {"name", toml_schema::Type::string},
    {"name_en", toml_schema::Type::string},
    {"hierarchy", toml_schema::Type::string},
    {"source", toml_schema::Type::string, {}, toml_schema::FileRole::map},
    {"layer", toml_schema::Type::string},
    {"code_field", toml_schema::Type::string},
    {"name_field", toml_schema::Type::string},
    {"parent", toml_schema::Type::string},
};

// Reads every [[area]] of `root` (already checked against a schema holding kAreaLevelKeys),
// in the file's order, with sources relative to `base`. Refused, with the file, line and key:
// more than kMaxAreaLevels levels, a level without a key or source, a key that is not lowercase
// letters, digits, _ or -, a key given twice, a parent that is not "prefix" or "geometry", and a
// hierarchy whose levels are not next to each other in the file.
Result<std::vector<AreaLevelConfig>> read_area_levels(const toml::table& root,
                                                      std::string_view file,
                                                      const std::filesystem::path& base);

}  // namespace citywall
