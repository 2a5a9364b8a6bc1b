// Dispatch end to end over loopback, with keys on (docs/dispatch.md): a leader's console orders
// a case, the journal has the step with who took it before anything else happens, the ordered
// department (and no other) receives the order on its own socket, signs for it, reports its
// units on scene, resolves it; the centre reviews, records the citizen's feedback and closes it.
// Every refusal changes nothing; every role is held to its steps; a unit ordered directly is
// dispatched and its own report is the arrival; an order to a department that is away waits
// through a restart of ingest (even a kill -9); a closed case is reopened. Notices to departments
// and escalation: dispatch_notices_test.cpp.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "citywall/feed_time.hpp"
#include "citywall/journal.hpp"
#include "dispatch_fixture.hpp"
#include "league_from_journal.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;
using department_link::AcknowledgedFeed;
using testing::Department;
using testing::DispatchTest;
using testing::kMin;
using testing::kStart;

TEST_F(DispatchTest, AWholeCaseClosesFromTheWallAndEveryStepIsInTheJournalWithWhoTookIt) {
    std::uint64_t id = 0;
    wire::DayCountsReport live;
    {
        testing::RunningIngest ingest(config_, options_);
        auto leader = wall(leader_keys_);
        auto operator_wall = wall(operator_keys_);
        auto hotline = department(0, hotline_keys_);
        auto city = department(1, city_keys_);
        auto water = department(2, water_keys_);
        for (auto* d : {&hotline, &city, &water})
            listen(*d);
        id = report(hotline, *leader, "H-1");
        ASSERT_NE(id, 0u);
        // Both receiving departments are connected and have spoken before the order.
        city.pump_for(300ms);
        water.pump_for(300ms);

        auto order = command(id, CaseAction::order, "city-mgmt", "O-1");
        order.note = "请尽快处置";
        const auto reply = leader->command(order);
        ASSERT_TRUE(reply);
        EXPECT_TRUE(reply->accepted) << reply->refusal << ": " << reply->detail;
        EXPECT_GT(reply->seq, 0u);
        ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-1"); }));
        const auto& got = city.orders.front();
        EXPECT_EQ(got["incident"].GetUint64(), id);
        EXPECT_STREQ(got["title"].GetString(), "Water on Market St");
        EXPECT_STREQ(got["by"].GetString(), "leader-li");
        EXPECT_STREQ(got["note"].GetString(), "请尽快处置");
        EXPECT_EQ(parse_iso8601(got["sign_due"].GetString()), kStart + 10 * kMin);
        EXPECT_EQ(parse_iso8601(got["resolve_due"].GetString()), kStart + 120 * kMin);
        // The wall shows it at once: assigned, held to its signing time.
        ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
            const auto i = p.incidents().find(id);
            return i && i->stage == CaseStage::assigned;
        }));
        EXPECT_EQ(leader->picture.incidents().find(id)->due, kStart + 10 * kMin);
        // Another department reads nothing of it.
        water.pump_for(500ms);
        EXPECT_TRUE(water.orders.empty());
        EXPECT_EQ(water.feed->counters().orders, 0u);

        now_ += 3 * kMin;
        EXPECT_EQ(city.say(R"({"type":"case","order":"O-1","action":"sign"})").outcome,
                  department_link::Outcome::acknowledged);
        now_ += 6 * kMin;
        EXPECT_EQ(city.say(R"({"type":"case","order":"O-1","action":"arrive"})").outcome,
                  department_link::Outcome::acknowledged);
        now_ += 40 * kMin;
        const auto resolved =
            city.say(R"({"type":"case","order":"O-1","action":"resolve","note":"已抽排"})");
        EXPECT_EQ(resolved.outcome, department_link::Outcome::acknowledged) << resolved.detail;
        // Signing again is not a step any more: refused with its reason, nothing changes.
        const auto again = city.say(R"({"type":"case","order":"O-1","action":"sign"})");
        EXPECT_EQ(again.outcome, department_link::Outcome::refused);
        EXPECT_EQ(again.reason, "case_refused");
        EXPECT_NE(again.detail.find("wrong_stage"), std::string::npos) << again.detail;
        // Nor may another department answer for it.
        const auto stranger = water.say(R"({"type":"case","order":"O-1","action":"resolve",)"
                                        R"("note":"x"})");
        EXPECT_EQ(stranger.outcome, department_link::Outcome::refused);
        EXPECT_NE(stranger.detail.find("not_assignee"), std::string::npos) << stranger.detail;

        now_ += kMin;
        EXPECT_TRUE(leader->command(command(id, CaseAction::review_pass))->accepted);
        auto feedback = command(id, CaseAction::feedback);
        feedback.reason = "satisfied";
        now_ += 10 * kMin;
        const auto fed = operator_wall->command(feedback);
        EXPECT_TRUE(fed->accepted) << fed->refusal << ": " << fed->detail;
        // The league table, live: the day's counts as the wall has them once the feedback is in.
        // The counts ride on the heartbeat, which waits for the test's clock: it goes on
        // while the wall waits.
        ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
            now_ += 200;
            if (!p.day_counts()) return false;
            for (const auto& c : p.day_counts()->counts)
                if (c.scope == wire::DayCount::Scope::department && c.code == "city-mgmt" &&
                    c.cases.satisfied == 1)
                    return true;
            return false;
        }));
        live = *leader->picture.day_counts();
        // The whole timeline, as a wall asks for it.
        leader->request_case(id);
        ASSERT_TRUE(
            leader->pump_until([&](const CityPicture&) { return leader->last_case.has_value(); }));
        const auto& steps = leader->last_case->history.steps;
        ASSERT_EQ(steps.size(), 6u);
        const CaseAction expected[] = {CaseAction::order,       CaseAction::sign,
                                       CaseAction::arrive,      CaseAction::resolve,
                                       CaseAction::review_pass, CaseAction::feedback};
        const char* actors[] = {"leader-li", "city-mgmt", "city-mgmt",
                                "city-mgmt", "leader-li", "operator-wang"};
        for (std::size_t k = 0; k < steps.size(); ++k) {
            EXPECT_EQ(steps[k].action, expected[k]) << k;
            EXPECT_EQ(steps[k].actor, actors[k]) << k;
            EXPECT_EQ(steps[k].number, k + 1);
        }
        EXPECT_EQ(steps[3].note, "已抽排");
        EXPECT_EQ(steps[0].time, kStart);
        EXPECT_EQ(steps[1].time, kStart + 3 * kMin);

        auto close = command(id, CaseAction::close);
        close.reason = "resolved";
        EXPECT_TRUE(leader->command(close)->accepted);
        ASSERT_TRUE(
            leader->pump_until([&](const CityPicture& p) { return !p.incidents().find(id); }));
        // A closed case takes nothing more.
        auto late = command(id, CaseAction::annotate);
        late.note = "too late";
        const auto refused = leader->command(late);
        EXPECT_FALSE(refused->accepted);
        EXPECT_EQ(refused->refusal, "case_closed");
    }
    // The journal alone tells the whole case: each step once, in order, with who and when.
    auto reader = JournalReader::open(config_.journal_dir);
    ASSERT_TRUE(reader) << reader.error();
    std::vector<CaseStep> steps;
    while (auto record = (*reader)->next()) {
        auto message = wire::decode(record->payload);
        if (!message) continue;
        if (auto* update = std::get_if<wire::IncidentUpdate>(&*message);
            update && update->incident.id == id) {
            const CaseStep& step = update->incident.case_state.last;
            if (step.number > (steps.empty() ? 0u : steps.back().number)) steps.push_back(step);
        }
    }
    ASSERT_EQ(steps.size(), 7u);
    EXPECT_EQ(steps.front().action, CaseAction::order);
    EXPECT_EQ(steps.front().actor, "leader-li");
    EXPECT_EQ(steps.front().command, "O-1");
    EXPECT_EQ(steps.back().action, CaseAction::close);
    EXPECT_EQ(steps.back().reason, "resolved");

    // Every figure of the league table comes again from the journal alone: each new step,
    // counted by core's rule for the department the case is with, gives what the wall showed.
    const auto league = testing::league_from_journal(config_.journal_dir);
    ASSERT_TRUE(league) << league.error();
    const CaseCounts& total = league->total;
    EXPECT_EQ(total.ordered, 1u);
    EXPECT_EQ(total.signed_on_time, 1u);
    EXPECT_EQ(total.resolved_on_time, 1u);
    EXPECT_EQ(total.satisfied, 1u);
    std::size_t rows = 0;
    for (const auto& c : live.counts) {
        if (c.scope == wire::DayCount::Scope::total) {
            EXPECT_EQ(c.cases, total);
            ++rows;
        } else if (c.scope == wire::DayCount::Scope::department && c.cases != CaseCounts{}) {
            EXPECT_EQ(c.cases, league->departments.at(c.code)) << c.code;
            ++rows;
        }
    }
    EXPECT_EQ(rows, 2u);  // the total and city-mgmt
}

