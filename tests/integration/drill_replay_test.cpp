// A recording replayed into a drill ingest (citywall-replay; docs/drills.md, "Replay"), with the
// real ingest over loopback: real San Francisco incidents, resolutions and unit fixes recorded
// by a live ingest, then played into a drill that a wall follows as it follows a live one. The
// drill wall's picture is the recording's at the same record, byte for byte, after playing,
// stepping and seeking forward and back; a trainer's key steers it and no other; the drill's
// own journal replays to what its wall saw; a restarted drill keeps its bookmarks.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <limits>
#include <thread>
#include <zmq.hpp>

#include "citywall/journal_index.hpp"
#include "citywall/replay.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "sfpd_recording.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

using testing::kRecordingStart;
using testing::Recording;

// One recording for every test here: recording it takes a few seconds.
const Recording& recording() {
    static const Recording r;
    return r;
}

class DrillReplayTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_GT(recording().events(), 400u);
        config_ = testing::loopback_config(journal_.path());
        config_.drill = true;
        config_.role_without_keys = WallRole::trainer;
    }
    ingest::StartOptions replaying(double speed = 0, bool paused = false) const {
        ingest::StartOptions options;
        options.replay = ingest::ReplayOptions{recording().path(), 0, 0, speed, paused, false};
        return options;
    }
    std::unique_ptr<testing::WallClient> wall() {
        auto w = std::make_unique<testing::WallClient>(context_, config_.updates_endpoint,
                                                       config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        w->request_snapshot();
        EXPECT_TRUE(w->pump_until(
            [](const CityPicture& p) { return p.has_snapshot() && p.drill_clock().has_value(); }));
        return w;
    }
    // Pumps until the wall shows the drill standing after recording record `seq` with every
    // event published (a status clock comes with each heartbeat).
    static bool settled_at(testing::WallClient& w, testing::RunningIngest& drill,
                           std::uint64_t seq) {
        return w.pump_until(
            [&](const CityPicture& p) {
                return p.drill_clock() && p.drill_clock()->recording_seq == seq &&
                       p.seq() >= drill.server().counters().accepted;
            },
            20s);
    }
    static wire::DrillCommand command(wire::DrillAction action) {
        wire::DrillCommand c;
        c.id = "t-" + std::to_string(++commands_);
        c.action = action;
        return c;
    }
    static bool all_drill(const CityPicture& p) {
        for (const auto& [id, incident] : p.incidents())
            if (!p.incidents().incident(id)->drill) return false;
        for (const auto& [key, unit] : p.units())
            if (!unit.drill) return false;
        return true;
    }

    inline static int commands_ = 0;
    zmq::context_t context_{1};
    testing::ScratchDir journal_{"citywall-drill-replay"};
    IngestConfig config_;
};

TEST_F(DrillReplayTest, PlayedAsFastAsPossibleTheDrillWallEndsWithTheRecordingsPicture) {
    testing::RunningIngest drill(config_, replaying(0));
    auto w = wall();
    const std::uint64_t last = recording().events();
    ASSERT_TRUE(settled_at(*w, drill, last)) << w->picture.drill_clock()->recording_seq;
    EXPECT_EQ(RecordedPicture::digest(w->picture), recording().digest_after(last));
    EXPECT_GT(w->picture.incidents().size(), 150u);
    EXPECT_EQ(w->picture.units().size(), 20u);
    EXPECT_TRUE(all_drill(w->picture));
    EXPECT_TRUE(w->picture.drill());
    const wire::DrillClock& clock = *w->picture.drill_clock();
    EXPECT_EQ(clock.speed, 0);
    EXPECT_GE(clock.from, kRecordingStart);
    EXPECT_EQ(clock.time, clock.to);  // at the window's end, where it stays
    EXPECT_EQ(clock.density.size(), 240u);
    std::uint64_t density = 0;
    for (auto n : clock.density)
        density += n;
    // Each part rounded: about the records, give or take half a record a part.
    EXPECT_NEAR(static_cast<double>(density), static_cast<double>(last), 120.0);
    EXPECT_EQ(drill.server().counters().replayed, last);
}

