#include "journal_export.hpp"

#include <gdal_priv.h>
#include <ogr_core.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <vector>

#include "citywall/case_league.hpp"
#include "citywall/feed_time.hpp"
#include "citywall/incident_table.hpp"
#include "citywall/journal.hpp"
#include "citywall/wire.hpp"

namespace citywall::exporter {

namespace {

namespace fs = std::filesystem;

struct CloseDataset {
    void operator()(GDALDataset* dataset) const { GDALClose(dataset); }
};
using Dataset = std::unique_ptr<GDALDataset, CloseDataset>;

const char* driver_name(Format format) {
    switch (format) {
        case Format::geopackage:
            return "GPKG";
        case Format::csv:
            return "CSV";
        case Format::geojson:
            return "GeoJSON";
    }
    return "GPKG";
}

// CSV and GeoJSON hold one table a file: the status changes and the league go beside the
// incidents (NAME_status_changes.csv, NAME_league.csv); a GeoPackage holds them all.
fs::path table_path(const ExportRequest& request, std::string_view table) {
    if (request.format == Format::geopackage) return request.out;
    fs::path path = request.out;
    path.replace_filename(request.out.stem().string() + "_" + std::string(table) +
                          request.out.extension().string());
    return path;
}

Result<void> make_room(const fs::path& path, bool replace) {
    std::error_code error;
    if (!fs::exists(path, error)) return {};
    if (!replace)
        return Error{ErrorKind::refused,
                     path.string() + " exists (give --replace to write over it)"};
    fs::remove(path, error);
    if (error)
        return Error{ErrorKind::io, "cannot remove " + path.string() + ": " + error.message()};
    return {};
}

Result<Dataset> create(Format format, const fs::path& path) {
    GDALAllRegister();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name(format));
    if (!driver)
        return Error{ErrorKind::unsupported,
                     std::string("GDAL has no ") + driver_name(format) + " driver"};
    Dataset dataset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!dataset)
        return Error{ErrorKind::io, "cannot create " + path.string() + ": " + CPLGetLastErrorMsg()};
    return dataset;
}

OGRFieldType field_type(ColumnType type, OGRFieldSubType& subtype) {
    subtype = OFSTNone;
    switch (type) {
        case ColumnType::integer:
            return OFTInteger64;
        case ColumnType::real:
            return OFTReal;
        case ColumnType::boolean:
            subtype = OFSTBoolean;
            return OFTInteger;
        case ColumnType::time:
            return OFTDateTime;
        case ColumnType::json:
            subtype = OFSTJSON;
            return OFTString;
        case ColumnType::text:
            return OFTString;
    }
    return OFTString;
}

// A layer of WGS84 points (none for CSV, whose rows carry lon and lat as columns, nor for a
// table of no place: `points` false).
Result<OGRLayer*> create_layer(GDALDataset& dataset, Format format, const char* name,
                               const std::vector<Column>& columns, bool points = true) {
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    char** options = nullptr;
    // Positions exactly as the journal holds them, not rounded to 15 digits.
    if (format == Format::geojson) options = CSLSetNameValue(options, "SIGNIFICANT_FIGURES", "17");
    // The column types beside the file (NAME.csvt), so GDAL and QGIS read them back as written.
    if (format == Format::csv) options = CSLSetNameValue(options, "CREATE_CSVT", "YES");
    points = points && format != Format::csv;
    OGRLayer* layer =
        dataset.CreateLayer(name, points ? &wgs84 : nullptr, points ? wkbPoint : wkbNone, options);
    CSLDestroy(options);
    if (!layer) return Error{ErrorKind::io, std::string("cannot create layer ") + name};
    for (const Column& column : columns) {
        OGRFieldSubType subtype;
        OGRFieldDefn definition(column.name.c_str(), field_type(column.type, subtype));
        definition.SetSubType(subtype);
        if (layer->CreateField(&definition) != OGRERR_NONE)
            return Error{ErrorKind::io, "cannot create field " + column.name};
    }
    return layer;
}

