// Values many incidents share, each stored once under a small index: index 0 is the empty value,
// the same value always gets the same index, and indices and references stay valid however many
// values come after them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "citywall/intern_table.hpp"

namespace citywall {
namespace {

TEST(InternTable, TheEmptyValueIsIndexZero) {
    InternTable<std::string, StringHash> table;
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table[0], "");
    EXPECT_EQ(table.intern(""), 0u);
    EXPECT_EQ(table.find(""), std::optional<std::uint32_t>(0));
    EXPECT_EQ(table.size(), 1u);
}

TEST(InternTable, EachValueOnceUnderOneIndex) {
    InternTable<std::string, StringHash> table;
    EXPECT_EQ(table.intern("police.theft"), 1u);
    EXPECT_EQ(table.intern("fire.building"), 2u);
    EXPECT_EQ(table.intern("police.theft"), 1u);
    EXPECT_EQ(table.size(), 3u);
    EXPECT_EQ(table[1], "police.theft");
    EXPECT_EQ(table[2], "fire.building");
    EXPECT_EQ(table.find("fire.building"), std::optional<std::uint32_t>(2));
    EXPECT_FALSE(table.find("medical.burn"));
    EXPECT_EQ(table.size(), 3u);  // find() adds nothing
}

TEST(InternTable, ReferencesStayValidAsTheTableGrows) {
    InternTable<std::string, StringHash> table;
    const std::uint32_t first = table.intern("110");
    const std::string* held = &table[first];
    std::vector<std::uint32_t> indices;
    for (int k = 0; k < 10'000; ++k)
        indices.push_back(table.intern("code-" + std::to_string(k)));
    EXPECT_EQ(&table[first], held);
    EXPECT_EQ(*held, "110");
    for (int k = 0; k < 10'000; ++k) {
        EXPECT_EQ(indices[static_cast<std::size_t>(k)], static_cast<std::uint32_t>(k + 2));
        ASSERT_EQ(table[indices[static_cast<std::size_t>(k)]], "code-" + std::to_string(k));
    }
}

TEST(InternTable, AreaPathsAndAreasAreWholeValues) {
    InternTable<AreaPath, AreaPathHash> paths;
    const AreaPath path{{"district", "449901", "东湖区"},
                        {"street", "449901003", "滨江街道"},
                        {"community", "449901003012", "新村社区"},
                        {"grid", "449901003012004", "第4网格"}};
    AreaPath renamed = path;
    renamed[0].name = "东湖新区";  // the same grid, another district name: another path
    const auto a = paths.intern(path), b = paths.intern(renamed);
    EXPECT_NE(a, 0u);
    EXPECT_NE(a, b);
    EXPECT_EQ(paths.intern(path), a);
    EXPECT_EQ(paths[b], renamed);
    EXPECT_EQ(paths.intern(AreaPath{}), 0u);  // outside every area
    // The same code at another level is another path.
    AreaPath relevelled = path;
    relevelled[3].level = "beat";
    EXPECT_NE(paths.intern(relevelled), a);

    InternTable<AreaRef, AreaHash> beats;
    EXPECT_NE(beats.intern({"beat", "PB01", "第1警格"}),
              beats.intern({"beat", "PB01", "第一警格"}));
    EXPECT_EQ(beats.intern({"", "", ""}), 0u);
    // A code without a name is not the empty value.
    EXPECT_NE(beats.intern({"beat", "PB02", ""}), 0u);
}

}  // namespace
}  // namespace citywall
