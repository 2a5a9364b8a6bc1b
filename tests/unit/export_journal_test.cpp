// citywall-export's library: a journal's incidents of a time window, read back through GDAL
// from each format the way QGIS would, on real San Francisco incidents.
#include "journal_export.hpp"

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "citywall/feed_time.hpp"
#include "citywall/incident_table.hpp"
#include "citywall/journal.hpp"
#include "citywall/wire.hpp"

namespace citywall::exporter {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kHour = 3'600'000;
// 2013-12-31T00:00:00Z, the day of the real incidents.
constexpr TimeMs kDay = 1'388'448'000'000;

struct RealIncident {
    std::string number, category, address;
    LonLat at;
    std::string district;  // the police district the file names
};

// The first `count` incidents of the real file, read with GDAL as the file is.
std::vector<RealIncident> real_incidents(std::size_t count) {
    GDALAllRegister();
    std::unique_ptr<GDALDataset> csv(GDALDataset::Open(
        CITYWALL_TEST_DATA "/real/sfpd_incidents.csv", GDAL_OF_VECTOR | GDAL_OF_READONLY));
    EXPECT_TRUE(csv);
    std::vector<RealIncident> out;
    if (!csv) return out;
    OGRLayer* layer = csv->GetLayer(0);
    for (auto& feature : *layer) {
        RealIncident incident{feature->GetFieldAsString("IncidntNum"),
                              feature->GetFieldAsString("Category"),
                              feature->GetFieldAsString("Address"),
                              {std::stod(feature->GetFieldAsString("lng")),
                               std::stod(feature->GetFieldAsString("lat"))},
                              feature->GetFieldAsString("PdDistrict")};
        out.push_back(std::move(incident));
        if (out.size() == count) break;
    }
    return out;
}

class ExportJournalTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("citywall-export-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        auto writer = JournalWriter::open({dir_ / "journal", 64u << 20, 0});
        ASSERT_TRUE(writer) << writer.error();
        journal_ = std::move(*writer);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(TimeMs at, const wire::Message& message) {
        std::string bytes = wire::encode(message);
        ASSERT_TRUE(journal_->append(
            {++seq_, at, static_cast<std::uint16_t>(wire::kind_of(message)), std::move(bytes)}));
    }
    void write(TimeMs at, Incident incident) {
        incident.updated = at;
        write(at, wire::Message{wire::IncidentUpdate{seq_ + 1, std::move(incident)}});
    }
    static Incident incident_of(std::uint64_t id, const RealIncident& real) {
        Incident incident;
        incident.id = id;
        incident.category = "police." + real.category;
        incident.title = real.category;
        incident.description = real.address;
        incident.location = real.at;
        incident.sources.push_back({"sfpd", real.number, IncidentStatus::reported, 0});
        incident.areas = {{"beat", "CENTRAL", "Central"}};
        return incident;
    }

    fs::path dir_;
    std::unique_ptr<JournalWriter> journal_;
    std::uint64_t seq_ = 0;
};

struct Read {
    std::map<std::uint64_t, std::unique_ptr<OGRFeature>> by_id;
    std::vector<std::string> fields;
    std::size_t changes = 0;
};

Read read_back(const fs::path& incidents, const fs::path& changes) {
    Read read;
    std::unique_ptr<GDALDataset> in(
        GDALDataset::Open(incidents.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    EXPECT_TRUE(in) << incidents;
    if (!in) return read;
    OGRLayer* layer = in->GetLayerByName("incidents");
    if (!layer) layer = in->GetLayer(0);
    EXPECT_TRUE(layer);
    if (!layer) return read;
    OGRFeatureDefn* definition = layer->GetLayerDefn();
    for (int i = 0; i < definition->GetFieldCount(); ++i)
        read.fields.push_back(definition->GetFieldDefn(i)->GetNameRef());
    for (auto& feature : *layer) {
        const auto id = static_cast<std::uint64_t>(feature->GetFieldAsInteger64("id"));
        read.by_id[id] = std::unique_ptr<OGRFeature>(feature.release());
    }
    std::unique_ptr<GDALDataset> out(
        GDALDataset::Open(changes.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    EXPECT_TRUE(out) << changes;
    if (!out) return read;
    OGRLayer* change_layer = out->GetLayerByName("status_changes");
    if (!change_layer) change_layer = out->GetLayer(0);
    read.changes = static_cast<std::size_t>(change_layer->GetFeatureCount());
    return read;
}

TEST_F(ExportJournalTest, AWindowHoldsWhatWasOpenInItAsItStoodAtItsEndInEveryFormat) {
    const auto real = real_incidents(400);
    ASSERT_EQ(real.size(), 400u);
    const TimeMs from = kDay + 10 * kHour, to = kDay + 12 * kHour;
    // 0-99: opened and closed before the window (left out).
    // 100-199: opened before the window, open when it begins, unchanged in it (in, reported).
    // 200-299: opened in the window, on scene, resolved in it (in, resolved, 3 changes each).
    // 300-399: opened after the window (left out).
    for (std::uint64_t k = 0; k < 400; ++k) {
        Incident incident = incident_of(k + 1, real[k]);
        const TimeMs opened = k < 200   ? kDay + 8 * kHour + static_cast<TimeMs>(k) * 1000
                              : k < 300 ? from + static_cast<TimeMs>(k) * 1000
                                        : to + kHour;
        incident.received = opened;
        write(opened, incident);
        if (k < 100) {
            incident.status = IncidentStatus::closed;
            write(opened + 60'000, incident);
        } else if (k >= 200 && k < 300) {
            incident.status = IncidentStatus::on_scene;
            write(opened + 60'000, incident);
            incident.severity = Severity::major;  // not a status change
            write(opened + 90'000, incident);
            incident.status = IncidentStatus::resolved;
            write(opened + 120'000, incident);
        }
        if (k % 50 == 0) {  // a unit's fix between them: not an incident
            Unit unit;
            unit.department = "sfpd";
            unit.id = "car-" + std::to_string(k);
            unit.location = real[k].at;
            write(opened + 1, wire::Message{wire::UnitUpdate{seq_ + 1, unit}});
        }
    }
    ASSERT_TRUE(journal_->sync());

    for (const char* name : {"window.gpkg", "window.csv", "window.geojson"}) {
        SCOPED_TRACE(name);
        ExportRequest request;
        request.journal = dir_ / "journal";
        request.out = dir_ / name;
        auto format = format_of(request.out);
        ASSERT_TRUE(format) << format.error();
        request.format = *format;
        request.from = from;
        request.to = to;
        auto done = export_incidents(request);
        ASSERT_TRUE(done) << done.error();
        EXPECT_EQ(done->incidents, 200u);
        EXPECT_EQ(done->still_open, 100u);
        EXPECT_EQ(done->status_changes, 300u);  // opened, on scene, resolved
        EXPECT_EQ(done->undecodable, 0u);

        const Read read = read_back(request.out, done->changes_out);
        // Every column of the schema, by its name, then a code and a name column for each area
        // level the rows name, and nothing else (but the format's own).
        std::vector<std::string> expected;
        for (const Column& column : incident_columns())
            expected.push_back(column.name);
        expected.push_back("beat_code");
        expected.push_back("beat_name");
        std::erase_if(const_cast<std::vector<std::string>&>(read.fields),
                      [](const std::string& f) { return f == "fid"; });
        EXPECT_EQ(read.fields, expected);
        ASSERT_EQ(read.by_id.size(), 200u);
        EXPECT_EQ(read.changes, 300u);
        for (std::uint64_t k = 100; k < 300; ++k) {
            const auto it = read.by_id.find(k + 1);
            ASSERT_NE(it, read.by_id.end()) << k;
            const OGRFeature& row = *it->second;
            EXPECT_STREQ(row.GetFieldAsString("status"), k < 200 ? "reported" : "resolved");
            EXPECT_STREQ(row.GetFieldAsString("severity"), k < 200 ? "moderate" : "major");
            EXPECT_EQ(row.GetFieldAsString("category"), "police." + real[k].category);
            EXPECT_EQ(row.GetFieldAsString("description"), real[k].address);
            // Positions as the journal holds them, to the last bit.
            EXPECT_EQ(row.GetFieldAsDouble("lon"), real[k].at.lon) << k;
            EXPECT_EQ(row.GetFieldAsDouble("lat"), real[k].at.lat) << k;
            if (const OGRGeometry* g = row.GetGeometryRef()) {
                EXPECT_EQ(g->toPoint()->getX(), real[k].at.lon);
                EXPECT_EQ(g->toPoint()->getY(), real[k].at.lat);
            }
            // GeoJSON gives the JSON back in its own spacing.
            std::string sources = row.GetFieldAsString("sources");
            std::erase(sources, ' ');
            EXPECT_NE(sources.find("\"source_id\":\"" + real[k].number + "\""), std::string::npos)
                << sources;
            EXPECT_STREQ(row.GetFieldAsString("beat_code"), "CENTRAL");
            int year = 0, month = 0, day = 0, hour = 0, minute = 0, zone = 0;
            float second = 0;
            ASSERT_TRUE(const_cast<OGRFeature&>(row).GetFieldAsDateTime(
                row.GetFieldIndex("received"), &year, &month, &day, &hour, &minute, &second,
                &zone));
            EXPECT_EQ(year, 2013);
            EXPECT_EQ(month, 12);
            EXPECT_EQ(day, 31);
            EXPECT_EQ(hour, k < 200 ? 8 : 10 + static_cast<int>(k / 3600));
            EXPECT_FALSE(row.IsFieldSetAndNotNull(row.GetFieldIndex("occurred")))
                << "no time is a null, not 1970";
        }
    }
}

TEST_F(ExportJournalTest, AnExistingOutputIsReplacedOnlyWhenAskedAndTheJournalMustBeThere) {
    write(kDay, incident_of(1, real_incidents(1).at(0)));
    ASSERT_TRUE(journal_->sync());
    ExportRequest request;
    request.journal = dir_ / "journal";
    request.out = dir_ / "out.gpkg";
    ASSERT_TRUE(export_incidents(request));
    auto again = export_incidents(request);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error_value().kind, ErrorKind::refused);
    request.replace = true;
    auto replaced = export_incidents(request);
    ASSERT_TRUE(replaced) << replaced.error();
    EXPECT_EQ(replaced->incidents, 1u);

    request.journal = dir_ / "no-such-journal";
    request.out = dir_ / "other.gpkg";
    auto missing = export_incidents(request);
    ASSERT_FALSE(missing);
    EXPECT_FALSE(fs::exists(request.out)) << "nothing is written from no journal";

    request.journal = dir_ / "journal";
    request.from = kDay + kHour;
    request.to = kDay;
    EXPECT_FALSE(export_incidents(request)) << "a window that ends before it begins";
}

// The league table's rows as written (docs/export.md, "league"), by scope and code.
struct LeagueRead {
    std::map<std::pair<std::string, std::string>, std::unique_ptr<OGRFeature>> rows;
    const OGRFeature* row(const std::string& scope, const std::string& code) const {
        const auto it = rows.find({scope, code});
        return it == rows.end() ? nullptr : it->second.get();
    }
};

LeagueRead read_league(const fs::path& path) {
    LeagueRead read;
    std::unique_ptr<GDALDataset> in(
        GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    EXPECT_TRUE(in) << path;
    if (!in) return read;
    OGRLayer* layer = in->GetLayerByName("league");
    if (!layer) layer = in->GetLayer(0);
    for (auto& feature : *layer) {
        std::pair<std::string, std::string> key{feature->GetFieldAsString("scope"),
                                                feature->GetFieldAsString("code")};
        read.rows[std::move(key)] = std::unique_ptr<OGRFeature>(feature.release());
    }
    return read;
}

TEST_F(ExportJournalTest, TheLeagueOfAMonthCountsTheCaseStepsTakenInItByTheWallsRule) {
    // Sixty real incidents, each a case: ordered (the first twenty before the month, then one
    // every 12 h), signed 5 min later (the even departments' every other case late), resolved a
    // day later (on time when its number is a multiple of 3; the last ten after the month), and
    // every fifth resolved one called back. Each step is followed by an event that repeats it
    // (a change of severity), which must not count again.
    const auto real = real_incidents(60);
    ASSERT_EQ(real.size(), 60u);
    const TimeMs from = kDay, to = kDay + 30 * 24 * kHour;
    std::vector<std::pair<TimeMs, Incident>> events;
    std::map<std::string, int> ordered_in_district;
    for (std::uint64_t k = 0; k < 60; ++k) {
        Incident incident = incident_of(k + 1, real[k]);
        incident.areas = {{"city", "SF", "San Francisco"},
                          {"police_district", real[k].district, real[k].district}};
        const std::string department = k % 2 == 0 ? "sfpd" : "dpw";
        const TimeMs ordered =
            k < 20 ? from - 2 * kHour : from + static_cast<TimeMs>(k - 20) * 12 * kHour;
        if (k >= 20) ++ordered_in_district[real[k].district];
        incident.received = ordered - 60'000;
        events.emplace_back(incident.received, incident);
        CaseState& state = incident.case_state;
        state.department = department;
        state.sign_due = ordered + (k % 4 == 0 ? 60'000 : 600'000);
        state.resolve_due = ordered + (k % 3 == 0 ? 48 : 12) * kHour;
        auto step = [&](TimeMs at, CaseAction action) {
            CaseStep next;
            next.number = state.last.number + 1;
            next.time = at;
            next.action = action;
            next.actor = "leader";
            next.department = department;
            state.last = next;
            events.emplace_back(at, incident);
            incident.severity =
                incident.severity == Severity::major ? Severity::moderate : Severity::major;
            events.emplace_back(at + 1000, incident);
        };
        step(ordered, CaseAction::order);
        step(ordered + 300'000, CaseAction::sign);
        const TimeMs resolved = k < 50 ? ordered + 24 * kHour : to + kHour;
        step(resolved, CaseAction::resolve);
        if (k % 5 == 0 && k < 50) {
            state.satisfaction = k % 10 == 0 ? Satisfaction::satisfied : Satisfaction::dissatisfied;
            step(resolved + kHour, CaseAction::feedback);
        }
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [at, incident] : events)
        write(at, incident);
    ASSERT_TRUE(journal_->sync());

    for (const char* name : {"month.gpkg", "month.csv", "month.geojson"}) {
        SCOPED_TRACE(name);
        ExportRequest request;
        request.journal = dir_ / "journal";
        request.out = dir_ / name;
        request.format = *format_of(request.out);
        request.from = from;
        request.to = to;
        auto done = export_incidents(request);
        ASSERT_TRUE(done) << done.error();
        EXPECT_EQ(done->league_level, "police_district");
        EXPECT_EQ(done->league_out,
                  request.format == Format::geopackage
                      ? request.out
                      : dir_ / ("month_league" + request.out.extension().string()));
        // 40 orders and signings, 50 resolutions, 10 call-backs in the month.
        EXPECT_EQ(done->case_steps, 40u + 40u + 50u + 10u);

        const LeagueRead league = read_league(done->league_out);
        const OGRFeature* total = league.row("total", "");
        ASSERT_TRUE(total);
        EXPECT_EQ(total->GetFieldAsInteger64("ordered"), 40);
        EXPECT_EQ(total->GetFieldAsInteger64("signed_for"), 40);
        EXPECT_EQ(total->GetFieldAsInteger64("signed_on_time"), 30);
        EXPECT_EQ(total->GetFieldAsInteger64("resolved"), 50);
        EXPECT_EQ(total->GetFieldAsInteger64("resolved_on_time"), 17);
        EXPECT_EQ(total->GetFieldAsInteger64("satisfied"), 5);
        EXPECT_EQ(total->GetFieldAsInteger64("dissatisfied"), 5);
        EXPECT_FALSE(total->IsFieldSetAndNotNull(total->GetFieldIndex("return_rate")) &&
                     total->GetFieldAsDouble("return_rate") != 0);

        // sfpd signs late more often but resolves on time more often: it ranks first.
        const OGRFeature* sfpd = league.row("department", "sfpd");
        const OGRFeature* dpw = league.row("department", "dpw");
        ASSERT_TRUE(sfpd && dpw);
        EXPECT_EQ(sfpd->GetFieldAsInteger64("rank"), 1);
        EXPECT_EQ(dpw->GetFieldAsInteger64("rank"), 2);
        EXPECT_EQ(sfpd->GetFieldAsInteger64("ordered"), 20);
        EXPECT_DOUBLE_EQ(sfpd->GetFieldAsDouble("sign_on_time_rate"), 0.5);
        EXPECT_DOUBLE_EQ(dpw->GetFieldAsDouble("sign_on_time_rate"), 1.0);
        EXPECT_DOUBLE_EQ(sfpd->GetFieldAsDouble("resolve_on_time_rate"), 9.0 / 25);
        EXPECT_DOUBLE_EQ(dpw->GetFieldAsDouble("resolve_on_time_rate"), 8.0 / 25);
        EXPECT_DOUBLE_EQ(sfpd->GetFieldAsDouble("satisfaction_rate"), 1.0);
        EXPECT_DOUBLE_EQ(dpw->GetFieldAsDouble("satisfaction_rate"), 0.0);

        // The police districts the real file names, each with the orders of its cases.
        int rows = 0;
        for (const auto& [district, count] : ordered_in_district) {
            const OGRFeature* row = league.row("police_district", district);
            ASSERT_TRUE(row) << district;
            EXPECT_EQ(row->GetFieldAsInteger64("ordered"), count) << district;
            EXPECT_STREQ(row->GetFieldAsString("name"), district.c_str());
            ++rows;
        }
        EXPECT_GE(rows, 3);
    }
}

TEST(ExportTime, TakesTimesWithAZoneOrEpochMillisecondsAndRefusesTheRest) {
    const auto at = [](const char* text) -> TimeMs {
        auto parsed = parse_moment(text);
        EXPECT_TRUE(parsed) << text << ": " << parsed.error();
        return parsed ? *parsed : -1;
    };
    EXPECT_EQ(at("2013-12-31T08:00:00+08:00"), kDay);
    EXPECT_EQ(at("2013-12-31T00:00:00Z"), kDay);
    EXPECT_EQ(at("2013-12-30T16:00:00-08:00"), kDay);  // west of Greenwich
    EXPECT_EQ(at("2013-12-30T20:30:00-03:30"), kDay);
    EXPECT_EQ(at("2013-12-31T00:00:01.250Z"), kDay + 1250);
    EXPECT_EQ(at("1388448000000"), kDay);
    auto local = parse_moment("2013-12-31T08:00:00");
    ASSERT_FALSE(local);
    EXPECT_NE(local.error().find("no zone"), std::string::npos) << local.error();
    EXPECT_FALSE(parse_moment(""));
    EXPECT_FALSE(parse_moment("yesterday"));
    EXPECT_FALSE(parse_moment("99999999999999999999999"));
}

TEST(ExportFormat, IsToldByTheExtension) {
    EXPECT_EQ(*format_of("a/b.GPKG"), Format::geopackage);
    EXPECT_EQ(*format_of("x.csv"), Format::csv);
    EXPECT_EQ(*format_of("x.geojson"), Format::geojson);
    EXPECT_FALSE(format_of("x.shp"));
}

}  // namespace
}  // namespace citywall::exporter