void set_time(OGRFeature& feature, int index, TimeMs ms) {
    const std::time_t seconds = static_cast<std::time_t>(std::floor(ms / 1000.0));
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    const double millis = static_cast<double>(ms - static_cast<TimeMs>(seconds) * 1000);
    feature.SetField(index, utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                     utc.tm_min, static_cast<float>(utc.tm_sec + millis / 1000.0), 100);
}

void set_cell(OGRFeature& feature, int index, ColumnType type, const Cell& cell) {
    std::visit(
        [&](const auto& value) {
            using V = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<V, std::monostate>) {
                feature.SetFieldNull(index);
            } else if constexpr (std::is_same_v<V, std::string>) {
                feature.SetField(index, value.c_str());
            } else if constexpr (std::is_same_v<V, std::int64_t>) {
                if (type == ColumnType::time) {
                    set_time(feature, index, value);
                } else {
                    feature.SetField(index, static_cast<GIntBig>(value));
                }
            } else if constexpr (std::is_same_v<V, double>) {
                feature.SetField(index, value);
            } else {
                feature.SetField(index, value ? 1 : 0);
            }
        },
        cell);
}

Result<void> add_row(OGRLayer& layer, const std::vector<Column>& columns,
                     const std::vector<Cell>& cells, const LonLat* at) {
    OGRFeature feature(layer.GetLayerDefn());
    for (std::size_t i = 0; i < columns.size(); ++i)
        set_cell(feature, static_cast<int>(i), columns[i].type, cells[i]);
    if (at && layer.GetGeomType() != wkbNone) {
        OGRPoint point(at->lon, at->lat);
        feature.SetGeometry(&point);
    }
    if (layer.CreateFeature(&feature) != OGRERR_NONE)
        return Error{ErrorKind::io, std::string("cannot write a row: ") + CPLGetLastErrorMsg()};
    return {};
}

// One change of an incident's status within the window.
struct StatusChange {
    std::uint64_t seq = 0;
    TimeMs recorded = 0;
    std::uint64_t incident = 0;
    std::optional<IncidentStatus> before;  // none: the event opened it
    IncidentStatus status = IncidentStatus::reported;
    LonLat location;
};

const std::vector<Column>& change_columns() {
    static const std::vector<Column> columns = {
        {"seq", ColumnType::integer},      {"recorded", ColumnType::time},
        {"incident", ColumnType::integer}, {"previous_status", ColumnType::text},
        {"status", ColumnType::text},
    };
    return columns;
}

std::vector<Cell> change_cells(const StatusChange& change) {
    return {static_cast<std::int64_t>(change.seq), change.recorded,
            static_cast<std::int64_t>(change.incident),
            change.before ? Cell{std::string(to_string(*change.before))} : Cell{},
            std::string(to_string(change.status))};
}

const std::vector<Column>& league_columns() {
    static const std::vector<Column> columns = {
        {"scope", ColumnType::text},
        {"code", ColumnType::text},
        {"name", ColumnType::text},
        {"rank", ColumnType::integer},
        {"ordered", ColumnType::integer},
        {"signed_for", ColumnType::integer},
        {"signed_on_time", ColumnType::integer},
        {"sign_on_time_rate", ColumnType::real},
        {"resolved", ColumnType::integer},
        {"resolved_on_time", ColumnType::integer},
        {"resolve_on_time_rate", ColumnType::real},
        {"returns", ColumnType::integer},
        {"return_rate", ColumnType::real},
        {"satisfied", ColumnType::integer},
        {"basically_satisfied", ColumnType::integer},
        {"dissatisfied", ColumnType::integer},
        {"satisfaction_rate", ColumnType::real},
    };
    return columns;
}

std::vector<Cell> league_cells(const std::string& scope, const std::string& code,
                               const std::string& name, std::int64_t rank, const CaseCounts& c) {
    auto rate = [](std::optional<double> r) { return r ? Cell{*r} : Cell{}; };
    auto n = [](std::uint32_t v) { return Cell{static_cast<std::int64_t>(v)}; };
    return {scope,
            code,
            name,
            rank,
            n(c.ordered),
            n(c.signed_for),
            n(c.signed_on_time),
            rate(c.sign_on_time_rate()),
            n(c.resolved),
            n(c.resolved_on_time),
            rate(c.resolve_on_time_rate()),
            n(c.returns),
            rate(c.return_rate()),
            n(c.satisfied),
            n(c.basically_satisfied),
            n(c.dissatisfied),
            rate(c.satisfaction_rate())};
}

