// Real San Francisco data through the real ingest: every incident must land in exactly the
// police district that an exact reference join (GDAL's SQLite dialect, ST_Intersects = 1 on
// districts made valid) gives; and real incidents ordered, signed for, returned and resolved as
// cases, with the league table ranking the police districts.
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "citywall/local_day.hpp"
#include "citywall/wire.hpp"
#include "csv_fields.hpp"
#include "department_link.hpp"
#include "journal_export.hpp"
#include "league_from_journal.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

const std::filesystem::path kData = CITYWALL_TEST_DATA "/real";

struct Record {
    std::string id, pd_district, lng, lat;
};

std::vector<Record> read_incidents() {
    std::ifstream in(kData / "sfpd_incidents.csv");
    std::string line;
    std::getline(in, line);
    std::vector<Record> records;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto f = testing::csv_fields(line);
        if (f.size() < 11) continue;
        // IncidntNum repeats when one report has several offences: the row makes it unique.
        records.push_back({f[0] + "-" + std::to_string(records.size()), f[6], f[9], f[10]});
    }
    return records;
}

// The reference join. SpatiaLite's ST_Intersects answers 1, 0, or -1 when GEOS cannot read a
// geometry (a ring of 3 points, as real precinct files have), and SQL takes -1 for true: a bare
// WHERE ST_Intersects(...) puts such a polygon around every point. So only 1 counts, and each
// district is made valid first (GDAL's MakeValid) so that such a polygon still holds what it
// covers.
constexpr const char* kReferenceJoin =
    "SELECT p.id, d.DISTRICT FROM points p, districts d "
    "WHERE ST_Intersects(p.geometry, d.geometry) = 1";

