// Ingest over real sockets on loopback: departments in, snapshot + sequenced updates out,
// bad input rejected and counted, state rebuilt from the journal after a restart.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "citywall/chinese_datum.hpp"
#include "citywall/geo.hpp"
#include "loopback.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

class IngestTest : public ::testing::Test {
  protected:
    void SetUp() override {
        journal_ = std::filesystem::temp_directory_path() /
                   ("citywall-ingest-test-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(journal_);
        config_ = testing::loopback_config(journal_);
        config_.areas = {testing::sf_districts(std::filesystem::path(CITYWALL_TEST_DATA) /
                                               "real/sfpd_districts.geojson")};
        config_.departments.push_back(testing::department_config(
            "110", "公安110", testing::loopback_endpoint(), "EPSG:4326", 5));
        config_.departments.push_back(testing::department_config(
            "119", "消防119", testing::loopback_endpoint(), "EPSG:4326", 5));
    }
    void TearDown() override { std::filesystem::remove_all(journal_); }

    zmq::socket_t department(const std::string& code) {
        zmq::socket_t socket(context_, zmq::socket_type::push);
        for (const auto& d : config_.departments)
            if (d.code == code) socket.connect(d.endpoint);
        return socket;
    }

    // Full precision: std::to_string keeps only six decimals (about 10 cm).
    static std::string number(double value) {
        std::ostringstream out;
        out.precision(17);
        out << value;
        return out.str();
    }

    static std::string report(const std::string& id, const std::string& status = "reported",
                              double lon = -122.42, double lat = 37.77) {
        return R"({"id":")" + id + R"(","category":"police.theft","severity":2,"status":")" +
               status + R"(","lon":)" + number(lon) + R"(,"lat":)" + number(lat) +
               R"(,"title":"盗窃"})";
    }

    std::filesystem::path journal_;
    IngestConfig config_;
    zmq::context_t context_{1};
};

TEST_F(IngestTest, LateViewerGetsEveryOpenIncidentThenUpdates) {
    testing::RunningIngest ingest(config_);
    auto police = department("110");
    for (int k = 0; k < 30; ++k)
        police.send(zmq::buffer(report("P" + std::to_string(k))));
    police.send(zmq::buffer(report("P3", "closed")));
    police.send(zmq::buffer(report("P4", "on_scene")));

    // A viewer that joins after all that must still see 29 open incidents.
    std::this_thread::sleep_for(500ms);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    EXPECT_EQ(wall.picture.incidents().size(), 29u);
    EXPECT_EQ(wall.picture.seq(), 32u);
    bool found_on_scene = false;
    for (const Incident& incident : wall.picture.incidents().copy_all()) {
        EXPECT_EQ(testing::area_code(incident.areas, "beat"), "MISSION");
        if (incident.sources[0].source_id == "P4") {
            found_on_scene = incident.status == IncidentStatus::on_scene;
        }
    }
    EXPECT_TRUE(found_on_scene);

    police.send(zmq::buffer(report("P100")));
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 33; }));
    EXPECT_EQ(wall.picture.incidents().size(), 30u);
    EXPECT_EQ(wall.gaps, 0);
    EXPECT_EQ(wall.undecodable, 0);
}

// max_rate: a department is read at its rate and no faster, what is over waits in its socket
// (none lost), the wall sees it flooding, the other department is read at once, and the loop
// does not spin while it waits.
TEST_F(IngestTest, ADepartmentOverItsMaxRateWaitsItsTurnAndLosesNothing) {
    config_.departments[0].max_rate = 200;
    testing::RunningIngest ingest(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    auto police = department("110");
    auto fire = department("119");
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < 600; ++k)
        police.send(zmq::buffer(report("R" + std::to_string(k))));
    std::this_thread::sleep_for(400ms);
    fire.send(zmq::buffer(report("F-1", "reported", -122.45, 37.75)));  // no merge with 110
    bool flooding = false, fire_seen = false;
    ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) {
        for (const FeedHealth& feed : p.feeds())
            flooding |= feed.department == "110" && feed.flooding;
        return p.incidents().size() >= 300;
    }));
    // A second's burst and 200 a second after it: at 300 incidents (one of them 119's) about
    // half a second has gone, however fast the box.
    EXPECT_GE(std::chrono::steady_clock::now() - start, 450ms);
    for (const Incident& incident : wall.picture.incidents().copy_all())
        fire_seen |= incident.sources[0].department == "119";
    EXPECT_TRUE(fire_seen);  // the quiet department was not held behind the flood
    EXPECT_TRUE(flooding);
    ASSERT_TRUE(
        wall.pump_until([](const CityPicture& p) { return p.incidents().size() == 601; }, 10s));
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    const auto cpu_us = [](const rusage& r) {
        return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000 + r.ru_utime.tv_usec +
               r.ru_stime.tv_usec;
    };
    const double wall_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    // Waiting on the rate must sleep, not spin (a spinning loop burns a whole core).
    EXPECT_LT(static_cast<double>(cpu_us(after) - cpu_us(before)), 0.6 * wall_us);
    EXPECT_EQ(ingest.server().counters().rejected, 0u);
    EXPECT_EQ(wall.gaps, 0);
}

