#include "citywall/checkpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "citywall/wire.hpp"
#include "sample_incidents.hpp"

namespace citywall {
namespace {

CaseHistory sample_history(std::uint64_t id) {
    CaseHistory history;
    history.omitted = static_cast<std::uint32_t>(id % 3);
    for (std::uint64_t k = 0; k < id % 5; ++k)
        history.changes.push_back({static_cast<TimeMs>(1'700'000'000'000 + k),
                                   k % 2 ? "119" : "110", static_cast<IncidentStatus>(k),
                                   IncidentStatus::dispatched});
    return history;
}

Checkpoint sample_checkpoint() {
    Checkpoint c;
    c.seq = 4242;
    c.last_id = 77;
    for (std::uint64_t id = 1; id <= 40; ++id)
        c.open.push_back({testing::sample_incident(id), sample_history(id)});
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

// CRC-32C, bit by bit: the test writes a version 1 file without the codec's own helpers.
std::uint32_t crc32c(std::string_view bytes) {
    std::uint32_t crc = ~0u;
    for (unsigned char byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

template <class T>
void put(std::string& out, T value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// A checkpoint written before incidents carried their history: the incidents come back, each
// with an empty history.
TEST(Checkpoint, VersionOneIsStillRead) {
    std::string body;
    put<std::uint64_t>(body, 4242);
    put<std::uint64_t>(body, 77);
    put<std::uint32_t>(body, 2);
    for (std::uint64_t id : {5u, 6u}) {
        const std::string incident =
            wire::encode(wire::IncidentUpdate{4242, testing::sample_incident(id)});
        put(body, static_cast<std::uint32_t>(incident.size()));
        body += incident;
    }
    put<std::uint32_t>(body, 0);
    std::string bytes = "CWCHKPT1";
    put(bytes, crc32c(body));
    put(bytes, static_cast<std::uint64_t>(body.size()));
    bytes += body;

    auto decoded = decode_checkpoint(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    ASSERT_EQ(decoded->open.size(), 2u);
    EXPECT_EQ(decoded->open[1].incident, testing::sample_incident(6));
    EXPECT_EQ(decoded->open[1].history, CaseHistory{});
    EXPECT_EQ(decoded->seq, 4242u);
    // The same bytes under the new magic are not a version 2 checkpoint.
    bytes[7] = '2';
    EXPECT_FALSE(decode_checkpoint(bytes).ok());
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
        c.open.push_back({testing::sample_incident(id), sample_history(id)});
        c.open.back().incident.description.assign(400, 'x');
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
        ASSERT_TRUE((*writer)->add_open(testing::sample_incident(1), {}).ok());
        // Calls out of order are the caller's mistake, not broken data.
        auto early = (*writer)->add_closed("110", "P-1", 1);  // an open one is missing
        EXPECT_FALSE(early.ok());
        EXPECT_EQ(early.error_kind(), ErrorKind::invalid);
        auto finished = (*writer)->finish();
        EXPECT_FALSE(finished.ok());
        EXPECT_EQ(finished.error_kind(), ErrorKind::invalid);
    }
    {
        auto writer = CheckpointWriter::start(dir, 1, 1, 0, 0);
        ASSERT_TRUE(writer.ok());
        auto extra = (*writer)->add_open(testing::sample_incident(1), {});
        EXPECT_FALSE(extra.ok());
        EXPECT_EQ(extra.error_kind(), ErrorKind::invalid);
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "checkpoint.cwc.tmp"));
    auto read = read_checkpoint(dir);
    ASSERT_TRUE(read.ok()) << read.error();
    EXPECT_EQ(**read, c);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citywall
