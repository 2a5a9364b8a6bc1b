// A simulated department's order desk (tools/feedsim/order_desk.hpp): each order taken once,
// answered in the lifecycle's order on its own time, repeats and junk counted and ignored, a
// withdrawn order dropped.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "citywall/case_flow.hpp"
#include "order_desk.hpp"

namespace citywall::feedsim {
namespace {

constexpr TimeMs kT0 = 1'780'000'000'000;

std::string action_of(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    EXPECT_FALSE(doc.HasParseError()) << json;
    EXPECT_STREQ(doc["type"].GetString(), "case");
    return doc["action"].GetString();
}

TEST(OrderDesk, SignsArrivesAndResolvesEachOrderOnceInThatOrder) {
    OrderDeskTiming timing;
    timing.return_share = 0;
    OrderDesk desk(timing, 7);
    desk.take(R"({"type":"order","order":"O-1","incident":4})", kT0);
    desk.take(R"({"type":"order","order":"O-1","incident":4})", kT0 + 5000);  // sent again
    desk.take("not json", kT0);
    desk.take(R"({"type":"order"})", kT0);
    EXPECT_EQ(desk.orders(), 1u);
    EXPECT_EQ(desk.repeats(), 1u);
    EXPECT_EQ(desk.unreadable(), 2u);
    EXPECT_TRUE(desk.due(kT0 + timing.sign_min_ms - 1).empty()) << "nothing before its time";
    std::vector<std::string> actions;
    for (const std::string& answer : desk.due(kT0 + 24 * 3'600'000))
        actions.push_back(action_of(answer));
    EXPECT_EQ(actions, (std::vector<std::string>{"sign", "arrive", "resolve"}));
    // Each is a step a department may take: the lifecycle's table names it.
    for (const auto& a : actions)
        EXPECT_TRUE(parse_case_action(a)) << a;
    EXPECT_TRUE(desk.due(kT0 + 48 * 3'600'000).empty());
}

TEST(OrderDesk, AUnitNamedInAnOrderSetsOffAndIsFreeOnceTheWorkIsOver) {
    OrderDeskTiming timing;
    timing.return_share = 0;
    OrderDesk desk(timing, 7);
    desk.take(R"({"type":"order","order":"O-1","incident":4,"unit":"119-U3","lon":114.1,)"
              R"("lat":22.6})",
              kT0);
    desk.take(R"({"type":"order","order":"O-2","incident":5,"lon":114.1,"lat":22.6})", kT0);
    auto calls = desk.take_unit_calls();
    ASSERT_EQ(calls.size(), 1u) << "only the order that names a unit";
    EXPECT_EQ(calls[0].unit, "119-U3");
    EXPECT_EQ(calls[0].order, "O-1");
    EXPECT_DOUBLE_EQ(calls[0].where.lon, 114.1);
    EXPECT_FALSE(calls[0].released);
    EXPECT_TRUE(desk.take_unit_calls().empty()) << "taken once";
    (void)desk.due(kT0 + 24 * 3'600'000);  // both resolved
    calls = desk.take_unit_calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_TRUE(calls[0].released && calls[1].released);
    // Taken away before it is done: its unit is free as well.
    desk.take(R"({"type":"order","order":"O-3","incident":6,"unit":"119-U1","lon":1,"lat":2})",
              kT0);
    desk.take(R"({"type":"withdrawn","order":"O-3","incident":6})", kT0 + 1000);
    calls = desk.take_unit_calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[1].order, "O-3");
    EXPECT_TRUE(calls[1].released);
}

TEST(OrderDesk, SomeOrdersAreAskedToBeReturnedWithAReason) {
    OrderDeskTiming timing;
    timing.return_share = 1;
    OrderDesk desk(timing, 7);
    desk.take(R"({"type":"order","order":"O-2"})", kT0);
    const auto answers = desk.due(kT0 + 3'600'000);
    ASSERT_EQ(answers.size(), 1u);
    rapidjson::Document doc;
    doc.Parse(answers[0].c_str());
    EXPECT_STREQ(doc["action"].GetString(), "return_request");
    EXPECT_STREQ(doc["reason"].GetString(), "wrong_function");
}

// A withdrawn order stops its work; if the case comes back (transferred back, same order id),
// it is a new order again, not a repeat.
TEST(OrderDesk, AWithdrawnOrderStopsItsWorkAndMayComeBack) {
    OrderDeskTiming timing;
    timing.return_share = 0;
    OrderDesk desk(timing, 7);
    desk.take(R"({"type":"order","order":"O-3","incident":5})", kT0);
    desk.take(R"({"type":"withdrawn","order":"O-3","incident":5,"action":"transfer"})", kT0 + 1);
    desk.take(R"({"type":"withdrawn","order":"O-3","incident":5,"action":"transfer"})", kT0 + 2);
    EXPECT_EQ(desk.withdrawn(), 1u);
    EXPECT_EQ(desk.orders(), 0u);
    EXPECT_TRUE(desk.due(kT0 + 24 * 3'600'000).empty());
    desk.take(R"({"type":"order","order":"O-3","incident":5,"action":"transfer"})", kT0 + 10);
    EXPECT_EQ(desk.repeats(), 0u);
    EXPECT_EQ(desk.due(kT0 + 24 * 3'600'000).size(), 3u);
}

// A supervised or escalated case is hurried: its answers keep their order, the next one comes
// within its hurry time. A notice of another kind, or of an order it never took, is no
// order and changes nothing.
TEST(OrderDesk, ASupervisedCaseIsHurriedAndANoticeIsNeverTakenForAnOrder) {
    OrderDeskTiming timing;
    timing.return_share = 0;
    timing.sign_min_ms = timing.sign_max_ms = 60'000;
    OrderDesk desk(timing, 7);
    desk.take(R"({"type":"order","order":"O-4","incident":6})", kT0);
    desk.take(R"({"type":"escalated","order":"O-9","incident":7,"level":"street"})", kT0);
    desk.take(R"({"type":"reminder","order":"O-8","incident":8})", kT0);
    EXPECT_EQ(desk.orders(), 1u);
    EXPECT_EQ(desk.hurried(), 0u);
    EXPECT_TRUE(desk.due(kT0 + 59'000).empty());
    // Half a minute later the leader supervises it: signed for 5 s after that, not at 60 s.
    desk.take(R"({"type":"supervised","order":"O-4","incident":6,"by":"leader-li"})", kT0 + 30'000);
    EXPECT_EQ(desk.hurried(), 1u);
    EXPECT_TRUE(desk.due(kT0 + 34'999).empty());
    std::vector<std::string> actions;
    for (const std::string& answer : desk.due(kT0 + 35'000))
        actions.push_back(action_of(answer));
    ASSERT_EQ(actions, std::vector<std::string>{"sign"});
    for (const std::string& answer : desk.due(kT0 + 24 * 3'600'000))
        actions.push_back(action_of(answer));
    EXPECT_EQ(actions, (std::vector<std::string>{"sign", "arrive", "resolve"}));
}

}  // namespace
}  // namespace citywall::feedsim
