// Units on the street: police cars, fire engines, ambulances, patrols and grid workers, as their
// department's vehicle-location feed last placed them (docs/protocol.md, "Unit positions").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "citywall/incident.hpp"

namespace citywall {

enum class UnitKind : std::uint8_t {
    police_car = 0,
    fire_engine,
    ambulance,
    patrol,       // urban management and other patrols
    grid_worker,  // on foot or by e-bike in their grid
    other,
};
inline constexpr int kUnitKindCount = 6;

// A unit's day (docs/dispatch.md, "Units"): available → dispatched → en route → on scene →
// (transporting) → cleared, or out of service. The numbers are the wire's; new ones go last.
enum class UnitStatus : std::uint8_t {
    available = 0,
    dispatched,  // given an incident, not moving to it yet (its departments' "assigned" too)
    en_route,
    on_scene,
    returning,       // back to its station, free for a call on the way
    off_duty,        // leaves the wall
    transporting,    // carrying a patient or a person to a hospital or a station
    cleared,         // done with its incident, free again
    out_of_service,  // on the wall but not to be sent: a breakdown, refuelling, a meal
};
inline constexpr int kUnitStatusCount = 9;

std::string_view to_string(UnitKind kind);
std::optional<UnitKind> parse_unit_kind(std::string_view text);
std::string_view to_string(UnitStatus status);
std::optional<UnitStatus> parse_unit_status(std::string_view text);

// One position fix of one unit. A unit is known by its department and that department's own id
// (a plate or call sign); the department comes from the feed's key, never from the message.
struct Unit {
    std::string department;
    std::string id;
    std::string callsign;  // what the wall prints, e.g. "巡逻12"; empty: the id
    UnitKind kind = UnitKind::other;
    UnitStatus status = UnitStatus::available;
    LonLat location;             // WGS84
    float heading = -1.f;        // degrees clockwise from north, [0, 360); negative: unknown
    float speed = 0.f;           // metres per second; 0 when unknown
    std::uint64_t incident = 0;  // the incident it is assigned to (global id); 0: none
    TimeMs reported = 0;         // the fix's own time
    TimeMs received = 0;         // when ingest accepted it
    bool drill = false;

    bool on_duty() const { return status != UnitStatus::off_duty; }
    // Free to be sent to an incident: available, cleared from its last one, or on its way back.
    bool free() const {
        return status == UnitStatus::available || status == UnitStatus::cleared ||
               status == UnitStatus::returning;
    }
    std::string_view label() const { return callsign.empty() ? id : callsign; }
    friend bool operator==(const Unit&, const Unit&) = default;
};

// A key that names one unit across departments ("110" + "沪A1234").
std::string unit_key(std::string_view department, std::string_view id);
inline std::string unit_key(const Unit& unit) {
    return unit_key(unit.department, unit.id);
}

}  // namespace citywall
