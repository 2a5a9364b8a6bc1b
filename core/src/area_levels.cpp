#include "citywall/area_levels.hpp"

#include <algorithm>

namespace citywall {

namespace {

bool is_level_key(std::string_view key) {
    if (key.empty() || key.size() > 32) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

}  // namespace

const std::string& AreaLevelConfig::label(std::string_view language) const {
    if (language == "en") return name_en.empty() ? name : name_en;
    return name.empty() ? name_en : name;
}

Result<std::vector<AreaLevelConfig>> read_area_levels(const toml::table& root,
                                                      std::string_view file,
                                                      const std::filesystem::path& base) {
    using R = Result<std::vector<AreaLevelConfig>>;
    std::vector<AreaLevelConfig> levels;
    const auto* tables = root.get_as<toml::array>("area");
    if (!tables) return levels;
    for (std::size_t k = 0; k < tables->size(); ++k) {
        const toml::table* table = (*tables)[k].as_table();
        if (!table) continue;  // the schema check has refused it
        const std::string section = "[[area]] #" + std::to_string(k + 1);
        const auto fail = [&](std::string_view key, std::string_view what) {
            return R::failure(ErrorKind::invalid,
                              toml_schema::problem(file, table, section, key, what));
        };
        if (k >= kMaxAreaLevels)
            return fail("level",
                        "a city has at most " + std::to_string(kMaxAreaLevels) + " levels");
        const toml::node_view<const toml::node> at{table};
        AreaLevelConfig level;
        level.level = at["level"].value_or(std::string());
        if (!is_level_key(level.level))
            return fail("level",
                        "a level needs a key of lowercase letters, digits, _ or - "
                        "(\"district\", \"beat\")");
        for (const auto& other : levels)
            if (other.level == level.level)
                return fail("level", "\"" + level.level + "\" is declared twice");
        level.name = at["name"].value_or(std::string());
        level.name_en = at["name_en"].value_or(std::string());
        if (level.name.empty() && level.name_en.empty()) level.name = level.level;
        level.hierarchy = at["hierarchy"].value_or(std::string("admin"));
        if (level.hierarchy.empty()) return fail("hierarchy", "must not be empty");
        const std::string source = at["source"].value_or(std::string());
        if (source.empty()) return fail("source", "a level needs the map file it is read from");
        level.source = std::filesystem::path(source).is_absolute() ? std::filesystem::path(source)
                                                                   : base / source;
        level.layer = at["layer"].value_or(std::string());
        level.code_field = at["code_field"].value_or(level.code_field);
        level.name_field = at["name_field"].value_or(level.name_field);
        if (level.code_field.empty()) return fail("code_field", "must not be empty");
        const std::string parent = at["parent"].value_or(std::string("prefix"));
        if (parent == "prefix") {
            level.parent = ParentBy::prefix;
        } else if (parent == "geometry") {
            level.parent = ParentBy::geometry;
        } else {
            return fail("parent", "\"" + parent + "\" is not \"prefix\" or \"geometry\"");
        }
        // A hierarchy's levels are listed together, outermost first: what comes before a level
        // in its hierarchy is its parent level.
        if (!levels.empty() && levels.back().hierarchy != level.hierarchy)
            for (const auto& other : levels)
                if (other.hierarchy == level.hierarchy)
                    return fail("hierarchy", "the levels of hierarchy \"" + level.hierarchy +
                                                 "\" must follow each other, outermost first");
        levels.push_back(std::move(level));
    }
    return levels;
}

}  // namespace citywall