TEST_F(IngestTest, BadInputIsRejectedCountedAndKeptWhileGoodInputFlows) {
    testing::RunningIngest ingest(config_);
    auto fire = department("119");
    const std::vector<std::string> bad = {
        "not json",
        "[1,2,3]",
        "{\"id\":\"X\",\"category\":\"fire.building\",\"lon\":1,\"lat\":2,\"title\":\"\xff\xfe\"}",
        R"({"category":"fire.building","lon":1,"lat":2})",
        R"({"id":"X","category":"fire.building","lon":"east","lat":2})",
        R"({"id":"X","category":"fire.building","lon":500,"lat":2})",
        R"({"id":"X","category":"Fire Building","lon":1,"lat":2})",
        R"({"id":"X","category":"fire.building","severity":9,"lon":1,"lat":2})",
        R"({"id":"X","category":"fire.building","lon":1,"lat":2,"occurred":"2999-01-01T00:00:00Z"})",
        R"({"id":"X","category":"fire.building","lon":1,"lat":2,"status":"exploded"})",
        std::string(70000, ' '),
    };
    for (const auto& b : bad)
        fire.send(zmq::buffer(b));
    fire.send(zmq::buffer(report("F1")));
    fire.send(zmq::buffer(report("F1")));  // the same report again: a duplicate

    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.incidents().size() == 1; }));
    ingest.stop();
    EXPECT_EQ(ingest.server().counters().accepted, 1u);
    EXPECT_EQ(ingest.server().counters().rejected, bad.size() + 1);

    std::ifstream dead(journal_ / "dead-letter.jsonl");
    std::string line, all;
    int lines = 0;
    while (std::getline(dead, line)) {
        ++lines;
        all += line;
    }
    EXPECT_EQ(lines, static_cast<int>(bad.size()) + 1);
    for (const char* reason :
         {"invalid_json", "not_an_object", "invalid_utf8", "missing_field", "bad_location",
          "bad_category", "bad_severity", "future_time", "bad_status", "oversized", "duplicate"}) {
        EXPECT_NE(all.find(std::string("\"reason\":\"") + reason + "\""), std::string::npos)
            << reason;
    }
}

// A department's own priority code, a field added to the schema after the store was written,
// reaches the wall as sent (text or integer), follows the first department's updates, survives a
// restart (journal and checkpoint), and is kept by a wall that keeps no case details.
// Outside the city is a state of its own: a report in the bay off San Francisco is outside every
// district but near, one geocoded to Los Angeles is 500 km out; the wall sees how far, and the
// department's feed health counts it.
TEST_F(IngestTest, AnIncidentFarOutsideTheCityIsMarkedAndCountedForItsDepartment) {
    config_.centre.outside_km = 10;
    testing::RunningIngest ingest(config_);
    auto police = department("110");
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    police.send(zmq::buffer(report("IN")));                               // the Mission
    police.send(zmq::buffer(report("BAY", "reported", -122.55, 37.70)));  // 4 km offshore
    police.send(zmq::buffer(report("LA", "reported", -118.24, 34.05)));   // Los Angeles
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 3; }));
    const auto in = wall.picture.incidents().incident(1);
    const auto bay = wall.picture.incidents().incident(2);
    const auto la = wall.picture.incidents().incident(3);
    ASSERT_TRUE(in && bay && la);
    EXPECT_EQ(testing::area_code(in->areas, "beat"), "MISSION");
    EXPECT_EQ(in->far_m, 0u);
    EXPECT_TRUE(bay->areas.empty());
    EXPECT_EQ(bay->far_m, 0u);  // outside every district, but not outside the city
    EXPECT_TRUE(la->areas.empty());
    EXPECT_GT(la->far_m, 500'000u);
    EXPECT_LT(la->far_m, 600'000u);
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
        for (const FeedHealth& feed : p.feeds())
            if (feed.department == "110") return feed.far_away == 1;
        return false;
    }));
}

