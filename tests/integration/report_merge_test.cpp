// Merging reports of one event from several departments, and ordering by event time.
#include "report_merge.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace citywall::ingest {
namespace {

class ReportMerge : public ::testing::Test {
  protected:
    ReportMerge() : placement_({}, {}, {}) {
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
    std::variant<Incident, FeedReject> send(const std::string& code, const std::string& id,
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
        if (auto* incident = std::get_if<Incident>(&result))
            state_.commit({state_.next_seq(), *incident});
        return result;
    }

    static Incident incident_of(const std::variant<Incident, FeedReject>& r) {
        if (const auto* why = std::get_if<FeedReject>(&r))
            ADD_FAILURE() << "rejected: " << why->reason << " " << why->detail;
        return std::get<Incident>(r);
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
    EXPECT_EQ(std::get<FeedReject>(late).reason, "superseded");
    EXPECT_EQ(state_.open_incident(1)->status, IncidentStatus::on_scene);
}

TEST_F(ReportMerge, SameReportAgainIsADuplicate) {
    send("110", "P1", "police.theft", site_, t0_);
    auto again = send("110", "P1", "police.theft", site_, t0_);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(again));
    EXPECT_EQ(std::get<FeedReject>(again).reason, "duplicate");
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
            for (const Incident* i : state.open_near(p, metres))
                found.insert(i->id);
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