TEST_F(DispatchTest, EveryBadCommandIsRefusedWithItsReasonAndChangesNothing) {
    testing::RunningIngest ingest(config_, options_);
    auto leader = wall(leader_keys_);
    auto operator_wall = wall(operator_keys_);
    auto viewer = wall(viewer_keys_);
    auto trainer = wall(trainer_keys_);
    auto hotline = department(0, hotline_keys_);
    listen(hotline);
    const std::uint64_t id = report(hotline, *leader, "H-2");
    ASSERT_NE(id, 0u);
    const std::uint64_t seq = leader->picture.seq();

    auto refused = [&](testing::WallClient& w, const wire::CaseCommand& c) {
        const auto reply = w.command(c);
        EXPECT_TRUE(reply) << "no answer to " << to_string(c.action);
        if (!reply) return std::string("(none)");
        EXPECT_FALSE(reply->accepted);
        EXPECT_FALSE(reply->detail.empty());
        return reply->refusal;
    };
    // Roles: every step of the table, from a role that may not take it.
    for (int a = 1; a < kCaseActionCount; ++a) {
        const auto action = static_cast<CaseAction>(a);
        auto c = command(id, action, "city-mgmt");
        c.reason = "x";
        c.note = "n";
        EXPECT_EQ(refused(*viewer, c), "forbidden") << to_string(action);
        EXPECT_EQ(refused(*trainer, c), "forbidden") << to_string(action);
        if (!(rule_of(action).doers & static_cast<std::uint8_t>(Doer::operator_))) {
            EXPECT_EQ(refused(*operator_wall, c), "forbidden") << to_string(action);
        }
        if (!(rule_of(action).doers & static_cast<std::uint8_t>(Doer::leader))) {
            EXPECT_EQ(refused(*leader, c), "forbidden") << to_string(action);
        }
    }
    EXPECT_EQ(refused(*leader, command(987654, CaseAction::order, "city-mgmt", "O-x")),
              "unknown_case");
    EXPECT_EQ(refused(*leader, command(id, CaseAction::order, "fire-brigade", "O-x")),
              "unknown_department");
    auto no_id = command(id, CaseAction::order, "city-mgmt");
    no_id.id.clear();
    EXPECT_EQ(refused(*leader, no_id), "missing_field");
    auto with_unit = command(id, CaseAction::order, "city-mgmt", "O-u");
    with_unit.unit = "no-such-car";
    EXPECT_EQ(refused(*leader, with_unit), "unknown_unit");
    EXPECT_EQ(refused(*leader, command(id, CaseAction::review_pass)), "wrong_stage")
        << "an evaluation before resolution";
    auto early_close = command(id, CaseAction::close);
    early_close.reason = "made_up";
    EXPECT_EQ(refused(*leader, early_close), "bad_reason");
    // Nothing of that changed the case: no event was numbered.
    leader->pump_until([](const CityPicture&) { return false; }, 300ms);
    EXPECT_EQ(leader->picture.seq(), seq);
    EXPECT_EQ(leader->picture.incidents().find(id)->stage, CaseStage::received);

    ASSERT_TRUE(leader->command(command(id, CaseAction::order, "city-mgmt", "O-2"))->accepted);
    // The same order id again, on this case or another.
    const std::uint64_t other = report(hotline, *leader, "H-3", "Water on Mission St", "-122.30");
    ASSERT_NE(other, id);
    EXPECT_EQ(refused(*leader, command(other, CaseAction::order, "water", "O-2")),
              "duplicate_command");
    EXPECT_EQ(refused(*leader, command(id, CaseAction::transfer, "nowhere")), "unknown_department");
    EXPECT_EQ(refused(*leader, command(id, CaseAction::transfer, "city-mgmt")), "same_department");
    EXPECT_TRUE(leader->command(command(id, CaseAction::transfer, "water"))->accepted);
    const auto counters = ingest.server().counters();
    EXPECT_GT(counters.commands_refused[static_cast<std::size_t>(CaseRefusal::forbidden)], 40u);
    EXPECT_EQ(counters.commands_accepted, 2u);
}

