// What `citywall-city check` does, as a library its tests call: read a new city's vector layers,
// say what each holds, guess how the polygon layers nest, and write a starter config of
// [[area]] tables from the guesses (docs/new-city.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/result.hpp"

namespace citywall::city {

// A feature that shows a problem: its code (or "feature <fid>" when the layer has no code
// field), its name when it has one, and what is wrong with it.
struct FeatureExample {
    std::string code;
    std::string name;
    std::string detail;
};

// How many features show a problem, and the first few of them.
struct FeatureCount {
    std::uint64_t count = 0;
    std::vector<FeatureExample> examples;  // at most kExamples
};
inline constexpr std::size_t kExamples = 3;

struct FieldSummary {
    std::string name;
    std::string type;            // OGR's name of the type: String, Integer, Real, StringList …
    std::uint64_t distinct = 0;  // different non-empty values
    std::uint64_t empty = 0;     // features where it is null, empty or blanks
    std::string sample;          // the first non-empty value, UTF-8, cut to about 40 bytes
};

enum class CrsStatus {
    declared,       // the layer says which
    assumed_wgs84,  // none said, but the extent fits lon/lat: read as WGS84
    unusable,       // none said and the extent is not lon/lat: left out of the nesting
};

struct Extent {
    double west = 0, south = 0, east = 0, north = 0;  // WGS84 degrees
};

struct LayerSummary {
    std::filesystem::path source;  // the file (or folder) GDAL opened
    std::string driver;            // GDAL's short name: GeoJSON, GPKG, ESRI Shapefile …
    std::string name;              // the layer's name in its source
    std::string geometry_type;     // as the layer declares it ("Multi Polygon", "Unknown (any)")
    bool has_geometry = true;      // false: a table without a geometry column
    bool polygons = false;         // a polygon layer: declared so, or most features are
    std::uint64_t features = 0;

    std::string crs_name;  // "WGS 84", "CGCS2000"; empty when the layer has none
    std::string crs_id;    // "EPSG:4490", "OGC:CRS84"; empty when no authority knows it
    CrsStatus crs = CrsStatus::declared;
    std::optional<Extent> extent;  // in WGS84; none when empty or the CRS is unusable
    double median_area_km2 = 0;    // polygon layers: the median feature's area, approximate

    std::vector<FieldSummary> fields;
    std::string encoding;        // shapefiles: the text encoding the .cpg or .dbf states, if any
    std::uint64_t not_utf8 = 0;  // field values that are not UTF-8 (bad bytes shown as '?')
    std::string code_field, code_reason;  // code_field empty: no field qualifies
    std::string name_field, name_reason;

    FeatureCount empty_geometry;  // no geometry, or an empty one
    FeatureCount not_polygon;     // in a polygon layer: features of another type
    FeatureCount invalid;         // OGRGeometry::IsValid (GEOS) says no; detail = GEOS's reason
    FeatureCount unprojectable;   // could not be transformed to WGS84

    std::string level, level_reason;  // the guessed level key and where it came from
    std::string police_hint;          // why the layer looks like police; empty when it does not
    bool outline = false;  // one feature among layers of many: the city's outline, not a level
};

enum class ParentBy { none, prefix, geometry };

// How one polygon layer (child) sits in a coarser one (parent), over the child's features with
// a geometry. Shares are 0..1.
struct Nesting {
    std::size_t child = 0, parent = 0;  // indices into CityCheck::layers
    bool codes = false;        // both layers have a code field: the prefix shares mean something
    double by_prefix = 0;      // codes that start with some code of the parent layer
    double prefix_agrees = 0;  // codes whose longest such prefix is the feature holding the
                               // child's interior point
    double by_prefix_without_zeros = 0;  // the same with the parent codes' trailing zeros
                                         // dropped (440000 → 44), as Chinese adcodes nest
    double by_point = 0;  // interior points (PointOnSurface) in exactly one parent feature
    double by_area = 0;   // …and with at least kHeldArea of the feature's area in that one
};
inline constexpr double kHeldArea = 0.9;         // a feature is held by a parent with this much
inline constexpr double kNests = 0.9;            // a layer nests when this share of it is held
inline constexpr double kParentByPrefix = 0.95;  // codes nest and agree: parent = "prefix"

// A polygon layer's place in a hierarchy.
struct Level {
    std::size_t layer = 0;  // index into CityCheck::layers
    std::string hierarchy;  // "admin", "police", or the first level's key
    std::string hierarchy_reason;
    std::optional<std::size_t> parent;  // the parent's layer; none for a hierarchy's first level
    ParentBy parent_by = ParentBy::none;
    std::string evidence;          // why this parent, or why none
    FeatureCount orphans;          // features the parent rule gives no parent
    std::uint64_t in_several = 0;  // by geometry: interior points in more than one parent
};

struct InputProblem {
    std::filesystem::path path;
    std::string message;
};

struct CityCheck {
    std::vector<std::string> inputs;             // as given
    std::vector<std::filesystem::path> sources;  // the files (and folders) GDAL read
    std::vector<InputProblem> unreadable;        // inputs that could not be read: skipped
    std::vector<std::filesystem::path> ignored;  // files in a folder that are no vector format
    std::vector<LayerSummary> layers;
    std::vector<std::size_t> coarse_to_fine;  // the polygon layers that can be levels
    std::vector<Nesting> nesting;             // every pair measured, child after parent
    std::vector<Level> levels;  // hierarchy by hierarchy ("admin" first), outermost first
    std::vector<std::string> notes;

    bool has_levels() const { return !levels.empty(); }
    // 0: everything was read; 1: an input could not be read, or no polygon layer was found.
    int exit_status() const { return unreadable.empty() && has_levels() ? 0 : 1; }
    const Nesting* nesting_of(std::size_t child, std::size_t parent) const;
};

// Reads every input: a file GDAL opens as vector data, or a folder searched recursively for
// such files. Never fails as a whole: what cannot be read is listed in `unreadable`.
CityCheck check(const std::vector<std::string>& inputs);

// The plain-text report: one section per layer, the nesting at the end.
std::string report(const CityCheck& check);

// The starter config's TOML text. Sources are written relative to `config_file`'s folder when
// they lie under it. `date` goes in the header comment ("2024-05-01").
std::string starter_config(const CityCheck& check, const std::filesystem::path& config_file,
                           std::string_view date);

// Writes starter_config to `config_file`; an existing file is refused unless `force`.
Result<void> write_starter_config(const CityCheck& check, const std::filesystem::path& config_file,
                                  bool force, std::string_view date);

std::string_view describe(ParentBy by);

}  // namespace citywall::city
