// Notices to departments and escalation, end to end over loopback with keys on (docs/dispatch.md,
// "Notices" and "Escalation to named leaders"): an order taken away is withdrawn at its
// department, even one that was away; an order not signed for in time escalates, each step naming
// the area and the leader it reached; supervision and escalation reach the department that has the
// case; notices waiting for a department that is away outlive a restart of ingest.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "area_levels.hpp"
#include "citywall/feed_time.hpp"
#include "dispatch_fixture.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;
using testing::Department;
using testing::DispatchTest;
using testing::kMin;
using testing::kStart;

// An order taken from a department is withdrawn there: a transfer tells the old department
// where the case went (the new one gets its order), a cancellation tells the one that has it;
// a department that is away when it happens is told when it is back.
TEST_F(DispatchTest, AnOrderTakenAwayIsWithdrawnAtItsDepartmentEvenOneThatWasAway) {
    testing::RunningIngest ingest(config_, options_);
    auto leader = wall(leader_keys_);
    auto hotline = department(0, hotline_keys_);
    auto water = department(2, water_keys_);
    listen(hotline);
    listen(water);
    const std::uint64_t id = report(hotline, *leader, "H-6");
    auto withdrawn = [](const Department& d, const std::string& order) {
        for (const auto& o : d.orders)
            if (std::string(o["type"].GetString()) == "withdrawn" &&
                o["order"].GetString() == order)
                return &o;
        return static_cast<const rapidjson::Document*>(nullptr);
    };
    {
        auto city = department(1, city_keys_);
        listen(city);
        ASSERT_TRUE(leader->command(command(id, CaseAction::order, "city-mgmt", "O-6"))->accepted);
        ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-6"); }));
        EXPECT_EQ(city.say(R"({"type":"case","order":"O-6","action":"sign"})").outcome,
                  department_link::Outcome::acknowledged);
        auto transfer = command(id, CaseAction::transfer, "water");
        transfer.note = "水务负责";
        ASSERT_TRUE(leader->command(transfer)->accepted);
        ASSERT_TRUE(city.pump_until([&] { return withdrawn(city, "O-6") != nullptr; }));
        const auto& notice = *withdrawn(city, "O-6");
        EXPECT_EQ(notice["incident"].GetUint64(), id);
        EXPECT_STREQ(notice["action"].GetString(), "transfer");
        EXPECT_STREQ(notice["to"].GetString(), "water");
        EXPECT_STREQ(notice["by"].GetString(), "leader-li");
        EXPECT_STREQ(notice["note"].GetString(), "水务负责");
        // The order keeps its id; it is water's now, and no longer city-mgmt's to answer.
        ASSERT_TRUE(water.pump_until([&] { return water.has_order("O-6"); }));
        const auto late = city.say(R"({"type":"case","order":"O-6","action":"resolve",)"
                                   R"("note":"x"})");
        EXPECT_EQ(late.outcome, department_link::Outcome::refused);
    }  // water's connection stays; city-mgmt has gone
    // Transferred back while city-mgmt is away, then cancelled: water hears of it at once.
    ASSERT_TRUE(leader->command(command(id, CaseAction::transfer, "city-mgmt"))->accepted);
    ASSERT_TRUE(water.pump_until([&] { return withdrawn(water, "O-6") != nullptr; }));
    auto cancel = command(id, CaseAction::cancel);
    cancel.reason = "duplicate";
    cancel.note = "与 H-5 重复";
    const auto cancelled = leader->command(cancel);
    ASSERT_TRUE(cancelled && cancelled->accepted)
        << (cancelled ? cancelled->refusal + " " + cancelled->detail : "no reply");
    // city-mgmt comes back: the order it was given again while away is withdrawn, and not sent
    // as an order.
    auto city = department(1, city_keys_);
    listen(city);
    ASSERT_TRUE(city.pump_until([&] { return withdrawn(city, "O-6") != nullptr; }));
    EXPECT_STREQ((*withdrawn(city, "O-6"))["action"].GetString(), "cancel");
    EXPECT_FALSE((*withdrawn(city, "O-6")).HasMember("to"));
    city.pump_for(300ms);
    for (const auto& o : city.orders)
        EXPECT_STRNE(o["type"].GetString(), "order") << o["order"].GetString();
    ingest.stop();
    // city-mgmt's notice was sent to its old connection too (gone, so it went again).
    EXPECT_EQ(ingest.server().counters().notices_sent, 4u);
}

