#include "citywall/checkpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sample_incidents.hpp"

namespace citywall {
namespace {

Checkpoint sample_checkpoint() {
    Checkpoint c;
    c.seq = 4242;
    c.last_id = 77;
    for (std::uint64_t id = 1; id <= 40; ++id)
        c.open.push_back(testing::sample_incident(id));
    c.closed.push_back({{"110", "P-9"}, 9});
    c.closed.push_back({{"119", "F-12"}, 12});
    return c;
}

TEST(Checkpoint, RoundTrip) {
    const Checkpoint c = sample_checkpoint();
    auto decoded = decode_checkpoint(encode_checkpoint(c));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(*decoded, c);
}

TEST(Checkpoint, EmptyCityRoundTrip) {
    auto decoded = decode_checkpoint(encode_checkpoint(Checkpoint{}));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, Checkpoint{});
}

TEST(Checkpoint, EveryTruncationAndFlipIsRefused) {
    const std::string bytes = encode_checkpoint(sample_checkpoint());
    for (std::size_t n = 0; n < bytes.size(); n += 7)
        EXPECT_FALSE(decode_checkpoint(bytes.substr(0, n)).ok()) << n;
    for (std::size_t k = 0; k < bytes.size(); k += 5) {
        std::string flipped = bytes;
        flipped[k] = static_cast<char>(flipped[k] ^ 0x20);
        EXPECT_FALSE(decode_checkpoint(flipped).ok()) << k;
    }
}

TEST(Checkpoint, FileIsReplacedAtomicallyAndAbsenceIsNotAnError) {
    auto dir = std::filesystem::temp_directory_path() /
               ("citywall-checkpoint-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto none = read_checkpoint(dir);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());

    Checkpoint c = sample_checkpoint();
    ASSERT_TRUE(write_checkpoint(dir, c).ok());
    c.seq = 5000;
    c.open.pop_back();
    ASSERT_TRUE(write_checkpoint(dir, c).ok());
    auto read = read_checkpoint(dir);
    ASSERT_TRUE(read.ok()) << read.error();
    ASSERT_TRUE(read->has_value());
    EXPECT_EQ(**read, c);
    EXPECT_FALSE(std::filesystem::exists(dir / "checkpoint.cwc.tmp"));

    std::ofstream(dir / "checkpoint.cwc", std::ios::binary) << "CWCHKPT1 garbage";
    EXPECT_FALSE(read_checkpoint(dir).ok());
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citywall