TEST_F(DrillReplayTest, SeekStepAndSpeedGiveTheRecordingsPictureAtEachPoint) {
    testing::RunningIngest drill(config_, replaying(1, true));
    auto w = wall();
    // Paused at the start: nothing played yet.
    EXPECT_EQ(w->picture.incidents().size(), 0u);
    EXPECT_TRUE(w->picture.drill_clock()->paused);

    // Forward to the middle, by time.
    const TimeMs middle = kRecordingStart + 30 * 60'000;
    auto seek = command(wire::DrillAction::seek);
    seek.at = middle;
    auto reply = w->command(seek);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->detail : "no reply");
    ASSERT_TRUE(w->pump_until([&](const CityPicture& p) {
        return p.seq() >= reply->seq && p.drill_clock()->time == middle;
    }));
    const std::uint64_t at_middle = recording().digest_before(middle);
    EXPECT_EQ(RecordedPicture::digest(w->picture), at_middle);
    EXPECT_GT(w->picture.incidents().size(), 50u);
    EXPECT_TRUE(all_drill(w->picture));

    // Five events on.
    const std::uint64_t before_step = w->picture.drill_clock()->recording_seq;
    auto step = command(wire::DrillAction::step);
    step.count = 5;
    reply = w->command(step);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->detail : "no reply");
    ASSERT_TRUE(settled_at(*w, drill, before_step + 5));
    EXPECT_EQ(RecordedPicture::digest(w->picture), recording().digest_after(before_step + 5));

    // A minute on.
    const TimeMs stood = w->picture.drill_clock()->time;
    step = command(wire::DrillAction::step);
    step.span_ms = 60'000;
    reply = w->command(step);
    ASSERT_TRUE(reply && reply->accepted);
    ASSERT_TRUE(w->pump_until([&](const CityPicture& p) {
        return p.seq() >= reply->seq && p.drill_clock()->time == stood + 60'000;
    }));
    EXPECT_EQ(RecordedPicture::digest(w->picture), recording().digest_before(stood + 60'001));

    // Back, by record number, then to the middle again: the same picture as the first time.
    seek = command(wire::DrillAction::seek);
    seek.seq = 40;
    reply = w->command(seek);
    ASSERT_TRUE(reply && reply->accepted) << reply->detail;
    ASSERT_TRUE(settled_at(*w, drill, 40));
    EXPECT_EQ(RecordedPicture::digest(w->picture), recording().digest_after(40));
    seek = command(wire::DrillAction::seek);
    seek.at = middle;
    reply = w->command(seek);
    ASSERT_TRUE(reply && reply->accepted);
    ASSERT_TRUE(w->pump_until([&](const CityPicture& p) {
        return p.seq() >= reply->seq && p.drill_clock()->time == middle;
    }));
    EXPECT_EQ(RecordedPicture::digest(w->picture), at_middle);

    // Speeds outside 0.25-64 are refused; 64 plays on, pause holds it still.
    auto speed = command(wire::DrillAction::speed);
    speed.speed = 100;
    reply = w->command(speed);
    ASSERT_TRUE(reply);
    EXPECT_FALSE(reply->accepted);
    EXPECT_EQ(reply->refusal, "out_of_range");
    speed.speed = 64;
    speed.id += "b";
    reply = w->command(speed);
    ASSERT_TRUE(reply && reply->accepted);
    reply = w->command(command(wire::DrillAction::play));
    ASSERT_TRUE(reply && reply->accepted);
    ASSERT_TRUE(w->pump_until([&](const CityPicture& p) {
        return p.drill_clock()->time > middle + 60'000 && p.drill_clock()->speed == 64;
    }));
    reply = w->command(command(wire::DrillAction::pause));
    ASSERT_TRUE(reply && reply->accepted);
    ASSERT_TRUE(w->pump_until([](const CityPicture& p) { return p.drill_clock()->paused; }));
    const std::uint64_t paused_at = w->picture.drill_clock()->recording_seq;
    ASSERT_TRUE(settled_at(*w, drill, paused_at));
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(settled_at(*w, drill, paused_at));  // still there
    EXPECT_EQ(RecordedPicture::digest(w->picture), recording().digest_after(paused_at));

    // Outside the window: refused, nothing changes.
    seek = command(wire::DrillAction::seek);
    seek.at = kRecordingStart - 3'600'000;
    reply = w->command(seek);
    ASSERT_TRUE(reply);
    EXPECT_FALSE(reply->accepted);
    EXPECT_EQ(reply->refusal, "out_of_range");
    EXPECT_GE(drill.server().counters().replay_seeks, 4u);
}

TEST_F(DrillReplayTest, TheDrillsOwnJournalReplaysToWhatItsWallSaw) {
    std::uint64_t wall_digest = 0, wall_seq = 0;
    {
        testing::RunningIngest drill(config_, replaying(1, true));
        auto w = wall();
        for (TimeMs minutes : {40, 10, 25}) {
            auto seek = command(wire::DrillAction::seek);
            seek.at = kRecordingStart + minutes * 60'000;
            auto reply = w->command(seek);
            ASSERT_TRUE(reply && reply->accepted);
            ASSERT_TRUE(w->pump_until([&](const CityPicture& p) { return p.seq() >= reply->seq; }));
        }
        auto step = command(wire::DrillAction::step);
        step.count = 30;
        auto reply = w->command(step);
        ASSERT_TRUE(reply && reply->accepted);
        ASSERT_TRUE(w->pump_until(
            [&](const CityPicture& p) { return p.seq() >= drill.server().counters().accepted; }));
        wall_digest = RecordedPicture::digest(w->picture);
        wall_seq = w->picture.seq();
    }
    // The debrief reads the drill's journal: rewinds included, the same picture.
    auto debrief = RecordedPicture::open(journal_.path(), 100);
    ASSERT_TRUE(debrief) << debrief.error();
    ASSERT_TRUE(debrief->seek_after(wall_seq));
    EXPECT_EQ(debrief->digest(), wall_digest);
}

TEST_F(DrillReplayTest, OnlyATrainersKeySteersTheReplayAndOnlyADrillReplays) {
    config_.role_without_keys = WallRole::leader;
    {
        testing::RunningIngest drill(config_, replaying(1, true));
        auto w = wall();
        auto reply = w->command(command(wire::DrillAction::play));
        ASSERT_TRUE(reply);
        EXPECT_FALSE(reply->accepted);
        EXPECT_EQ(reply->refusal, "forbidden");
        EXPECT_TRUE(w->picture.drill_clock()->paused);
    }
    // A drill that replays nothing: the command names why.
    config_.role_without_keys = WallRole::trainer;
    {
        testing::ScratchDir other("citywall-drill-plain");
        IngestConfig plain = testing::loopback_config(other.path());
        plain.drill = true;
        plain.role_without_keys = WallRole::trainer;
        testing::RunningIngest drill(plain);
        testing::WallClient w(context_, plain.updates_endpoint, plain.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        auto reply = w.command(command(wire::DrillAction::play));
        ASSERT_TRUE(reply);
        EXPECT_EQ(reply->refusal, "no_recording");
    }
    // The live city does not replay; a drill does not replay into its own journal.
    IngestConfig live = testing::loopback_config(journal_.path());
    auto refused = ingest::IngestServer::create(live, replaying());
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("only into a drill"), std::string::npos) << refused.error();
    testing::ScratchDir own("citywall-drill-own");
    IngestConfig self = config_;
    self.journal_dir = recording().path();
    refused = ingest::IngestServer::create(self, replaying());
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("own journal"), std::string::npos) << refused.error();
    // A window that misses the recording.
    auto options = replaying();
    options.replay->from = kRecordingStart - 7'200'000;
    options.replay->to = kRecordingStart - 3'600'000;
    refused = ingest::IngestServer::create(config_, options);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("holds nothing"), std::string::npos) << refused.error();
}

