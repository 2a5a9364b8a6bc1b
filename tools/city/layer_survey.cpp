// Reading one layer: its fields, CRS, extent and geometry problems, the guesses of its code and
// name fields, its level key and whether it looks like police; its polygons in WGS84.
//
//   1. GdalMessages, level keys
//   2. Guesses: code field, name field, police
//   3. The layer's CRS and the way to WGS84
//   4. survey_layer
#include "layer_survey.hpp"

#include <cpl_error.h>
#include <ogr_api.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <numbers>
#include <unordered_set>

#include "citywall/utf8.hpp"

namespace citywall::city {

// ---------------------------------------------------------------------------------------------
// 1. GdalMessages, level keys

namespace {

void CPL_STDCALL keep_message(CPLErr kind, CPLErrorNum, const char* message) {
    if (kind == CE_Debug) return;
    auto* messages = static_cast<std::string*>(CPLGetErrorHandlerUserData());
    if (messages && message) *messages = message;
}

}  // namespace

GdalMessages::GdalMessages() {
    CPLPushErrorHandlerEx(keep_message, &last_);
}
GdalMessages::~GdalMessages() {
    CPLPopErrorHandler();
}

namespace {

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool ends_with(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

std::string singular(std::string word) {
    if (word.size() > 4 && ends_with(word, "ies")) return word.substr(0, word.size() - 3) + "y";
    if (word.size() > 3 && ends_with(word, "s") && !ends_with(word, "ss") &&
        !ends_with(word, "us") && !ends_with(word, "is"))
        word.pop_back();
    return word;
}

}  // namespace

std::string level_key_of(std::string_view name) {
    std::string key;
    for (unsigned char c : name) {
        if (std::isalnum(c) && c < 0x80) {
            key += static_cast<char>(std::tolower(c));
        } else if (c == '-') {
            key += '-';
        } else if (!key.empty() && key.back() != '_') {
            key += '_';
        }
    }
    while (!key.empty() && (key.back() == '_' || key.back() == '-'))
        key.pop_back();
    const std::size_t start = key.find_first_not_of("_-");
    if (start == std::string::npos) return {};
    key = key.substr(start);
    const std::size_t last = key.rfind('_');
    const std::size_t word = last == std::string::npos ? 0 : last + 1;
    return key.substr(0, word) + singular(key.substr(word));
}

// ---------------------------------------------------------------------------------------------
// 2. Guesses: code field, name field, police

namespace {

// Field names that usually hold a code, best first; compared without case.
constexpr std::array<std::string_view, 19> kCodeNames = {
    "code",    "adcode",   "id",           "district", "beat",  "precinct", "sector",
    "geocode", "gbcode",   "xzqdm",        "xzqhdm",   "dm",    "bm",       "编码",
    "代码",    "区划代码", "行政区划代码", "编号",     "number"};
constexpr std::array<std::string_view, 5> kCodeParts = {"code", "编码", "代码", "编号", "_id"};

constexpr std::array<std::string_view, 10> kNameNames = {
    "name", "名称", "name_zh", "name_cn", "namezh", "mc", "xzqmc", "label", "title", "名字"};
constexpr std::array<std::string_view, 2> kNameParts = {"name", "名称"};

template <std::size_t N>
int rank_in(const std::array<std::string_view, N>& names, std::string_view name) {
    const std::string lowered = lower_ascii(name);
    for (std::size_t k = 0; k < N; ++k)
        if (names[k] == lowered) return static_cast<int>(k);
    return -1;
}

template <std::size_t N>
bool contains_any(const std::array<std::string_view, N>& parts, std::string_view name) {
    const std::string lowered = lower_ascii(name);
    return std::any_of(parts.begin(), parts.end(), [&](std::string_view part) {
        return lowered.find(part) != std::string::npos;
    });
}

bool name_like(std::string_view field) {
    return rank_in(kNameNames, field) >= 0 || contains_any(kNameParts, field);
}

struct FieldPick {
    std::string field, reason;
};

// A code is non-empty and unique in every feature; among such fields, a usual code name wins,
// then a name with a code word in it, then any other field, then a name-like one.
FieldPick pick_code_field(const LayerSummary& layer, const std::vector<OGRFieldType>& types) {
    int best_rank = -1;
    std::size_t best = 0;
    for (std::size_t k = 0; k < layer.fields.size(); ++k) {
        const FieldSummary& field = layer.fields[k];
        if (layer.features == 0 || field.empty != 0 || field.distinct != layer.features) continue;
        if (types[k] != OFTString && types[k] != OFTInteger && types[k] != OFTInteger64) continue;
        int rank = rank_in(kCodeNames, field.name);
        if (rank < 0) rank = contains_any(kCodeParts, field.name) ? 100 : -1;
        if (rank < 0) rank = name_like(field.name) ? 300 : 200;
        if (best_rank < 0 || rank < best_rank) best_rank = rank, best = k;
    }
    if (best_rank < 0) return {"", "no field is non-empty and different in every feature: add one"};
    const std::string all = layer.features == 1 ? "non-empty in its one feature"
                                                : "non-empty and different in all " +
                                                      std::to_string(layer.features) + " features";
    if (best_rank < 100) return {layer.fields[best].name, all + "; a usual name for a code"};
    if (best_rank < 200) return {layer.fields[best].name, all + "; its name says code"};
    if (best_rank < 300) return {layer.fields[best].name, all + "; no field is named like a code"};
    return {layer.fields[best].name, all + "; only a name-like field qualifies: check it"};
}

FieldPick pick_name_field(const LayerSummary& layer, const std::vector<OGRFieldType>& types) {
    int best_rank = -1;
    std::size_t best = 0;
    for (std::size_t k = 0; k < layer.fields.size(); ++k) {
        const FieldSummary& field = layer.fields[k];
        if (types[k] != OFTString || field.distinct == 0) continue;
        int rank = rank_in(kNameNames, field.name);
        if (rank < 0 && contains_any(kNameParts, field.name)) rank = 100;
        if (rank >= 0 && (best_rank < 0 || rank < best_rank)) best_rank = rank, best = k;
    }
    if (best_rank >= 0) {
        const FieldSummary& field = layer.fields[best];
        std::string reason = "a text field named like a name";
        if (field.empty != 0) reason += "; empty in " + std::to_string(field.empty) + " features";
        return {field.name, reason};
    }
    if (!layer.code_field.empty())
        return {layer.code_field, "no text field is named like a name: the code"};
    return {"", "no text field is named like a name, and there is no code"};
}

constexpr std::array<std::string_view, 10> kPoliceWords = {
    "police", "beat",    "beats",  "precinct",     "precincts",
    "sector", "sectors", "patrol", "constabulary", "policing"};
constexpr std::array<std::string_view, 3> kPoliceChinese = {"警", "派出所", "公安"};

// A police word in a name: one of kPoliceWords as a word, a police department's abbreviation
// ("pd", "sfpd", "nypd") as a word, or 警/派出所/公安 anywhere.
std::string police_word_in(std::string_view text) {
    for (std::string_view word : kPoliceChinese)
        if (text.find(word) != std::string_view::npos) return std::string(word);
    const std::string lowered = lower_ascii(text);
    std::size_t at = 0;
    while (at < lowered.size()) {
        while (at < lowered.size() && !std::isalnum(static_cast<unsigned char>(lowered[at])))
            ++at;
        std::size_t end = at;
        while (end < lowered.size() && std::isalnum(static_cast<unsigned char>(lowered[end])))
            ++end;
        const std::string_view word = std::string_view(lowered).substr(at, end - at);
        if (std::find(kPoliceWords.begin(), kPoliceWords.end(), word) != kPoliceWords.end() ||
            (word.size() >= 2 && word.size() <= 5 && ends_with(word, "pd")))
            return std::string(text.substr(at, end - at));
        at = end;
    }
    return {};
}

std::string police_hint_of(const LayerSummary& layer) {
    if (auto word = police_word_in(layer.name); !word.empty())
        return "the layer's name says so ('" + word + "')";
    for (const FieldSummary& field : layer.fields)
        if (auto word = police_word_in(field.name); !word.empty())
            return "its field '" + field.name + "' says so";
    for (const FieldSummary& field : layer.fields)
        for (std::string_view word : kPoliceChinese)
            if (field.sample.find(word) != std::string::npos)
                return "its field '" + field.name + "' holds values like '" + field.sample + "'";
    return {};
}

// ---------------------------------------------------------------------------------------------
// 3. The layer's CRS and the way to WGS84

struct ReleaseSrs {
    void operator()(OGRSpatialReference* srs) const {
        if (srs) srs->Release();
    }
};

std::string authority_of(const OGRSpatialReference& srs) {
    const char* name = srs.GetAuthorityName(nullptr);
    const char* code = srs.GetAuthorityCode(nullptr);
    if (name && code) return std::string(name) + ":" + code;
    OGRSpatialReference copy(srs);
    if (copy.AutoIdentifyEPSG() == OGRERR_NONE) {
        name = copy.GetAuthorityName(nullptr);
        code = copy.GetAuthorityCode(nullptr);
        if (name && code) return std::string(name) + ":" + code;
    }
    std::unique_ptr<OGRSpatialReference, ReleaseSrs> match(srs.FindBestMatch(90));
    if (match) {
        name = match->GetAuthorityName(nullptr);
        code = match->GetAuthorityCode(nullptr);
        if (name && code) return std::string(name) + ":" + code + " (closest match)";
    }
    return {};
}

bool fits_lon_lat(const OGREnvelope& extent) {
    return extent.MinX >= -180.0 && extent.MaxX <= 180.0 && extent.MinY >= -90.0 &&
           extent.MaxY <= 90.0;
}

// The transformation to WGS84 lon/lat, null when the layer already is (or is assumed to be).
std::unique_ptr<OGRCoordinateTransformation> crs_of(OGRLayer& layer, LayerSummary& summary) {
    const OGRSpatialReference* srs = layer.GetSpatialRef();
    if (!srs) {
        OGREnvelope extent;
        const bool known = layer.GetExtent(&extent, TRUE) == OGRERR_NONE;
        summary.crs =
            !known || fits_lon_lat(extent) ? CrsStatus::assumed_wgs84 : CrsStatus::unusable;
        return nullptr;
    }
    summary.crs_name = srs->GetName() ? srs->GetName() : "";
    summary.crs_id = authority_of(*srs);
    OGRSpatialReference source(*srs);
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (source.IsSame(&wgs84)) return nullptr;
    std::unique_ptr<OGRCoordinateTransformation> transform(
        OGRCreateCoordinateTransformation(&source, &wgs84));
    if (!transform) summary.crs = CrsStatus::unusable;
    return transform;
}

// ---------------------------------------------------------------------------------------------
// 4. survey_layer

constexpr std::size_t kMaxDistinct = 200'000;  // past this a field's distinct count stops
constexpr std::size_t kSampleBytes = 40;

struct FieldTally {
    std::unordered_set<std::string> values;
    bool counts_values = false;  // the "level" field: its values are counted
    std::map<std::string, std::uint64_t> counts;
};

struct PendingExample {
    FeatureCount* into;
    GIntBig fid;
    std::vector<std::string> row;
    std::string detail;
};

struct PendingShape {
    std::unique_ptr<OGRGeometry> geometry;
    std::vector<std::string> row;
};

bool is_polygonal(OGRwkbGeometryType type) {
    const auto flat = wkbFlatten(type);
    return flat == wkbPolygon || flat == wkbMultiPolygon || flat == wkbCurvePolygon ||
           flat == wkbMultiSurface;
}

// GEOS writes coordinates with every digit ("-122.44804426246326"); six decimals are enough
// for a person to find the spot (about 0.1 m in degrees).
std::string shorter_numbers(std::string_view text) {
    std::string out;
    std::size_t decimals = 0;
    bool in_fraction = false;
    for (std::size_t k = 0; k < text.size(); ++k) {
        const char c = text[k];
        const bool digit = c >= '0' && c <= '9';
        if (c == '.' && k > 0 && text[k - 1] >= '0' && text[k - 1] <= '9') {
            in_fraction = true;
            decimals = 0;
        } else if (!digit) {
            in_fraction = false;
        } else if (in_fraction && ++decimals > 6) {
            continue;
        }
        out += c;
    }
    return out;
}

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The polygons of what MakeValid returns, which may be a collection with lines in it.
std::unique_ptr<OGRGeometry> polygons_of(std::unique_ptr<OGRGeometry> geometry) {
    if (!geometry) return nullptr;
    const auto flat = wkbFlatten(geometry->getGeometryType());
    if (flat == wkbPolygon || flat == wkbMultiPolygon) return geometry;
    if (flat != wkbGeometryCollection) return nullptr;
    auto polygons = std::make_unique<OGRMultiPolygon>();
    for (const OGRGeometry* part : *geometry->toGeometryCollection()) {
        const auto part_flat = wkbFlatten(part->getGeometryType());
        if (part_flat == wkbPolygon) {
            polygons->addGeometry(part);
        } else if (part_flat == wkbMultiPolygon) {
            for (const OGRPolygon* polygon : *part->toMultiPolygon())
                polygons->addGeometry(polygon);
        }
    }
    if (polygons->IsEmpty()) return nullptr;
    return polygons;
}

double square_km(double square_degrees, const OGREnvelope& at) {
    constexpr double kKmPerDegree = 111.32;
    const double latitude = (at.MinY + at.MaxY) / 2 * std::numbers::pi / 180;
    return square_degrees * kKmPerDegree * kKmPerDegree * std::cos(latitude);
}

void merge(std::optional<Extent>& extent, const OGREnvelope& envelope) {
    if (!extent) {
        extent = Extent{envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY};
        return;
    }
    extent->west = std::min(extent->west, envelope.MinX);
    extent->south = std::min(extent->south, envelope.MinY);
    extent->east = std::max(extent->east, envelope.MaxX);
    extent->north = std::max(extent->north, envelope.MaxY);
}

// A field's value as UTF-8; `not_utf8` counts the values that were not (their bad bytes are
// shown as '?').
std::string field_text(const OGRFeature& feature, int field, std::uint64_t& not_utf8) {
    if (!feature.IsFieldSetAndNotNull(field)) return {};
    const char* raw = feature.GetFieldAsString(field);
    if (!is_valid_utf8(raw)) ++not_utf8;
    std::string text = repaired_utf8(raw);
    return is_blank(text) ? std::string() : text;
}

std::string level_from_field(const std::vector<FieldTally>& tallies, const LayerSummary& layer,
                             std::string& reason) {
    for (std::size_t k = 0; k < tallies.size(); ++k) {
        if (!tallies[k].counts_values || tallies[k].counts.empty()) continue;
        auto most =
            std::max_element(tallies[k].counts.begin(), tallies[k].counts.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        const std::string key = level_key_of(most->first);
        if (key.empty() || key != lower_ascii(most->first) ||
            static_cast<double>(most->second) < 0.9 * static_cast<double>(layer.features))
            continue;
        reason = "from its field '" + layer.fields[k].name + "' ('" + most->first + "' in " +
                 std::to_string(most->second) + " of " + std::to_string(layer.features) +
                 " features)";
        return key;
    }
    return {};
}

}  // namespace

SurveyedLayer survey_layer(OGRLayer& layer, const std::filesystem::path& source,
                           const std::string& driver) {
    SurveyedLayer out;
    LayerSummary& summary = out.summary;
    summary.source = source;
    summary.driver = driver;
    summary.name = repaired_utf8(layer.GetName());
    summary.geometry_type = OGRGeometryTypeToName(layer.GetGeomType());
    summary.has_geometry = layer.GetGeomType() != wkbNone;
    const bool may_be_polygons = is_polygonal(layer.GetGeomType()) ||
                                 wkbFlatten(layer.GetGeomType()) == wkbUnknown ||
                                 wkbFlatten(layer.GetGeomType()) == wkbGeometryCollection;

    OGRFeatureDefn* definition = layer.GetLayerDefn();
    const int field_count = definition->GetFieldCount();
    std::vector<OGRFieldType> types;
    std::vector<FieldTally> tallies(static_cast<std::size_t>(field_count));
    for (int k = 0; k < field_count; ++k) {
        const OGRFieldDefn* field = definition->GetFieldDefn(k);
        types.push_back(field->GetType());
        std::string type = OGRFieldDefn::GetFieldTypeName(field->GetType());
        if (field->GetSubType() != OFSTNone)
            type += std::string("(") + OGRFieldDefn::GetFieldSubTypeName(field->GetSubType()) + ")";
        summary.fields.push_back({repaired_utf8(field->GetNameRef()), type, 0, 0, {}});
        tallies[static_cast<std::size_t>(k)].counts_values =
            lower_ascii(field->GetNameRef()) == "level";
    }

    if (const char* encoding = layer.GetMetadataItem("SOURCE_ENCODING", "SHAPEFILE"))
        summary.encoding = encoding;
    std::unique_ptr<OGRCoordinateTransformation> transform = crs_of(layer, summary);
    const bool usable = summary.crs != CrsStatus::unusable;

    GdalMessages messages;
    std::vector<PendingExample> examples;
    std::vector<PendingShape> pending;
    std::uint64_t polygonal = 0, other = 0;
    layer.ResetReading();
    for (auto& feature : layer) {
        ++summary.features;
        std::vector<std::string> row;
        row.reserve(static_cast<std::size_t>(field_count));
        for (int k = 0; k < field_count; ++k) {
            std::string value = field_text(*feature, k, summary.not_utf8);
            FieldSummary& field = summary.fields[static_cast<std::size_t>(k)];
            FieldTally& tally = tallies[static_cast<std::size_t>(k)];
            if (value.empty()) {
                ++field.empty;
            } else {
                if (field.sample.empty()) field.sample = utf8_prefix(value, kSampleBytes);
                if (tally.values.size() < kMaxDistinct) tally.values.insert(value);
                if (tally.counts_values) ++tally.counts[value];
            }
            row.push_back(std::move(value));
        }
        const auto note = [&](FeatureCount& into, std::string detail) {
            if (into.count++ < kExamples)
                examples.push_back({&into, feature->GetFID(), row, std::move(detail)});
        };

        const OGRGeometry* geometry = feature->GetGeometryRef();
        if (!summary.has_geometry) continue;
        if (!geometry || geometry->IsEmpty()) {
            note(summary.empty_geometry, geometry ? "empty geometry" : "no geometry");
            continue;
        }
        const bool is_polygon = is_polygonal(geometry->getGeometryType());
        if (is_polygon) {
            ++polygonal;
        } else {
            ++other;
            note(summary.not_polygon, OGRGeometryTypeToName(geometry->getGeometryType()));
        }
        messages.clear();
        const bool valid = geometry->IsValid();
        if (!valid)
            note(summary.invalid,
                 messages.last().empty() ? "invalid" : shorter_numbers(messages.last()));
        if (!usable) continue;

        std::unique_ptr<OGRGeometry> copy(
            geometry->hasCurveGeometry() ? geometry->getLinearGeometry() : geometry->clone());
        copy->flattenTo2D();
        messages.clear();
        if (transform && copy->transform(transform.get()) != OGRERR_NONE) {
            note(summary.unprojectable,
                 messages.last().empty() ? "cannot be transformed to WGS84" : messages.last());
            continue;
        }
        OGREnvelope envelope;
        copy->getEnvelope(&envelope);
        merge(summary.extent, envelope);
        if (!is_polygon || !may_be_polygons) continue;
        if (!valid) copy = polygons_of(std::unique_ptr<OGRGeometry>(copy->MakeValid()));
        if (copy && !copy->IsEmpty()) pending.push_back({std::move(copy), std::move(row)});
    }

    for (std::size_t k = 0; k < tallies.size(); ++k)
        summary.fields[k].distinct = tallies[k].values.size();
    summary.polygons =
        summary.has_geometry && (is_polygonal(layer.GetGeomType()) ||
                                 (may_be_polygons && polygonal > 0 && polygonal >= other));
    if (!summary.polygons) {
        summary.not_polygon = {};  // only a problem in a polygon layer
        pending.clear();
    }

    FieldPick code = pick_code_field(summary, types);
    summary.code_field = code.field;
    summary.code_reason = code.reason;
    FieldPick name = pick_name_field(summary, types);
    summary.name_field = name.field;
    summary.name_reason = name.reason;
    const auto column = [&](const std::string& field) -> std::optional<std::size_t> {
        for (std::size_t k = 0; k < summary.fields.size(); ++k)
            if (!field.empty() && summary.fields[k].name == field) return k;
        return std::nullopt;
    };
    const auto code_column = column(summary.code_field);
    const auto name_column = column(summary.name_field);

    for (PendingExample& example : examples) {
        if (!summary.polygons && example.into == &summary.not_polygon) continue;
        FeatureExample shown;
        shown.code =
            code_column ? example.row[*code_column] : "feature " + std::to_string(example.fid);
        if (name_column && *name_column != code_column.value_or(summary.fields.size()))
            shown.name = example.row[*name_column];
        shown.detail = std::move(example.detail);
        example.into->examples.push_back(std::move(shown));
    }

    std::vector<double> areas;
    for (PendingShape& shape : pending) {
        AreaShape area;
        area.geometry = std::move(shape.geometry);
        area.geometry->getEnvelope(&area.envelope);
        area.area = OGR_G_Area(OGRGeometry::ToHandle(area.geometry.get()));
        if (code_column) area.code = shape.row[*code_column];
        if (name_column) area.name = shape.row[*name_column];
        areas.push_back(square_km(area.area, area.envelope));
        out.shapes.push_back(std::move(area));
    }
    if (!areas.empty()) {
        std::nth_element(areas.begin(),
                         areas.begin() + static_cast<std::ptrdiff_t>(areas.size() / 2),
                         areas.end());
        summary.median_area_km2 = areas[areas.size() / 2];
    }

    summary.level = level_from_field(tallies, summary, summary.level_reason);
    if (summary.level.empty()) {
        summary.level = level_key_of(summary.name);
        summary.level_reason = "from the layer's name";
    }
    if (summary.level.empty()) {
        summary.level = "level";
        summary.level_reason = "the layer's name gives no key (Latin letters and digits): edit";
    }
    summary.police_hint = police_hint_of(summary);
    return out;
}

}  // namespace citywall::city