// A unit's fix as its department's vehicle-location feed sends it (docs/protocol.md).
std::string unit_fix(const std::string& id, TimeMs time, const std::string& status) {
    return R"({"type":"unit","id":")" + id + R"(","kind":"fire_engine","status":")" + status +
           R"(","lon":-122.418,"lat":37.775,"time":)" + std::to_string(time) + "}";
}

TEST_F(DispatchTest, AUnitOrderedDirectlyIsDispatchedAndItsOwnOnSceneIsTheArrival) {
    testing::RunningIngest ingest(config_, options_);
    auto leader = wall(leader_keys_);
    auto hotline = department(0, hotline_keys_);
    auto city = department(1, city_keys_);
    for (auto* d : {&hotline, &city})
        listen(*d);
    const std::uint64_t id = report(hotline, *leader, "H-u");
    ASSERT_NE(id, 0u);
    const std::string c7 = unit_key("city-mgmt", "C7");
    EXPECT_EQ(city.say(unit_fix("C7", kStart - 1000, "available")).outcome,
              department_link::Outcome::acknowledged);
    EXPECT_EQ(city.say(unit_fix("C9", kStart - 1000, "out_of_service")).outcome,
              department_link::Outcome::acknowledged);
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) { return p.units().size() == 2; }));

    // A unit out of service is not sent: refused, nothing changes.
    auto broken = command(id, CaseAction::order, "city-mgmt", "O-c9");
    broken.unit = "C9";
    const auto no = leader->command(broken);
    EXPECT_FALSE(no->accepted);
    EXPECT_EQ(no->refusal, "unit_unavailable") << no->detail;

    auto order = command(id, CaseAction::order, "city-mgmt", "O-c7");
    order.unit = "C7";
    order.note = "chosen instead of the proposed C3 (city-mgmt), by road 1.2 km: C3 has no pump";
    ASSERT_TRUE(leader->command(order)->accepted);
    ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-c7"); }));
    EXPECT_STREQ(city.orders.back()["unit"].GetString(), "C7");
    // Every wall shows the unit sent to the case at once, before its department says anything.
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        const auto it = p.units().find(c7);
        return it != p.units().end() && it->second.status == UnitStatus::dispatched;
    }));
    EXPECT_EQ(leader->picture.units().at(c7).incident, id);

    // En route, its fix naming no case: it stays on this one, and nothing arrives.
    now_ += 2 * kMin;
    EXPECT_EQ(city.say(unit_fix("C7", kStart + 2 * kMin, "en_route")).outcome,
              department_link::Outcome::acknowledged);
    ASSERT_TRUE(leader->pump_until(
        [&](const CityPicture& p) { return p.units().at(c7).status == UnitStatus::en_route; }));
    EXPECT_EQ(leader->picture.units().at(c7).incident, id);
    EXPECT_EQ(leader->picture.incidents().find(id)->stage, CaseStage::assigned);

    // On scene: the case's arrival, at the time ingest heard it, and nothing before it made up.
    now_ += 5 * kMin;
    EXPECT_EQ(city.say(unit_fix("C7", kStart + 7 * kMin, "on_scene")).outcome,
              department_link::Outcome::acknowledged);
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) {
        const auto i = p.incidents().find(id);
        return i && i->stage == CaseStage::on_scene;
    }));
    // Again on scene, a minute later, and its desk saying so too: the first arrival stands.
    now_ += kMin;
    EXPECT_EQ(city.say(unit_fix("C7", kStart + 8 * kMin, "on_scene")).outcome,
              department_link::Outcome::acknowledged);
    EXPECT_EQ(city.say(R"({"type":"case","order":"O-c7","action":"arrive"})").outcome,
              department_link::Outcome::acknowledged);
    leader->request_case(id);
    ASSERT_TRUE(
        leader->pump_until([&](const CityPicture&) { return leader->last_case.has_value(); }));
    const CaseState& stands = leader->last_case->incident.case_state;
    EXPECT_EQ(stands.arrived, kStart + 7 * kMin);
    EXPECT_EQ(stands.unit, "C7");
    const auto& steps = leader->last_case->history.steps;
    ASSERT_EQ(steps.size(), 2u) << "the order and the arrival, no second arrival";
    EXPECT_EQ(steps[0].note, order.note) << "why another unit than the proposed one, kept";
    EXPECT_EQ(steps[1].action, CaseAction::arrive);
    EXPECT_EQ(steps[1].actor, "city-mgmt");
    EXPECT_EQ(steps[1].unit, "C7");
    EXPECT_EQ(steps[1].time, kStart + 7 * kMin);
    EXPECT_EQ(ingest.server().counters().arrivals_by_unit, 1u);
    EXPECT_EQ(ingest.server()
                  .counters()
                  .commands_refused[static_cast<std::size_t>(CaseRefusal::unit_unavailable)],
              1u);
}