TEST_F(IngestTest, ADepartmentsOwnPriorityCodeReachesTheWallAndSurvivesARestart) {
    config_.checkpoint_every = 3;
    const auto with_priority = [](const std::string& id, const std::string& priority) {
        std::string message = report(id);
        message.pop_back();
        return message + R"(,"priority":)" + priority + "}";
    };
    // A1 to A5 are incidents 1 to 5 (a wall without case details has no departments' ids).
    const auto priority_of = [](const CityPicture& p, const std::string& id) {
        const auto incident = p.incidents().incident(std::stoull(id.substr(1)));
        return incident ? incident->priority : std::string("(not open)");
    };
    {
        testing::RunningIngest ingest(config_);
        auto police = department("110");
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        wall.picture.keep_case_details(false);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        police.send(zmq::buffer(with_priority("A1", R"("P1")")));
        police.send(zmq::buffer(with_priority("A2", "2")));
        police.send(zmq::buffer(with_priority("A3", R"("一级")")));
        police.send(zmq::buffer(report("A4")));
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 4; }));
        EXPECT_EQ(priority_of(wall.picture, "A1"), "P1");
        EXPECT_EQ(priority_of(wall.picture, "A2"), "2");
        EXPECT_EQ(priority_of(wall.picture, "A3"), "一级");
        EXPECT_EQ(priority_of(wall.picture, "A4"), "");
        // Only the priority changes: that is news, numbered and published.
        police.send(zmq::buffer(with_priority("A1", R"("P3")")));
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 5; }));
        EXPECT_EQ(priority_of(wall.picture, "A1"), "P3");
        // The same again is a duplicate: nothing is published.
        police.send(zmq::buffer(with_priority("A1", R"("P3")")));
        police.send(zmq::buffer(with_priority("A1", R"({"level":1})")));  // not a code
        police.send(zmq::buffer(report("A5")));
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 6; }));
        EXPECT_EQ(priority_of(wall.picture, "A1"), "P3");
    }
    testing::RunningIngest again(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    EXPECT_EQ(wall.picture.seq(), 6u);
    EXPECT_EQ(priority_of(wall.picture, "A1"), "P3");
    EXPECT_EQ(priority_of(wall.picture, "A2"), "2");
    EXPECT_EQ(priority_of(wall.picture, "A3"), "一级");
}

TEST_F(IngestTest, RestartRebuildsTheCityFromTheJournal) {
    {
        testing::RunningIngest ingest(config_);
        auto police = department("110");
        for (int k = 0; k < 20; ++k)
            police.send(zmq::buffer(report("R" + std::to_string(k))));
        police.send(zmq::buffer(report("R7", "resolved")));
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 21; }));
    }
    testing::RunningIngest again(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    EXPECT_EQ(wall.picture.seq(), 21u);
    EXPECT_EQ(wall.picture.incidents().size(), 19u);

    // A department's update after the restart still finds its incident.
    auto police = department("110");
    police.send(zmq::buffer(report("R8", "closed")));
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 22; }));
    EXPECT_EQ(wall.picture.incidents().size(), 18u);
}

