// citywall-export: the incidents of a time window, from a journal, for QGIS and spreadsheets.
//
//   citywall-export --journal demo-journal --out may-first.gpkg
//                   --from 2024-05-01T00:00:00+08:00 --to 2024-05-02T00:00:00+08:00
//
// writes every incident open at some moment of the window, as it stood at the window's end,
// and every change of status in it (docs/export.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "citywall/feed_time.hpp"
#include "journal_export.hpp"

namespace {

using namespace citywall;

int fail(const std::string& message) {
    std::fprintf(stderr, "citywall-export: %s\n", message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "citywall-export: a journal's incidents of a time window to GeoPackage, CSV or "
        "GeoJSON"};
    exporter::ExportRequest request;
    std::string journal, out, from, to, format;
    app.add_option("-j,--journal", journal, "the journal directory (ingest's journal_dir)")
        ->required();
    app.add_option("-o,--out", out, "the output file: .gpkg, .csv or .geojson")->required();
    app.add_option("--from", from,
                   "the window's start: ISO 8601 with a zone, or epoch ms (default: the "
                   "journal's start)");
    app.add_option("--to", to, "the window's end, the same way (default: the journal's end)");
    app.add_option("-f,--format", format, "gpkg, csv or geojson (default: from --out)");
    app.add_option("--league-level", request.league_level,
                   "the area level the league table ranks beside the departments (default: the "
                   "level below the first, the streets)");
    app.add_flag("--replace", request.replace, "write over an existing output");
    app.footer(
        "Times are when ingest recorded each event. CSV and GeoJSON hold one table a file: "
        "the status changes go to NAME_status_changes.csv (.geojson) beside NAME, the league "
        "table of the window's case steps to NAME_league.csv (.geojson).");
    CLI11_PARSE(app, argc, argv);

    request.journal = journal;
    request.out = out;
    if (format.empty()) {
        auto guessed = exporter::format_of(request.out);
        if (!guessed) return fail(guessed.error());
        request.format = *guessed;
    } else if (format == "gpkg") {
        request.format = exporter::Format::geopackage;
    } else if (format == "csv") {
        request.format = exporter::Format::csv;
    } else if (format == "geojson") {
        request.format = exporter::Format::geojson;
    } else {
        return fail("--format must be gpkg, csv or geojson, not '" + format + "'");
    }
    for (auto [text, into] : {std::pair{&from, &request.from}, std::pair{&to, &request.to}}) {
        if (text->empty()) continue;
        auto parsed = citywall::parse_moment(*text);
        if (!parsed) return fail(parsed.error());
        *into = *parsed;
    }
    auto done = exporter::export_incidents(request);
    if (!done) return fail(done.error());
    std::fprintf(stderr,
                 "citywall-export: %llu incidents (%llu open at the window's end) to %s, %llu "
                 "status changes to %s; %llu events read",
                 static_cast<unsigned long long>(done->incidents),
                 static_cast<unsigned long long>(done->still_open), request.out.c_str(),
                 static_cast<unsigned long long>(done->status_changes), done->changes_out.c_str(),
                 static_cast<unsigned long long>(done->events_read));
    std::fprintf(stderr, "; the league of %llu case steps to %s",
                 static_cast<unsigned long long>(done->case_steps), done->league_out.c_str());
    if (!done->league_level.empty())
        std::fprintf(stderr, " (departments and %s)", done->league_level.c_str());
    if (done->undecodable != 0)
        std::fprintf(stderr, ", %llu this build cannot decode (skipped)",
                     static_cast<unsigned long long>(done->undecodable));
    if (done->damaged != 0)
        std::fprintf(stderr, ", %llu stretches of damage read past",
                     static_cast<unsigned long long>(done->damaged));
    std::fprintf(stderr, "\n");
    return 0;
}
