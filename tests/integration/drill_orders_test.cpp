// Orders in a drill reach the drill's own departments only (docs/drills.md, "Orders in a
// drill"), with keys on and the real ingest over loopback: the live city runs with its real
// water department connected while a drill replays the city's journal on ports of its own. The
// recording's orders are not sent again to anyone; a duty leader's order in the drill goes to
// the drill's water department and nothing reaches the real one; the recording's later updates
// of a case the drill has taken up keep the drill's case.
#include <gtest/gtest.h>

#include "dispatch_fixture.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;
using testing::Department;
using testing::kMin;
using testing::kStart;

class DrillOrdersTest : public testing::DispatchTest {
  protected:
    std::unique_ptr<testing::WallClient> wall_of(const IngestConfig& config, const KeyPair& keys) {
        auto w = std::make_unique<testing::WallClient>(context_, config.updates_endpoint,
                                                       config.snapshot_endpoint, 0,
                                                       WallKeys{keys, ingest_keys_.public_key});
        std::this_thread::sleep_for(100ms);
        w->request_snapshot();
        EXPECT_TRUE(w->pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        return w;
    }
    Department department_of(const IngestConfig& config, std::size_t k, const KeyPair& keys) {
        department_link::FeedOptions options;
        options.keys = department_link::CurveClientKeys{keys.public_key, keys.secret_key,
                                                        ingest_keys_.public_key};
        auto feed = department_link::AcknowledgedFeed::open(
            context_, config.departments[k].endpoint, options);
        EXPECT_TRUE(feed) << (feed ? "" : feed.error());
        Department d{std::move(*feed), {}, {}};
        listen(d);
        return d;
    }
    static std::optional<Incident> incident(const CityPicture& p, std::uint64_t id) {
        return p.incidents().incident(id);
    }
};

TEST_F(DrillOrdersTest, OnlyTheDrillsOwnOrdersGoOutAndOnlyToTheDrillsDepartments) {
    testing::RunningIngest live(config_, options_);
    auto live_leader = wall(leader_keys_);
    auto hotline = department(0, hotline_keys_);
    auto water = department(2, water_keys_);  // the real water department, on the live city
    listen(hotline);
    listen(water);
    // Recorded: two cases; the live leader orders the second to water.
    const std::uint64_t first = report(hotline, *live_leader, "H-1", "Water on Market St");
    now_ += kMin;
    const std::uint64_t second =
        report(hotline, *live_leader, "H-2", "Water on Mission St", "-122.4180", "37.7760");
    water.pump_for(300ms);
    now_ += kMin;
    auto recorded_order = command(second, CaseAction::order, "water", "LIVE-1");
    auto reply = live_leader->command(recorded_order);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->detail : "");
    ASSERT_TRUE(water.pump_until([&] { return water.has_order("LIVE-1"); }));
    // Later the hotline reports the first case on scene.
    now_ += 8 * kMin;
    const auto answer = hotline.say(
        R"({"id":"H-1","category":"urban.waterlogging","severity":3,"status":"on_scene",)"
        R"("lon":-122.4194,"lat":37.7749,"title":"Water on Market St"})");
    ASSERT_EQ(answer.outcome, department_link::Outcome::acknowledged) << answer.detail;
    ASSERT_TRUE(live_leader->pump_until([&](const CityPicture& p) {
        const auto a = incident(p, first);
        return a && a->status == IncidentStatus::on_scene;
    }));
    const std::size_t real_orders = water.orders.size();

    // The drill: the city's journal replayed on ports of its own, with its own water
    // department (a simulator holding the same key: the real one's key does not help it).
    IngestConfig drill_config = config_;
    drill_config.drill = true;
    drill_config.journal_dir = scratch_.path() / "drill";
    drill_config.updates_endpoint = testing::loopback_endpoint();
    drill_config.snapshot_endpoint = testing::loopback_endpoint();
    for (auto& d : drill_config.departments)
        d.endpoint = testing::loopback_endpoint();
    ingest::StartOptions drill_options = options_;
    drill_options.replay = ingest::ReplayOptions{config_.journal_dir, 0, 0, 1, true, false};
    testing::RunningIngest drill(drill_config, drill_options);
    auto trainer = wall_of(drill_config, trainer_keys_);
    auto leader = wall_of(drill_config, leader_keys_);
    auto drill_water = department_of(drill_config, 2, water_keys_);

    // To the moment after the recorded order: both cases open, the second assigned to water.
    wire::DrillCommand seek;
    seek.id = "seek-1";
    seek.action = wire::DrillAction::seek;
    seek.at = kStart + 2 * kMin + 1;
    reply = trainer->command(seek);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->detail : "");
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        const auto b = incident(p, second);
        return incident(p, first) && b && b->case_state.order == "LIVE-1";
    }));
    // A leader's key does not steer the replay.
    reply = leader->command(seek);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->refusal, "forbidden");
    // The recorded order is not sent again, neither to the drill's water nor the real one; not
    // even once the drill has taken the case up with a note, nor when orders are sent again.
    auto note = command(second, CaseAction::annotate);
    note.note = "演练：核实水位";
    reply = leader->command(note);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->refusal + ": " + reply->detail : "");
    now_ += 6'000;  // past the resend interval
    drill_water.pump_for(1500ms);
    EXPECT_TRUE(drill_water.orders.empty());

    // The drill's leader orders the first case to water: the drill's water gets it.
    auto order = command(first, CaseAction::order, "water", "DRILL-1");
    reply = leader->command(order);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->refusal + ": " + reply->detail : "");
    ASSERT_TRUE(drill_water.pump_until([&] { return drill_water.has_order("DRILL-1"); }));
    EXPECT_FALSE(drill_water.has_order("LIVE-1"));
    // The real water department, connected all along, got nothing of the drill.
    // (The live city sends LIVE-1 again until it is signed for: that is all it gets.)
    water.pump_for(1s);
    EXPECT_GE(water.orders.size(), real_orders);
    for (const auto& real : water.orders)
        EXPECT_STREQ(real["order"].GetString(), "LIVE-1");

    // The recording plays on: the hotline's on-scene report of the first case comes, and the
    // case stays the drill's (its order, its department), the status the recording's.
    wire::DrillCommand step;
    step.id = "step-1";
    step.action = wire::DrillAction::step;
    step.span_ms = 10 * kMin;
    reply = trainer->command(step);
    ASSERT_TRUE(reply && reply->accepted) << (reply ? reply->detail : "");
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        const auto a = incident(p, first);
        return a && a->status == IncidentStatus::on_scene;
    }));
    const auto a = incident(leader->picture, first);
    EXPECT_EQ(a->case_state.order, "DRILL-1");
    EXPECT_EQ(a->case_state.department, "water");
    EXPECT_TRUE(a->drill);
    // A seek back gives the recording's picture again: the drill's order is gone with it.
    reply = trainer->command(seek);
    ASSERT_TRUE(reply && reply->accepted);
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        const auto b = incident(p, first);
        return b && b->status != IncidentStatus::on_scene && b->case_state.order.empty();
    }));
}

}  // namespace
}  // namespace citywall
