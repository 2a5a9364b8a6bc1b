// Deadlines and escalation with the real ingest over loopback, on a clock the test moves: an
// incident is due its configured deadline after receipt, an overdue one goes up a level at its
// deadline and every interval after, each step an event of its own on the wall stream and in
// the journal, and a restart on the same journal neither loses a step nor takes one twice.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "citywall/journal.hpp"
#include "citywall/wire.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

constexpr TimeMs kStart = 1795000000000;  // 2026-11-18T19:06:40+08:00
constexpr TimeMs kMinute = 60'000;

// Ingest's clock, moved on by the test instead of waiting for minutes to pass.
class TestClock {
  public:
    ingest::StartOptions options() const {
        ingest::StartOptions options;
        options.clock = [now = now_] { return now->load(); };
        return options;
    }
    void set(TimeMs time) { now_->store(time); }
    TimeMs now() const { return now_->load(); }

  private:
    std::shared_ptr<std::atomic<TimeMs>> now_ = std::make_shared<std::atomic<TimeMs>>(kStart);
};

class DeadlineEscalationTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = testing::loopback_config(journal_.path());
        config_.departments.push_back(testing::department_config(
            "110", "公安110", testing::loopback_endpoint(), "EPSG:4326", 5));
        auto& deadlines = config_.deadlines;
        deadlines.minutes = {15, 60, std::nullopt, std::nullopt};
        deadlines.rules.push_back({"fire.*", {10, std::nullopt, std::nullopt, std::nullopt}});
        deadlines.escalate_every_minutes = 30;
    }

    void send(const std::string& id, const std::string& category, int severity,
              const std::string& status = "reported") {
        police_.send(zmq::buffer(R"({"id":")" + id + R"(","category":")" + category +
                                 R"(","severity":)" + std::to_string(severity) + R"(,"status":")" +
                                 status + R"(","lon":114.05,"lat":22.55,"title":"报警"})"));
    }

    std::unique_ptr<testing::WallClient> join_wall() {
        auto wall = std::make_unique<testing::WallClient>(context_, config_.updates_endpoint,
                                                          config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall->request_snapshot();
        EXPECT_TRUE(wall->pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        return wall;
    }

    // The open incident a department id names, as the wall has it.
    static std::optional<Incident> on_wall(const CityPicture& picture, const std::string& id) {
        for (const Incident& incident : picture.incidents().copy_all())
            if (incident.sources.front().source_id == id) return incident;
        return std::nullopt;
    }

    // Every incident event in the journal, oldest first, with the time it was recorded.
    struct Journaled {
        std::uint64_t seq;
        TimeMs time;
        Incident incident;
    };
    std::vector<Journaled> journaled() const {
        std::vector<Journaled> out;
        auto reader = JournalReader::open(journal_.path());
        EXPECT_TRUE(reader) << reader.error();
        if (!reader) return out;
        while (auto record = (*reader)->next()) {
            auto message = wire::decode(record->payload);
            EXPECT_TRUE(message) << message.error();
            if (auto* update = message ? std::get_if<wire::IncidentUpdate>(&*message) : nullptr)
                out.push_back({update->seq, record->time, update->incident});
        }
        return out;
    }

    // Waits a moment in which ingest has every chance to do something it should not.
    static void let_ingest_run(testing::WallClient& wall) {
        (void)wall.pump_until([](const CityPicture&) { return false; }, 400ms);
    }

    testing::ScratchDir journal_{"citywall-deadlines"};
    IngestConfig config_;
    TestClock clock_;
    zmq::context_t context_{1};
    zmq::socket_t police_{context_, zmq::socket_type::push};
};

TEST_F(DeadlineEscalationTest, AnIncidentIsDueItsDeadlineAfterReceiptAndItsSeverityMovesIt) {
    testing::RunningIngest ingest(config_, clock_.options());
    police_.connect(config_.departments[0].endpoint);
    auto wall = join_wall();

    send("P1", "police.theft", 1);
    send("F1", "fire.building", 1);  // fire.*: 10 minutes for critical
    send("F2", "fire.building", 2);  // fire.* says nothing of major: [deadlines]
    send("P2", "police.theft", 3);   // nothing configured for moderate
    ASSERT_TRUE(
        wall->pump_until([](const CityPicture& p) { return p.incidents().size() == 4; }, 10s));
    EXPECT_EQ(on_wall(wall->picture, "P1")->received, kStart);
    EXPECT_EQ(on_wall(wall->picture, "P1")->due, kStart + 15 * kMinute);
    EXPECT_EQ(on_wall(wall->picture, "F1")->due, kStart + 10 * kMinute);
    EXPECT_EQ(on_wall(wall->picture, "F2")->due, kStart + 60 * kMinute);
    EXPECT_EQ(on_wall(wall->picture, "P2")->due, 0);

    // Five minutes later P1 turns out to be major: the deadline of major, from the same receipt.
    clock_.set(kStart + 5 * kMinute);
    send("P1", "police.theft", 2, "accepted");
    ASSERT_TRUE(wall->pump_until(
        [](const CityPicture& p) { return on_wall(p, "P1")->due == kStart + 60 * kMinute; }, 10s));
    // A report that leaves the severity as it was leaves the deadline too.
    clock_.set(kStart + 6 * kMinute);
    send("P2", "police.theft", 3, "dispatched");
    ASSERT_TRUE(wall->pump_until(
        [](const CityPicture& p) { return on_wall(p, "P2")->status == IncidentStatus::dispatched; },
        10s));
    EXPECT_EQ(on_wall(wall->picture, "P2")->due, 0);
    EXPECT_EQ(on_wall(wall->picture, "P1")->due, kStart + 60 * kMinute);

    // Resolved, with a severity of critical in the same report: it is no longer open, and
    // keeps the deadline it had.
    clock_.set(kStart + 7 * kMinute);
    send("P1", "police.theft", 1, "resolved");
    ASSERT_TRUE(
        wall->pump_until([](const CityPicture& p) { return p.incidents().size() == 3; }, 10s));
    const auto events = journaled();
    ASSERT_FALSE(events.empty());
    const Incident& closed = events.back().incident;
    EXPECT_EQ(closed.sources.front().source_id, "P1");
    EXPECT_EQ(closed.status, IncidentStatus::resolved);
    EXPECT_EQ(closed.due, kStart + 60 * kMinute);
    EXPECT_EQ(wall->gaps, 0);
}

TEST_F(DeadlineEscalationTest, EachStepUpIsAnEventOfItsOwnOnTheWallStreamAndInTheJournal) {
    testing::RunningIngest ingest(config_, clock_.options());
    police_.connect(config_.departments[0].endpoint);
    auto wall = join_wall();
    send("P1", "police.theft", 1);  // due at kStart + 15 min
    send("P2", "police.theft", 1);  // resolved before its deadline: never escalates
    send("P2", "police.theft", 1, "resolved");
    ASSERT_TRUE(wall->pump_until([](const CityPicture& p) { return p.seq() == 3; }, 10s));
    const TimeMs due = kStart + 15 * kMinute;

    clock_.set(due - 1000);
    let_ingest_run(*wall);
    EXPECT_EQ(on_wall(wall->picture, "P1")->escalation, 0);
    EXPECT_EQ(wall->picture.seq(), 3u);

    // At the deadline to the community, then every 30 minutes one level further.
    for (int level = 1; level <= 3; ++level) {
        clock_.set(due + (level - 1) * 30 * kMinute);
        ASSERT_TRUE(wall->pump_until(
            [&](const CityPicture& p) { return on_wall(p, "P1")->escalation == level; }, 10s))
            << "level " << level;
        EXPECT_EQ(wall->picture.seq(), 3u + static_cast<unsigned>(level));
        EXPECT_EQ(on_wall(wall->picture, "P1")->updated, due + (level - 1) * 30 * kMinute);
        EXPECT_EQ(on_wall(wall->picture, "P1")->due, due);  // the deadline stays where it was
    }
    // The district is the top: nothing more, however long it stays open.
    clock_.set(due + 10 * 60 * kMinute);
    let_ingest_run(*wall);
    EXPECT_EQ(on_wall(wall->picture, "P1")->escalation, 3);
    EXPECT_EQ(wall->picture.seq(), 6u);
    EXPECT_EQ(wall->gaps, 0);
    EXPECT_EQ(ingest.server().counters().escalations, 3u);

    // In the journal: three events numbered one after another, each at its own time.
    const auto events = journaled();
    ASSERT_EQ(events.size(), 6u);
    for (int level = 1; level <= 3; ++level) {
        const auto& step = events[static_cast<std::size_t>(2 + level)];
        EXPECT_EQ(step.seq, 3u + static_cast<unsigned>(level));
        EXPECT_EQ(step.incident.sources.front().source_id, "P1");
        EXPECT_EQ(step.incident.escalation, level);
        EXPECT_EQ(step.time, due + (level - 1) * 30 * kMinute);
        EXPECT_FALSE(step.incident.drill);
    }
}

// After a clean stop (a checkpoint) and without one (the journal replayed from the start).
class EscalationAcrossARestart : public DeadlineEscalationTest,
                                 public ::testing::WithParamInterface<bool> {};

TEST_P(EscalationAcrossARestart, TheLevelReachedIsKeptAndNoStepIsTakenTwice) {
    config_.checkpoint_every = GetParam() ? 100'000 : 0;
    const TimeMs due = kStart + 15 * kMinute;
    {
        testing::RunningIngest ingest(config_, clock_.options());
        police_.connect(config_.departments[0].endpoint);
        auto wall = join_wall();
        send("P1", "police.theft", 1);
        ASSERT_TRUE(wall->pump_until([](const CityPicture& p) { return p.seq() == 1; }, 10s));
        clock_.set(due);
        ASSERT_TRUE(wall->pump_until(
            [](const CityPicture& p) { return on_wall(p, "P1")->escalation == 1; }, 10s));
    }
    EXPECT_EQ(std::filesystem::exists(journal_ / "checkpoint.cwc"), GetParam());
    ASSERT_EQ(journaled().size(), 2u);

    // Started again at the same moment: the level is there, and the step is not taken again.
    {
        testing::RunningIngest ingest(config_, clock_.options());
        auto wall = join_wall();
        ASSERT_TRUE(on_wall(wall->picture, "P1"));
        EXPECT_EQ(on_wall(wall->picture, "P1")->escalation, 1);
        let_ingest_run(*wall);
        EXPECT_EQ(wall->picture.seq(), 2u);
        EXPECT_EQ(ingest.server().counters().escalations, 0u);
    }
    EXPECT_EQ(journaled().size(), 2u);

    // Down past two more steps: both are taken once it is back, in order, and no more.
    clock_.set(due + 90 * kMinute);
    {
        testing::RunningIngest ingest(config_, clock_.options());
        auto wall = join_wall();
        ASSERT_TRUE(wall->pump_until(
            [](const CityPicture& p) {
                auto p1 = on_wall(p, "P1");
                return p1 && p1->escalation == 3;
            },
            10s));
        let_ingest_run(*wall);
        EXPECT_EQ(wall->picture.seq(), 4u);
        EXPECT_EQ(ingest.server().counters().escalations, 2u);
    }
    const auto events = journaled();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2].incident.escalation, 2);
    EXPECT_EQ(events[3].incident.escalation, 3);
    EXPECT_EQ(events[3].seq, 4u);
}

INSTANTIATE_TEST_SUITE_P(CheckpointOrNot, EscalationAcrossARestart, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                             return param.param ? "FromACheckpoint" : "FromTheJournal";
                         });

}  // namespace
}  // namespace citywall