// id → every district whose polygon intersects the point, by GDAL/SpatiaLite.
// `make_valid` false: the districts as they are, for the join's own test.
std::map<std::string, std::set<std::string>> reference_join(const std::vector<Record>& records,
                                                            OGRLayer& districts,
                                                            bool make_valid = true) {
    GDALAllRegister();
    auto* mem = GetGDALDriverManager()->GetDriverByName("Memory");
    std::unique_ptr<GDALDataset> ds(mem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* valid = ds->CreateLayer("districts", &wgs84, wkbUnknown, nullptr);
    OGRFieldDefn district_field("DISTRICT", OFTString);
    valid->CreateField(&district_field);
    districts.ResetReading();
    for (auto& district : districts) {
        OGRFeature feature(valid->GetLayerDefn());
        feature.SetField("DISTRICT", district->GetFieldAsString("DISTRICT"));
        if (const OGRGeometry* g = district->GetGeometryRef()) {
            // Unchanged when it is valid already; kept as it is when GEOS cannot mend it.
            std::unique_ptr<OGRGeometry> mended(make_valid ? g->MakeValid() : nullptr);
            feature.SetGeometry(mended ? mended.get() : g);
        }
        EXPECT_EQ(valid->CreateFeature(&feature), OGRERR_NONE);
    }
    OGRLayer* points = ds->CreateLayer("points", &wgs84, wkbPoint, nullptr);
    OGRFieldDefn id_field("id", OFTString);
    points->CreateField(&id_field);
    for (const auto& r : records) {
        OGRFeature feature(points->GetLayerDefn());
        feature.SetField("id", r.id.c_str());
        OGRPoint p(std::stod(r.lng), std::stod(r.lat));
        feature.SetGeometry(&p);
        EXPECT_EQ(points->CreateFeature(&feature), OGRERR_NONE);
    }
    std::map<std::string, std::set<std::string>> joined;
    OGRLayer* result = ds->ExecuteSQL(kReferenceJoin, nullptr, "SQLITE");
    EXPECT_NE(result, nullptr);
    if (!result) return joined;
    for (auto& f : *result)
        joined[f->GetFieldAsString(0)].insert(f->GetFieldAsString(1));
    ds->ReleaseResultSet(result);
    return joined;
}

std::map<std::string, std::set<std::string>> reference_join(const std::vector<Record>& records) {
    GDALAllRegister();
    std::unique_ptr<GDALDataset> districts(GDALDataset::Open(
        (kData / "sfpd_districts.geojson").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
    if (!districts) {
        ADD_FAILURE() << "cannot open sfpd_districts.geojson";
        return {};
    }
    return reference_join(records, *districts->GetLayer(0));
}

std::string report_json(const Record& r) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("id");
    w.String(r.id.c_str());
    w.Key("category");
    w.String("police.report");
    w.Key("lon");
    w.RawValue(r.lng.c_str(), r.lng.size(), rapidjson::kNumberType);  // the record's own digits
    w.Key("lat");
    w.RawValue(r.lat.c_str(), r.lat.size(), rapidjson::kNumberType);
    w.EndObject();
    return buffer.GetString();
}

// The join's own check: a district whose ring GEOS cannot read (3 points) holds no point, and
// a self-crossing one (a bow tie) holds what lies inside its loops; a wrong comparison or a
// missing MakeValid fails here before it can hide a misplacement below.
TEST(RealData, TheReferenceJoinCountsOnlyTrueIntersections) {
    GDALAllRegister();
    auto* mem = GetGDALDriverManager()->GetDriverByName("Memory");
    std::unique_ptr<GDALDataset> ds(mem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* districts = ds->CreateLayer("districts", nullptr, wkbUnknown, nullptr);
    OGRFieldDefn district_field("DISTRICT", OFTString);
    districts->CreateField(&district_field);
    for (const auto& [name, wkt] : {std::pair{"SQUARE", "POLYGON ((0 0,2 0,2 2,0 2,0 0))"},
                                    {"THREE POINTS", "POLYGON ((10 10,11 11,10 10))"},
                                    {"BOW TIE", "POLYGON ((4 0,6 2,6 0,4 2,4 0))"}}) {
        OGRFeature feature(districts->GetLayerDefn());
        feature.SetField("DISTRICT", name);
        OGRGeometry* g = nullptr;
        ASSERT_EQ(OGRGeometryFactory::createFromWkt(wkt, nullptr, &g), OGRERR_NONE);
        feature.SetGeometryDirectly(g);
        ASSERT_EQ(districts->CreateFeature(&feature), OGRERR_NONE);
    }
    const std::vector<Record> points = {
        {"in-square", "", "1", "1"},
        {"nowhere", "", "20", "20"},
        {"in-bow-tie", "", "4.2", "1"},
    };
    // As they are (ST_Intersects answers -1 for the ring of 3: only "= 1" keeps it out), and
    // made valid (the ring of 3 is a line then, the bow tie two triangles).
    for (const bool make_valid : {false, true}) {
        SCOPED_TRACE(make_valid ? "made valid" : "as they are");
        const auto joined = reference_join(points, *districts, make_valid);
        EXPECT_EQ(joined.size(), 2u);
        EXPECT_EQ(joined.count("nowhere"), 0u);
        ASSERT_EQ(joined.count("in-square"), 1u);
        EXPECT_EQ(joined.at("in-square"), std::set<std::string>{"SQUARE"});
        ASSERT_EQ(joined.count("in-bow-tie"), 1u);
        EXPECT_EQ(joined.at("in-bow-tie"), std::set<std::string>{"BOW TIE"});
    }
}

TEST(RealData, SanFranciscoIncidentsLandInTheExactPoliceDistrict) {
    auto records = read_incidents();
    ASSERT_EQ(records.size(), 9030u);
    auto reference = reference_join(records);

    auto journal = std::filesystem::temp_directory_path() /
                   ("citywall-realdata-" + std::to_string(::getpid()));
    std::filesystem::remove_all(journal);
    IngestConfig config;
    config.updates_endpoint = testing::loopback_endpoint();
    config.snapshot_endpoint = testing::loopback_endpoint();
    config.journal_dir = journal;
    config.keys_off = true;
    config.areas = {testing::sf_districts(kData / "sfpd_districts.geojson")};
    config.departments.push_back(
        testing::department_config("110", "SFPD", testing::loopback_endpoint(), "EPSG:4326", 60));

    std::map<std::string, std::string> placed;
    {
        testing::RunningIngest ingest(config);
        zmq::context_t context(1);
        zmq::socket_t updates(context, zmq::socket_type::sub);
        updates.set(zmq::sockopt::subscribe, "");
        updates.set(zmq::sockopt::rcvhwm, 0);
        updates.connect(config.updates_endpoint);
        zmq::socket_t feed(context, zmq::socket_type::push);
        feed.set(zmq::sockopt::sndhwm, 0);
        feed.connect(config.departments[0].endpoint);
        // Wait until the subscription is live: heartbeats arrive every second.
        zmq::message_t message;
        updates.set(zmq::sockopt::rcvtimeo, 5000);
        ASSERT_TRUE(updates.recv(message));

        for (const auto& r : records)
            feed.send(zmq::buffer(report_json(r)), zmq::send_flags::none);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (placed.size() < records.size() && std::chrono::steady_clock::now() < deadline) {
            if (!updates.recv(message)) break;
            auto decoded = wire::decode(message.to_string_view());
            ASSERT_TRUE(decoded.ok()) << decoded.error();
            if (const auto* u = std::get_if<wire::IncidentUpdate>(&*decoded))
                placed[u->incident.sources.at(0).source_id] =
                    testing::area_code(u->incident.areas, "beat");
        }
        ingest.stop();
        EXPECT_EQ(ingest.server().counters().rejected, 0u);
    }
    std::filesystem::remove_all(journal);
    ASSERT_EQ(placed.size(), records.size());

    std::size_t agree_with_reference = 0, on_shared_edge = 0, agree_with_pd = 0;
    for (const auto& r : records) {
        const auto& ours = placed.at(r.id);
        auto it = reference.find(r.id);
        std::set<std::string> theirs = it == reference.end() ? std::set<std::string>{} : it->second;
        if (theirs.empty()) {
            EXPECT_EQ(ours, "") << r.id << " lies outside every district";
        } else {
            EXPECT_TRUE(theirs.contains(ours)) << r.id << " placed in '" << ours << "'";
        }
        if (theirs.size() > 1) ++on_shared_edge;
        if (theirs.size() == 1 && theirs.contains(ours)) ++agree_with_reference;
        if (ours == r.pd_district) ++agree_with_pd;
    }
    std::printf(
        "placed %zu incidents: %zu match the reference join exactly, %zu on a shared "
        "edge, %zu (%.1f%%) agree with PdDistrict\n",
        records.size(), agree_with_reference, on_shared_edge, agree_with_pd,
        100.0 * static_cast<double>(agree_with_pd) / static_cast<double>(records.size()));
    EXPECT_GE(static_cast<double>(agree_with_pd), 0.97 * static_cast<double>(records.size()));
    // tests/data/real/README.md: 3 points lie on a shared edge. More would be a join that puts
    // points in polygons around them that GEOS could not read.
    EXPECT_EQ(on_shared_edge, 3u);
}

// Dispatch on real data: San Francisco's incidents reported by SFPD on its acknowledged feed,
// each ordered from a leader's console, signed for (a third of them late), a sixth returned
// and refused, all resolved. The league table ranks SFPD and the police districts (the city's
// one level), and every figure the wall shows comes again from the journal alone.
TEST(RealData, SanFranciscoCasesAreOrderedAndTheLeagueRanksThePoliceDistricts) {
    using namespace std::chrono_literals;
    auto records = read_incidents();
    records.resize(60);
    testing::ScratchDir scratch("citywall-realdata-dispatch");
    IngestConfig config;
    config.updates_endpoint = testing::loopback_endpoint();
    config.snapshot_endpoint = testing::loopback_endpoint();
    config.journal_dir = scratch.path() / "journal";
    config.heartbeat_ms = 100;
    config.keys_off = true;
    config.role_without_keys = WallRole::leader;  // one laptop: the wall may order
    config.areas = {testing::sf_districts(kData / "sfpd_districts.geojson", "district")};
    config.deadlines.minutes = {120, 120, 120, 120, 10};
    auto sfpd = testing::department_config("SFPD", "SFPD", testing::loopback_endpoint());
    sfpd.socket = FeedSocket::acknowledged;
    config.departments.push_back(sfpd);
    config.departments.push_back(
        testing::department_config("SFFD", "SFFD", testing::loopback_endpoint()));
    config.departments.back().socket = FeedSocket::acknowledged;
    // One hour after a local midnight, so the whole run falls on one day.
    std::atomic<TimeMs> now{local_day_start(1'780'000'000'000) + 3'600'000};
    ingest::StartOptions options;
    options.clock = [&] { return now.load(); };
    constexpr TimeMs kMin = 60'000;

    wire::DayCountsReport live;
    {
        testing::RunningIngest ingest(config, options);
        zmq::context_t context(1);
        testing::WallClient wall(context, config.updates_endpoint, config.snapshot_endpoint);
        std::this_thread::sleep_for(100ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        auto feed = department_link::AcknowledgedFeed::open(context, sfpd.endpoint);
        ASSERT_TRUE(feed) << feed.error();
        std::vector<std::string> orders;
        (*feed)->on_order([&](std::string_view json) { orders.emplace_back(json); });
        auto say = [&](const std::string& body) {
            std::optional<department_link::Answer> got;
            // Its own answer: the heartbeat a new connection speaks is answered too.
            (*feed)->on_answer([&](const department_link::Answer& a) {
                if (a.body == body) got = a;
            });
            EXPECT_TRUE((*feed)->send(body));
            for (int k = 0; k < 500 && !got; ++k)
                (*feed)->poll(10ms);
            return got ? got->outcome == department_link::Outcome::acknowledged : false;
        };
        for (const auto& r : records)
            ASSERT_TRUE(say(report_json(r)));
        ASSERT_TRUE(wall.pump_until(
            [&](const CityPicture& p) { return p.incidents().size() >= records.size(); }));
        std::vector<std::uint64_t> ids;
        for (const auto& [id, incident] : wall.picture.incidents())
            ids.push_back(id);
        std::sort(ids.begin(), ids.end());
        ASSERT_EQ(ids.size(), records.size());

        for (std::size_t k = 0; k < ids.size(); ++k) {
            const std::string order = "SF-" + std::to_string(k);
            auto step = [&](CaseAction action, std::string reason = {}) {
                wire::CaseCommand c;
                c.id = action == CaseAction::order ? order : order + "-" + std::to_string(now);
                c.incident = ids[k];
                c.action = action;
                c.department = action == CaseAction::order ? "SFPD" : "";
                c.reason = std::move(reason);
                const auto reply = wall.command(c);
                EXPECT_TRUE(reply && reply->accepted)
                    << k << " " << to_string(action) << ": "
                    << (reply ? reply->refusal + " " + reply->detail : "no reply");
            };
            step(CaseAction::order);
            if (k % 6 == 1) {
                ASSERT_TRUE(say(R"({"type":"case","order":")" + order +
                                R"(","action":"return_request","reason":"wrong_territory"})"));
                step(CaseAction::return_refuse);
            }
            now += k % 3 == 0 ? 15 * kMin : kMin;  // a third signed for late
            ASSERT_TRUE(say(R"({"type":"case","order":")" + order + R"(","action":"sign"})"));
            now += 2 * kMin;
            ASSERT_TRUE(say(R"({"type":"case","order":")" + order +
                            R"(","action":"resolve","note":"report taken"})"));
        }
        // The counts ride on the heartbeat, which waits for the test's clock: it goes on
        // while the wall waits, or a heartbeat sent just before the last step is the last.
        ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) {
            now += 200;
            if (!p.day_counts()) return false;
            for (const auto& c : p.day_counts()->counts)
                if (c.scope == wire::DayCount::Scope::total && c.cases.resolved == ids.size())
                    return true;
            return false;
        }));
        live = *wall.picture.day_counts();
        EXPECT_GE(orders.size(), ids.size());  // each order reached SFPD (repeats allowed)
        ingest.stop();
    }

    // The journal alone: each new step counted by core's rule, for its department and for the
    // case's police district.
    const auto league = testing::league_from_journal(config.journal_dir, "district");
    ASSERT_TRUE(league) << league.error();
    const CaseCounts& total = league->total;
    const auto& departments = league->departments;
    const auto& districts = league->areas;
    EXPECT_EQ(total.ordered, 60u);
    EXPECT_EQ(total.returns, 10u);
    EXPECT_EQ(total.signed_for, 60u);
    EXPECT_EQ(total.signed_on_time, 40u);
    EXPECT_EQ(total.resolved_on_time, 60u);
    std::size_t street_rows = 0;
    for (const auto& c : live.counts) {
        switch (c.scope) {
            case wire::DayCount::Scope::total:
                EXPECT_EQ(c.cases, total);
                break;
            case wire::DayCount::Scope::department:
                EXPECT_EQ(c.cases, departments.at(c.code)) << c.code;
                break;
            case wire::DayCount::Scope::street:
                EXPECT_EQ(c.cases, districts.at(c.code)) << c.code;
                EXPECT_EQ(c.name, c.code);  // SFPD's district names are their codes
                ++street_rows;
                break;
            default:
                break;
        }
    }
    EXPECT_EQ(street_rows, districts.size());
    EXPECT_GE(street_rows, 5u);  // the first 60 reports span most of the city's districts
    EXPECT_EQ(departments.at("SFPD"), total);

    // The day as a window of citywall-export's league table (docs/export.md): the wall's rows.
    exporter::ExportRequest request;
    request.journal = config.journal_dir;
    request.out = scratch.path() / "day.csv";
    request.format = exporter::Format::csv;
    request.from = live.day_start;
    request.to = live.day_start + 24 * 60 * kMin - 1;
    const auto exported = exporter::export_incidents(request);
    ASSERT_TRUE(exported) << exported.error();
    EXPECT_EQ(exported->league_level, "district");
    std::unique_ptr<GDALDataset> csv(
        GDALDataset::Open(exported->league_out.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(csv) << exported->league_out;
    std::map<std::pair<std::string, std::string>, CaseCounts> rows;
    for (auto& feature : *csv->GetLayer(0)) {
        auto n = [&](const char* field) {
            return static_cast<std::uint32_t>(feature->GetFieldAsInteger64(field));
        };
        rows[{feature->GetFieldAsString("scope"), feature->GetFieldAsString("code")}] = {
            n("ordered"),   n("signed_for"),          n("signed_on_time"),
            n("resolved"),  n("resolved_on_time"),    n("returns"),
            n("satisfied"), n("basically_satisfied"), n("dissatisfied")};
    }
    std::size_t compared = 0;
    for (const auto& c : live.counts) {
        const char* scope = c.scope == wire::DayCount::Scope::total        ? "total"
                            : c.scope == wire::DayCount::Scope::department ? "department"
                            : c.scope == wire::DayCount::Scope::street     ? "district"
                                                                           : nullptr;
        if (!scope || c.cases == CaseCounts{}) continue;
        const auto row = rows.find({scope, c.scope == wire::DayCount::Scope::total ? "" : c.code});
        ASSERT_NE(row, rows.end()) << scope << " " << c.code;
        EXPECT_EQ(row->second, c.cases) << scope << " " << c.code;
        ++compared;
    }
    EXPECT_EQ(compared, 2 + districts.size());  // the total, SFPD, every district
}

}  // namespace
}  // namespace citywall
