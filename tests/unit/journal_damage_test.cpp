// The journal after damage: a torn tail at every offset, flipped bytes, garbage files,
// segments that disagree with their names or overlap. Nothing damaged is ever returned, and
// nothing intact before the damage is lost.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "citywall/journal.hpp"
#include "journal_testing.hpp"

namespace citywall {
namespace {

namespace fs = std::filesystem;
using namespace journal_testing;

TEST_F(JournalTest, TornTailAtEveryOffsetOfTheLastRecord) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 5; ++s)
        records.push_back(make_record(s, 30));
    write_records(records, options());
    const auto files = segment_files(dir_);
    ASSERT_EQ(files.size(), 1u);
    const std::string pristine = read_bytes(files[0]);
    const std::size_t last_start = pristine.size() - (26 + 30);
    const std::vector<JournalRecord> kept(records.begin(), records.end() - 1);

    for (std::size_t cut = last_start; cut < pristine.size(); ++cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        write_bytes(files[0], std::string_view(pristine).substr(0, cut));
        {
            auto w = open_writer(options());
            ASSERT_TRUE(w);
            EXPECT_EQ(w->recovery().records, 4u);
            EXPECT_EQ(w->recovery().last_seq, 4u);
            EXPECT_EQ(w->recovery().truncated_bytes, cut - last_start);
            EXPECT_TRUE(w->recovery().damage.empty());
            // A cut of 26 bytes or more could have held a record numbered 5: numbering
            // resumes above every number the cut bytes could hold, in a segment of its own.
            const std::uint64_t reserved = 4 + (cut - last_start) / 26;
            EXPECT_EQ(w->recovery().reserved_through, reserved > 4 ? reserved : 0u);
            EXPECT_EQ(w->last_seq(), reserved);
            EXPECT_EQ(w->durable_seq(), 4u);
            EXPECT_EQ(fs::file_size(files[0]), last_start);
            EXPECT_FALSE(w->append(make_record(reserved, 11)).ok());
            ASSERT_TRUE(w->append(make_record(reserved + 1, 11)).ok());
            ASSERT_TRUE(w->append(make_record(reserved + 2, 0)).ok());
            EXPECT_EQ(segment_files(dir_).size(), reserved > 4 ? 2u : 1u);
        }
        const std::uint64_t reserved = 4 + (cut - last_start) / 26;
        auto expected = kept;
        expected.push_back(make_record(reserved + 1, 11));
        expected.push_back(make_record(reserved + 2, 0));
        const ReadBack back = read_all(dir_);
        EXPECT_EQ(back.records, expected);
        EXPECT_EQ(back.stats.corrupt_records, 0u);
    }
}

TEST_F(JournalTest, TornFirstRecordAndTornHeaderAreRemoved) {
    write_records({make_record(1, 40)}, options());
    const fs::path file = segment_files(dir_).at(0);
    const std::string pristine = read_bytes(file);
    for (std::size_t cut = 0; cut < pristine.size(); ++cut) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        write_bytes(file, std::string_view(pristine).substr(0, cut));
        {
            auto w = open_writer(options());
            ASSERT_TRUE(w);
            EXPECT_EQ(w->recovery().records, 0u);
            EXPECT_EQ(w->recovery().segments, 0u);
            EXPECT_EQ(w->recovery().damaged_segments, 0u);
            EXPECT_EQ(w->last_seq(), cut >= 32 ? (cut - 32) / 26 : 0u);
            EXPECT_FALSE(fs::exists(file));
            ASSERT_TRUE(w->append(make_record(3, 7)).ok());
        }
        EXPECT_EQ(read_all(dir_).records, std::vector<JournalRecord>{make_record(3, 7)});
    }
}

TEST_F(JournalTest, TornTailOfLastSegmentAfterRollover) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 40; ++s)
        records.push_back(make_record(s, 50));
    write_records(records, options(400));
    auto files = segment_files(dir_);
    ASSERT_GT(files.size(), 2u);
    const std::string last = read_bytes(files.back());
    fs::resize_file(files.back(), last.size() - 3);
    auto w = open_writer(options(400));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->recovery().last_seq, 39u);
    EXPECT_EQ(w->recovery().truncated_bytes, 26u + 50u - 3u);
    EXPECT_EQ(w->recovery().damaged_segments, 0u);
    EXPECT_EQ(w->last_seq(), 39u + (26u + 50u - 3u) / 26u);
    ASSERT_TRUE(w->append(make_record(42, 1)).ok());
    w.reset();
    records.back() = make_record(42, 1);
    const ReadBack back = read_all(dir_);
    EXPECT_EQ(back.records, records);
    EXPECT_TRUE(back.damage.empty());  // numbers passed over are not damage
}