// A wall asks for one incident's case: its description and every status change, by whom and
// when, kept across a restart; a closed or unknown incident is answered as not open; anything
// else on the snapshot socket is refused and counted, and nothing is answered to it.
TEST_F(IngestTest, CaseRequestsAnswerEachIncidentsHistoryAcrossARestart) {
    config_.checkpoint_every = 3;  // the restart reads a checkpoint, then the journal after it
    auto with_text = [](std::string body, const std::string& time) {
        body.pop_back();
        return body + R"(,"description":"后门被撬","occurred":")" + time + R"("})";
    };
    std::uint64_t id = 0;
    {
        testing::RunningIngest ingest(config_);
        auto police = department("110");
        police.send(zmq::buffer(with_text(report("C1"), "2026-11-22T03:00:00+08:00")));
        police.send(
            zmq::buffer(with_text(report("C1", "dispatched"), "2026-11-22T03:05:00+08:00")));
        police.send(
            zmq::buffer(with_text(report("C1", "dispatched"), "2026-11-22T03:06:00+08:00")));
        police.send(zmq::buffer(report("C2")));
        police.send(zmq::buffer(report("C2", "closed")));
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 5; }));
        for (const auto& [open_id, view] : wall.picture.incidents())
            id = open_id;
        wall.request_case(id);
        ASSERT_TRUE(
            wall.pump_until([&](const CityPicture&) { return wall.last_case.has_value(); }));
        const wire::IncidentCase& reply = *wall.last_case;
        ASSERT_TRUE(reply.open);
        EXPECT_EQ(reply.id, id);
        EXPECT_EQ(reply.seq, 5u);
        EXPECT_EQ(reply.incident.description, "后门被撬");
        // The repeated "dispatched" is not a change.
        ASSERT_EQ(reply.history.changes.size(), 2u);
        EXPECT_EQ(reply.history.changes[0].department, "110");
        EXPECT_EQ(reply.history.changes[0].reported, IncidentStatus::reported);
        EXPECT_EQ(reply.history.changes[1].status, IncidentStatus::dispatched);
        EXPECT_EQ(reply.history.changes[1].time - reply.history.changes[0].time, 5 * 60'000);

        wall.request_case(id + 1);  // C2: closed, no longer held
        ASSERT_TRUE(
            wall.pump_until([&](const CityPicture&) { return wall.last_case.has_value(); }));
        EXPECT_FALSE(wall.last_case->open);
        EXPECT_EQ(wall.last_case->id, id + 1);

        for (const char* junk : {"CASE ", "CASE 0", "CASE -1", "CASE 12x", "SNAPSHOT ", "hello"})
            wall.send_raw_request(junk);
        wall.request_case(id);  // answered after the junk: the junk got no reply
        ASSERT_TRUE(
            wall.pump_until([&](const CityPicture&) { return wall.last_case.has_value(); }));
        EXPECT_TRUE(wall.last_case->open);
        ingest.stop();
        EXPECT_EQ(ingest.server().counters().requests_refused, 6u);
        EXPECT_EQ(ingest.server().counters().cases_served, 3u);
    }
    testing::RunningIngest again(config_);
    auto police = department("110");
    police.send(zmq::buffer(report("C1", "on_scene")));
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 6; }));
    wall.request_case(id);
    ASSERT_TRUE(wall.pump_until([&](const CityPicture&) { return wall.last_case.has_value(); }));
    ASSERT_EQ(wall.last_case->history.changes.size(), 3u);
    EXPECT_EQ(wall.last_case->history.changes[2].status, IncidentStatus::on_scene);
    EXPECT_EQ(wall.last_case->incident.description, "后门被撬");
}