TEST_F(DispatchTest, AnOrderToADepartmentThatIsAwayWaitsThroughARestartOfIngest) {
    std::uint64_t id = 0;
    {
        testing::RunningIngest ingest(config_, options_);
        auto leader = wall(leader_keys_);
        auto hotline = department(0, hotline_keys_);
        listen(hotline);
        id = report(hotline, *leader, "H-4");
        const auto reply = leader->command(command(id, CaseAction::order, "city-mgmt", "O-4"));
        ASSERT_TRUE(reply && reply->accepted);
    }  // ingest stops with the order unsent: city-mgmt was never connected
    testing::RunningIngest ingest(config_, options_);
    auto city = department(1, city_keys_);
    listen(city);
    ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-4"); }));
    EXPECT_EQ(city.orders.front()["incident"].GetUint64(), id);
    // Sent again until it is signed for; a department takes the repeat as a repeat.
    now_ += 6000;
    ASSERT_TRUE(city.pump_until([&] { return city.orders.size() >= 2; }));
    EXPECT_EQ(city.say(R"({"type":"case","order":"O-4","action":"sign"})").outcome,
              department_link::Outcome::acknowledged);
    const std::size_t after_signing = city.orders.size();
    now_ += 6000;
    city.pump_for(600ms);
    EXPECT_EQ(city.orders.size(), after_signing);
}