TEST_F(JournalTest, FlippedByteInAnEarlierSegmentLosesOnlyThatRecord) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 30; ++s)
        records.push_back(make_record(s, 100));
    write_records(records, options(1200));  // ~10 records a segment
    const auto files = segment_files(dir_);
    ASSERT_GE(files.size(), 3u);

    // Flip a byte in the payload of the fifth record of the first segment.
    std::string bytes = read_bytes(files[0]);
    const std::size_t frame = 26 + 100;
    const std::size_t at = 32 + 4 * frame + 26 + 50;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    write_bytes(files[0], bytes);

    ReadBack back = read_all(dir_);
    std::vector<JournalRecord> expected = records;
    expected.erase(expected.begin() + 4);
    EXPECT_EQ(back.records, expected);
    EXPECT_EQ(back.stats.corrupt_records, 1u);
    EXPECT_EQ(back.stats.bad_segments, 1u);
    EXPECT_EQ(back.stats.records, expected.size());
    ASSERT_EQ(back.damage.size(), 1u);
    EXPECT_EQ(back.damage[0].segment, files[0]);
    EXPECT_EQ(back.damage[0].offset, 32 + 4 * frame);
    EXPECT_EQ(back.damage[0].bytes, frame);
    EXPECT_EQ(back.damage[0].after_seq, 4u);
    EXPECT_EQ(back.damage[0].before_seq, 6u);
    EXPECT_EQ(back.damage[0].lost_seqs(), 1u);

    // The writer leaves the damaged earlier segment unread and untouched, and goes on appending.
    {
        auto w = open_writer(options(1200));
        ASSERT_TRUE(w);
        EXPECT_EQ(w->recovery().damaged_segments, 0u);
        EXPECT_EQ(w->recovery().truncated_bytes, 0u);
        EXPECT_EQ(w->last_seq(), 30u);
        ASSERT_TRUE(w->append(make_record(31, 9)).ok());
    }
    EXPECT_EQ(read_bytes(files[0]), bytes);
    expected.push_back(make_record(31, 9));
    EXPECT_EQ(read_all(dir_).records, expected);
}

// One damaged byte in the middle of the last segment is damage, not a torn tail: every intact
// record after it stays, the bad bytes are copied aside, and the lost number is named.
TEST_F(JournalTest, FlippedByteInLastSegmentIsKeptAsDamage) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 10; ++s)
        records.push_back(make_record(s, 64));
    write_records(records, options());
    const fs::path file = segment_files(dir_).at(0);
    std::string bytes = read_bytes(file);
    const std::size_t frame = 26 + 64;
    const std::size_t at = 32 + 6 * frame + 30;  // inside the seventh record
    bytes[at] = static_cast<char>(bytes[at] ^ 0xFF);
    write_bytes(file, bytes);

    auto expected = records;
    expected.erase(expected.begin() + 6);
    const ReadBack before = read_all(dir_);
    EXPECT_EQ(before.records, expected);
    EXPECT_EQ(before.stats.corrupt_records, 1u);

    auto w = open_writer(options());
    ASSERT_TRUE(w);
    EXPECT_EQ(w->last_seq(), 10u);
    EXPECT_EQ(w->recovery().truncated_bytes, 0u);
    EXPECT_EQ(w->recovery().reserved_through, 0u);
    ASSERT_EQ(w->recovery().damage.size(), 1u);
    const JournalDamage& damage = w->recovery().damage[0];
    EXPECT_EQ(damage.segment, file);
    EXPECT_EQ(damage.offset, 32 + 6 * frame);
    EXPECT_EQ(damage.bytes, frame);
    EXPECT_EQ(damage.after_seq, 6u);
    EXPECT_EQ(damage.before_seq, 8u);
    fs::path aside = file;
    aside += ".damaged-" + std::to_string(32 + 6 * frame);
    EXPECT_EQ(read_bytes(aside), bytes.substr(32 + 6 * frame, frame));
    ASSERT_TRUE(w->append(make_record(11, 2)).ok());
    w.reset();
    expected.push_back(make_record(11, 2));
    EXPECT_EQ(read_all(dir_).records, expected);
    EXPECT_EQ(read_bytes(file).substr(0, bytes.size()), bytes);  // nothing was cut
}

// Damage in the last record cannot be told from a torn write: it is cut, and numbering resumes
// above every number the cut bytes could have held, so no number is ever given twice.
TEST_F(JournalTest, FlippedByteInTheLastRecordIsCutButItsNumberIsNotReused) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 10; ++s)
        records.push_back(make_record(s, 64));
    write_records(records, options());
    const fs::path file = segment_files(dir_).at(0);
    std::string bytes = read_bytes(file);
    const std::size_t at = bytes.size() - 10;
    bytes[at] = static_cast<char>(bytes[at] ^ 0xFF);
    write_bytes(file, bytes);

    auto w = open_writer(options());
    ASSERT_TRUE(w);
    EXPECT_EQ(w->recovery().last_seq, 9u);
    EXPECT_EQ(w->recovery().truncated_bytes, 26u + 64u);
    EXPECT_EQ(w->recovery().reserved_through, 9u + (26u + 64u) / 26u);
    EXPECT_GE(w->last_seq(), 10u);
    EXPECT_FALSE(w->append(make_record(10, 2)).ok());
    ASSERT_TRUE(w->append(make_record(w->last_seq() + 1, 2)).ok());
}

