// Two ingests chained on loopback: a county centre's merged stream is a feed of the city
// centre, which keeps the original departments and where and when each incident came from.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <thread>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "citywall/keys.hpp"
#include "department_keys.hpp"
#include "key_pairs.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

IngestConfig centre_config(const std::string& name) {
    IngestConfig config;
    config.updates_endpoint = testing::loopback_endpoint();
    config.snapshot_endpoint = testing::loopback_endpoint();
    config.journal_dir = std::filesystem::temp_directory_path() /
                         ("citywall-federation-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(config.journal_dir);
    config.heartbeat_ms = 200;
    config.keys_off = true;
    config.areas = {testing::sf_districts(std::filesystem::path(CITYWALL_TEST_DATA) /
                                          "real/sfpd_districts.geojson")};
    return config;
}

std::string report(const std::string& id, const std::string& status) {
    return R"({"id":")" + id + R"(","category":"fire.building","status":")" + status +
           R"(","lon":-122.41,"lat":37.76,"title":"仓库起火"})";
}

TEST(Federation, CountyStreamFeedsTheCityKeepingDepartmentsAndProvenance) {
    IngestConfig county = centre_config("county");
    county.departments.push_back(
        testing::department_config("119", "消防119", testing::loopback_endpoint()));
    IngestConfig city = centre_config("city");
    DepartmentConfig link =
        testing::department_config("county-a", "县中心A", county.updates_endpoint);
    link.format = FeedFormat::citywall;
    link.socket = FeedSocket::sub;
    link.snapshot_endpoint = county.snapshot_endpoint;
    city.departments.push_back(link);

    zmq::context_t context(1);
    testing::RunningIngest county_ingest(county);
    zmq::socket_t fire(context, zmq::socket_type::push);
    fire.connect(county.departments[0].endpoint);
    // Reported before the city centre even starts: it must arrive through the snapshot.
    fire.send(zmq::buffer(report("F-1", "reported")));
    fire.send(zmq::buffer(report("F-2", "reported")));
    std::this_thread::sleep_for(300ms);

    testing::RunningIngest city_ingest(city);
    testing::WallClient wall(context, city.updates_endpoint, city.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.incidents().size() == 2; }));
    for (const Incident& incident : wall.picture.incidents().copy_all()) {
        ASSERT_EQ(incident.sources.size(), 1u);
        EXPECT_EQ(incident.sources[0].department, "county-a:119");
        EXPECT_EQ(incident.provenance.centre, "county-a");
        EXPECT_GT(incident.provenance.incident, 0u);
        EXPECT_GT(incident.provenance.seq, 0u);
        EXPECT_EQ(testing::area_code(incident.areas, "beat"), "MISSION");
        EXPECT_EQ(incident.title, "仓库起火");
    }

    // Live updates flow through, and a closing at the county closes it in the city.
    fire.send(zmq::buffer(report("F-3", "reported")));
    fire.send(zmq::buffer(report("F-1", "closed")));
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
        if (p.incidents().size() != 2) return false;
        for (const Incident& i : p.incidents().copy_all())
            if (i.sources[0].source_id == "F-1") return false;
        return true;
    }));
    EXPECT_EQ(wall.gaps, 0);
    city_ingest.stop();
    county_ingest.stop();
    std::filesystem::remove_all(county.journal_dir);
    std::filesystem::remove_all(city.journal_dir);
}

// With keys on at both centres: the city reads the county's wall stream with its own ingest key,
// which the county lists as one of its walls, and trusts only the county's ingest key.
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

TEST(Federation, WithKeysTheCityReadsTheCountyAsOneOfItsWalls) {
    testing::ScratchDir keys("citywall-federation-keys");
    auto pair = [&](const std::string& name) {
        auto made = generate_key_pair();
        if (!made) throw std::runtime_error(made.error());
        if (!write_key_files(keys.path(), name, *made, false))
            throw std::runtime_error("cannot write keys");
        return *made;
    };
    const KeyPair county_keys = pair("county"), city_keys = pair("city"), fire_keys = pair("119"),
                  city_wall_keys = pair("city-wall");

    IngestConfig county = centre_config("county-keyed");
    county.keys_off = false;
    county.ingest_key_file = keys.path() / "county.key";
    DepartmentConfig fire_department =
        testing::department_config("119", "消防119", testing::loopback_endpoint());
    fire_department.public_key = fire_keys.public_key;
    county.departments.push_back(fire_department);
    county.walls.push_back({"city", city_keys.public_key, {}, WallRole::viewer});

    IngestConfig city = centre_config("city-keyed");
    city.keys_off = false;
    city.ingest_key_file = keys.path() / "city.key";
    DepartmentConfig link =
        testing::department_config("county-a", "县中心A", county.updates_endpoint);
    link.format = FeedFormat::citywall;
    link.socket = FeedSocket::sub;
    link.snapshot_endpoint = county.snapshot_endpoint;
    link.public_key = county_keys.public_key;
    city.departments.push_back(link);
    city.walls.push_back({"city-wall", city_wall_keys.public_key, {}, WallRole::viewer});

    // Without the county's key the city cannot link to it at all.
    IngestConfig unkeyed_link = city;
    unkeyed_link.departments[0].public_key.clear();
    auto refused = ingest::IngestServer::create(unkeyed_link);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("county-a"), std::string::npos) << refused.error();

    zmq::context_t context(1);
    // The county does not list the city yet: the city is refused, and libzmq would never try
    // again. Once the county lists it (a restart there), the city gets in by itself.
    IngestConfig county_before = county;
    county_before.walls = {
        {"someone-else", testing::fresh_key_pair().public_key, {}, WallRole::viewer}};
    city.departments[0].heartbeat_s = 1;  // silent this long: the city connects afresh
    auto county_ingest = std::make_unique<testing::RunningIngest>(county_before);
    auto city_ingest = std::make_unique<testing::RunningIngest>(city);
    ASSERT_TRUE(eventually([&] { return county_ingest->server().counters().walls_refused >= 1; }));
    county_ingest.reset();
    county_ingest = std::make_unique<testing::RunningIngest>(county);
    zmq::socket_t fire(context, zmq::socket_type::push);
    fire.set(zmq::sockopt::linger, 0);
    ASSERT_TRUE(ingest::configure_department_client(fire, county_keys.public_key, fire_keys));
    fire.connect(county.departments[0].endpoint);
    fire.send(zmq::buffer(report("F-1", "reported")));

    testing::WallClient wall(context, city.updates_endpoint, city.snapshot_endpoint, 0,
                             WallKeys{city_wall_keys, city_keys.public_key});
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.incidents().size() == 1; }));
    EXPECT_EQ(wall.picture.incidents().copy_all()[0].sources[0].department, "county-a:119");
    EXPECT_EQ(county_ingest->server().counters().walls_refused, 0u);
    city_ingest.reset();
    county_ingest.reset();
    std::filesystem::remove_all(county.journal_dir);
    std::filesystem::remove_all(city.journal_dir);
}

}  // namespace
}  // namespace citywall
