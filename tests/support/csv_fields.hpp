// One line of a real data file's CSV split into its fields, quotes honoured (San Francisco's
// incidents have commas inside quoted Descript and Location fields).
#pragma once

#include <string>
#include <vector>

namespace citywall::testing {

inline std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            fields.emplace_back();
        } else {
            fields.back().push_back(c);
        }
    }
    return fields;
}

}  // namespace citywall::testing
