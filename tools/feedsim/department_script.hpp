// What each simulated department reports: its categories, Chinese titles, and how its
// incidents move through their lifecycle.
#pragma once

#include <string>
#include <vector>

namespace citywall::feedsim {

struct CategoryScript {
    std::string category;
    std::string title;  // Chinese, as a dispatcher would type it
    int severity;       // most likely severity
    // Another department that often reports the same event, and the words it uses; empty:
    // nobody else does.
    std::string also_department = {};
    std::string also_category = {};
    std::string also_title = {};
};

struct DepartmentScript {
    std::string code;
    std::vector<CategoryScript> categories;
    double share;  // relative share of all incidents
    // Its units on the street: their kind (docs/protocol.md) and the call sign's prefix;
    // empty kind: the department sends no unit positions.
    std::string unit_kind = {};
    std::string unit_prefix = {};
    double unit_speed = 0;  // metres per second when moving
};

// Scripts for the departments of the demo city, by code; unknown codes get a generic script.
DepartmentScript script_for(const std::string& department_code);

}  // namespace citywall::feedsim