// The league's rows: the total, then the departments and the areas, each ranked best first (the
// wall's order), a rank of 1 the best.
Result<void> write_league(GDALDataset& dataset, Format format, const CaseLeague& league) {
    auto layer = create_layer(dataset, format, "league", league_columns(), false);
    if (!layer) return layer.error_value();
    if (auto added = add_row(**layer, league_columns(),
                             league_cells("total", "", "", 0, league.total), nullptr);
        !added)
        return added;
    struct Row {
        std::string code, name;
        const CaseCounts* counts;
    };
    auto ranked = [](std::vector<Row> rows) {
        std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
            return ranks_above(*a.counts, *b.counts);
        });
        return rows;
    };
    std::vector<Row> departments, areas;
    for (const auto& [code, counts] : league.departments)
        departments.push_back({code, "", &counts});
    for (const auto& [code, area] : league.areas)
        areas.push_back({code, area.name, &area.counts});
    for (const auto& [scope, rows] :
         {std::pair<std::string, std::vector<Row>>{"department", ranked(departments)},
          {league.area_level, ranked(areas)}}) {
        std::int64_t rank = 0;
        for (const Row& row : rows)
            if (auto added =
                    add_row(**layer, league_columns(),
                            league_cells(scope, row.code, row.name, ++rank, *row.counts), nullptr);
                !added)
                return added;
    }
    return {};
}

// What the journal says up to the window's end.
struct Reading {
    std::map<std::uint64_t, Incident> incidents;  // by id, as each stood last
    std::map<std::uint64_t, bool> in_window;      // the incidents to export
    std::vector<StatusChange> changes;
    CaseLeague league;  // the case steps taken in the window
};

}  // namespace

Result<Format> format_of(const fs::path& out) {
    std::string extension = out.extension().string();
    for (char& c : extension)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (extension == ".gpkg") return Format::geopackage;
    if (extension == ".csv") return Format::csv;
    if (extension == ".geojson" || extension == ".json") return Format::geojson;
    return Error{ErrorKind::invalid, "cannot tell the format of '" + out.string() +
                                         "' (.gpkg, .csv or .geojson; or give --format)"};
}