TEST_F(DispatchTest, AnOrderNotSignedForInTimeIsOverdueAndEscalates) {
    config_.deadlines.escalate_every_minutes = 5;
    testing::RunningIngest ingest(config_, options_);
    auto leader = wall(leader_keys_);
    auto hotline = department(0, hotline_keys_);
    listen(hotline);
    const std::uint64_t id = report(hotline, *leader, "H-5");
    ASSERT_TRUE(leader->command(command(id, CaseAction::order, "city-mgmt", "O-5"))->accepted);
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        return p.incidents().find(id) && p.incidents().find(id)->due == kStart + 10 * kMin;
    }));
    now_ += 9 * kMin;
    leader->pump_until([](const CityPicture&) { return false; }, 300ms);
    EXPECT_EQ(leader->picture.incidents().find(id)->escalation, 0);
    now_ += 2 * kMin;  // past the signing time
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        return p.incidents().find(id) && p.incidents().find(id)->escalation == 1;
    }));
    // A leader supervises it (督办): a step of its own on the stream.
    ASSERT_TRUE(leader->command(command(id, CaseAction::supervise))->accepted);
    leader->request_case(id);
    ASSERT_TRUE(
        leader->pump_until([&](const CityPicture&) { return leader->last_case.has_value(); }));
    EXPECT_TRUE(leader->last_case->incident.case_state.supervised);
    EXPECT_EQ(leader->last_case->history.steps.back().action, CaseAction::supervise);
}

// The kinds of message a department has been sent on its order channel, in order.
std::vector<std::string> types_sent(const std::vector<rapidjson::Document>& sent) {
    std::vector<std::string> types;
    for (const auto& message : sent)
        types.emplace_back(message["type"].GetString());
    return types;
}

const rapidjson::Document* sent_of_type(const std::vector<rapidjson::Document>& sent,
                                        std::string_view type) {
    for (const auto& message : sent)
        if (message["type"].GetString() == type) return &message;
    return nullptr;
}

// On real areas (Guangdong's provinces and Shenzhen's districts): an overdue case goes up the
// hierarchy to named people, each step a step of its case naming the area and its leader from the
// centre's leaders file, told to the department that has the case on its order channel; a
// leader's supervision reaches the department the same way.
TEST_F(DispatchTest, AnEscalationReachesTheNamedLeaderOfEachLevelAndTheDepartmentHearsIt) {
    const std::filesystem::path data = std::filesystem::path(CITYWALL_TEST_DATA) / "real";
    AreaLevelConfig province =
        testing::area_level("province", "admin", data / "100000_full.json", "");
    province.name = "省";
    province.name_en = "Province";
    AreaLevelConfig district =
        testing::area_level("district", "admin", data / "440300_full.json", "", ParentBy::geometry);
    province.code_field = district.code_field = "adcode";
    config_.areas = {province, district};
    {
        std::ofstream csv(scratch_.path() / "leaders.csv", std::ios::binary);
        csv << "\xEF\xBB\xBFlevel,code,name,phone\r\n"
               "district,440304,\"Chen, Futian\",13800000004\r\n"
               "province,440000,王省长,13800000002\r\n"
               "centre,,张主任,13800000001\r\n";
    }
    config_.deadlines.leaders = scratch_.path() / "leaders.csv";
    config_.deadlines.escalate_every_minutes = 5;
    testing::RunningIngest ingest(config_, options_);
    auto leader = wall(leader_keys_);
    auto hotline = department(0, hotline_keys_);
    auto city = department(1, city_keys_);
    listen(hotline);
    listen(city);
    // 福田区 in Shenzhen.
    const std::uint64_t id = report(hotline, *leader, "H-8", "深南大道积水", "114.0579", "22.5431");
    ASSERT_EQ(testing::area_code(leader->picture.incidents().incident(id)->areas, "district"),
              "440304");
    ASSERT_TRUE(leader->command(command(id, CaseAction::order, "city-mgmt", "O-8"))->accepted);
    ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-8"); }));

    now_ += 11 * kMin;  // past the signing time: one level up, the province
    ASSERT_TRUE(city.pump_until([&] { return sent_of_type(city.orders, "escalated"); }));
    const auto& escalated = *sent_of_type(city.orders, "escalated");
    EXPECT_STREQ(escalated["order"].GetString(), "O-8");
    EXPECT_EQ(escalated["incident"].GetUint64(), id);
    EXPECT_STREQ(escalated["level"].GetString(), "province");
    EXPECT_STREQ(escalated["by"].GetString(), "@deadlines");
    EXPECT_STREQ(escalated["note"].GetString(), "省 Province 广东省 (440000): 王省长 13800000002");
    EXPECT_TRUE(escalated.HasMember("due"));

    now_ += 5 * kMin;  // past the top: the centre
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        return p.incidents().find(id) && p.incidents().find(id)->escalation == 2;
    }));
    ASSERT_TRUE(leader->command(command(id, CaseAction::supervise))->accepted);
    ASSERT_TRUE(city.pump_until([&] { return sent_of_type(city.orders, "supervised"); }));
    const auto& supervised = *sent_of_type(city.orders, "supervised");
    EXPECT_STREQ(supervised["by"].GetString(), "leader-li");
    EXPECT_STREQ(supervised["order"].GetString(), "O-8");
    EXPECT_STREQ(supervised["due"].GetString(), format_iso8601_utc(kStart + 10 * kMin).c_str());
    // One notice a step (the order itself is sent again meanwhile: it is not signed for).
    const auto types = types_sent(city.orders);
    EXPECT_EQ(std::count(types.begin(), types.end(), "escalated"), 2);
    EXPECT_EQ(std::count(types.begin(), types.end(), "supervised"), 1);

    // The case's history: each escalation a step of its own, by the deadlines, naming whom.
    leader->request_case(id);
    ASSERT_TRUE(
        leader->pump_until([&](const CityPicture&) { return leader->last_case.has_value(); }));
    std::vector<std::string> reached;
    for (const CaseStep& step : leader->last_case->history.steps)
        if (step.action == CaseAction::escalate) {
            EXPECT_EQ(step.actor, "@deadlines");
            reached.push_back(step.reason + ": " + step.note);
        }
    EXPECT_EQ(reached,
              (std::vector<std::string>{"province: 省 Province 广东省 (440000): 王省长 13800000002",
                                        "centre: 指挥中心 the centre: 张主任 13800000001"}));
    EXPECT_EQ(leader->last_case->incident.case_state.stage, CaseStage::assigned)
        << "an escalation leaves the stage as it was";
    EXPECT_EQ(ingest.server().counters().escalations, 2u);
    EXPECT_EQ(ingest.server().counters().escalations_unnamed, 0u);
}