TEST_F(JournalTest, GarbageFileWithASegmentName) {
    fs::create_directories(dir_);
    std::string garbage(5000, '\0');
    std::mt19937 rng(42);
    for (auto& c : garbage)
        c = static_cast<char>(rng() & 0xFFu);
    const fs::path file = dir_ / segment_name(1);
    write_bytes(file, garbage);

    ReadBack back = read_all(dir_);
    EXPECT_TRUE(back.records.empty());
    EXPECT_EQ(back.stats.bad_segments, 1u);

    // The right magic but nonsense after it is no better.
    write_bytes(file, "CWJOURNL" + garbage);
    back = read_all(dir_);
    EXPECT_TRUE(back.records.empty());
    EXPECT_EQ(back.stats.bad_segments, 1u);

    // The writer moves it aside (never deletes it) and starts afresh.
    {
        auto w = open_writer(options());
        ASSERT_TRUE(w);
        EXPECT_EQ(w->recovery().damaged_segments, 1u);
        EXPECT_EQ(w->recovery().records, 0u);
        EXPECT_FALSE(fs::exists(file));
        fs::path aside = file;
        aside += ".damaged";
        EXPECT_EQ(read_bytes(aside), "CWJOURNL" + garbage);
        // Whatever records it held were numbered from 1: numbering resumes above them all.
        EXPECT_EQ(w->last_seq(), (8u + garbage.size()) / 26u);
        ASSERT_TRUE(w->append(make_record(w->last_seq() + 1, 5)).ok());
    }
    back = read_all(dir_);
    EXPECT_EQ(back.records, std::vector<JournalRecord>{make_record((8 + 5000) / 26 + 1, 5)});
    EXPECT_EQ(back.stats.bad_segments, 0u);
}

TEST_F(JournalTest, GarbageEarlierSegmentIsSkippedByTheReader) {
    fs::create_directories(dir_);
    write_bytes(dir_ / segment_name(1), std::string(100, 'x'));
    const std::vector<JournalRecord> records = {make_record(10, 3), make_record(11, 4)};
    write_bytes(dir_ / segment_name(10), doc_segment(10, records));
    write_bytes(dir_ / "notes.txt", "not a segment");
    write_bytes(dir_ / "segment-12.cwj", "wrong name width");
    const ReadBack back = read_all(dir_);
    EXPECT_EQ(back.records, records);
    EXPECT_EQ(back.stats.bad_segments, 1u);
    EXPECT_EQ(back.stats.corrupt_records, 1u);
    // The whole file is one stretch of damage that may have held records 1 to 9.
    ASSERT_EQ(back.damage.size(), 1u);
    EXPECT_EQ(back.damage[0].offset, 0u);
    EXPECT_EQ(back.damage[0].bytes, 100u);
    EXPECT_EQ(back.damage[0].lost_seqs(), 9u);
}

TEST_F(JournalTest, SegmentWhoseHeaderDisagreesWithItsNameIsBad) {
    fs::create_directories(dir_);
    write_bytes(dir_ / segment_name(2), doc_segment(1, {make_record(2, 3)}));
    const ReadBack back = read_all(dir_);
    EXPECT_TRUE(back.records.empty());
    EXPECT_EQ(back.stats.bad_segments, 1u);
}

TEST_F(JournalTest, OverlappingSegmentsNeverYieldOutOfOrderRecords) {
    fs::create_directories(dir_);
    std::vector<JournalRecord> first, second;
    for (std::uint64_t s = 1; s <= 10; ++s)
        first.push_back(make_record(s, 8));
    for (std::uint64_t s = 5; s <= 12; ++s)
        second.push_back(make_record(s, 8));
    write_bytes(dir_ / segment_name(1), doc_segment(1, first));
    write_bytes(dir_ / segment_name(5), doc_segment(5, second));
    const ReadBack back = read_all(dir_);
    auto expected = first;
    expected.push_back(second[6]);
    expected.push_back(second[7]);
    EXPECT_EQ(back.records, expected);  // 5..10 again are read past as one stretch
    EXPECT_EQ(back.stats.corrupt_records, 1u);
    EXPECT_EQ(back.stats.bad_segments, 1u);
}

}  // namespace
}  // namespace citywall