// A leader opens a closed case by its number: ingest keeps the latest closed cases whole; after
// a restart from a checkpoint taken once the case had closed, it reads the case back from the
// journal, telling the wall it is searching first. A number never given is found nowhere.
TEST_F(IngestTest, AClosedCaseIsOpenedByIdFromWhatIngestKeepsThenFromTheJournal) {
    using Found = wire::IncidentCase::Found;
    config_.checkpoint_every = 3;
    auto ask = [&](testing::WallClient& wall, std::uint64_t id, Found until) {
        wall.request_case(id);
        EXPECT_TRUE(wall.pump_until([&](const CityPicture&) {
            return wall.last_case && wall.last_case->id == id && wall.last_case->found == until;
        })) << "case "
            << id;
        return wall.last_case.value_or(wire::IncidentCase{});
    };
    wire::IncidentCase kept;
    {
        testing::RunningIngest ingest(config_);
        auto police = department("110");
        police.send(zmq::buffer(report("K1")));
        police.send(zmq::buffer(report("K1", "dispatched")));
        police.send(zmq::buffer(report("K1", "closed")));
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 3; }));
        kept = ask(wall, 1, Found::kept);
        EXPECT_FALSE(kept.open);
        EXPECT_EQ(kept.incident.status, IncidentStatus::closed);
        ASSERT_EQ(kept.history.changes.size(), 3u);
        EXPECT_EQ(kept.history.changes.back().status, IncidentStatus::closed);
        // The checkpoint at 3 holds no closed case: the restart must read the journal.
        for (int k = 0; k < 400 && !std::filesystem::exists(journal_ / "checkpoint.cwc"); ++k)
            std::this_thread::sleep_for(50ms);
        ASSERT_TRUE(std::filesystem::exists(journal_ / "checkpoint.cwc"));
        ingest.stop();
    }
    testing::RunningIngest again(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_case(1);
    // The answers to that one request: "searching" at once, then the case once the journal is
    // read (asking again meanwhile would bring another answer).
    ASSERT_TRUE(wall.pump_until([&](const CityPicture&) {
        return wall.last_case && wall.last_case->found == Found::journal;
    }));
    using Answer = std::pair<std::uint64_t, Found>;
    EXPECT_EQ(wall.cases_answered,
              (std::vector<Answer>{{1, Found::searching}, {1, Found::journal}}));
    const wire::IncidentCase read = *wall.last_case;
    EXPECT_FALSE(read.open);
    EXPECT_EQ(read.incident, kept.incident);
    EXPECT_EQ(read.history, kept.history);
    EXPECT_EQ(read.seq, 3u);
    EXPECT_EQ(ask(wall, 1, Found::journal).incident, kept.incident);  // read lately: at once
    const wire::IncidentCase never = ask(wall, 7, Found::none);
    EXPECT_FALSE(never.has_incident());
    again.stop();
    EXPECT_EQ(again.server().counters().cases_from_journal, 1u);
    EXPECT_EQ(again.server().counters().recovered_events, 0u);
}

// A client that asks for snapshots in a loop and never reads them: each of its requests past
// its rate is counted and dropped, it holds one shared snapshot at most, and a wall that asks
// at the same time still gets its snapshot and the updates.
TEST_F(IngestTest, ASnapshotLoopThatNeverReadsIsHeldToItsRateAndBlocksNoOne) {
    testing::RunningIngest ingest(config_);
    auto police = department("110");
    for (int k = 0; k < 300; ++k)
        police.send(zmq::buffer(report("L" + std::to_string(k), "reported",
                                       -122.45 + 0.0005 * (k % 100), 37.74 + 0.0005 * (k / 100))));
    zmq::socket_t loop(context_, zmq::socket_type::dealer);
    loop.set(zmq::sockopt::rcvhwm, 1);
    loop.set(zmq::sockopt::rcvbuf, 4096);
    loop.connect(config_.snapshot_endpoint);
    for (int k = 0; k < 2000; ++k)
        loop.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                  zmq::send_flags::none);

    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() >= 300; }));
    police.send(zmq::buffer(report("L0", "dispatched", -122.45, 37.74)));
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() >= 301; }));
    ingest.stop();
    const auto counters = ingest.server().counters();
    EXPECT_GE(counters.requests_limited, 1990u);  // folded into one, given a second later
    EXPECT_LE(counters.snapshots_served + counters.snapshots_cut_off, 10u);
}

// A department that sends more than ingest takes from it in a pass is shown as flooding in
// the feed health every wall gets; the others are not, and their reports still go through.
TEST_F(IngestTest, AFloodingDepartmentIsShownOnTheWall) {
    config_.merge.enabled = false;
    testing::RunningIngest ingest(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    auto police = department("110");
    auto fire = department("119");
    for (int k = 0; k < 20000; ++k)
        police.send(
            zmq::buffer(report("F" + std::to_string(k % 500), k % 2 ? "dispatched" : "reported")));
    fire.send(zmq::buffer(report("Q1")));
    auto flooding = [](const CityPicture& p, const char* code) {
        for (const auto& f : p.feeds())
            if (f.department == code) return f.flooding;
        return false;
    };
    ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) { return flooding(p, "110"); }));
    EXPECT_FALSE(flooding(wall.picture, "119"));
    // The quiet department's report is the one incident of 119.
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
        for (const auto& [id, incident] : p.incidents())
            if (incident.department() == "119") return true;
        return false;
    }));
}