// Notices waiting for a department that is away are not lost when ingest restarts: read back
// from beside the checkpoint, or made again from the journal when there is no checkpoint.
TEST_F(DispatchTest, NoticesWaitingForADepartmentThatIsAwayOutliveARestartOfIngest) {
    for (const bool checkpoints : {true, false}) {
        SCOPED_TRACE(checkpoints ? "from the checkpoint" : "from the journal");
        config_.journal_dir = scratch_.path() / (checkpoints ? "journal-a" : "journal-b");
        config_.checkpoint_every = checkpoints ? 100'000 : 0;
        const std::string order = checkpoints ? "O-9a" : "O-9b";
        {
            testing::RunningIngest ingest(config_, options_);
            auto leader = wall(leader_keys_);
            auto hotline = department(0, hotline_keys_);
            listen(hotline);
            const std::uint64_t id = report(hotline, *leader, "H-" + order, "积水 " + order);
            {
                auto city = department(1, city_keys_);
                listen(city);
                ASSERT_TRUE(
                    leader->command(command(id, CaseAction::order, "city-mgmt", order))->accepted);
                ASSERT_TRUE(city.pump_until([&] { return city.has_order(order); }));
            }  // city-mgmt goes away; the case is taken from it and given to water
            ASSERT_TRUE(leader->command(command(id, CaseAction::transfer, "water"))->accepted);
            leader->pump_until([](const CityPicture&) { return false; }, 300ms);
        }
        EXPECT_EQ(std::filesystem::exists(config_.journal_dir / "notices.jsonl"), checkpoints);
        testing::RunningIngest ingest(config_, options_);
        auto city = department(1, city_keys_);
        listen(city);
        ASSERT_TRUE(city.pump_until([&] { return sent_of_type(city.orders, "withdrawn"); }));
        const auto& withdrawn = *sent_of_type(city.orders, "withdrawn");
        EXPECT_STREQ(withdrawn["order"].GetString(), order.c_str());
        EXPECT_STREQ(withdrawn["to"].GetString(), "water");
    }
}

}  // namespace
}  // namespace citywall
