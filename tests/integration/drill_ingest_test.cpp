// A drill ingest ([ingest] drill = true) with the real ingest over loopback: every incident and
// unit it publishes and every heartbeat says drill, so does its journal, and a drill's journal
// and the city's are never one.
#include <gtest/gtest.h>

#include <thread>
#include <zmq.hpp>

#include "citywall/journal.hpp"
#include "citywall/wire.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

class DrillIngestTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = testing::loopback_config(journal_.path());
        config_.departments.push_back(testing::department_config(
            "110", "公安110", testing::loopback_endpoint(), "EPSG:4326", 5));
        // An escalation is an event ingest makes itself: it says drill too.
        config_.deadlines.minutes = {0, 0, 0, 0};
        config_.deadlines.rules.push_back({"police.theft", {1, std::nullopt, 0, 0}});
    }

    // An incident, an escalation of it, a unit fix: what the wall then holds.
    CityPicture run_city(const ingest::StartOptions& options = {}) {
        testing::RunningIngest ingest(config_, options);
        zmq::socket_t police(context_, zmq::socket_type::push);
        police.connect(config_.departments[0].endpoint);
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        EXPECT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        police.send(zmq::buffer(
            std::string(R"({"id":"P1","category":"police.theft","severity":1,"lon":114.05,)"
                        R"("lat":22.55,"title":"盗窃"})")));
        police.send(
            zmq::buffer(std::string(R"({"type":"unit","id":"粤B1234","kind":"police_car","status":)"
                                    R"("en_route","lon":114.06,"lat":22.56,"incident":"P1"})")));
        EXPECT_TRUE(wall.pump_until(
            [](const CityPicture& p) {
                return p.incidents().size() == 1 && p.units().size() == 1 &&
                       p.last_heartbeat() != 0;
            },
            10s));
        return std::move(wall.picture);
    }

    // The drill flag of every incident and unit event in the journal, and how many there were.
    std::pair<int, int> journal_drill_flags() const {
        int drill = 0, live = 0;
        auto reader = JournalReader::open(journal_.path());
        EXPECT_TRUE(reader) << reader.error();
        if (!reader) return {drill, live};
        while (auto record = (*reader)->next()) {
            auto message = wire::decode(record->payload);
            EXPECT_TRUE(message) << message.error();
            if (!message) continue;
            if (auto* update = std::get_if<wire::IncidentUpdate>(&*message))
                ++(update->incident.drill ? drill : live);
            if (auto* fix = std::get_if<wire::UnitUpdate>(&*message))
                ++(fix->unit.drill ? drill : live);
        }
        return {drill, live};
    }

    testing::ScratchDir journal_{"citywall-drill"};
    IngestConfig config_;
    zmq::context_t context_{1};
};

TEST_F(DrillIngestTest, EveryIncidentUnitAndHeartbeatOfADrillSaysDrillAndSoDoesItsJournal) {
    config_.drill = true;
    // The incident is a minute overdue when the clock is looked at after the first report.
    auto start = std::make_shared<std::atomic<int>>(0);
    ingest::StartOptions options;
    options.clock = [start] {
        using namespace std::chrono;
        const TimeMs now =
            duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
        return now + (start->load() ? 2 * 60'000 : 0);
    };
    testing::RunningIngest ingest(config_, options);
    zmq::socket_t police(context_, zmq::socket_type::push);
    police.connect(config_.departments[0].endpoint);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    police.send(
        zmq::buffer(std::string(R"({"id":"P1","category":"police.theft","severity":1,"lon":114.05,)"
                                R"("lat":22.55,"title":"盗窃"})")));
    police.send(
        zmq::buffer(std::string(R"({"type":"unit","id":"粤B1234","kind":"police_car","status":)"
                                R"("en_route","lon":114.06,"lat":22.56,"incident":"P1"})")));
    ASSERT_TRUE(wall.pump_until(
        [](const CityPicture& p) { return p.incidents().size() == 1 && p.units().size() == 1; },
        10s));
    start->store(1);  // two minutes on: past P1's one-minute deadline
    ASSERT_TRUE(wall.pump_until(
        [](const CityPicture& p) {
            const auto all = p.incidents().copy_all();
            return all.size() == 1 && all.front().escalation == 1 && p.last_heartbeat() != 0;
        },
        10s));

    EXPECT_TRUE(wall.picture.drill());  // the heartbeat
    const Incident incident = wall.picture.incidents().copy_all().front();
    EXPECT_TRUE(incident.drill);
    EXPECT_EQ(wall.picture.units().size(), 1u);
    for (const auto& [key, unit] : wall.picture.units()) {
        EXPECT_TRUE(unit.drill) << key;
        EXPECT_EQ(unit.incident, incident.id);
    }
    ingest.stop();
    EXPECT_EQ(journal_drill_flags(), std::make_pair(3, 0));  // report, unit, escalation
}

TEST_F(DrillIngestTest, TheLiveCitySaysNoDrill) {
    const CityPicture picture = run_city();
    EXPECT_FALSE(picture.drill());
    EXPECT_FALSE(picture.incidents().copy_all().front().drill);
    for (const auto& [key, unit] : picture.units())
        EXPECT_FALSE(unit.drill) << key;
    EXPECT_EQ(journal_drill_flags(), std::make_pair(0, 2));
}

TEST_F(DrillIngestTest, ADrillAndTheCityNeverShareAJournal) {
    config_.drill = true;
    config_.checkpoint_every = 0;  // the journal alone, read from its start
    (void)run_city();
    config_.drill = false;
    auto live = ingest::IngestServer::create(config_);
    ASSERT_FALSE(live) << "the city started on a drill's journal";
    EXPECT_EQ(live.error_kind(), ErrorKind::refused);
    EXPECT_NE(
        live.error().find("holds events of a drill (2 read), and this ingest is the live city"),
        std::string::npos)
        << live.error();

    // And the other way round, from a checkpoint this time.
    const testing::ScratchDir city("citywall-city");
    config_.journal_dir = city.path();
    config_.checkpoint_every = 100'000;  // and one written at the clean stop
    (void)run_city();
    ASSERT_TRUE(std::filesystem::exists(city / "checkpoint.cwc"));
    config_.drill = true;
    auto drill = ingest::IngestServer::create(config_);
    ASSERT_FALSE(drill) << "a drill started on the city's journal";
    EXPECT_EQ(drill.error_kind(), ErrorKind::refused);
    EXPECT_NE(
        drill.error().find("holds events of the live city (1 read), and this ingest is a drill"),
        std::string::npos)
        << drill.error();
    // Each on its own journal again: both start.
    config_.drill = false;
    EXPECT_TRUE(ingest::IngestServer::create(config_));
}

}  // namespace
}  // namespace citywall