TEST_F(IngestTest, SlowViewerNeverSlowsIngestAndResyncsAfterLosingUpdates) {
    config_.publish_queue = 500;
    config_.merge.enabled = false;
    testing::RunningIngest ingest(config_);
    testing::WallClient slow(context_, config_.updates_endpoint, config_.snapshot_endpoint, 100);
    testing::WallClient fast(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    slow.request_snapshot();
    fast.request_snapshot();
    ASSERT_TRUE(slow.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));

    // The slow wall stops reading while a department floods ingest.
    auto police = department("110");
    constexpr int kReports = 20000;
    for (int k = 0; k < kReports; ++k)
        police.send(zmq::buffer(report("S" + std::to_string(k))));
    // Ingest numbered and published all of it while the slow wall read nothing. (With a queue
    // this small even the reading wall may fall behind the burst; it resyncs the same way.)
    ASSERT_TRUE(fast.pump_until([](const CityPicture& p) { return p.seq() == kReports; }, 60s))
        << "seq " << fast.picture.seq() << ", snapshot " << fast.picture.has_snapshot() << ", gaps "
        << fast.gaps << ", snapshots served " << ingest.server().counters().snapshots_served
        << ", limited " << ingest.server().counters().requests_limited;

    // It wakes up far behind: it loses updates, sees the gap, resyncs, and ends up exact.
    ASSERT_TRUE(slow.pump_until(
        [](const CityPicture& p) { return p.has_snapshot() && p.seq() == kReports; }, 60s));
    EXPECT_GE(slow.gaps, 1);
    EXPECT_EQ(slow.picture.incidents().size(), fast.picture.incidents().size());
    EXPECT_EQ(slow.picture.incidents().size(), static_cast<std::size_t>(kReports));
}

TEST_F(IngestTest, PositionsInOtherCoordinateSystemsArriveInWgs84) {
    config_.departments.push_back(
        testing::department_config("12345", "热线", testing::loopback_endpoint(), "GCJ-02", 5));
    config_.departments.push_back(testing::department_config(
        "iot", "物联感知", testing::loopback_endpoint(), "EPSG:3857", 5));
    testing::RunningIngest ingest(config_);
    const LonLat truth{-122.42, 37.77};
    auto hotline = department("12345");
    // Outside China GCJ-02 is WGS84 itself; use a Chinese point for the offset, too.
    const LonLat shenzhen{114.05, 22.55};
    const LonLat shenzhen_gcj = geo::wgs84_to_gcj02(shenzhen);
    hotline.send(zmq::buffer(report("H1", "reported", shenzhen_gcj.lon, shenzhen_gcj.lat)));
    auto sensors = department("iot");
    const auto m = geo::to_mercator(truth);
    sensors.send(zmq::buffer(R"({"id":"S1","category":"sensor.air_quality","lon":)" + number(m.x) +
                             R"(,"lat":)" + number(m.y) + "}"));

    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.incidents().size() == 2; }));
    for (const Incident& incident : wall.picture.incidents().copy_all()) {
        if (incident.department() == "12345") {
            EXPECT_NEAR(incident.location.lon, shenzhen.lon, 1e-8);
            EXPECT_NEAR(incident.location.lat, shenzhen.lat, 1e-8);
            EXPECT_EQ(incident.source_crs, "GCJ-02");
        } else {
            EXPECT_NEAR(incident.location.lon, truth.lon, 1e-6);
            EXPECT_NEAR(incident.location.lat, truth.lat, 1e-6);
            EXPECT_EQ(testing::area_code(incident.areas, "beat"), "MISSION");
        }
    }
}

std::string unit_fix(const std::string& id, TimeMs time, const std::string& status = "en_route",
                     double lon = -122.41, const std::string& incident = "") {
    return R"({"type":"unit","id":")" + id + R"(","callsign":"巡逻)" + id +
           R"(","kind":"police_car","status":")" + status + R"(","lon":)" + std::to_string(lon) +
           R"(,"lat":37.78,"heading":90,"speed":12,"time":)" + std::to_string(time) +
           (incident.empty() ? std::string() : R"(,"incident":")" + incident + "\"") + "}";
}

