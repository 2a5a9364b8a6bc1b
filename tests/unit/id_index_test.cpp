#include "citywall/id_index.hpp"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace citywall {
namespace {

// As the marker layer uses it: a dense array of ids, swap-removed, with the index following.
TEST(IdIndex, FollowsADenseArrayThroughSwapRemoval) {
    std::vector<std::uint64_t> ids;
    IdIndex index;
    const auto key_of = [&](std::uint32_t slot) { return ids[slot]; };
    std::unordered_map<std::uint64_t, bool> expected;
    std::mt19937 random(3);
    // Ids close together and far apart, so probes collide and wrap around the table.
    std::uniform_int_distribution<std::uint64_t> pick(1, 3000);
    for (int step = 0; step < 50000; ++step) {
        std::uint64_t id = pick(random);
        if (step % 7 == 0) id <<= 33;
        const std::uint32_t slot = index.find(id, key_of);
        if (slot == IdIndex::kNone) {
            ids.push_back(id);
            index.insert(id, static_cast<std::uint32_t>(ids.size() - 1), key_of);
            expected[id] = true;
        } else {
            ASSERT_EQ(ids[slot], id);
            ASSERT_TRUE(index.erase(id, key_of));
            const std::size_t last = ids.size() - 1;
            if (slot != last) {
                index.move(ids[last], slot, key_of);
                ids[slot] = ids[last];
            }
            ids.pop_back();
            expected.erase(id);
        }
        ASSERT_EQ(index.size(), ids.size());
    }
    for (std::uint32_t slot = 0; slot < ids.size(); ++slot)
        ASSERT_EQ(index.find(ids[slot], key_of), slot);
    for (std::uint64_t id = 1; id <= 3000; ++id)
        ASSERT_EQ(index.find(id, key_of) != IdIndex::kNone, expected.contains(id)) << id;
    EXPECT_FALSE(index.erase(999999, key_of));
}

TEST(IdIndex, ReserveKeepsWhatIsThere) {
    std::vector<std::uint64_t> ids = {5, 9, 1u << 20};
    IdIndex index;
    const auto key_of = [&](std::uint32_t slot) { return ids[slot]; };
    for (std::uint32_t slot = 0; slot < ids.size(); ++slot)
        index.insert(ids[slot], slot, key_of);
    index.reserve(100000, key_of);
    EXPECT_GE(index.memory_bytes(), 200000 * sizeof(std::uint32_t));
    for (std::uint32_t slot = 0; slot < ids.size(); ++slot)
        EXPECT_EQ(index.find(ids[slot], key_of), slot);
}

}  // namespace
}  // namespace citywall
