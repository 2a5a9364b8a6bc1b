// The reject reasons' codes: each code once, each one printable text a sender can match on, and
// exactly the codes that docs/protocol.md lists under "Rejects".
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/reject_reason.hpp"

namespace citywall {
namespace {

// Every `code` in the first column of the table under "### Rejects", as written.
std::vector<std::string> documented_codes(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot read " << path;
    std::vector<std::string> codes;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("#")) {
            if (inside) break;  // the next heading, "#### The dead-letter file" among them
            inside = line == "### Rejects";
            continue;
        }
        if (!inside || !line.starts_with("| `")) continue;
        const std::string cell = line.substr(1, line.find('|', 1) - 1);
        for (std::size_t open = cell.find('`'); open != std::string::npos;) {
            const std::size_t close = cell.find('`', open + 1);
            if (close == std::string::npos) break;
            codes.push_back(cell.substr(open + 1, close - open - 1));
            open = cell.find('`', close + 1);
        }
    }
    return codes;
}

TEST(RejectReason, EachCodeOnce) {
    std::set<std::string_view> seen;
    for (const auto& [reason, code] : kRejectCodes) {
        EXPECT_TRUE(seen.insert(code).second) << "two reasons have the code " << code;
        EXPECT_EQ(to_string(reason), code);
    }
    EXPECT_EQ(seen.size(), kRejectReasonCount);
}

TEST(RejectReason, CodesAreShortLowercaseWords) {
    for (const auto& [reason, code] : kRejectCodes) {
        EXPECT_FALSE(code.empty());
        EXPECT_LE(code.size(), 32u) << code;
        for (char c : code)
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << code;
    }
}

TEST(RejectReason, TheProtocolDocListsExactlyTheCodes) {
    const auto documented = documented_codes(std::string(CITYWALL_DOCS) + "/protocol.md");
    ASSERT_FALSE(documented.empty()) << "no table under \"### Rejects\" in docs/protocol.md";
    std::set<std::string> in_doc;
    for (const auto& code : documented)
        EXPECT_TRUE(in_doc.insert(code).second) << code << " is listed twice in docs/protocol.md";
    std::set<std::string> in_code;
    for (const auto& row : kRejectCodes)
        in_code.insert(std::string(row.code));
    for (const auto& code : in_code)
        EXPECT_TRUE(in_doc.contains(code)) << code << " is missing from docs/protocol.md, Rejects";
    for (const auto& code : in_doc)
        EXPECT_TRUE(in_code.contains(code))
            << code << " is in docs/protocol.md but no RejectReason";
}

}  // namespace
}  // namespace citywall
