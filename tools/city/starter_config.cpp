// starter_config(): the guessed levels as [[area]] tables, each guess followed by a comment with
// its evidence, for a person to read and edit before ingest and the viewer use it.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "city_check.hpp"
#include "report_text.hpp"

namespace citywall::city {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kCommentColumn = 30;

std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04X", c);
                    out += escaped;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

// A comment stays on its line: control characters become spaces.
std::string comment_text(std::string_view text) {
    std::string out;
    for (unsigned char c : text)
        out += c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c);
    return out;
}

void entry(std::string& out, std::string_view key, std::string_view value,
           std::string_view comment = {}) {
    std::string text = std::string(key) + " = " + toml_string(value);
    if (!comment.empty()) text = padded(text, kCommentColumn) + "# " + comment_text(comment);
    out += text + "\n";
}

std::string english_label(std::string_view level) {
    std::string label;
    for (char c : level)
        label += c == '_' || c == '-' ? ' ' : c;
    if (!label.empty() && label[0] >= 'a' && label[0] <= 'z')
        label[0] = static_cast<char>(label[0] - 'a' + 'A');
    return label;
}

// The source as the config names it: relative to the config's folder when it lies under it.
std::string source_text(const fs::path& source, const fs::path& config_file) {
    std::error_code error;
    const fs::path file = fs::weakly_canonical(fs::absolute(source, error), error);
    const fs::path folder =
        fs::weakly_canonical(fs::absolute(config_file, error), error).parent_path();
    const fs::path relative = file.lexically_relative(folder);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
    return file.string();
}

std::string chain_text(const CityCheck& check, std::size_t from) {
    std::string text;
    for (std::size_t k = from; k < check.levels.size(); ++k) {
        if (check.levels[k].hierarchy != check.levels[from].hierarchy) break;
        text += (k == from ? "" : " > ") + check.layers[check.levels[k].layer].level;
    }
    return text;
}

std::string whereabouts(const CityCheck& check) {
    bool any = false;
    Extent all;
    for (const Level& level : check.levels) {
        const auto& extent = check.layers[level.layer].extent;
        if (!extent) continue;
        if (!any) {
            all = *extent;
            any = true;
        }
        all.west = std::min(all.west, extent->west);
        all.south = std::min(all.south, extent->south);
        all.east = std::max(all.east, extent->east);
        all.north = std::max(all.north, extent->north);
    }
    if (!any) return {};
    char text[96];
    std::snprintf(text, sizeof text, "; the areas lie around lon %.2f, lat %.2f",
                  (all.west + all.east) / 2, (all.south + all.north) / 2);
    return text;
}

std::string count_comment(const FeatureCount& count, std::string_view what) {
    std::string text = std::to_string(count.count) + " " + std::string(what);
    for (std::size_t k = 0; k < count.examples.size(); ++k) {
        const FeatureExample& example = count.examples[k];
        text += (k ? ", " : ": ") + example.code;
        if (!example.detail.empty()) text += " (" + example.detail + ")";
    }
    if (count.count > count.examples.size()) text += ", …";
    return text;
}

}  // namespace

std::string starter_config(const CityCheck& check, const fs::path& config_file,
                           std::string_view date) {
    std::string inputs;
    for (const std::string& input : check.inputs)
        inputs += (inputs.empty() ? "" : ", ") + input;
    std::string out = comment_text("# Written by `citywall-city check` on " + std::string(date) +
                                   " from " + inputs +
                                   ". Read it before use: levels, names and parents are "
                                   "guesses.") +
                      "\n";
    out += "[centre]\n";
    entry(out, "name", "CITY", "a placeholder to edit");
    entry(out, "time_zone", "UTC", "edit: the city's IANA zone" + whereabouts(check));

    bool first_table = true;
    for (std::size_t k = 0; k < check.levels.size(); ++k) {
        const Level& level = check.levels[k];
        const LayerSummary& layer = check.layers[level.layer];
        if (k == 0 || check.levels[k - 1].hierarchy != level.hierarchy)
            out += "\n# Hierarchy \"" + level.hierarchy + "\": " + chain_text(check, k) + "\n";
        out += "\n";
        if (layer.invalid.count != 0)
            out += "# " + comment_text(count_comment(layer.invalid, "invalid geometries")) +
                   ". Fix them first (ogr2ogr -makevalid; docs/new-city.md).\n";
        if (layer.empty_geometry.count != 0)
            out +=
                "# " +
                comment_text(count_comment(layer.empty_geometry, "features without a geometry")) +
                ".\n";
        if (layer.not_utf8 != 0)
            out += "# " + std::to_string(layer.not_utf8) +
                   " field values are not UTF-8 (a shapefile without a .cpg?): names and codes "
                   "come out with '?'.\n";
        if (level.orphans.count != 0)
            out += "# " + comment_text(count_comment(level.orphans, "features without a parent")) +
                   ".\n";
        out += first_table ? padded("[[area]]", kCommentColumn) +
                                 "# outermost level of each hierarchy first\n"
                           : "[[area]]\n";
        first_table = false;
        entry(out, "level", layer.level, layer.level_reason);
        entry(out, "name", layer.name, "the wall's Chinese label: a placeholder, edit");
        entry(out, "name_en", english_label(layer.level), "the English label");
        entry(out, "hierarchy", level.hierarchy, level.hierarchy_reason);
        entry(out, "source", source_text(layer.source, config_file), layer.driver);
        entry(out, "layer", layer.name);
        entry(out, "code_field", layer.code_field, layer.code_reason);
        entry(out, "name_field", layer.name_field, layer.name_reason);
        if (level.parent) {
            entry(out, "parent", describe(level.parent_by),
                  "in " + check.layers[*level.parent].level + ": " + level.evidence);
        } else {
            out += "# no parent: " + comment_text(level.evidence) + "\n";
        }
    }

    std::string left_out;
    for (const LayerSummary& layer : check.layers) {
        bool is_level = false;
        for (const Level& level : check.levels)
            is_level = is_level || &check.layers[level.layer] == &layer;
        if (is_level) continue;
        std::string why = !layer.has_geometry ? "a table without geometry"
                          : layer.outline     ? "one feature among layers of many: the outline"
                          : !layer.polygons   ? layer.geometry_type + ", not polygons"
                          : layer.crs == CrsStatus::unusable ? "no usable CRS"
                                                             : "no polygon with a geometry";
        left_out +=
            "#   " +
            comment_text(layer.name + " (" + layer.source.filename().string() + "): " + why) + "\n";
    }
    if (!left_out.empty()) out += "\n# Layers not written as areas:\n" + left_out;
    return out;
}

Result<void> write_starter_config(const CityCheck& check, const fs::path& config_file, bool force,
                                  std::string_view date) {
    std::error_code error;
    if (fs::exists(fs::symlink_status(config_file, error)) && !force)
        return Error{ErrorKind::refused,
                     config_file.string() + " exists (give --force to write over it)"};
    const std::string text = starter_config(check, config_file, date);
    fs::path temporary = config_file;
    temporary += ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << text;
        file.close();
        if (!file) {
            fs::remove(temporary, error);
            return Error{ErrorKind::io, "cannot write " + temporary.string()};
        }
    }
    fs::rename(temporary, config_file, error);
    if (error) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        return Error{ErrorKind::io,
                     "cannot write " + config_file.string() + ": " + error.message()};
    }
    return {};
}

}  // namespace citywall::city