Result<ExportSummary> export_incidents(const ExportRequest& request) {
    using R = Result<ExportSummary>;
    ExportSummary summary;
    summary.changes_out = table_path(request, "status_changes");
    summary.league_out = table_path(request, "league");
    if (request.from && request.to && *request.to < *request.from)
        return R::failure(ErrorKind::invalid, "the window ends before it begins");
    auto reader = JournalReader::open(request.journal);
    if (!reader) return reader.because("journal: ");

    const TimeMs from = request.from.value_or(std::numeric_limits<TimeMs>::min());
    const TimeMs to = request.to.value_or(std::numeric_limits<TimeMs>::max());
    Reading reading;
    reading.league.area_level = request.league_level;
    wire::Message message;
    while (auto record = (*reader)->next()) {
        if (record->time > to) break;  // recorded in order: nothing after the window counts
        ++summary.events_read;
        if (!wire::decode_into(record->payload, message)) {
            ++summary.undecodable;
            continue;
        }
        auto* update = std::get_if<wire::IncidentUpdate>(&message);
        if (!update) continue;  // units, and what the stream alone carries
        Incident& incident = update->incident;
        if (reading.league.area_level.empty() && !incident.areas.empty())
            reading.league.area_level =
                incident.areas[std::min<std::size_t>(1, incident.areas.size() - 1)].level;
        auto stored = reading.incidents.find(incident.id);
        const std::optional<IncidentStatus> before =
            stored == reading.incidents.end() ? std::nullopt : std::optional(stored->second.status);
        if (record->time < from) {
            // Before the window: its steps are not the window's, and only what is still open
            // when it begins matters.
            reading.league.steps_seen[incident.id] = incident.case_state.last.number;
            if (incident.open()) {
                reading.incidents[incident.id] = std::move(incident);
            } else if (stored != reading.incidents.end()) {
                reading.incidents.erase(stored);
            }
            continue;
        }
        if (!before || *before != incident.status)
            reading.changes.push_back({record->seq, record->time, incident.id, before,
                                       incident.status, incident.location});
        summary.case_steps += reading.league.count_if_new(incident) ? 1 : 0;
        reading.in_window[incident.id] = true;
        reading.incidents[incident.id] = std::move(incident);
    }
    summary.damaged = (*reader)->stats().corrupt_records;
    // Open when the window began, unchanged since: in it all the same.
    for (const auto& [id, incident] : reading.incidents)
        if (incident.open()) reading.in_window[id] = true;

    if (auto room = make_room(request.out, request.replace); !room) return room.error_value();
    for (const fs::path& beside : {summary.changes_out, summary.league_out})
        if (beside != request.out)
            if (auto room = make_room(beside, request.replace); !room) return room.error_value();
    summary.league_level = reading.league.area_level;

    auto dataset = create(request.format, request.out);
    if (!dataset) return dataset.error_value();
    // Besides the schema's columns (`areas`, every level as JSON), a code and a name column for
    // each area level the rows name, in the order the levels first appear (the config's order):
    // district_code, district_name, …, beat_code: what a GIS joins and filters on.
    std::vector<Column> columns = incident_columns();
    std::vector<std::string> levels;
    for (const auto& [id, in] : reading.in_window)
        for (const AreaRef& area : reading.incidents.at(id).areas)
            if (std::find(levels.begin(), levels.end(), area.level) == levels.end())
                levels.push_back(area.level);
    for (const std::string& level : levels) {
        columns.push_back({level + "_code", ColumnType::text});
        columns.push_back({level + "_name", ColumnType::text});
    }
    auto incidents = create_layer(**dataset, request.format, "incidents", columns);
    if (!incidents) return incidents.error_value();
    // One transaction a layer: a GeoPackage of a busy day is written in seconds, not hours.
    (void)(*dataset)->StartTransaction();
    std::vector<Cell> cells;
    for (const auto& [id, in] : reading.in_window) {
        const Incident& incident = reading.incidents.at(id);
        incident_row(incident, cells);
        for (const std::string& level : levels) {
            const AreaRef* area = area_at(incident.areas, level);
            cells.push_back(area ? Cell(area->code) : Cell());
            cells.push_back(area ? Cell(area->name) : Cell());
        }
        if (auto added = add_row(**incidents, columns, cells, &incident.location); !added)
            return added.error_value();
        ++summary.incidents;
        summary.still_open += incident.open() ? 1 : 0;
    }
    if ((*dataset)->CommitTransaction() != OGRERR_NONE && request.format == Format::geopackage)
        return R::failure(ErrorKind::io, "cannot write " + request.out.string());

    Dataset changes_dataset;
    GDALDataset* target = dataset->get();
    if (summary.changes_out != request.out) {
        auto created = create(request.format, summary.changes_out);
        if (!created) return created.error_value();
        changes_dataset = std::move(*created);
        target = changes_dataset.get();
    }
    auto changes = create_layer(*target, request.format, "status_changes", change_columns());
    if (!changes) return changes.error_value();
    (void)target->StartTransaction();
    for (const StatusChange& change : reading.changes) {
        if (!reading.in_window.contains(change.incident)) continue;
        if (auto added =
                add_row(**changes, change_columns(), change_cells(change), &change.location);
            !added)
            return added.error_value();
        ++summary.status_changes;
    }
    if (target->CommitTransaction() != OGRERR_NONE && request.format == Format::geopackage)
        return R::failure(ErrorKind::io, "cannot write " + summary.changes_out.string());

    Dataset league_dataset;
    target = dataset->get();
    if (summary.league_out != request.out) {
        auto created = create(request.format, summary.league_out);
        if (!created) return created.error_value();
        league_dataset = std::move(*created);
        target = league_dataset.get();
    }
    if (auto league = write_league(*target, request.format, reading.league); !league)
        return league.error_value();
    return summary;
}

}  // namespace citywall::exporter
