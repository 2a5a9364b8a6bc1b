// An incident's status by name both ways, which statuses end it, and the department it belongs to.
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "citywall/incident.hpp"

namespace citywall {
namespace {

TEST(IncidentStatus, EveryStatusHasAWireNameThatParsesBack) {
    const char* names[] = {"reported", "accepted", "dispatched", "en_route",
                           "on_scene", "resolved", "closed",     "cancelled"};
    ASSERT_EQ(std::size(names), static_cast<std::size_t>(kIncidentStatusCount));
    for (int k = 0; k < kIncidentStatusCount; ++k) {
        const auto status = static_cast<IncidentStatus>(k);
        EXPECT_EQ(to_string(status), names[k]);
        EXPECT_EQ(parse_incident_status(names[k]), status) << names[k];
    }
    EXPECT_EQ(to_string(static_cast<IncidentStatus>(kIncidentStatusCount)), "unknown");
    EXPECT_EQ(to_string(static_cast<IncidentStatus>(255)), "unknown");
    for (const char* bad : {"", "unknown", "Reported", "on scene", "en-route", "resolved "})
        EXPECT_FALSE(parse_incident_status(bad)) << bad;
}

TEST(IncidentStatus, ResolvedClosedAndCancelledEndAnIncident) {
    for (int k = 0; k < kIncidentStatusCount; ++k) {
        const auto status = static_cast<IncidentStatus>(k);
        const bool ends = status == IncidentStatus::resolved || status == IncidentStatus::closed ||
                          status == IncidentStatus::cancelled;
        EXPECT_EQ(is_terminal(status), ends) << to_string(status);
        Incident incident;
        incident.status = status;
        EXPECT_EQ(incident.open(), !ends) << to_string(status);
    }
}

TEST(Incident, BelongsToTheDepartmentThatFirstReportedIt) {
    Incident incident;
    EXPECT_EQ(incident.department(), "");  // no source yet
    incident.sources.emplace_back("119", "F-1");
    incident.sources.emplace_back("110", "P-1");
    EXPECT_EQ(incident.department(), "119");
}

}  // namespace
}  // namespace citywall