// The same with ingest as a process of its own, killed with SIGKILL once the leader has the
// answer that the order was taken: no clean stop, no last checkpoint. The order was on disk
// before the answer, so the restarted ingest sends it when the department comes.
TEST(DispatchProcess, AnOrderAnsweredBeforeAKillNineReachesItsDepartmentAfterARestart) {
    testing::ScratchDir scratch("citywall-dispatch-kill");
    const std::string updates = testing::loopback_endpoint(),
                      snapshots = testing::loopback_endpoint(),
                      hotline_endpoint = testing::loopback_endpoint(),
                      city_endpoint = testing::loopback_endpoint();
    const auto config = scratch.path() / "ingest.toml";
    {
        std::ofstream out(config);
        out << "[ingest]\nupdates_endpoint = \"" << updates << "\"\nsnapshot_endpoint = \""
            << snapshots << "\"\njournal_dir = \"journal\"\nheartbeat_ms = 200\n"
            << "[security]\nkeys = \"off\"\nrole_without_keys = \"leader\"\n"
            << testing::area_levels_toml({testing::sf_districts(
                   std::filesystem::path(CITYWALL_TEST_DATA) / "real/sfpd_districts.geojson")})
            << "[[department]]\ncode = \"hotline\"\nendpoint = \"" << hotline_endpoint
            << "\"\nsocket = \"acknowledged\"\n"
            << "[[department]]\ncode = \"city-mgmt\"\nendpoint = \"" << city_endpoint
            << "\"\nsocket = \"acknowledged\"\n";
    }
    const auto log = scratch.path() / "ingest.log";
    zmq::context_t context(1);
    std::uint64_t id = 0;
    {
        testing::IngestProcess ingest(config, log);
        ASSERT_TRUE(ingest.running());
        testing::WallClient leader(context, updates, snapshots);
        std::this_thread::sleep_for(300ms);
        leader.request_snapshot();
        ASSERT_TRUE(leader.pump_until([](const CityPicture& p) { return p.has_snapshot(); }))
            << "ingest did not start; see " << log;
        auto hotline = AcknowledgedFeed::open(context, hotline_endpoint);
        ASSERT_TRUE(hotline) << hotline.error();
        bool reported = false;
        (*hotline)->on_answer([&](const department_link::Answer& a) {
            reported = reported || a.outcome == department_link::Outcome::acknowledged;
        });
        ASSERT_TRUE((*hotline)->send(
            R"({"id":"K-1","category":"urban.waterlogging","severity":3,"lon":-122.4194,)"
            R"("lat":37.7749,"title":"Water on Market St"})"));
        ASSERT_TRUE(leader.pump_until([&](const CityPicture& p) {
            (*hotline)->poll(0ms);
            for (const auto& [gid, incident] : p.incidents())
                id = gid;
            return id != 0;
        }));
        wire::CaseCommand order;
        order.id = "O-K1";
        order.incident = id;
        order.action = CaseAction::order;
        order.department = "city-mgmt";
        const auto reply = leader.command(order);
        ASSERT_TRUE(reply && reply->accepted)
            << (reply ? reply->refusal + ": " + reply->detail : "no reply");
        ingest.kill_now();  // city-mgmt never connected: the order is unsent
    }
    testing::IngestProcess ingest(config, log);
    ASSERT_TRUE(ingest.running());
    auto city = AcknowledgedFeed::open(context, city_endpoint);
    ASSERT_TRUE(city) << city.error();
    std::vector<std::string> orders;
    (*city)->on_order([&](std::string_view json) { orders.emplace_back(json); });
    ASSERT_TRUE((*city)->send(R"({"type":"heartbeat"})"));  // speaks, so it has an address
    for (int k = 0; k < 500 && orders.empty(); ++k)
        (*city)->poll(20ms);
    ASSERT_FALSE(orders.empty()) << "no order after the restart; see " << log;
    rapidjson::Document got;
    got.Parse(orders.front().data(), orders.front().size());
    ASSERT_FALSE(got.HasParseError());
    EXPECT_STREQ(got["order"].GetString(), "O-K1");
    EXPECT_EQ(got["incident"].GetUint64(), id);
    EXPECT_TRUE(ingest.stop());
}

