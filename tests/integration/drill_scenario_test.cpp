// A drill's scenario played by the real ingest over loopback (docs/drills.md, "Scenarios"), on
// San Francisco's real police districts: each row arrives at its time after the drill's start as
// its department's report — a theft by position, a fire placed by its district's code and later
// on scene (the same report, by its id), and the weather service's CAP warning as the service
// writes it, status Exercise, which a drill takes and a live ingest refuses. A scenario with a
// mistake stops the drill before it starts, naming the line.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

constexpr TimeMs kStart = 1'790'000'000'000;

const char* kWarning = R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>NWS-SFO-RAIN-1</identifier>
  <sender>w-nws.webmaster@noaa.gov</sender>
  <sent>2019-01-16T04:00:00-08:00</sent>
  <status>Exercise</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Flash Flood Warning</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Flash flood warning for San Francisco</headline>
    <area>
      <areaDesc>San Francisco</areaDesc>
      <polygon>37.70,-122.52 37.70,-122.36 37.81,-122.36 37.81,-122.52 37.70,-122.52</polygon>
    </area>
  </info>
</alert>
)";

class DrillScenarioTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = testing::loopback_config(journal_.path() / "journal");
        config_.drill = true;
        config_.areas = {
            testing::sf_districts(CITYWALL_TEST_DATA "/real/sfpd_districts.geojson", "district")};
        config_.taxonomy.categories = {"police.theft", "fire.building", "weather.rainstorm"};
        for (const char* code : {"SFPD", "SFFD"})
            config_.departments.push_back(
                testing::department_config(code, code, testing::loopback_endpoint()));
        auto weather = testing::department_config("weather", "NWS", testing::loopback_endpoint());
        weather.format = FeedFormat::cap;
        weather.categories["Met"] = "weather.rainstorm";
        config_.departments.push_back(weather);
        options_.clock = [this] { return now_.load(); };
        write("warning.xml", kWarning);
    }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(journal_.path() / name) << text;
    }
    std::filesystem::path scenario(const std::string& rows) {
        write("drill.csv",
              "at,department,id,lon,lat,area,category,severity,status,title,"
              "description,file\n" +
                  rows);
        return journal_.path() / "drill.csv";
    }
    static std::optional<Incident> titled(const CityPicture& p, const std::string& title) {
        for (const auto& [id, view] : p.incidents())
            if (view.title == title) return p.incidents().incident(id);
        return std::nullopt;
    }

    testing::ScratchDir journal_{"citywall-drill-scenario"};
    IngestConfig config_;
    ingest::StartOptions options_;
    std::atomic<TimeMs> now_{kStart};
    zmq::context_t context_{1};
};

TEST_F(DrillScenarioTest, RowsArriveAtTheirTimesAsTheirDepartmentsReports) {
    options_.scenario = scenario(
        "0:00,SFPD,S-1,-122.4194,37.7749,,police.theft,moderate,,Theft on Market St,,\n"
        "0:00,weather,,,,,,,,,,warning.xml\n"
        "0:30,SFFD,F-1,,,MISSION,fire.building,critical,,Fire in the Mission,smoke,\n"
        "2:00,SFFD,F-1,,,MISSION,fire.building,critical,on_scene,Fire in the Mission,crews,\n");
    testing::RunningIngest drill(config_, options_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    // At the start: the theft and the warning (an Exercise, taken by a drill).
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
        return titled(p, "Theft on Market St") &&
               titled(p, "Flash flood warning for San Francisco").has_value();
    })) << wall.picture.incidents().size();
    EXPECT_FALSE(titled(wall.picture, "Fire in the Mission"));
    const auto warning = titled(wall.picture, "Flash flood warning for San Francisco");
    EXPECT_EQ(warning->category, "weather.rainstorm");
    EXPECT_TRUE(warning->drill);
    EXPECT_EQ(warning->occurred, kStart);  // the row's time, not the file's
    const auto theft = titled(wall.picture, "Theft on Market St");
    EXPECT_FALSE(testing::area_code(theft->areas, "district").empty());

    // Half a minute on: the fire, placed in the district its row names.
    now_ += 30'000;
    ASSERT_TRUE(wall.pump_until(
        [](const CityPicture& p) { return titled(p, "Fire in the Mission").has_value(); }));
    const auto fire = titled(wall.picture, "Fire in the Mission");
    EXPECT_EQ(testing::area_code(fire->areas, "district"), "MISSION");
    EXPECT_EQ(fire->severity, Severity::critical);
    EXPECT_EQ(fire->sources.at(0).department, "SFFD");
    // Two minutes in: the same report, on scene.
    now_ += 90'000;
    ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) {
        const auto f = titled(p, "Fire in the Mission");
        return f && f->status == IncidentStatus::on_scene;
    }));
    EXPECT_EQ(titled(wall.picture, "Fire in the Mission")->id, fire->id);
    EXPECT_EQ(wall.picture.incidents().size(), 3u);
}