TEST_F(IngestTest, UnitPositionsAreSequencedLinkedOrderedAndSurviveARestart) {
    const TimeMs t0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() -
                      60'000;
    const std::string key = unit_key("110", "A7");
    {
        testing::RunningIngest ingest(config_);
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));

        auto police = department("110");
        police.send(zmq::buffer(report("P1")));                                    // seq 1
        police.send(zmq::buffer(unit_fix("A7", t0, "en_route", -122.41, "P1")));   // seq 2
        police.send(zmq::buffer(unit_fix("A7", t0 - 5000, "available", -122.5)));  // late: refused
        police.send(zmq::buffer(unit_fix("B2", t0)));                              // seq 3
        police.send(zmq::buffer(unit_fix("B2", t0 + 1000, "off_duty")));           // seq 4: leaves
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 4; }));
        ASSERT_EQ(wall.picture.units().size(), 1u);
        const Unit& unit = wall.picture.units().at(key);
        EXPECT_EQ(unit.department, "110");
        EXPECT_EQ(unit.callsign, "巡逻A7");
        EXPECT_EQ(unit.status, UnitStatus::en_route);
        EXPECT_NEAR(unit.location.lon, -122.41, 1e-9);
        EXPECT_FLOAT_EQ(unit.heading, 90.f);
        ASSERT_EQ(wall.picture.incidents().size(), 1u);
        EXPECT_EQ(unit.incident, (*wall.picture.incidents().begin()).first);  // linked to P1

        EXPECT_EQ(ingest.server().counters().rejected, 1u);
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
            for (const auto& feed : p.feeds())
                if (feed.department == "110" && feed.rejects.size() == 1 &&
                    feed.rejects[0].reason == "superseded")
                    return true;
            return false;
        }));

        // A viewer joining now gets the unit in its snapshot.
        testing::WallClient late(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        late.request_snapshot();
        ASSERT_TRUE(late.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        EXPECT_EQ(late.picture.units().size(), 1u);
        EXPECT_TRUE(late.picture.units().contains(key));
    }
    // Rebuilt from the journal: the unit is back and numbering goes on after the unit fixes.
    testing::RunningIngest again(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    EXPECT_EQ(wall.picture.seq(), 4u);
    ASSERT_EQ(wall.picture.units().size(), 1u);
    EXPECT_EQ(wall.picture.units().at(key).status, UnitStatus::en_route);
    auto police = department("110");
    police.send(zmq::buffer(unit_fix("A7", t0 + 2000, "on_scene")));
    ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) {
        return p.seq() == 5 && p.units().at(key).status == UnitStatus::on_scene;
    }));
}

// The wall's "today" comes from ingest: every wall shows the same counts whenever it joined,
// and a restart keeps them, also for incidents that closed before it.
TEST_F(IngestTest, DayCountsAreKeptByIngestAndSurviveARestart) {
    auto totals = [](const CityPicture& p, const std::string& department = "") {
        std::array<std::uint32_t, 3> out{0, 0, 0};
        if (!p.day_counts()) return out;
        for (const auto& c : p.day_counts()->counts) {
            const bool match = department.empty() ? c.scope == wire::DayCount::Scope::total
                                                  : c.scope == wire::DayCount::Scope::department &&
                                                        c.code == department;
            if (match) out = {c.received, c.dispatched, c.resolved};
        }
        return out;
    };
    const std::array<std::uint32_t, 3> expected{3, 2, 1};
    {
        testing::RunningIngest ingest(config_);
        auto police = department("110");
        auto fire = department("119");
        police.send(zmq::buffer(report("D1")));
        police.send(zmq::buffer(report("D2", "dispatched")));
        fire.send(zmq::buffer(report("F3", "reported", -122.45, 37.75)));
        fire.send(zmq::buffer(report("F3", "resolved", -122.45, 37.75)));
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) { return totals(p) == expected; }))
            << "got " << totals(wall.picture)[0];
        EXPECT_EQ(totals(wall.picture, "110"), (std::array<std::uint32_t, 3>{2, 1, 0}));
        EXPECT_EQ(totals(wall.picture, "119"), (std::array<std::uint32_t, 3>{1, 1, 1}));
    }
    testing::RunningIngest again(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until(
        [&](const CityPicture& p) { return p.has_snapshot() && p.day_counts().has_value(); }));
    EXPECT_EQ(totals(wall.picture), expected);  // F3 closed before the restart and still counts
    EXPECT_EQ(wall.picture.incidents().size(), 2u);
}

}  // namespace
}  // namespace citywall
