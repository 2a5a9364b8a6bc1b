// The keys of citywall-viewer's file (docs/viewer.md), declared here so that a drill package
// reads a wall's file by the same table the wall checks it with.
#include "citywall/area_levels.hpp"
#include "citywall/centre.hpp"
#include "citywall/config_schemas.hpp"

namespace citywall {

namespace {

using toml_schema::FileRole;
using toml_schema::Key;
using toml_schema::Type;

// Every key a viewer file may hold and the type of its value (docs/viewer.md). Anything else
// stops the viewer at start: a misspelt key would otherwise draw a wall the operator did not ask
// for.
constexpr Key kWindowKeys[] = {
    {"title", Type::string},       {"width", Type::integer}, {"height", Type::integer},
    {"fullscreen", Type::boolean}, {"span", Type::boolean},
};
constexpr Key kIngestKeys[] = {
    {"updates", Type::endpoint},
    {"snapshot", Type::endpoint},
    {"stale_after_s", Type::number},
    {"key_file", Type::string, {}, FileRole::key},
    {"ingest_key_file", Type::string, {}, FileRole::key},
};
constexpr Key kViewKeys[] = {
    {"background", Type::string},
    {"center", Type::numbers},
    {"metres_per_pixel", Type::number},
};
constexpr Key kUiKeys[] = {
    {"font", Type::string, {}, FileRole::local},
    {"font_index", Type::integer},
    {"font_size", Type::number},
    {"palette", Type::string, {}, FileRole::map},
};
constexpr Key kLayerKeys[] = {
    {"kind", Type::string},
    {"source", Type::string, {}, FileRole::map},
    {"layer", Type::string},
    {"name", Type::string},
    {"fill", Type::string},
    {"outline", Type::string},
    {"outline_width", Type::number},
    {"dash", Type::numbers},
    {"opacity", Type::number},
    {"visible", Type::boolean},
    {"min_zoom", Type::number},
    {"max_zoom", Type::number},
    {"label_field", Type::string_or_strings},
    {"label_color", Type::string},
    {"label_size", Type::number},
    {"label_max_zoom", Type::number},
    {"road_network", Type::string},
};
constexpr Key kAggregateKeys[] = {
    {"mode", Type::string},      {"above_metres_per_pixel", Type::number},
    {"hierarchy", Type::string}, {"area_pixels", Type::number},
    {"opacity", Type::number},   {"critical_markers", Type::boolean},
};
constexpr Key kAnimationKeys[] = {{"pulse_s", Type::number}, {"fade_s", Type::number}};
constexpr Key kConsoleKeys[] = {{"role", Type::string}};
constexpr Key kSections[] = {
    {"window", Type::table, kWindowKeys},       {"ingest", Type::table, kIngestKeys},
    {"view", Type::table, kViewKeys},           {"ui", Type::table, kUiKeys},
    {"layer", Type::tables, kLayerKeys},        {"area", Type::tables, kAreaLevelKeys},
    {"aggregate", Type::table, kAggregateKeys}, {"animation", Type::table, kAnimationKeys},
    {"centre", Type::table, kCentreKeys},       {"console", Type::table, kConsoleKeys},
};

}  // namespace

std::span<const toml_schema::Key> wall_config_schema() {
    return kSections;
}

}  // namespace citywall
