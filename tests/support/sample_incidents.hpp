// Incidents for tests: varied, with Chinese text, several sources and a full area path.
#pragma once

#include <iterator>

#include "citywall/incident.hpp"
#include "citywall/unit.hpp"

namespace citywall::testing {

inline Incident sample_incident(std::uint64_t id) {
    Incident i;
    i.id = id;
    i.sources = {{"110", "P2026-" + std::to_string(id), IncidentStatus::accepted, 1795000000000}};
    if (id % 3 == 0) i.sources.push_back({"119", "F-" + std::to_string(id * 7)});
    i.category = id % 2 ? "police.theft" : "fire.building";
    i.severity = static_cast<Severity>(1 + id % 4);
    i.status = IncidentStatus::reported;
    i.escalation = static_cast<std::uint8_t>(id % 3);
    i.location = {114.05 + 0.001 * static_cast<double>(id % 100),
                  22.6 + 0.0007 * static_cast<double>(id % 77)};
    i.source_crs = "EPSG:4326";
    i.areas = {{"district", "449901", "东湖区"},
               {"street", "449901003", "滨江街道"},
               {"community", "449901003012", "新村社区"},
               {"grid", "449901003012004", "新村社区第4网格"},
               {"beat", "PB0042", "城东派出所第2警格"}};
    i.occurred = 1795000000000 + static_cast<TimeMs>(id) * 1000;
    i.received = i.occurred + 1500;
    i.updated = i.received;
    i.title = "盗窃 #" + std::to_string(id);
    i.description = std::string("地铁站出口附近\0二进制", 31);
    if (id % 2 == 1) i.priority = id % 3 ? "P" + std::to_string(id % 5) : "一级";
    if (id % 4 == 0) i.provenance = {"county-a", id * 3, id * 11};
    return i;
}

// Feed health with every field set, reject reasons included, for round trips.
inline FeedHealth feed_health(std::string department, bool connected, bool stale, TimeMs last,
                              std::uint64_t accepted, std::uint64_t rejected) {
    FeedHealth f;
    f.department = department;
    f.name = "部门 " + department;
    f.connected = connected;
    f.stale = stale;
    f.last_message = last;
    f.accepted = accepted;
    f.rejected = rejected;
    f.rate_per_s = 2.5;
    f.lag_p50_ms = 120.5;
    f.lag_p99_ms = 900.25;
    if (rejected) f.rejects = {{"invalid_json", rejected - 1}, {"duplicate", 1}};
    return f;
}

// A unit with every field set; `n` varies its kind, status and position.
inline Unit sample_unit(int n, std::string department = "110") {
    Unit u;
    u.department = std::move(department);
    u.id = "沪A" + std::to_string(1000 + n);
    u.callsign = n % 2 ? "巡逻" + std::to_string(n) : std::string();
    u.kind = static_cast<UnitKind>(n % kUnitKindCount);
    // Every status but off duty, in turn.
    constexpr UnitStatus kOnDuty[] = {UnitStatus::available, UnitStatus::dispatched,
                                      UnitStatus::en_route,  UnitStatus::on_scene,
                                      UnitStatus::returning, UnitStatus::transporting,
                                      UnitStatus::cleared,   UnitStatus::out_of_service};
    u.status = kOnDuty[n % std::size(kOnDuty)];
    u.location = {114.05 + 0.002 * n, 22.6 + 0.001 * n};
    u.heading = n % 3 ? static_cast<float>(n * 37 % 360) : -1.f;
    u.speed = static_cast<float>(n % 20);
    u.incident = n % 2 ? static_cast<std::uint64_t>(n) : 0;
    u.reported = 1795000000000 + n * 1000;
    u.received = u.reported + 300;
    return u;
}

}  // namespace citywall::testing