// A leader opens a case a department closed by its reports, and one the centre cancelled, by
// their numbers and reopens them: each is an order again (a new id, fresh deadlines) that reaches
// its department, the incident is open on every wall again, and its history goes on with the
// reopening and why. A reopening without why, by an operator, on an open case or on a number
// never given is refused.
TEST_F(DispatchTest, AClosedCaseIsReopenedByALeaderAsAFreshOrderWithWhy) {
    testing::RunningIngest ingest(config_, options_);
    auto leader = wall(leader_keys_);
    auto operator_wall = wall(operator_keys_);
    auto hotline = department(0, hotline_keys_);
    auto city = department(1, city_keys_);
    listen(hotline);
    listen(city);
    city.pump_for(300ms);
    const std::uint64_t id = report(hotline, *leader, "H-9", "Pothole on Mission St");
    // The hotline closes it itself; the centre never took it up.
    EXPECT_EQ(hotline
                  .say(R"({"id":"H-9","category":"urban.waterlogging","severity":3,)"
                       R"("lon":-122.4194,"lat":37.7749,"status":"closed",)"
                       R"("title":"Pothole on Mission St"})")
                  .outcome,
              department_link::Outcome::acknowledged);
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) { return !p.incidents().find(id); }));

    now_ += 60 * kMin;
    auto reopen = command(id, CaseAction::reopen, "city-mgmt", "O-9");
    const auto no_why = leader->command(reopen);
    ASSERT_TRUE(no_why);
    EXPECT_EQ(no_why->refusal, "missing_field") << no_why->detail;
    reopen.note = "市民再次来电：坑洞仍在";
    const auto by_operator = operator_wall->command(reopen);
    ASSERT_TRUE(by_operator);
    EXPECT_EQ(by_operator->refusal, "forbidden");
    const auto reopened = leader->command(reopen);
    ASSERT_TRUE(reopened && reopened->accepted)
        << (reopened ? reopened->refusal + ": " + reopened->detail : "no reply");
    ASSERT_TRUE(
        leader->pump_until([&](const CityPicture& p) { return p.incidents().contains(id); }));
    const Incident open = *leader->picture.incidents().incident(id);
    EXPECT_EQ(open.case_state.stage, CaseStage::assigned);
    EXPECT_EQ(open.case_state.order, "O-9");
    EXPECT_EQ(open.case_state.assigned, now_.load());
    EXPECT_EQ(open.case_state.last.action, CaseAction::reopen);
    EXPECT_EQ(open.case_state.last.actor, "leader-li");
    ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-9"); }));
    // Open now: reopening it again is the wrong stage.
    reopen.id = "O-10";
    EXPECT_EQ(leader->command(reopen)->refusal, "wrong_stage");
    // Its whole history, the department's reports and then the reopening.
    leader->request_case(id);
    ASSERT_TRUE(leader->pump_until(
        [&](const CityPicture&) { return leader->last_case && leader->last_case->open; }));
    const CaseHistory& history = leader->last_case->history;
    ASSERT_GE(history.changes.size(), 2u);
    EXPECT_EQ(history.changes[1].status, IncidentStatus::closed);
    ASSERT_FALSE(history.steps.empty());
    EXPECT_EQ(history.steps.back().note, "市民再次来电：坑洞仍在");

    // Cancelled by the centre, then reopened to the same department with a new order.
    auto cancel = command(id, CaseAction::cancel);
    cancel.note = "误报";
    ASSERT_TRUE(leader->command(cancel)->accepted);
    ASSERT_TRUE(leader->pump_until([&](const CityPicture& p) { return !p.incidents().find(id); }));
    reopen.id = "O-11";
    reopen.note = "不是误报";
    const auto again = leader->command(reopen);
    ASSERT_TRUE(again && again->accepted) << (again ? again->detail : "no reply");
    ASSERT_TRUE(city.pump_until([&] { return city.has_order("O-11"); }));

    auto nowhere = command(9999, CaseAction::reopen, "city-mgmt", "O-12");
    nowhere.note = "x";
    EXPECT_EQ(leader->command(nowhere)->refusal, "unknown_case");
}

}  // namespace
}  // namespace citywall
