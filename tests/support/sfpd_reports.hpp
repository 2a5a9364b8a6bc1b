// Real San Francisco incidents as a police department's reports (tests/data/real/
// sfpd_incidents.csv): each incident report, every fifth resolved by a second report, and
// between reports a fix of one of 20 patrol cars at the incident's place. For the tests that
// record a real stretch of the city and replay it.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "csv_fields.hpp"

namespace citywall::testing {

inline std::vector<std::string> sfpd_reports(std::size_t incidents) {
    std::ifstream csv(CITYWALL_TEST_DATA "/real/sfpd_incidents.csv");
    std::string line;
    std::getline(csv, line);  // the header
    std::vector<std::string> reports;
    for (std::size_t k = 0; k < incidents && std::getline(csv, line); ++k) {
        const auto f = csv_fields(line);
        if (f.size() < 11) continue;
        reports.push_back(R"({"id":")" + f[0] +
                          R"(","category":"police.theft","severity":3,"lon":)" + f[9] +
                          R"(,"lat":)" + f[10] + R"(,"title":")" + f[1] + R"("})");
        if (k % 5 == 4)
            reports.push_back(R"({"id":")" + f[0] + R"(","status":"resolved","lon":)" + f[9] +
                              R"(,"lat":)" + f[10] + R"(,"category":"police.theft","title":")" +
                              f[1] + R"("})");
        reports.push_back(R"({"type":"unit","id":"car-)" + std::to_string(k % 20) +
                          R"(","kind":"police_car","status":"available","lon":)" + f[9] +
                          R"(,"lat":)" + f[10] + "}");
    }
    return reports;
}

}  // namespace citywall::testing