TEST_F(DrillReplayTest, BookmarksAreJournaledAndOutliveARestart) {
    {
        testing::RunningIngest drill(config_, replaying(1, true));
        auto w = wall();
        auto mark = command(wire::DrillAction::bookmark);
        mark.at = kRecordingStart + 20 * 60'000;
        mark.note = "第二起盗窃：派单是否及时";
        auto reply = w->command(mark);
        ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->detail : "");
        ASSERT_TRUE(w->pump_until([](const CityPicture& p) {
            return p.drill_clock() && p.drill_clock()->bookmarks.size() == 1;
        }));
    }
    testing::RunningIngest drill(config_, replaying(1, true));
    auto w = wall();
    ASSERT_TRUE(
        w->pump_until([](const CityPicture& p) { return p.drill_clock()->bookmarks.size() == 1; }));
    EXPECT_EQ(w->picture.drill_clock()->bookmarks[0].note, "第二起盗窃：派单是否及时");
    EXPECT_EQ(w->picture.drill_clock()->bookmarks[0].at, kRecordingStart + 20 * 60'000);
    // The restarted drill starts the window again: the picture is the recording's first.
    EXPECT_EQ(w->picture.incidents().size(), 0u);
}

TEST_F(DrillReplayTest, AScenarioOnTopOfTheRecordingFollowsTheReplaysSeeks) {
    config_.departments.push_back(
        testing::department_config("SFPD", "SFPD", testing::loopback_endpoint()));
    const auto csv =
        journal_.path().parent_path() / (journal_.path().filename().string() + "-scenario.csv");
    std::ofstream(csv) << "at,department,id,lon,lat,category,severity,title\n"
                          "0:00,SFPD,D-1,-122.4177,37.7793,police.theft,major,Drill: package\n"
                          "40:00,SFPD,D-2,-122.4100,37.7850,police.theft,major,Drill: second\n";
    auto options = replaying(1, true);
    options.scenario = csv;
    testing::RunningIngest drill(config_, options);
    auto w = wall();
    auto titled = [](const CityPicture& p, const std::string& title) -> std::optional<Incident> {
        for (const auto& [id, view] : p.incidents())
            if (view.title == title) return p.incidents().incident(id);
        return std::nullopt;
    };
    ASSERT_TRUE(w->pump_until(
        [&](const CityPicture& p) { return titled(p, "Drill: package").has_value(); }));
    // Numbered after every incident of the recording.
    auto recorded = RecordedPicture::open(recording().path());
    ASSERT_TRUE(recorded);
    recorded->play_through(std::numeric_limits<TimeMs>::max());
    EXPECT_GT(titled(w->picture, "Drill: package")->id, recorded->largest_incident_id());
    for (auto [minutes, second] :
         {std::pair{30, false}, std::pair{45, true}, std::pair{10, false}}) {
        SCOPED_TRACE(minutes);
        auto seek = command(wire::DrillAction::seek);
        seek.at = kRecordingStart + minutes * 60'000;
        auto reply = w->command(seek);
        ASSERT_TRUE(reply && reply->accepted);
        ASSERT_TRUE(w->pump_until([&](const CityPicture& p) {
            return p.seq() >= reply->seq && titled(p, "Drill: package") &&
                   titled(p, "Drill: second").has_value() == second;
        }));
        EXPECT_TRUE(titled(w->picture, "Drill: package")->drill);
    }
    std::filesystem::remove(csv);
}

