// report(): what check() found, as plain text for a person: the inputs, one section per layer,
// the nesting at the end.
#include <algorithm>
#include <cstdio>

#include "city_check.hpp"
#include "report_text.hpp"

namespace citywall::city {

namespace {

constexpr std::size_t kLabel = 16;  // the column where a layer section's values start

std::string number(double value, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string area_text(double km2) {
    return number(km2, km2 >= 100 ? "%.0f" : km2 >= 1 ? "%.1f" : "%.3f") + " km²";
}

std::string plural(std::uint64_t count, std::string_view one, std::string_view many) {
    return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

std::string example_text(const FeatureExample& example) {
    std::string text = example.code;
    if (!example.name.empty()) text += " " + example.name;
    if (!example.detail.empty()) text += " (" + example.detail + ")";
    return text;
}

std::string count_text(const FeatureCount& count) {
    if (count.count == 0) return "none";
    std::string text = std::to_string(count.count);
    for (std::size_t k = 0; k < count.examples.size(); ++k)
        text += (k ? "; " : ": ") + example_text(count.examples[k]);
    if (count.count > count.examples.size()) text += "; …";
    return text;
}

void line(std::string& out, std::string_view label, std::string_view value) {
    out += "  " + padded(label, kLabel) + std::string(value) + "\n";
}

std::string crs_text(const LayerSummary& layer) {
    switch (layer.crs) {
        case CrsStatus::assumed_wgs84:
            return "no CRS: assumed WGS84 lon/lat (the extent fits)";
        case CrsStatus::unusable:
            if (layer.crs_name.empty())
                return "no CRS, and the extent is not lon/lat: unusable, left out of the "
                       "nesting (give it one: ogr2ogr -a_srs)";
            return layer.crs_name + ": no way to WGS84 from it: unusable, left out of the nesting";
        case CrsStatus::declared:
            break;
    }
    return layer.crs_name + " (" + (layer.crs_id.empty() ? "no authority code" : layer.crs_id) +
           ")";
}

void layer_section(std::string& out, const LayerSummary& layer) {
    out += "\n== " + layer.name + "\n";
    line(out, "source", layer.source.string() + " (" + layer.driver + ")");
    if (!layer.has_geometry) {
        line(out, "geometry",
             "none: a table, not a map layer; " + plural(layer.features, "feature", "features"));
    } else {
        line(out, "geometry",
             layer.geometry_type + ", " + plural(layer.features, "feature", "features") +
                 (layer.polygons ? "" : ": not polygons, not a level"));
        line(out, "CRS", crs_text(layer));
        if (layer.extent)
            line(out, "extent (WGS84)",
                 "lon " + number(layer.extent->west, "%.4f") + " .. " +
                     number(layer.extent->east, "%.4f") + ", lat " +
                     number(layer.extent->south, "%.4f") + " .. " +
                     number(layer.extent->north, "%.4f"));
        if (layer.polygons && layer.median_area_km2 > 0)
            line(out, "median area", area_text(layer.median_area_km2) + " (approximate)");
    }
    if (layer.fields.empty()) {
        line(out, "fields", "none");
    } else {
        std::size_t name_width = 0, type_width = 0;
        for (const FieldSummary& field : layer.fields) {
            name_width = std::max(name_width, display_width(field.name));
            type_width = std::max(type_width, field.type.size());
        }
        for (std::size_t k = 0; k < layer.fields.size(); ++k) {
            const FieldSummary& field = layer.fields[k];
            std::string text = padded(field.name, name_width + 2) +
                               padded(field.type, type_width + 2) +
                               padded(std::to_string(field.distinct) + " distinct", 14);
            if (field.empty != 0) text += std::to_string(field.empty) + " empty  ";
            if (!field.sample.empty()) text += "e.g. " + field.sample;
            while (!text.empty() && text.back() == ' ')
                text.pop_back();
            line(out, k == 0 ? "fields" : "", text);
        }
    }
    if (layer.driver == "ESRI Shapefile")
        line(out, "encoding",
             layer.encoding.empty() ? "not stated (no .cpg, no code page in "
                                      "the .dbf): text is read as it is"
                                    : layer.encoding);
    if (layer.not_utf8 != 0)
        line(out, "not UTF-8",
             std::to_string(layer.not_utf8) + " values, shown with '?'" +
                 (layer.driver == "ESRI Shapefile" && layer.encoding.empty()
                      ? ": add a .cpg file naming the encoding (GBK for "
                        "most Chinese data)"
                      : std::string()));
    if (layer.polygons) {
        line(out, "code field",
             layer.code_field.empty() ? "none: " + layer.code_reason
                                      : layer.code_field + ": " + layer.code_reason);
        line(out, "name field",
             layer.name_field.empty() ? "none: " + layer.name_reason
                                      : layer.name_field + ": " + layer.name_reason);
    }
    if (layer.has_geometry) {
        line(out, "no geometry", count_text(layer.empty_geometry));
        if (layer.polygons) line(out, "not polygons", count_text(layer.not_polygon));
        line(out, "invalid", count_text(layer.invalid));
        if (layer.unprojectable.count != 0)
            line(out, "not to WGS84", count_text(layer.unprojectable));
    }
    if (layer.polygons) {
        line(out, "level",
             layer.outline ? "none: one feature among layers of many, the city's "
                             "outline"
                           : layer.level + ", " + layer.level_reason);
        line(out, "police?",
             layer.police_hint.empty() ? "no police word in its name or fields"
                                       : "yes: " + layer.police_hint);
    }
}

void nesting_section(std::string& out, const CityCheck& check) {
    out += "\n== Nesting\n";
    if (check.coarse_to_fine.empty()) {
        out += "No polygon layer to make areas of.\n";
        return;
    }
    out += "Polygon layers from coarse to fine (by median area):\n";
    for (std::size_t k = 0; k < check.coarse_to_fine.size(); ++k) {
        const LayerSummary& layer = check.layers[check.coarse_to_fine[k]];
        out += "  " + std::to_string(k + 1) + ". " + padded(layer.level, 16) +
               padded(layer.name, 16) + plural(layer.features, "feature", "features") +
               ", median " + area_text(layer.median_area_km2) + "\n";
    }
    if (!check.nesting.empty()) {
        out +=
            "\nEach layer in each coarser one, as shares of its features:\n"
            "  prefix  its code starts with a code of the coarser layer\n"
            "  agree   and the one with the longest such code holds its interior point\n"
            "  point   its interior point (PointOnSurface) lies in exactly one coarser "
            "feature\n"
            "  held    and " +
            percent(kHeldArea) + " of its area or more lies in that one too\n";
        for (const Nesting& pair : check.nesting) {
            std::string text = "  " + padded(check.layers[pair.child].level + " in " +
                                                 check.layers[pair.parent].level,
                                             30);
            if (pair.codes) {
                text += "prefix " + padded(percent(pair.by_prefix), 8) + "agree " +
                        padded(percent(pair.prefix_agrees), 8);
            } else {
                text += padded("prefix -", 15) + padded("agree -", 14);
            }
            text += "point " + padded(percent(pair.by_point), 8) + "held " + percent(pair.by_area);
            if (pair.codes && pair.by_prefix_without_zeros > pair.by_prefix)
                text += "  (prefix " + percent(pair.by_prefix_without_zeros) + " with the " +
                        check.layers[pair.parent].level + " codes' trailing zeros dropped)";
            out += text + "\n";
        }
    }
    std::string hierarchy;
    for (const Level& level : check.levels) {
        const LayerSummary& layer = check.layers[level.layer];
        if (level.hierarchy != hierarchy) {
            hierarchy = level.hierarchy;
            out += "\nHierarchy \"" + hierarchy + "\": " + level.hierarchy_reason + "\n";
        }
        out += "  " + padded(layer.level, 16) + "(" + layer.name + ")\n";
        if (!level.parent) {
            out += "    first level: " + level.evidence + "\n";
            continue;
        }
        out += "    parent = " + std::string(describe(level.parent_by)) + " in " +
               check.layers[*level.parent].level + ": " + level.evidence + "\n";
        out += "    orphans: " + count_text(level.orphans) + "\n";
        if (level.in_several != 0)
            out += "    interior points in more than one " + check.layers[*level.parent].level +
                   ": " + std::to_string(level.in_several) + "\n";
    }
}

}  // namespace

std::string report(const CityCheck& check) {
    std::size_t polygon_layers = 0;
    for (const LayerSummary& layer : check.layers)
        polygon_layers += layer.polygons ? 1 : 0;
    std::string out = "citywall-city check: " + plural(check.sources.size(), "source", "sources") +
                      " read, " + plural(check.unreadable.size(), "unreadable", "unreadable") +
                      "; " + plural(check.layers.size(), "layer", "layers") + ", " +
                      std::to_string(polygon_layers) + " of polygons\n";
    for (const InputProblem& problem : check.unreadable)
        out += "  cannot read " + problem.path.string() + ": " + problem.message + "\n";
    if (!check.ignored.empty()) {
        out += "  not vector files, passed over: ";
        for (std::size_t k = 0; k < check.ignored.size() && k < 10; ++k)
            out += (k ? ", " : "") + check.ignored[k].string();
        if (check.ignored.size() > 10)
            out += " and " + std::to_string(check.ignored.size() - 10) + " more";
        out += "\n";
    }
    for (const LayerSummary& layer : check.layers)
        layer_section(out, layer);
    nesting_section(out, check);
    if (!check.notes.empty()) {
        out += "\nNotes:\n";
        for (const std::string& note : check.notes)
            out += "  " + note + "\n";
    }
    return out;
}

}  // namespace citywall::city
