#include "citywall/open_incidents.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "sample_incidents.hpp"

namespace citywall {
namespace {

using testing::sample_incident;

TEST(OpenIncidents, GivesBackEveryFieldOfWhatWasPut) {
    OpenIncidents store;
    for (std::uint64_t id = 1; id <= 12; ++id)
        store.put(sample_incident(id));
    ASSERT_EQ(store.size(), 12u);
    for (std::uint64_t id = 1; id <= 12; ++id) {
        const Incident expected = sample_incident(id);
        EXPECT_EQ(store.incident(id), expected) << id;
        const auto view = store.find(id);
        ASSERT_TRUE(view);
        EXPECT_EQ(view->id, id);
        EXPECT_EQ(view->category, expected.category);
        EXPECT_EQ(view->areas, expected.areas);
        EXPECT_EQ(view->title, expected.title);
        EXPECT_EQ(view->department(), expected.department());
        EXPECT_EQ(view->severity, expected.severity);
        EXPECT_EQ(view->received, expected.received);
        EXPECT_EQ(view->location, expected.location);
    }
    EXPECT_FALSE(store.find(13));
    EXPECT_FALSE(store.incident(13));
}

TEST(OpenIncidents, AClosedIncidentLeavesAndItsSlotIsReused) {
    OpenIncidents store;
    store.put(sample_incident(1));
    store.put(sample_incident(2));
    Incident closed = sample_incident(1);
    closed.status = IncidentStatus::resolved;
    store.put(closed);
    EXPECT_FALSE(store.contains(1));
    EXPECT_EQ(store.size(), 1u);
    store.put(sample_incident(3));
    EXPECT_EQ(store.size(), 2u);
    std::vector<std::uint64_t> ids;
    for (const auto& [id, incident] : store) {
        EXPECT_EQ(id, incident.id);
        ids.push_back(id);
    }
    EXPECT_EQ(ids, (std::vector<std::uint64_t>{3, 2}));  // 3 took 1's slot
    EXPECT_FALSE(store.erase(1));
    EXPECT_TRUE(store.erase(2));
    EXPECT_EQ(store.size(), 1u);
}

TEST(OpenIncidents, SharedStringsAreStoredOnce) {
    OpenIncidents store;
    store.put(sample_incident(1));
    store.put(sample_incident(5));  // the same area path
    Incident elsewhere = sample_incident(9);
    elsewhere.areas[3] = {"grid", "449901003012005", "新村社区第5网格"};
    store.put(elsewhere);
    EXPECT_EQ(store.find(1)->areas_key, store.find(5)->areas_key);
    EXPECT_NE(store.find(1)->areas_key, store.find(9)->areas_key);
    EXPECT_EQ(&store.find(1)->areas, &store.find(5)->areas);
    EXPECT_EQ(store.find(9)->areas[3].name, "新村社区第5网格");
}

TEST(OpenIncidents, ChangesComeOncePerIdWithTheIncidentBeforeTheFirst) {
    OpenIncidents store;
    store.put(sample_incident(1));
    store.put(sample_incident(2));
    store.drop_changes();
    Incident moved = sample_incident(1);
    moved.severity = Severity::critical;
    store.put(moved);
    moved.severity = Severity::low;
    store.put(moved);
    store.put(sample_incident(3));
    store.erase(2);
    const auto changes = store.take_changes();
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[0].id, 1u);
    ASSERT_TRUE(changes[0].before);
    EXPECT_EQ(changes[0].before->severity, sample_incident(1).severity);  // not critical
    EXPECT_EQ(changes[0].before->areas, sample_incident(1).areas);
    EXPECT_TRUE(changes[0].before->title.empty());  // text is not kept
    EXPECT_EQ(changes[1].id, 3u);
    EXPECT_FALSE(changes[1].before);  // was not open
    EXPECT_EQ(changes[2].id, 2u);
    ASSERT_TRUE(changes[2].before);
    EXPECT_EQ(changes[2].before->department(), "110");
    EXPECT_TRUE(store.take_changes().empty());
}

// Against a plain map of whole incidents, through enough churn to grow the index, reuse slots,
// shift index entries back on erase, and compact the text arena.
TEST(OpenIncidents, AgreesWithAMapThroughChurn) {
    OpenIncidents store;
    std::map<std::uint64_t, Incident> expected;
    std::mt19937 random(11);
    std::uniform_int_distribution<std::uint64_t> pick_id(1, 5000);
    std::uniform_int_distribution<int> pick_action(0, 9);
    for (int step = 0; step < 60000; ++step) {
        const std::uint64_t id = pick_id(random);
        const int action = pick_action(random);
        if (action < 2) {
            EXPECT_EQ(store.erase(id), expected.erase(id) == 1);
        } else {
            Incident incident = sample_incident(id);
            incident.title += std::string(static_cast<std::size_t>(step % 40), 'x');
            incident.updated += step;
            if (action == 2) incident.status = IncidentStatus::closed;
            store.put(incident);
            if (incident.open()) {
                expected[id] = incident;
            } else {
                expected.erase(id);
            }
        }
        if (step % 1000 == 0) store.drop_changes();
    }
    ASSERT_EQ(store.size(), expected.size());
    for (const auto& [id, incident] : expected)
        ASSERT_EQ(store.incident(id), incident) << id;
    std::size_t seen = 0;
    for (const auto& [id, view] : store) {
        ASSERT_TRUE(expected.contains(id));
        EXPECT_EQ(view.title, expected[id].title);
        ++seen;
    }
    EXPECT_EQ(seen, expected.size());
    for (std::uint64_t id = 1; id <= 5000; ++id)
        ASSERT_EQ(store.contains(id), expected.contains(id)) << id;
}

TEST(OpenIncidents, ShrinkingKeepsEveryIncidentAndTheStoreUsable) {
    OpenIncidents store;
    store.track_changes(false);
    for (std::uint64_t id = 1; id <= 300; ++id)
        store.put(sample_incident(id));
    for (std::uint64_t id = 2; id <= 300; id += 2)
        store.erase(id);
    for (std::uint64_t id = 200; id <= 300; ++id)
        store.erase(id);
    EXPECT_TRUE(store.take_changes().empty());  // not tracked while filling
    const std::size_t before = store.memory_bytes();
    store.shrink_to_fit();
    EXPECT_LT(store.memory_bytes(), before);
    store.track_changes(true);
    for (std::uint64_t id = 1; id <= 300; ++id) {
        const bool open = id % 2 == 1 && id < 200;
        ASSERT_EQ(store.contains(id), open) << id;
        if (open) {
            EXPECT_EQ(store.incident(id), sample_incident(id));
        }
    }
    store.put(sample_incident(1000));
    store.put(sample_incident(1001));
    EXPECT_EQ(store.incident(1001), sample_incident(1001));
    EXPECT_EQ(store.size(), 102u);
    EXPECT_EQ(store.take_changes().size(), 2u);
}

TEST(OpenIncidents, ClearForgetsEverything) {
    OpenIncidents store;
    store.put(sample_incident(1));
    store.clear();
    EXPECT_TRUE(store.empty());
    EXPECT_FALSE(store.contains(1));
    EXPECT_TRUE(store.take_changes().empty());
    store.put(sample_incident(1));
    EXPECT_EQ(store.incident(1), sample_incident(1));
}

// ====================================================================== change() ====

std::vector<IncidentField> moved_fields(const IncidentChange& change) {
    std::vector<IncidentField> out;
    for (std::uint16_t bit = 1; bit != 0 && bit <= IncidentFields::all().bits(); bit <<= 1)
        if (change.moved.bits() & bit) out.push_back(static_cast<IncidentField>(bit));
    return out;
}

TEST(IncidentChange, ANewIncidentMovesEverythingAndEverySourceSpeaks) {
    OpenIncidents store;
    const IncidentChange change = store.change(sample_incident(3));  // two sources
    EXPECT_TRUE(change.opened());
    EXPECT_FALSE(change.nothing_new());
    EXPECT_EQ(change.moved, IncidentFields::all());
    EXPECT_TRUE(change.said_something(0));
    EXPECT_TRUE(change.said_something(1));
    EXPECT_EQ(change.after, sample_incident(3));
    EXPECT_TRUE(store.empty());  // change() only looks
}

TEST(IncidentChange, OnlyTimesIsNothingNew) {
    OpenIncidents store;
    store.put(sample_incident(3));
    Incident again = sample_incident(3);
    again.updated += 60'000;
    again.sources[0].reported += 60'000;
    again.sources[1].reported = 5;
    const IncidentChange change = store.change(again);
    ASSERT_FALSE(change.opened());
    EXPECT_TRUE(change.nothing_new());
    EXPECT_FALSE(change.said_something(0));
    EXPECT_FALSE(change.said_something(1));
}

TEST(IncidentChange, EachFieldIsNamedOnItsOwn) {
    OpenIncidents store;
    const Incident held = sample_incident(6);
    store.put(held);
    const auto only = [&](auto edit) {
        Incident after = held;
        edit(after);
        return moved_fields(store.change(after));
    };
    using F = IncidentField;
    using Fields = std::vector<IncidentField>;
    EXPECT_EQ(only([](Incident& i) { i.status = IncidentStatus::dispatched; }), Fields{F::status});
    EXPECT_EQ(only([](Incident& i) { i.severity = Severity::critical; }), Fields{F::severity});
    EXPECT_EQ(only([](Incident& i) { i.category = "fire.forest"; }), Fields{F::category});
    EXPECT_EQ(only([](Incident& i) { i.location.lon += 1e-9; }), Fields{F::place});
    EXPECT_EQ(only([](Incident& i) { i.areas.resize(1); }), Fields{F::place});
    EXPECT_EQ(only([](Incident& i) { i.areas.back().name = "另一警格"; }), Fields{F::place});
    EXPECT_EQ(only([](Incident& i) { i.source_crs = "GCJ-02"; }), Fields{F::place});
    EXPECT_EQ(only([](Incident& i) { i.title = "盗窃（已核实）"; }), Fields{F::title});
    EXPECT_EQ(only([](Incident& i) { i.description += "。"; }), Fields{F::description});
    EXPECT_EQ(only([](Incident& i) { i.due = 7; }), Fields{F::due});
    EXPECT_EQ(only([](Incident& i) { i.escalation = 3; }), Fields{F::escalation});
    EXPECT_EQ(only([](Incident& i) { i.occurred -= 1; }), Fields{F::occurred});
    EXPECT_EQ(only([](Incident& i) { i.received += 1; }), Fields{F::received});
    EXPECT_EQ(only([](Incident& i) { i.drill = true; }), Fields{F::drill});
    EXPECT_EQ(only([](Incident& i) { i.provenance = {"county-b", 1, 2}; }), Fields{F::provenance});
    EXPECT_EQ(only([](Incident& i) { i.sources[1].source_id = "F-other"; }), Fields{F::sources});
}

TEST(IncidentChange, TheDepartmentsThatSaidSomethingNew) {
    OpenIncidents store;
    store.put(sample_incident(3));  // 110 accepted, 119 reported
    Incident after = sample_incident(3);
    after.sources[1].status = IncidentStatus::on_scene;
    after.sources.push_back({"120", "A-1"});
    const IncidentChange change = store.change(after);
    EXPECT_EQ(moved_fields(change), std::vector<IncidentField>{IncidentField::sources});
    EXPECT_FALSE(change.said_something(0));
    EXPECT_TRUE(change.said_something(1));  // another status
    EXPECT_TRUE(change.said_something(2));  // its first report
    // The same sources in another order: nobody said anything new, but the list moved.
    std::swap(after.sources[0], after.sources[1]);
    store.put(store.change(after).after);
    std::swap(after.sources[0], after.sources[1]);
    const IncidentChange reordered = store.change(after);
    EXPECT_TRUE(reordered.moved.has(IncidentField::sources));
    EXPECT_FALSE(reordered.said_something(0));
    EXPECT_FALSE(reordered.said_something(1));
    EXPECT_FALSE(reordered.said_something(2));
}

TEST(IncidentChange, BeforeIsTheIncidentAsHeldAndOutlivesThePut) {
    OpenIncidents store;
    Incident held = sample_incident(5);
    held.due = 1234;
    store.put(held);
    Incident after = held;
    after.status = IncidentStatus::resolved;
    after.areas = {};
    const IncidentChange change = store.change(after);
    store.put(change.after);
    EXPECT_FALSE(store.contains(5));
    ASSERT_TRUE(change.before);
    EXPECT_EQ(change.before->status, IncidentStatus::reported);
    EXPECT_EQ(change.before->due, 1234);
    EXPECT_EQ(change.before->areas, sample_incident(5).areas);
    EXPECT_EQ(change.before->department(), "110");
    EXPECT_TRUE(change.before->title.empty());  // no text
    EXPECT_TRUE(change.moved.has(IncidentField::status));
    EXPECT_TRUE(change.moved.has(IncidentField::place));
}

TEST(IncidentChange, WithoutCaseDetailsWhatIsNotHeldIsNotCompared) {
    OpenIncidents store;
    store.keep_case_details(false);
    store.put(sample_incident(3));
    Incident after = sample_incident(3);
    after.description = "另一段描述";
    after.sources[0].source_id = "P-renumbered";
    EXPECT_TRUE(store.change(after).nothing_new());
    after.sources[0].status = IncidentStatus::closed;
    const IncidentChange change = store.change(after);
    EXPECT_EQ(moved_fields(change), std::vector<IncidentField>{IncidentField::sources});
    EXPECT_TRUE(change.said_something(0));
}

TEST(OpenIncidents, ReportedByReadsTheTextInPlace) {
    OpenIncidents store;
    store.put(sample_incident(3));
    EXPECT_TRUE(store.reported_by(3, "110"));
    EXPECT_TRUE(store.reported_by(3, "119"));
    EXPECT_FALSE(store.reported_by(3, "120"));
    EXPECT_FALSE(store.reported_by(4, "110"));
    EXPECT_TRUE(store.find(4) == std::nullopt);
    EXPECT_TRUE(store.find(3)->federated == false);
    store.put(sample_incident(4));
    EXPECT_TRUE(store.find(4)->federated);  // sample 4 came from a county
    Incident reused = sample_incident(8);
    EXPECT_TRUE(store.fill(reused, 3));
    EXPECT_EQ(reused, sample_incident(3));
    EXPECT_FALSE(store.fill(reused, 99));
}

}  // namespace
}  // namespace citywall