// Play at the window's end starts it again from the picture of its start; a seek by a record
// number outside a narrower window is refused and leaves the replay where it stood.
TEST_F(DrillReplayTest, PlayAtTheEndStartsAgainAndARefusedSeekLeavesTheReplayWhereItStood) {
    {
        testing::RunningIngest drill(config_, replaying(0));
        auto w = wall();
        const std::uint64_t last = recording().events();
        ASSERT_TRUE(settled_at(*w, drill, last));
        const auto end = RecordedPicture::digest(w->picture);
        auto reply = w->command(command(wire::DrillAction::pause));
        ASSERT_TRUE(reply && reply->accepted);
        reply = w->command(command(wire::DrillAction::play));
        ASSERT_TRUE(reply && reply->accepted);
        EXPECT_EQ(drill.server().counters().replay_seeks, 2u);  // the start, and again
        ASSERT_TRUE(w->pump_until([&](const CityPicture& p) {
            return p.seq() > reply->seq && p.drill_clock()->recording_seq == last;
        }));
        ASSERT_TRUE(settled_at(*w, drill, last));
        EXPECT_EQ(RecordedPicture::digest(w->picture), end);
    }
    std::filesystem::remove_all(journal_.path());
    auto options = replaying(1, true);
    options.replay->from = kRecordingStart + 20 * 60'000;
    options.replay->to = kRecordingStart + 40 * 60'000;
    testing::RunningIngest drill(config_, options);
    auto w = wall();
    const std::uint64_t stood = w->picture.drill_clock()->recording_seq;
    ASSERT_GT(stood, 5u);
    auto seek = command(wire::DrillAction::seek);
    seek.seq = 5;  // recorded long before the window
    auto reply = w->command(seek);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->refusal, "out_of_range");
    auto step = command(wire::DrillAction::step);
    step.count = 1;
    reply = w->command(step);
    ASSERT_TRUE(reply && reply->accepted);
    ASSERT_TRUE(settled_at(*w, drill, stood + 1));
    EXPECT_EQ(RecordedPicture::digest(w->picture), recording().digest_after(stood + 1));
}

}  // namespace
}  // namespace citywall
