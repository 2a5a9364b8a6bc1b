// A unit on the street (core/src/unit.cpp): its kind and status by name both ways, whether it is
// on duty, what the wall calls it, and the key that names it across departments.
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "citywall/unit.hpp"

namespace citywall {
namespace {

TEST(UnitNames, EveryKindAndStatusHasANameThatParsesBack) {
    const char* kinds[] = {"police_car", "fire_engine", "ambulance",
                           "patrol",     "grid_worker", "other"};
    ASSERT_EQ(std::size(kinds), static_cast<std::size_t>(kUnitKindCount));
    for (int k = 0; k < kUnitKindCount; ++k) {
        EXPECT_EQ(to_string(static_cast<UnitKind>(k)), kinds[k]);
        EXPECT_EQ(parse_unit_kind(kinds[k]), static_cast<UnitKind>(k));
    }
    const char* statuses[] = {"available", "dispatched",   "en_route", "on_scene",      "returning",
                              "off_duty",  "transporting", "cleared",  "out_of_service"};
    ASSERT_EQ(std::size(statuses), static_cast<std::size_t>(kUnitStatusCount));
    for (int k = 0; k < kUnitStatusCount; ++k) {
        EXPECT_EQ(to_string(static_cast<UnitStatus>(k)), statuses[k]);
        EXPECT_EQ(parse_unit_status(statuses[k]), static_cast<UnitStatus>(k));
    }
    EXPECT_EQ(to_string(static_cast<UnitKind>(kUnitKindCount)), "unknown");
    EXPECT_EQ(to_string(static_cast<UnitStatus>(200)), "unknown");
    for (const char* bad : {"", "unknown", "Ambulance", "police car", "fire_engine "}) {
        EXPECT_FALSE(parse_unit_kind(bad)) << bad;
        EXPECT_FALSE(parse_unit_status(bad)) << bad;
    }
    // The status's name before "dispatched" still reads, from departments' configs.
    EXPECT_EQ(parse_unit_status("assigned"), UnitStatus::dispatched);
    EXPECT_FALSE(parse_unit_kind("available"));  // a status is no kind
    EXPECT_FALSE(parse_unit_status("ambulance"));
}

TEST(Unit, OnDutyUntilOffDutyAndCalledByItsCallSignElseItsId) {
    Unit unit;
    unit.id = "沪A1234";
    for (int k = 0; k < kUnitStatusCount; ++k) {
        unit.status = static_cast<UnitStatus>(k);
        EXPECT_EQ(unit.on_duty(), unit.status != UnitStatus::off_duty) << k;
        // Free to be sent: never one working an incident, out of service or off duty.
        const bool free = unit.status == UnitStatus::available ||
                          unit.status == UnitStatus::cleared ||
                          unit.status == UnitStatus::returning;
        EXPECT_EQ(unit.free(), free) << k;
    }
    EXPECT_EQ(unit.label(), "沪A1234");
    unit.callsign = "巡逻12";
    EXPECT_EQ(unit.label(), "巡逻12");
}

TEST(UnitKey, NamesOneUnitAcrossDepartments) {
    EXPECT_EQ(unit_key("110", "沪A1234"), std::string("110\x1f沪A1234"));
    EXPECT_NE(unit_key("110", "沪A1234"), unit_key("120", "沪A1234"));
    // The separator keeps a department's code and a unit's id apart.
    EXPECT_NE(unit_key("11", "0A"), unit_key("110", "A"));
    EXPECT_EQ(unit_key("", ""), std::string("\x1f"));
    Unit unit;
    unit.department = "119";
    unit.id = "F7";
    EXPECT_EQ(unit_key(unit), unit_key("119", "F7"));
}

}  // namespace
}  // namespace citywall
