#include "citywall/checkpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

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

std::filesystem::path fresh_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("citywall-checkpoint-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string file_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The writer streams in pieces; the file must be exactly what encode_checkpoint() makes,
// including when the body is flushed several times on the way.
TEST(CheckpointWriter, StreamedFileIsTheEncodedCheckpoint) {
    auto dir = fresh_dir("stream");
    Checkpoint c = sample_checkpoint();
    for (std::uint64_t id = 41; id <= 6000; ++id) {
        c.open.push_back(testing::sample_incident(id));
        c.open.back().description.assign(400, 'x');
        c.closed.push_back({{"12345", "H-" + std::to_string(id)}, id + 100000});
    }
    ASSERT_TRUE(write_checkpoint(dir, c).ok());
    const std::string bytes = file_bytes(dir / "checkpoint.cwc");
    EXPECT_GT(bytes.size(), 2u << 20);
    EXPECT_EQ(bytes, encode_checkpoint(c));
    auto read = read_checkpoint(dir);
    ASSERT_TRUE(read.ok()) << read.error();
    EXPECT_EQ(**read, c);

    const Checkpoint empty;
    ASSERT_TRUE(write_checkpoint(dir, empty).ok());
    EXPECT_EQ(file_bytes(dir / "checkpoint.cwc"), encode_checkpoint(empty));
    std::filesystem::remove_all(dir);
}

TEST(CheckpointWriter, WrongCountsLeaveThePreviousCheckpoint) {
    auto dir = fresh_dir("counts");
    const Checkpoint c = sample_checkpoint();
    ASSERT_TRUE(write_checkpoint(dir, c).ok());
    {
        auto writer = CheckpointWriter::start(dir, 1, 1, 2, 1);
        ASSERT_TRUE(writer.ok()) << writer.error();
        ASSERT_TRUE((*writer)->add_open(testing::sample_incident(1)).ok());
        EXPECT_FALSE((*writer)->add_closed("110", "P-1", 1).ok());  // an open one is missing
        EXPECT_FALSE((*writer)->finish().ok());
    }
    {
        auto writer = CheckpointWriter::start(dir, 1, 1, 0, 0);
        ASSERT_TRUE(writer.ok());
        EXPECT_FALSE((*writer)->add_open(testing::sample_incident(1)).ok());
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "checkpoint.cwc.tmp"));
    auto read = read_checkpoint(dir);
    ASSERT_TRUE(read.ok()) << read.error();
    EXPECT_EQ(**read, c);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citywall
