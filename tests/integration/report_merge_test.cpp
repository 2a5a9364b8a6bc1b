// Merging reports of one event from several departments, and ordering by event time.
#include "report_merge.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "sample_incidents.hpp"

namespace citywall::ingest {
namespace {

class ReportMerge : public ::testing::Test {
  protected:
    ReportMerge() : placement_({}) {
        rules_.distance_m = 150;
        rules_.window_ms = 600'000;
        rules_.compatible = {{"fire.building", "police.fire_report", "medical.burn"}};
        state_.set_neighbour_radius(rules_.distance_m);
        for (const char* code : {"110", "119", "120"}) {
            DepartmentConfig d;
            d.code = code;
            departments_.push_back(d);
        }
    }

    const DepartmentConfig& department(const std::string& code) const {
        for (const auto& d : departments_)
            if (d.code == code) return d;
        throw std::logic_error("no department " + code);
    }

    // Applies one report and commits the result as ingest would; returns the incident or why not.
    std::variant<IncidentChange, FeedReject> send(const std::string& code, const std::string& id,
                                                  const std::string& category, LonLat where,
                                                  TimeMs occurred,
                                                  IncidentStatus status = IncidentStatus::reported,
                                                  Severity severity = Severity::moderate) {
        FeedReport report;
        report.source_id = id;
        report.category = category;
        report.position = where;
        report.occurred = occurred;
        report.status = status;
        report.severity = severity;
        report.title = category;
        auto result =
            apply_report(state_, rules_, placement_, {department(code), report, where}, now_);
        if (auto* change = std::get_if<IncidentChange>(&result))
            state_.commit(state_.next_seq(), *change);
        return result;
    }

    static Incident incident_of(const std::variant<IncidentChange, FeedReject>& r) {
        if (const auto* why = std::get_if<FeedReject>(&r))
            ADD_FAILURE() << "rejected: " << to_string(why->reason) << " " << why->detail;
        return std::get<IncidentChange>(r).after;
    }

