// What citywall-export does, as a library its tests call: the incidents of a time window, read
// from a journal, written through GDAL (docs/export.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall::exporter {

enum class Format { geopackage, csv, geojson };

struct ExportRequest {
    std::filesystem::path journal;
    std::filesystem::path out;
    Format format = Format::geopackage;
    // The window, by when ingest recorded each event (ms since the epoch, UTC); open ends are
    // the journal's ends.
    std::optional<TimeMs> from, to;
    bool replace = false;  // an existing output is replaced instead of refused
    // The areas the league table ranks beside the departments (docs/dispatch.md, "League
    // table"); empty: the level below the first the incidents name, as ingest ranks its day.
    std::string league_level;
};

struct ExportSummary {
    std::uint64_t events_read = 0;  // records of the journal read up to the window's end
    std::uint64_t undecodable = 0;  // records no decoder of this build reads: skipped
    std::uint64_t damaged = 0;      // stretches of damage the reader read past
    std::uint64_t incidents = 0;    // rows of the incidents layer
    std::uint64_t still_open = 0;   // of them, open at the window's end
    std::uint64_t status_changes = 0;
    std::filesystem::path changes_out;  // where the status changes went (CSV, GeoJSON: a file)
    std::uint64_t case_steps = 0;       // steps of cases taken in the window: the league's
    std::string league_level;           // the level its areas are of; empty: no area named one
    std::filesystem::path league_out;   // where the league table went (CSV, GeoJSON: a file)
};

// The format an output path's extension names (.gpkg, .csv, .geojson/.json).
Result<Format> format_of(const std::filesystem::path& out);

// Every incident open at some moment of the window — opened or changed in it, or open when it
// began — as it stood at the window's end, every change of status in the window, and the
// league table of the case steps taken in it (a month's assessment, by the wall's rule).
Result<ExportSummary> export_incidents(const ExportRequest& request);

}  // namespace citywall::exporter
