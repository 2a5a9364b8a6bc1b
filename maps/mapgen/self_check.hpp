// Reads a written demo city back and verifies the contract other programs rely on: layers,
// fields, code scheme, counts, and exact nesting of grid → community → street → district.
#pragma once

#include <string>
#include <vector>

namespace citywall::mapgen {

struct CheckReport {
    std::vector<std::string> problems;
    int districts = 0;
    int streets = 0;
    int communities = 0;
    int grids = 0;
    int beats = 0;
    int stations = 0;
    int rivers = 0;
    int roads = 0;
    double worstNestingError = 0.0;  // largest relative area mismatch seen
};

CheckReport checkGeoPackage(const std::string& path);

}  // namespace citywall::mapgen
