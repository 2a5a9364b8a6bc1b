// Real San Francisco data through the real ingest: every incident must land in exactly the
// police district that an exact reference join (GDAL's SQLite dialect, ST_Intersects) gives.
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <zmq.hpp>

#include "citywall/wire.hpp"
#include "loopback.hpp"

namespace citywall {
namespace {

const std::filesystem::path kData = CITYWALL_TEST_DATA "/real";

struct Record {
    std::string id, pd_district, lng, lat;
};

// The CSV has quoted fields with commas (Descript, Location); only plain fields are needed.
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            fields.emplace_back();
        } else {
            fields.back().push_back(c);
        }
    }
    return fields;
}

std::vector<Record> read_incidents() {
    std::ifstream in(kData / "sfpd_incidents.csv");
    std::string line;
    std::getline(in, line);
    std::vector<Record> records;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto f = split_csv(line);
        if (f.size() < 11) continue;
        // IncidntNum repeats when one report has several offences: the row makes it unique.
        records.push_back({f[0] + "-" + std::to_string(records.size()), f[6], f[9], f[10]});
    }
    return records;
}

// id → every district whose polygon intersects the point, by GDAL/SpatiaLite.
std::map<std::string, std::set<std::string>> reference_join(const std::vector<Record>& records) {
    GDALAllRegister();
    auto* mem = GetGDALDriverManager()->GetDriverByName("Memory");
    std::unique_ptr<GDALDataset> ds(mem->Create("", 0, 0, 0, GDT_Unknown, nullptr));
    std::unique_ptr<GDALDataset> districts(GDALDataset::Open(
        (kData / "sfpd_districts.geojson").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
    ds->CopyLayer(districts->GetLayer(0), "districts");
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
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
    OGRLayer* result = ds->ExecuteSQL(
        "SELECT p.id, d.DISTRICT FROM points p, districts d "
        "WHERE ST_Intersects(p.geometry, d.geometry)",
        nullptr, "SQLITE");
    EXPECT_NE(result, nullptr);
    if (!result) return joined;
    for (auto& f : *result)
        joined[f->GetFieldAsString(0)].insert(f->GetFieldAsString(1));
    ds->ReleaseResultSet(result);
    return joined;
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
    config.placement.beat_source = kData / "sfpd_districts.geojson";
    config.placement.beat_layer = "";
    config.placement.beat_code_field = "DISTRICT";
    config.placement.beat_name_field = "DISTRICT";
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
                placed[u->incident.sources.at(0).source_id] = u->incident.beat.code;
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
}

}  // namespace
}  // namespace citywall