    // About 11 m per 0.0001 degree of latitude.
    static LonLat north_of(LonLat p, double metres) { return {p.lon, p.lat + metres / 111'320}; }

    MergeConfig rules_;
    CityPlacement placement_;
    CityState state_;
    std::vector<DepartmentConfig> departments_;
    const LonLat site_{114.05, 22.55};
    const TimeMs t0_ = 1'795'000'000'000;
    const TimeMs now_ = t0_ + 60'000;
};

TEST_F(ReportMerge, TwoDepartmentsReportingOneFireMakeOneIncident) {
    auto fire = incident_of(send("119", "F1", "fire.building", site_, t0_));
    auto police = incident_of(send("110", "P1", "police.fire_report", north_of(site_, 80),
                                   t0_ + 90'000, IncidentStatus::reported, Severity::critical));
    EXPECT_EQ(police.id, fire.id);
    ASSERT_EQ(police.sources.size(), 2u);
    EXPECT_EQ(police.sources[0].department, "119");
    EXPECT_EQ(police.sources[1].department, "110");
    EXPECT_EQ(police.severity, Severity::critical);  // the more severe report wins
    EXPECT_EQ(police.category, "fire.building");     // the first reporter describes it
    EXPECT_EQ(police.location, site_);               // and locates it
    EXPECT_EQ(state_.open_count(), 1u);

    // The police department's later word reaches the merged incident through its own id.
    auto update = incident_of(send("110", "P1", "police.fire_report", north_of(site_, 80),
                                   t0_ + 200'000, IncidentStatus::on_scene));
    EXPECT_EQ(update.id, fire.id);
    EXPECT_EQ(update.status, IncidentStatus::on_scene);
}

// The merged incident's history names each department's words in order, with the incident's
// status after each; a department that repeats itself adds nothing.
TEST_F(ReportMerge, TheHistoryRecordsEachDepartmentsChangesOfWord) {
    using S = IncidentStatus;
    const auto fire = incident_of(send("119", "F1", "fire.building", site_, t0_));
    send("110", "P1", "police.fire_report", site_, t0_ + 1000);
    send("119", "F1", "fire.building", site_, t0_ + 2000);  // the same word again
    send("119", "F1", "fire.building", site_, t0_ + 3000, S::on_scene);
    send("110", "P1", "police.fire_report", site_, t0_ + 4000, S::closed);
    const wire::IncidentCase reply = state_.incident_case(fire.id);
    ASSERT_TRUE(reply.open);
    const std::vector<StatusChange> expected = {
        {t0_, "119", S::reported, S::reported},
        {t0_ + 1000, "110", S::reported, S::reported},
        {t0_ + 3000, "119", S::on_scene, S::on_scene},
        {t0_ + 4000, "110", S::closed, S::on_scene},  // police done; the fire is still worked
    };
    EXPECT_EQ(reply.history.changes, expected);
    EXPECT_EQ(reply.history.omitted, 0u);
    EXPECT_FALSE(state_.incident_case(fire.id + 1).open);
}

// A long case keeps its first change and the latest ones, and counts what it dropped.
TEST_F(ReportMerge, ALongHistoryKeepsItsBeginningAndItsEnd) {
    using S = IncidentStatus;
    const auto first = incident_of(send("119", "F1", "fire.building", site_, t0_));
    constexpr int kSteps = 100;
    for (int k = 1; k <= kSteps; ++k)
        send("119", "F1", "fire.building", site_, t0_ + k * 1000,
             k % 2 ? S::en_route : S::on_scene);
    const CaseHistory history = state_.incident_case(first.id).history;
    ASSERT_EQ(history.changes.size(), CaseHistory::kMaxCaseChanges);
    EXPECT_EQ(history.omitted, kSteps + 1 - CaseHistory::kMaxCaseChanges);
    EXPECT_EQ(history.changes.front().time, t0_);
    EXPECT_EQ(history.changes.back().time, t0_ + kSteps * 1000);
    EXPECT_EQ(history.changes[1].time, t0_ + (kSteps + 2 - CaseHistory::kMaxCaseChanges) * 1000);
}

TEST_F(ReportMerge, NotTheSameEventWhenFarApartLateIncompatibleOrSameDepartment) {
    auto first = incident_of(send("119", "F1", "fire.building", site_, t0_));
    EXPECT_NE(incident_of(send("110", "P1", "police.fire_report", north_of(site_, 400), t0_)).id,
              first.id);
    EXPECT_NE(incident_of(send("120", "M1", "medical.burn", north_of(site_, 20), t0_ + 900'000)).id,
              first.id);
    EXPECT_NE(incident_of(send("120", "M2", "medical.cardiac", north_of(site_, 20), t0_)).id,
              first.id);
    EXPECT_NE(incident_of(send("119", "F2", "fire.building", north_of(site_, 10), t0_)).id,
              first.id);
    EXPECT_EQ(state_.open_count(), 5u);
}

TEST_F(ReportMerge, MergedIncidentClosesOnlyWhenEveryDepartmentIsDone) {
    auto fire = incident_of(send("119", "F1", "fire.building", site_, t0_));
    send("120", "M1", "medical.burn", site_, t0_ + 1000);
    auto after_ambulance_leaves =
        incident_of(send("120", "M1", "medical.burn", site_, t0_ + 5000, IncidentStatus::closed));
    EXPECT_TRUE(after_ambulance_leaves.open());
    EXPECT_EQ(after_ambulance_leaves.status, IncidentStatus::reported);
    auto done = incident_of(
        send("119", "F1", "fire.building", site_, t0_ + 9000, IncidentStatus::resolved));
    EXPECT_EQ(done.id, fire.id);
    EXPECT_EQ(done.status, IncidentStatus::resolved);
    EXPECT_EQ(state_.open_count(), 0u);
}

TEST_F(ReportMerge, LateMessagesDoNotUndoNewerOnes) {
    send("110", "P1", "police.theft", site_, t0_);
    send("110", "P1", "police.theft", site_, t0_ + 5000, IncidentStatus::on_scene);
    auto late = send("110", "P1", "police.theft", site_, t0_ + 2000, IncidentStatus::accepted);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(late));
    EXPECT_EQ(std::get<FeedReject>(late).reason, RejectReason::superseded);
    EXPECT_EQ(state_.open_incident(1)->status, IncidentStatus::on_scene);
}

TEST_F(ReportMerge, StatusOnlyReportClosesItsIncidentAndChangesNothingElse) {
    auto fire = incident_of(
        send("119", "F9", "fire.building", site_, t0_, IncidentStatus::reported, Severity::major));
    FeedReport cancel;  // a bare CAP Cancel: an id and a status, nothing else
    cancel.source_id = "F9";
    cancel.status = IncidentStatus::cancelled;
    cancel.occurred = t0_ + 5'000;
    cancel.status_only = true;
    auto result = apply_report(state_, rules_, placement_, {department("119"), cancel, {}}, now_);
    auto closed = incident_of(result);
    EXPECT_EQ(closed.id, fire.id);
    EXPECT_EQ(closed.status, IncidentStatus::cancelled);
    EXPECT_EQ(closed.category, "fire.building");  // not emptied
    EXPECT_EQ(closed.location, fire.location);    // not moved to 0,0
    EXPECT_EQ(closed.severity, Severity::major);

    cancel.source_id = "F-never";
    auto unknown = apply_report(state_, rules_, placement_, {department("119"), cancel, {}}, now_);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(unknown));
    EXPECT_EQ(std::get<FeedReject>(unknown).reason, RejectReason::unknown_incident);
}

TEST_F(ReportMerge, SameReportAgainIsADuplicate) {
    send("110", "P1", "police.theft", site_, t0_);
    auto again = send("110", "P1", "police.theft", site_, t0_);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(again));
    EXPECT_EQ(std::get<FeedReject>(again).reason, RejectReason::duplicate);
}

TEST(CityStateNeighbours, OpenNearFindsExactlyThoseWithinTheDistance) {
    CityState state;
    state.set_neighbour_radius(150);
    std::uint64_t seq = 0;
    std::vector<Incident> all;
    for (int k = 0; k < 2000; ++k) {
        Incident i;
        i.id = static_cast<std::uint64_t>(k + 1);
        i.sources.emplace_back("110", std::to_string(k));
        // A deterministic scatter over about 2 km around one point.
        i.location = {114.05 + 0.02 * std::sin(k * 12.9898), 22.55 + 0.02 * std::sin(k * 78.233)};
        state.commit({++seq, i});
        all.push_back(i);
    }
    for (int q = 0; q < 50; ++q) {
        LonLat p{114.05 + 0.015 * std::sin(q * 3.1), 22.55 + 0.015 * std::cos(q * 1.7)};
        for (double metres : {40.0, 150.0, 600.0}) {
            std::set<std::uint64_t> found, expected;
            for (const auto& near : state.open_near(p, metres))
                found.insert(near.id);
            for (const auto& i : all) {
                double east = (i.location.lon - p.lon) * std::cos(p.lat * M_PI / 180) * 111'320;
                double north = (i.location.lat - p.lat) * 111'320;
                if (std::hypot(east, north) <= metres * (1 - 1e-9)) expected.insert(i.id);
                if (std::hypot(east, north) > metres * (1 + 1e-9)) continue;
                if (found.contains(i.id)) expected.insert(i.id);
            }
            EXPECT_EQ(found, expected) << "query " << q << " within " << metres << " m";
        }
    }
}

// The state keeps incidents compactly; what comes back out is exactly what went in.
TEST(CityStateStorage, IncidentsComeBackAsCommitted) {
    CityState state;
    std::uint64_t seq = 0;
    std::vector<Incident> committed;
    for (std::uint64_t id = 1; id <= 60; ++id) {
        Incident i = testing::sample_incident(id);
        if (id % 5 == 0) i.areas.resize(1);  // in a district, outside every grid
        if (id % 7 == 0) i.areas.clear();    // outside every area
        if (id % 6 == 0) i.drill = true;
        i.due = id % 2 ? 0 : i.occurred + 3'600'000;
        state.commit({++seq, i});
        committed.push_back(i);
    }
    // An update in place, a move, and a close.
    Incident moved = committed[9];
    moved.location = {114.2, 22.7};
    moved.title = "已移动";
    moved.sources.front().status = IncidentStatus::on_scene;
    state.commit({++seq, moved});
    committed[9] = moved;
    Incident closed = committed[19];
    closed.status = IncidentStatus::closed;
    state.commit({++seq, closed});
    committed.erase(committed.begin() + 19);

    EXPECT_EQ(state.open_count(), committed.size());
    for (const auto& i : committed) {
        EXPECT_EQ(state.incident(i.id), i) << i.id;
    }
    EXPECT_FALSE(state.open_incident(20));
    EXPECT_EQ(state.find({"110", "P2026-20"}), std::optional<std::uint64_t>(20));
    EXPECT_EQ(state.find({"119", "F-" + std::to_string(21 * 7)}), std::optional<std::uint64_t>(21));
    EXPECT_FALSE(state.find({"110", "nobody"}));
    EXPECT_FALSE(state.find({"999", "P2026-1"}));
    // The moved incident is found where it is now, not where it was.
    bool near_new = false, near_old = false;
    for (const auto& near : state.open_near({114.2, 22.7}, 50))
        near_new |= near.id == 10;
    for (const auto& near : state.open_near(testing::sample_incident(10).location, 50))
        near_old |= near.id == 10;
    EXPECT_TRUE(near_new);
    EXPECT_FALSE(near_old);
}

// A checkpoint streamed from the state restores the same state.
TEST(CityStateStorage, StreamedCheckpointRestoresTheSameState) {
    CityState state;
    std::uint64_t seq = 0;
    for (std::uint64_t id = 1; id <= 300; ++id) {
        Incident i = testing::sample_incident(id);
        if (id % 10 == 0) i.status = IncidentStatus::resolved;  // closed at once
        state.commit({++seq, i});
    }
    auto dir = std::filesystem::temp_directory_path() /
               ("citywall-state-checkpoint-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(state.write_checkpoint(dir).ok());
    auto read = read_checkpoint(dir);
    ASSERT_TRUE(read.ok()) << read.error();
    ASSERT_TRUE(read->has_value());
    EXPECT_EQ(**read, state.checkpoint());

    CityState restored;
    restored.restore(std::move(**read));
    EXPECT_EQ(restored.last_seq(), state.last_seq());
    EXPECT_EQ(restored.next_id(), state.next_id());
    EXPECT_EQ(restored.open_count(), state.open_count());
    auto chunks = [](const CityState& from) {
        std::vector<wire::SnapshotChunk> all;
        from.snapshot(50, {}, [&](const wire::SnapshotChunk& c) { all.push_back(c); });
        return all;
    };
    EXPECT_EQ(chunks(restored), chunks(state));
    EXPECT_EQ(restored.find({"110", "P2026-30"}), std::optional<std::uint64_t>(30));
    std::filesystem::remove_all(dir);
}

TEST_F(ReportMerge, CombinedStatusRule) {
    using S = IncidentStatus;
    EXPECT_EQ(combined_status({{"110", "a", S::on_scene, 5}, {"119", "b", S::reported, 9}}),
              S::on_scene);
    EXPECT_EQ(combined_status({{"110", "a", S::closed, 5}, {"119", "b", S::accepted, 9}}),
              S::accepted);
    EXPECT_EQ(combined_status({{"110", "a", S::closed, 5}, {"119", "b", S::resolved, 9}}),
              S::resolved);
}

}  // namespace
}  // namespace citywall::ingest
