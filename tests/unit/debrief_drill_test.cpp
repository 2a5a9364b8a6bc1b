// citywall-debrief's library: a drill's journal read into its timeline, its orders with their
// response times, the deadlines missed and each department's figures, and written as one page;
// on real San Francisco incidents, cases stepped by the centre's own rule (apply_step).
#include "drill_debrief.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "citywall/journal.hpp"
#include "citywall/wire.hpp"
#include "csv_fields.hpp"

namespace citywall::debrief {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kMin = 60'000;
// 2013-12-31T00:00:00Z, the day of the real incidents.
constexpr TimeMs kStart = 1'388'448'000'000;
// The hotline's deadlines in the drill: sign within 10 minutes, resolve within an hour.
constexpr CaseLimits kLimits{10 * kMin, 60 * kMin};

class DebriefTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("citywall-debrief-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        auto writer = JournalWriter::open({dir_ / "journal", 64u << 20, 0});
        ASSERT_TRUE(writer) << writer.error();
        journal_ = std::move(*writer);
        std::ifstream csv(CITYWALL_TEST_DATA "/real/sfpd_incidents.csv");
        std::string line;
        std::getline(csv, line);  // the header
        for (std::uint64_t id = 1; id <= 6 && std::getline(csv, line); ++id) {
            const auto f = testing::csv_fields(line);
            ASSERT_GE(f.size(), 11u) << line;
            Incident incident;
            incident.id = id;
            incident.category = "police.theft";
            incident.title = f[1];  // the real category: "ASSAULT", "BURGLARY", …
            incident.description = f[2];
            incident.location = {std::stod(f[9]), std::stod(f[10])};
            incident.sources.push_back({"SFPD", f[0], IncidentStatus::reported, 0});
            incident.areas = {{"district", f[6], f[6]}};
            incident.drill = true;
            incidents_[id] = incident;
        }
        ASSERT_EQ(incidents_.size(), 6u);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(TimeMs at, const wire::Message& message) {
        std::string bytes = wire::encode(message);
        ASSERT_TRUE(journal_->append(
            {++seq_, at, static_cast<std::uint16_t>(wire::kind_of(message)), std::move(bytes)}));
    }
    void report(std::uint64_t id, TimeMs at) {
        incidents_[id].received = at;
        publish(id, at);
    }
    void publish(std::uint64_t id, TimeMs at) {
        incidents_[id].updated = at;
        write(at, wire::Message{wire::IncidentUpdate{seq_ + 1, incidents_[id]}});
    }
    void step(std::uint64_t id, TimeMs at, CaseAction action, std::string actor,
              std::string department = {}, std::string order = {}) {
        CaseStep s;
        s.time = at;
        s.action = action;
        s.actor = std::move(actor);
        s.department = std::move(department);
        s.command = std::move(order);
        if (has(rule_of(action).needs, Needs::note)) s.note = "水已排净 drained";
        Incident& incident = incidents_[id];
        ASSERT_FALSE(check_step(incident.case_state, s,
                                action == CaseAction::sign || action == CaseAction::arrive ||
                                        action == CaseAction::resolve
                                    ? Doer::department
                                    : Doer::leader))
            << to_string(action);
        incident.case_state = apply_step(incident.case_state, s, kLimits);
        publish(id, at);
    }
    void mark(TimeMs at, wire::DrillClock::Change change, std::vector<wire::Bookmark> marks = {}) {
        wire::DrillClock clock;
        clock.seq = seq_ + 1;
        clock.change = change;
        clock.time = at;
        clock.recording = "storm night";
        clock.bookmarks = std::move(marks);
        write(at, wire::Message{clock});
    }
    Debrief read(std::optional<TimeMs> from = {}, std::optional<TimeMs> to = {}) {
        journal_.reset();  // flushed and closed
        auto read = read_debrief(dir_ / "journal", from, to);
        EXPECT_TRUE(read) << read.error();
        return read ? std::move(*read) : Debrief{};
    }

    fs::path dir_;
    std::unique_ptr<JournalWriter> journal_;
    std::uint64_t seq_ = 0;
    std::map<std::uint64_t, Incident> incidents_;
};

TEST_F(DebriefTest, EachOrderHasItsResponseTimesAndEachDepartmentItsFigures) {
    report(1, kStart);
    report(2, kStart + kMin);
    step(1, kStart + 2 * kMin, CaseAction::order, "duty", "water", "D-1");
    step(2, kStart + 3 * kMin, CaseAction::order, "duty", "water", "D-2");
    step(1, kStart + 4 * kMin, CaseAction::sign, "water");
    step(1, kStart + 11 * kMin, CaseAction::arrive, "water");
    step(2, kStart + 5 * kMin, CaseAction::sign, "water");
    step(1, kStart + 42 * kMin, CaseAction::resolve, "water");
    // The same step repeated with another change of the incident counts once.
    incidents_[1].description = "a later report";
    publish(1, kStart + 43 * kMin);
    step(2, kStart + 50 * kMin, CaseAction::transfer, "duty", "city-mgmt", "D-3");
    step(2, kStart + 53 * kMin, CaseAction::sign, "city-mgmt");

    const Debrief d = read();
    EXPECT_TRUE(d.drill);
    EXPECT_EQ(d.first_seen.size(), 2u);
    ASSERT_EQ(d.orders.size(), 3u);
    const OrderRun& first = d.orders[0];
    EXPECT_EQ(first.incident, 1u);
    EXPECT_EQ(first.order, "D-1");
    EXPECT_EQ(first.department, "water");
    EXPECT_EQ(first.actor, "duty");
    EXPECT_EQ(first.signed_at - first.ordered, 2 * kMin);
    EXPECT_EQ(first.arrived - first.ordered, 9 * kMin);
    EXPECT_EQ(first.resolved - first.ordered, 40 * kMin);
    EXPECT_EQ(first.ended, 0);
    // The transfer ends water's order of the second case and starts city management's.
    EXPECT_EQ(d.orders[1].ended, kStart + 50 * kMin);
    EXPECT_EQ(d.orders[1].resolved, 0);
    EXPECT_EQ(d.orders[2].action, CaseAction::transfer);
    EXPECT_EQ(d.orders[2].department, "city-mgmt");
    EXPECT_EQ(d.orders[2].signed_at - d.orders[2].ordered, 3 * kMin);

    const DepartmentFigures& water = d.departments.at("water");
    EXPECT_EQ(water.orders, 2u);
    EXPECT_EQ(water.to_sign, (std::vector<TimeMs>{2 * kMin, 2 * kMin}));
    EXPECT_EQ(water.to_scene, std::vector<TimeMs>{9 * kMin});
    EXPECT_EQ(water.to_resolve, std::vector<TimeMs>{40 * kMin});
    EXPECT_EQ(water.counts.signed_for, 2u);
    EXPECT_EQ(water.counts.resolved_on_time, 1u);
    EXPECT_EQ(d.departments.at("SFPD").reported, 2u);
    EXPECT_EQ(d.departments.at("city-mgmt").orders, 1u);

    // Timeline: two reports, eight steps (the repeat not again), in time order.
    std::size_t steps = 0, opened = 0;
    for (const TimelineEntry& e : d.timeline) {
        steps += e.kind == TimelineEntry::Kind::step ? 1 : 0;
        opened += e.kind == TimelineEntry::Kind::opened ? 1 : 0;
    }
    EXPECT_EQ(opened, 2u);
    EXPECT_EQ(steps, 8u);
    EXPECT_TRUE(std::is_sorted(d.timeline.begin(), d.timeline.end(),
                               [](const auto& a, const auto& b) { return a.time < b.time; }));
    const Spread sign = spread_of(water.to_sign);
    EXPECT_EQ(sign.count, 2u);
    EXPECT_EQ(sign.median, 2 * kMin);
}

TEST_F(DebriefTest, ADeadlineMissedIsNamedWithHowLateAndOneNotYetDoneByTheEnd) {
    report(1, kStart);
    report(2, kStart);
    report(3, kStart);
    step(1, kStart + kMin, CaseAction::order, "duty", "water", "D-1");
    step(2, kStart + kMin, CaseAction::order, "duty", "water", "D-2");
    step(3, kStart + kMin, CaseAction::order, "duty", "water", "D-3");
    step(1, kStart + 5 * kMin, CaseAction::sign, "water");      // on time
    step(2, kStart + 14 * kMin, CaseAction::sign, "water");     // 3 minutes late
    step(1, kStart + 70 * kMin, CaseAction::resolve, "water");  // 9 minutes late
    step(3, kStart + 8 * kMin, CaseAction::cancel, "duty");     // withdrawn before its deadline
    // The second is not resolved by the end, 90 minutes in.
    incidents_[2].description = "still flooded";
    publish(2, kStart + 90 * kMin);

    const Debrief d = read();
    ASSERT_EQ(d.missed.size(), 3u);
    // In the order they fell due.
    EXPECT_EQ(d.missed[0].incident, 2u);
    EXPECT_TRUE(d.missed[0].sign);
    EXPECT_EQ(d.missed[0].done - d.missed[0].due, 3 * kMin);
    EXPECT_EQ(d.missed[1].incident, 1u);
    EXPECT_FALSE(d.missed[1].sign);
    EXPECT_EQ(d.missed[1].done - d.missed[1].due, 9 * kMin);
    EXPECT_EQ(d.missed[2].incident, 2u);
    EXPECT_FALSE(d.missed[2].sign);
    EXPECT_EQ(d.missed[2].done, 0);  // not by the end
    EXPECT_EQ(d.departments.at("water").missed, 3u);
    EXPECT_EQ(d.to, kStart + 90 * kMin);
}

TEST_F(DebriefTest, BookmarksAndSeeksAreOnTheTimelineAndAReplayedCaseIsNotCountedTwice) {
    mark(kStart, wire::DrillClock::Change::rewound);  // the replay's start
    report(1, kStart);
    step(1, kStart + kMin, CaseAction::order, "duty", "water", "D-1");
    const Incident recorded = incidents_[1];
    step(1, kStart + 3 * kMin, CaseAction::sign, "water");
    mark(kStart + 3 * kMin, wire::DrillClock::Change::bookmarked,
         {{kStart + 2 * kMin, "water signed <late?> & why"}});
    // The replay's start, then the trainer seeks back to 2 minutes in: the picture is the
    // recording's there again, and the case comes again as it stood then (ordered, not signed).
    mark(kStart + 2 * kMin, wire::DrillClock::Change::rewound);
    incidents_[1] = recorded;
    publish(1, kStart + 2 * kMin);
    step(1, kStart + 6 * kMin, CaseAction::sign, "water");

    const Debrief d = read();
    EXPECT_EQ(d.recording, "storm night");
    ASSERT_EQ(d.bookmarks.size(), 1u);
    EXPECT_EQ(d.bookmarks[0].at, kStart + 2 * kMin);
    // The order once, signed the first time before the seek; the second signing is the drill's
    // after it and starts no order of its own.
    ASSERT_EQ(d.orders.size(), 1u);
    EXPECT_EQ(d.orders[0].signed_at, kStart + 3 * kMin);
    EXPECT_EQ(d.orders[0].ended, kStart + 3 * kMin);  // where the trainer left it
    std::map<TimelineEntry::Kind, std::size_t> kinds;
    std::size_t steps = 0;
    for (const TimelineEntry& e : d.timeline) {
        ++kinds[e.kind];
        steps += e.kind == TimelineEntry::Kind::step;
    }
    EXPECT_EQ(kinds[TimelineEntry::Kind::started], 1u);
    EXPECT_EQ(kinds[TimelineEntry::Kind::rewound], 1u);  // the seek; the start is not one
    EXPECT_EQ(kinds[TimelineEntry::Kind::bookmark], 1u);
    EXPECT_EQ(steps, 3u);  // order, sign, and the sign after the seek

    PageOptions options;
    const std::string page =
        debrief_page(d, {{kStart + 2 * kMin, "water signed", "Man", "", "", 12}}, options);
    EXPECT_NE(page.find("DRILL"), std::string::npos);
    EXPECT_NE(page.find("water signed &lt;late?&gt; &amp; why"), std::string::npos);
    EXPECT_EQ(page.find("<late?>"), std::string::npos);
    EXPECT_NE(page.find("data:image/png;base64,TWFu\""), std::string::npos);
    EXPECT_NE(page.find("12 起在办事件 open incidents · water signed"), std::string::npos);
    EXPECT_NE(page.find("2013-12-31 00:02:00"), std::string::npos);  // UTC, the default zone
    EXPECT_NE(page.find("#1 ASSAULT"), std::string::npos);
    EXPECT_NE(page.find("Seeks</th><td>1<"), std::string::npos);
}

TEST_F(DebriefTest, AWindowLeavesOutWhatCameBeforeItAndAnEmptyJournalIsAnEmptyDebrief) {
    report(1, kStart);
    step(1, kStart + kMin, CaseAction::order, "duty", "water", "D-1");
    report(2, kStart + 30 * kMin);
    step(2, kStart + 31 * kMin, CaseAction::order, "duty", "water", "D-2");
    step(1, kStart + 32 * kMin, CaseAction::sign, "water");  // late, but ordered before the window

    const Debrief d = read(kStart + 30 * kMin, std::nullopt);
    EXPECT_EQ(d.from, kStart + 30 * kMin);
    EXPECT_EQ(d.departments.at("water").orders, 1u);
    EXPECT_EQ(d.departments.at("water").to_sign.size(), 0u);
    EXPECT_TRUE(d.missed.empty());
    std::size_t opened = 0;
    for (const TimelineEntry& e : d.timeline)
        opened += e.kind == TimelineEntry::Kind::opened;
    EXPECT_EQ(opened, 1u);

    EXPECT_FALSE(read_debrief(dir_ / "journal", kStart + kMin, kStart));
    EXPECT_FALSE(read_debrief(dir_ / "no journal here", std::nullopt, std::nullopt));
    fs::create_directories(dir_ / "empty");
    auto empty = read_debrief(dir_ / "empty", std::nullopt, std::nullopt);
    ASSERT_TRUE(empty) << empty.error();
    EXPECT_EQ(empty->records, 0u);
    EXPECT_FALSE(debrief_page(*empty, {}, PageOptions{}).empty());
}

TEST_F(DebriefTest, DamageInTheJournalIsReadPastAndCounted) {
    for (std::uint64_t id = 1; id <= 6; ++id) {
        report(id, kStart + static_cast<TimeMs>(id) * kMin);
        step(id, kStart + static_cast<TimeMs>(id) * kMin + 1000, CaseAction::order, "duty", "water",
             "D-" + std::to_string(id));
    }
    journal_.reset();
    fs::path segment;
    for (const auto& entry : fs::directory_iterator(dir_ / "journal"))
        if (entry.path().extension() == ".cwj") segment = entry.path();
    ASSERT_FALSE(segment.empty());
    std::string bytes;
    {
        std::ifstream in(segment, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (std::size_t k = bytes.size() / 2; k < bytes.size() / 2 + 40; ++k)
        bytes[k] = static_cast<char>(bytes[k] ^ 0x5a);
    {
        std::ofstream out(segment, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    auto d = read_debrief(dir_ / "journal", std::nullopt, std::nullopt);
    ASSERT_TRUE(d) << d.error();
    EXPECT_GE(d->damaged, 1u);
    EXPECT_LT(d->records, 12u);
    EXPECT_GE(d->records, 8u);  // what lies after the damage is read all the same
    EXPECT_NE(debrief_page(*d, {}, PageOptions{}).find("damaged"), std::string::npos);
}

}  // namespace
}  // namespace citywall::debrief