TEST_F(DrillScenarioTest, AScenarioWithAMistakeStopsTheDrillBeforeItStartsNamingTheLine) {
    struct Case {
        std::string rows;
        std::string said;
    };
    for (const Case& c : std::vector<Case>{
             {"0:00,SFPD,,-122.42,37.77,,police.theft,low,,ok,,\n"
              "0:10,SFMTA,,-122.42,37.77,,police.theft,low,,bus,,\n",
              "drill.csv:3"},
             {"0:00,SFFD,,,,NOWHERE,fire.building,low,,where,,\n", "drill.csv:2"},
             {"0:00,SFPD,,-122.42,37.77,,police.jaywalking,low,,what,,\n", "drill.csv:2"},
             {"soon,SFPD,,-122.42,37.77,,police.theft,low,,when,,\n", "drill.csv:2"},
         }) {
        options_.scenario = scenario(c.rows);
        auto refused = ingest::IngestServer::create(config_, options_);
        ASSERT_FALSE(refused) << c.rows;
        EXPECT_NE(refused.error().find(c.said), std::string::npos) << refused.error();
        // Nothing was written: the journal is not touched by a drill that did not start.
        EXPECT_FALSE(std::filesystem::exists(config_.journal_dir)) << c.rows;
    }
    // Only a drill plays a scenario.
    options_.scenario = scenario("0:00,SFPD,,-122.42,37.77,,police.theft,low,,ok,,\n");
    config_.drill = false;
    auto refused = ingest::IngestServer::create(config_, options_);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("only in a drill"), std::string::npos) << refused.error();
}

TEST_F(DrillScenarioTest, TheLiveCityRefusesAnExerciseAlert) {
    config_.drill = false;
    testing::RunningIngest live(config_, options_);
    zmq::socket_t weather(context_, zmq::socket_type::push);
    weather.connect(config_.departments[2].endpoint);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    weather.send(zmq::buffer(std::string(kWarning)));
    ASSERT_TRUE(wall.pump_until(
        [&](const CityPicture&) { return live.server().counters().rejected == 1; }));
    EXPECT_EQ(live.server().counters().accepted, 0u);
}

// A drill that names the live city's config refuses its ports and journal, so a drill started
// while the city's ingest is down cannot take the real departments' reports.
TEST_F(DrillScenarioTest, ADrillRefusesTheLiveCitysPortsAndJournal) {
    const std::string police = config_.departments[0].endpoint;
    auto live = [&](const std::string& updates, const std::string& department,
                    const std::string& journal, bool drill = false) {
        write("live.toml", "[ingest]\nupdates_endpoint = \"" + updates +
                               "\"\nsnapshot_endpoint = \"tcp://127.0.0.1:1\"\n"
                               "journal_dir = \"" +
                               journal + "\"\n" + (drill ? "drill = true\n" : "") +
                               "[security]\nkeys = \"off\"\n[[department]]\ncode = \"SFPD\"\n"
                               "name = \"SFPD\"\nendpoint = \"" +
                               department + "\"\n");
        config_.live_config = journal_.path() / "live.toml";
        return ingest::IngestServer::create(config_, options_);
    };
    // The city publishes on the drill's updates port (on any address of this machine).
    const std::string port = config_.updates_endpoint.substr(config_.updates_endpoint.rfind(':'));
    auto refused = live("tcp://*" + port, "tcp://127.0.0.1:2", "city");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("updates_endpoint"), std::string::npos) << refused.error();
    // Its police department reports where the drill's does.
    refused = live("tcp://127.0.0.1:3", police, "city");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("department SFPD"), std::string::npos) << refused.error();
    // Its journal.
    refused = live("tcp://127.0.0.1:3", "tcp://127.0.0.1:2", config_.journal_dir.string());
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("journal_dir"), std::string::npos) << refused.error();
    // A drill's config is not the city's.
    refused = live("tcp://127.0.0.1:3", "tcp://127.0.0.1:2", "city", true);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("is a drill's"), std::string::npos) << refused.error();
    EXPECT_FALSE(std::filesystem::exists(config_.journal_dir));
    // Nothing shared: the drill starts.
    auto started = live("tcp://127.0.0.1:3", "tcp://127.0.0.1:2", "city");
    EXPECT_TRUE(started) << started.error();
}

}  // namespace
}  // namespace citywall
