// The journal's time index (citywall/journal_index.hpp): the first record at or after any moment
// is the one a full read finds, with the clock stepping back and damage in a segment; sidecars
// are written for sealed segments, read again, and built again when damaged or another's; the
// density of a timeline comes from the marks.
#include "citywall/journal_index.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "citywall/journal.hpp"
#include "journal_testing.hpp"

namespace citywall {
namespace {

using namespace journal_testing;
using JournalIndexTest = JournalTest;

// Ten thousand records in segments of about 64 KiB; the times rise by 250 ms but the clock
// steps back a minute at record 4,000 (an NTP correction) and stands still for 300 records.
std::vector<JournalRecord> recording() {
    std::vector<JournalRecord> records;
    for (std::uint64_t seq = 1; seq <= 10'000; ++seq) {
        JournalRecord r = make_record(seq, 40 + seq % 90);
        if (seq >= 4'000) r.time -= 60'000;
        if (seq >= 6'000 && seq < 6'300) r.time = records.back().time;
        records.push_back(std::move(r));
    }
    return records;
}

// What a reader of the whole journal finds: the first record at or after `time`.
std::optional<JournalPosition> by_reading(const std::vector<JournalRecord>& records, TimeMs time) {
    for (const JournalRecord& r : records)
        if (r.time >= time) return JournalPosition{r.seq, r.time};
    return std::nullopt;
}

void expect_every_moment(const JournalIndex& index, const std::vector<JournalRecord>& records) {
    const TimeMs first = records.front().time, last = records.back().time;
    for (TimeMs t = first - 1000; t <= last + 1000; t += 997) {
        const auto found = index.first_at(t);
        ASSERT_TRUE(found) << found.error();
        ASSERT_EQ(*found, by_reading(records, t)) << "at " << t - first << " ms";
    }
}

TEST_F(JournalIndexTest, FindsTheFirstRecordOfAnyMomentAsAFullReadDoes) {
    const auto records = recording();
    write_records(records, options(64u << 10));
    const std::size_t segments = segment_files(dir_).size();
    ASSERT_GE(segments, 10u);

    auto index = JournalIndex::open(dir_);
    ASSERT_TRUE(index) << index.error();
    EXPECT_EQ(index->stats().segments, segments);
    EXPECT_EQ(index->stats().built, segments);
    EXPECT_EQ(index->stats().written, segments - 1) << "the last segment is still growing";
    EXPECT_EQ(index->first(), (JournalPosition{1, records.front().time}));
    EXPECT_EQ(index->last(), (JournalPosition{10'000, records.back().time}));
    EXPECT_EQ(index->earliest(), records.front().time);
    expect_every_moment(*index, records);

    // Opened again: the sealed segments' sidecars are read, only the last is read whole.
    auto again = JournalIndex::open(dir_);
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(again->stats().read, segments - 1);
    EXPECT_EQ(again->stats().built, 1u);
    EXPECT_EQ(again->segments(), index->segments());
    expect_every_moment(*again, records);

    // The density along the recording holds every record, more where the clock stood still.
    const auto density = again->density(records.front().time, records.back().time + 1, 50);
    const auto total = std::accumulate(density.begin(), density.end(), std::uint64_t{0});
    EXPECT_NEAR(static_cast<double>(total), 10'000.0, 50.0);
}

TEST_F(JournalIndexTest, ADamagedOrStrangersSidecarIsBuiltAgainAndDamageInASegmentIsReadPast) {
    const auto records = recording();
    write_records(records, options(64u << 10));
    ASSERT_TRUE(JournalIndex::open(dir_));
    const auto files = segment_files(dir_);
    auto sidecar = [](fs::path p) { return p.replace_extension(".cwx"); };
    ASSERT_TRUE(fs::exists(sidecar(files[0])));

    // One sidecar with a flipped byte, another replaced by its neighbour's.
    std::string bytes = read_bytes(sidecar(files[1]));
    bytes[bytes.size() / 2] ^= 0x40;
    write_bytes(sidecar(files[1]), bytes);
    fs::copy_file(sidecar(files[3]), sidecar(files[2]), fs::copy_options::overwrite_existing);
    // And damage inside a sealed segment, after its sidecar was written: a reader reads past
    // it; so must the index, built again.
    std::string segment = read_bytes(files[4]);
    segment[segment.size() / 2] ^= 0x01;
    write_bytes(files[4], segment);
    fs::remove(sidecar(files[4]));

    auto index = JournalIndex::open(dir_);
    ASSERT_TRUE(index) << index.error();
    EXPECT_EQ(index->stats().unreadable, 2u);
    EXPECT_EQ(index->stats().built, 4u);  // the two refused, the damaged one, the last
    const ReadBack read = read_all(dir_);
    ASSERT_LT(read.records.size(), records.size()) << "the damage cost a record";
    expect_every_moment(*index, read.records);
}

TEST_F(JournalIndexTest, ASidecarRoundTripsAndItsDecoderRefusesWhatIsNotOne) {
    const auto records = recording();
    write_records(records, options(512u << 10));
    const SegmentIndex index = index_segment(read_bytes(segment_files(dir_)[0]));
    ASSERT_GT(index.records, kJournalMarkEvery) << "more than one mark";
    EXPECT_EQ(index.marks.size(), (index.records + kJournalMarkEvery - 1) / kJournalMarkEvery);
    const std::string bytes = encode_segment_index(index);
    auto back = decode_segment_index(bytes);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, index);
    for (std::size_t cut : {std::size_t{0}, std::size_t{10}, bytes.size() - 1})
        EXPECT_FALSE(decode_segment_index(std::string_view(bytes).substr(0, cut))) << cut;
    std::string other = bytes;
    other[0] = 'X';
    EXPECT_FALSE(decode_segment_index(other));
    EXPECT_FALSE(decode_segment_index(bytes + "x"));
    // An empty journal has no extent and no first record of any moment.
    fs::remove_all(dir_);
    write_records({}, options());
    auto empty = JournalIndex::open(dir_);
    ASSERT_TRUE(empty) << empty.error();
    EXPECT_FALSE(empty->first());
    const auto none = empty->first_at(0);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

}  // namespace
}  // namespace citywall
