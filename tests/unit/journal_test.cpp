// The journal: format, round trips, rollover, batches, ordering rules, kill -9. Torn tails and
// damage have their own file (journal_damage_test.cpp).
// Every test works in its own temporary directory, removed afterwards. No timed assertions.
#include <gtest/gtest.h>

#include <poll.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "citywall/journal.hpp"
#include "journal_testing.hpp"

namespace citywall {
namespace {

namespace fs = std::filesystem;
using namespace journal_testing;

// ---- format ----------------------------------------------------------------------------------

TEST_F(JournalTest, ReferenceCrcMatchesStandardCheckValue) {
    EXPECT_EQ(reference_crc32c("123456789"), 0xE3069283u);
}

TEST_F(JournalTest, WriterProducesTheDocumentedBytes) {
    std::vector<JournalRecord> records = {make_record(7, 0), make_record(8, 1),
                                          make_record(9, 300)};
    records[1].time = -5;  // times are signed
    records[2].kind = 0xFFFF;
    write_records(records, options());
    const auto files = segment_files(dir_);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].filename().string(), "segment-00000000000000000007.cwj");
    EXPECT_EQ(read_bytes(files[0]), doc_segment(7, records));
}

TEST_F(JournalTest, ScanDecodesADocumentedSegment) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 100; s < 140; s += 3)
        records.push_back(make_record(s, s % 50));
    const std::string bytes = doc_segment(100, records);
    SegmentScan scan;
    EXPECT_EQ(scan_all(bytes, &scan), records);
    EXPECT_EQ(scan.first_seq, 100u);
    EXPECT_EQ(scan.valid_bytes, bytes.size());
    EXPECT_EQ(scan.stats.records, records.size());
    EXPECT_EQ(scan.stats.corrupt_records, 0u);
    EXPECT_EQ(scan.stats.bad_segments, 0u);
}

TEST_F(JournalTest, ScanRejectsBadHeaders) {
    const std::string good = doc_segment(1, {make_record(1, 10)});
    std::vector<std::string> bad;
    bad.push_back("");
    bad.push_back(good.substr(0, 31));
    for (std::size_t i : {0u, 8u, 12u, 16u, 24u}) {  // magic, version, size, seq, CRC
        std::string b = good;
        b[i] = static_cast<char>(b[i] ^ 0x01);
        bad.push_back(b);
    }
    for (const auto& b : bad) {
        SegmentScan scan;
        EXPECT_TRUE(scan_all(b, &scan).empty());
        EXPECT_EQ(scan.valid_bytes, 0u);
        EXPECT_EQ(scan.stats.bad_segments, 1u);
    }
}

TEST_F(JournalTest, ScanReadsPastNonIncreasingOrEarlySeq) {
    const auto a = make_record(5, 4), b = make_record(6, 4), c = make_record(6, 4);
    SegmentScan scan;
    std::string bytes = doc_segment(5, {a, b, c, make_record(9, 1)});
    EXPECT_EQ(scan_all(bytes, &scan), (std::vector<JournalRecord>{a, b}));
    EXPECT_EQ(scan.stats.corrupt_records, 1u);
    EXPECT_EQ(scan.valid_bytes, doc_segment(5, {a, b}).size());

    // c repeats 6 and nothing that can follow 6 comes after it (9 is too far past 30 bytes of
    // damage to be a consecutive record): a torn tail.
    EXPECT_TRUE(scan.damage.empty());

    bytes = doc_segment(6, {a, b});  // a's seq is below the header's first seq: damage
    EXPECT_EQ(scan_all(bytes, &scan), std::vector<JournalRecord>{b});
    EXPECT_EQ(scan.stats.corrupt_records, 1u);
    EXPECT_EQ(scan.valid_bytes, bytes.size());
    ASSERT_EQ(scan.damage.size(), 1u);
    EXPECT_EQ(scan.damage[0].offset, 32u);
    EXPECT_EQ(scan.damage[0].bytes, 26u + 4u);
    EXPECT_EQ(scan.damage[0].after_seq, 5u);
    EXPECT_EQ(scan.damage[0].before_seq, 6u);
    EXPECT_EQ(scan.damage[0].lost_seqs(), 0u);

    bytes = doc_segment(0, {make_record(0, 3)});  // seq 0 is never valid
    EXPECT_TRUE(scan_all(bytes, &scan).empty());
    EXPECT_EQ(scan.stats.corrupt_records, 1u);
}

TEST_F(JournalTest, ScanRejectsOversizedLength) {
    std::string bytes = doc_segment(1, {make_record(1, 8)});
    const std::uint32_t huge = (64u << 20) + 1;
    for (int i = 0; i < 4; ++i)
        bytes[32 + i] = static_cast<char>((huge >> (8 * i)) & 0xFFu);
    bytes.resize(bytes.size() + 100, '\0');
    SegmentScan scan;
    EXPECT_TRUE(scan_all(bytes, &scan).empty());
    EXPECT_EQ(scan.valid_bytes, 32u);
    EXPECT_EQ(scan.stats.corrupt_records, 1u);
}

// Flip each byte of a small segment in turn: never a crash, never a changed record; every
// record but the one hit is still read (unless the header is hit).
TEST_F(JournalTest, ScanSurvivesEverySingleByteFlip) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 6; ++s)
        records.push_back(make_record(s, s * 5));
    const std::string good = doc_segment(1, records);
    for (std::size_t i = 0; i < good.size(); ++i) {
        if (i >= 28 && i < 32) continue;  // the reserved header bytes are ignored by readers
        for (unsigned char mask : {0x01, 0x80, 0xFF}) {
            std::string bytes = good;
            bytes[i] = static_cast<char>(static_cast<unsigned char>(bytes[i]) ^ mask);
            SegmentScan scan;
            const auto got = scan_all(bytes, &scan);
            ASSERT_LE(scan.valid_bytes, bytes.size());
            if (i < 32) {
                ASSERT_TRUE(got.empty()) << i;
                continue;
            }
            ASSERT_EQ(got.size() + 1, records.size()) << "flip at " << i;
            for (const auto& record : got)
                ASSERT_NE(std::find(records.begin(), records.end(), record), records.end()) << i;
            const bool last_hit = got.back() != records.back();
            ASSERT_EQ(scan.damage.size(), last_hit ? 0u : 1u) << i;
        }
    }
}

// ---- writer and reader -----------------------------------------------------------------------

TEST_F(JournalTest, RoundTripManyRecords) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 600; ++s) {
        const std::size_t size = s % 100 == 0 ? 0 : (s * 37) % 700;
        records.push_back(make_record(s * 2, size));  // gaps in seq are fine
    }
    records.push_back(make_record(5000, 3u << 20));  // a large payload
    records.push_back(make_record(5001, 0));
    write_records(records, options());
    const ReadBack back = read_all(dir_);
    EXPECT_EQ(back.records, records);
    EXPECT_EQ(back.stats.records, records.size());
    EXPECT_EQ(back.stats.corrupt_records, 0u);
    EXPECT_EQ(back.stats.bad_segments, 0u);
}

TEST_F(JournalTest, ReaderSeesAppendsBeforeTheWriterCloses) {
    for (int interval : {0, 50, 60'000}) {
        fs::remove_all(dir_);
        auto w = open_writer(options(64u << 20, interval));
        ASSERT_TRUE(w);
        std::vector<JournalRecord> records;
        for (std::uint64_t s = 1; s <= 50; ++s) {
            records.push_back(make_record(s, s));
            ASSERT_TRUE(w->append(records.back()).ok());
        }
        EXPECT_EQ(read_all(dir_).records, records) << interval;  // in the OS already
        EXPECT_TRUE(w->sync().ok());
        EXPECT_EQ(w->last_seq(), 50u);
    }
}

TEST_F(JournalTest, ReopenAppendsAfterExistingRecords) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 10; ++s)
        records.push_back(make_record(s, 20));
    write_records(records, options());
    {
        auto w = open_writer(options());
        ASSERT_TRUE(w);
        EXPECT_EQ(w->last_seq(), 10u);
        EXPECT_EQ(w->recovery().last_seq, 10u);
        EXPECT_EQ(w->recovery().records, 10u);
        EXPECT_EQ(w->recovery().segments, 1u);
        EXPECT_EQ(w->recovery().truncated_bytes, 0u);
        EXPECT_EQ(w->recovery().damaged_segments, 0u);
        for (std::uint64_t s = 11; s <= 20; ++s) {
            records.push_back(make_record(s, 20));
            ASSERT_TRUE(w->append(records.back()).ok());
        }
    }
    EXPECT_EQ(segment_files(dir_).size(), 1u);
    EXPECT_EQ(read_all(dir_).records, records);
    auto w = open_writer(options());
    ASSERT_TRUE(w);
    EXPECT_EQ(w->last_seq(), 20u);
    EXPECT_EQ(w->recovery().records, 20u);
}

TEST_F(JournalTest, SegmentRolloverKeepsOrder) {
    const std::uint64_t segment_bytes = 1024;
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 200; ++s)
        records.push_back(make_record(s, 60 + s % 40));
    records.push_back(make_record(201, 5000));  // larger than a segment: a segment of its own
    records.push_back(make_record(202, 10));
    write_records(records, options(segment_bytes));

    const auto files = segment_files(dir_);
    ASSERT_GT(files.size(), 10u);
    std::uint64_t expected_next = 1;
    for (const auto& f : files) {
        const std::string bytes = read_bytes(f);
        SegmentScan scan;
        const auto got = scan_all(bytes, &scan);
        ASSERT_FALSE(got.empty());
        EXPECT_EQ(got.front().seq, expected_next);
        EXPECT_EQ(f.filename().string(), segment_name(got.front().seq));
        EXPECT_EQ(scan.first_seq, got.front().seq);
        EXPECT_EQ(scan.valid_bytes, bytes.size());
        if (got.size() > 1) {
            EXPECT_LE(bytes.size(), segment_bytes);
        }
        expected_next = got.back().seq + 1;
    }
    EXPECT_EQ(expected_next, 203u);
    EXPECT_EQ(read_all(dir_).records, records);

    // Reopening continues in the last segment (or the next one when it is full).
    auto w = open_writer(options(segment_bytes));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->recovery().segments, files.size());
    EXPECT_LT(w->recovery().records, records.size());  // only the last segment is read
    EXPECT_EQ(w->last_seq(), 202u);
    records.push_back(make_record(203, 10));
    ASSERT_TRUE(w->append(records.back()).ok());
    w.reset();
    EXPECT_EQ(read_all(dir_).records, records);
}

TEST_F(JournalTest, AppendRejectsNonIncreasingSeq) {
    auto w = open_writer(options());
    ASSERT_TRUE(w);
    EXPECT_FALSE(w->append(make_record(0, 1)).ok());  // seq 0 is never valid
    ASSERT_TRUE(w->append(make_record(5, 1)).ok());
    const auto size = fs::file_size(segment_files(dir_).at(0));
    const auto again = w->append(make_record(5, 1));
    EXPECT_FALSE(again.ok());
    EXPECT_FALSE(again.error().empty());
    EXPECT_FALSE(w->append(make_record(3, 1)).ok());
    EXPECT_EQ(fs::file_size(segment_files(dir_).at(0)), size);  // nothing written
    EXPECT_EQ(w->last_seq(), 5u);
    ASSERT_TRUE(w->append(make_record(6, 1)).ok());
    w.reset();
    EXPECT_EQ(read_all(dir_).records,
              (std::vector<JournalRecord>{make_record(5, 1), make_record(6, 1)}));
}

TEST_F(JournalTest, AppendRejectsOversizedPayload) {
    auto w = open_writer(options());
    ASSERT_TRUE(w);
    JournalRecord r = make_record(1, 0);
    r.payload.assign((64u << 20) + 1, 'a');
    EXPECT_FALSE(w->append(r).ok());
    EXPECT_EQ(w->last_seq(), 0u);
    ASSERT_TRUE(w->append(make_record(1, 1)).ok());
}

TEST_F(JournalTest, EmptyAndMissingDirectories) {
    EXPECT_FALSE(JournalReader::open(dir_).ok());  // does not exist yet
    fs::create_directories(dir_);
    ReadBack back = read_all(dir_);
    EXPECT_TRUE(back.records.empty());
    EXPECT_EQ(back.stats.records, 0u);
    EXPECT_EQ(back.stats.bad_segments, 0u);

    fs::remove_all(dir_);
    auto w = open_writer(options());  // creates the directory
    ASSERT_TRUE(w);
    EXPECT_TRUE(fs::is_directory(dir_));
    EXPECT_EQ(w->recovery().segments, 0u);
    EXPECT_EQ(w->recovery().records, 0u);
    EXPECT_EQ(w->last_seq(), 0u);
    EXPECT_TRUE(w->sync().ok());
    w.reset();
    EXPECT_TRUE(read_all(dir_).records.empty());

    JournalOptions no_dir;
    EXPECT_FALSE(JournalWriter::open(no_dir).ok());
}

TEST_F(JournalTest, FsyncIntervalZeroSyncsEveryAppend) {
    std::vector<JournalRecord> records;
    {
        auto w = open_writer(options(4096, 0));
        ASSERT_TRUE(w);
        for (std::uint64_t s = 1; s <= 100; ++s) {
            records.push_back(make_record(s, s % 90));
            ASSERT_TRUE(w->append(records.back()).ok());
        }
        EXPECT_TRUE(w->sync().ok());
    }
    EXPECT_EQ(read_all(dir_).records, records);
}

// Nothing may be published above durable_seq(). A poll loop asks for a sync at the end of a
// pass and learns from durable_fd() when the disk has it, long before the interval is up.
TEST_F(JournalTest, DurableSeqRisesWhenASyncIsAskedForAndSaysSoOnItsDescriptor) {
    auto w = open_writer(options(1 << 20, 10'000));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->durable_seq(), 0u);
    ASSERT_TRUE(w->append_batch({make_record(1, 10), make_record(2, 10)}).ok());
    EXPECT_EQ(w->last_seq(), 2u);
    EXPECT_EQ(w->durable_seq(), 0u);  // written, not yet on disk
    const auto asked = std::chrono::steady_clock::now();
    w->request_sync();
    pollfd ready{w->durable_fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&ready, 1, 5000), 1);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(5));
    EXPECT_EQ(w->durable_seq(), 2u);
    std::uint64_t ticks = 0;
    EXPECT_EQ(::read(w->durable_fd(), &ticks, sizeof ticks), 8);
    EXPECT_EQ(::poll(&ready, 1, 0), 0);  // read: quiet until the next rise

    // A reopened journal is durable up to its last record: the new writer synced it.
    w.reset();
    w = open_writer(options(1 << 20, 10'000));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->durable_seq(), 2u);
    EXPECT_FALSE(w->broken());
}

TEST_F(JournalTest, OnlyOneWriterAtATime) {
    auto w = open_writer(options());
    ASSERT_TRUE(w);
    auto second = JournalWriter::open(options());
    EXPECT_FALSE(second.ok());
    w.reset();
    EXPECT_TRUE(JournalWriter::open(options()).ok());
}

TEST_F(JournalTest, SyncRacesWithAppends) {
    auto w = open_writer(options(2048, 1));
    ASSERT_TRUE(w);
    std::atomic<bool> done{false};
    std::thread syncer([&] {
        while (!done.load())
            EXPECT_TRUE(w->sync().ok());
    });
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 300; ++s) {
        records.push_back(make_record(s, 40));
        ASSERT_TRUE(w->append(records.back()).ok());
    }
    done = true;
    syncer.join();
    w.reset();
    EXPECT_EQ(read_all(dir_).records, records);
}

// A batch writes exactly the bytes of the same records appended one by one, rollover included.
TEST_F(JournalTest, BatchWritesTheSameBytesAsSingleAppends) {
    const std::uint64_t segment_bytes = 1024;
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 300; ++s)
        records.push_back(make_record(s, s == 150 ? 5000 : 40 + s % 70));
    write_records(records, options(segment_bytes));
    std::vector<std::string> single;
    for (const auto& f : segment_files(dir_))
        single.push_back(f.filename().string() + ":" + read_bytes(f));
    fs::remove_all(dir_);

    {
        auto w = open_writer(options(segment_bytes));
        ASSERT_TRUE(w);
        std::size_t at = 0;
        for (std::size_t n = 1; at < records.size(); n = n % 37 + 1) {
            const std::size_t end = std::min(records.size(), at + n);
            const std::vector<JournalRecord> batch(records.begin() + static_cast<long>(at),
                                                   records.begin() + static_cast<long>(end));
            ASSERT_TRUE(w->append_batch(batch).ok()) << batch.front().seq;
            at = end;
        }
        EXPECT_TRUE(w->append_batch({}).ok());
        EXPECT_EQ(w->last_seq(), 300u);
    }
    std::vector<std::string> batched;
    for (const auto& f : segment_files(dir_))
        batched.push_back(f.filename().string() + ":" + read_bytes(f));
    EXPECT_EQ(batched, single);
    EXPECT_EQ(read_all(dir_).records, records);
}

// Every seq of a batch is checked before anything is written.
TEST_F(JournalTest, BatchWithABadSeqWritesNothing) {
    auto w = open_writer(options(4096, 0));
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->append(make_record(5, 3)).ok());
    EXPECT_FALSE(w->append_batch({make_record(6, 3), make_record(7, 3), make_record(7, 3)}).ok());
    EXPECT_FALSE(w->append_batch({make_record(4, 3), make_record(8, 3)}).ok());
    JournalRecord big = make_record(9, 1);
    big.payload.assign((64u << 20) + 1, 'x');
    EXPECT_FALSE(w->append_batch({make_record(8, 3), big}).ok());
    EXPECT_EQ(w->last_seq(), 5u);
    ASSERT_TRUE(w->append_batch({make_record(6, 3), make_record(7, 4)}).ok());
    w.reset();
    EXPECT_EQ(
        read_all(dir_).records,
        (std::vector<JournalRecord>{make_record(5, 3), make_record(6, 3), make_record(7, 4)}));
}

// A batch whose write fails half way (here: the file size limit) is cut away whole; the writer
// goes on appending after it.
TEST_F(JournalTest, FailedBatchWriteLeavesNoPartialFrames) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::signal(SIGXFSZ, SIG_IGN);
        auto w = JournalWriter::open(options(1 << 20, 0));
        if (!w) ::_exit(2);
        for (std::uint64_t s = 1; s <= 10; ++s)
            if (!(*w)->append(make_record(s, 50)).ok()) ::_exit(3);
        const auto files = segment_files(dir_);
        if (files.size() != 1) ::_exit(4);
        const auto size = fs::file_size(files.front());
        rlimit limit{static_cast<rlim_t>(size + 100), RLIM_INFINITY};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(5);
        std::vector<JournalRecord> batch;
        for (std::uint64_t s = 11; s <= 20; ++s)
            batch.push_back(make_record(s, 50));
        if ((*w)->append_batch(batch).ok()) ::_exit(6);
        if (fs::file_size(files.front()) != size) ::_exit(7);
        if ((*w)->last_seq() != 10) ::_exit(8);
        if (!(*w)->append_batch({make_record(11, 10)}).ok()) ::_exit(9);
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    std::vector<JournalRecord> expected;
    for (std::uint64_t s = 1; s <= 10; ++s)
        expected.push_back(make_record(s, 50));
    expected.push_back(make_record(11, 10));
    EXPECT_EQ(read_all(dir_).records, expected);
    auto w = open_writer(options(1 << 20));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->recovery().truncated_bytes, 0u);
}

// Appends reach the OS before append returns: a kill -9 right after loses none of them, even
// with a long fsync interval (the page cache survives the process).
TEST_F(JournalTest, KillNineLosesNothingAppended) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(ready[0]);
        auto w = JournalWriter::open(options(2048, 60'000));
        if (!w) ::_exit(2);
        for (std::uint64_t s = 1; s <= 200; ++s) {
            if (!(*w)->append(make_record(s, s % 64)).ok()) ::_exit(3);
        }
        const char byte = 1;
        if (::write(ready[1], &byte, 1) != 1) ::_exit(4);
        for (;;)
            ::pause();  // killed here, the writer never closed
    }
    ::close(ready[1]);
    char byte = 0;
    const ssize_t got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_EQ(got, 1) << "the child failed to append";
    ASSERT_TRUE(WIFSIGNALED(status));

    std::vector<JournalRecord> expected;
    for (std::uint64_t s = 1; s <= 200; ++s)
        expected.push_back(make_record(s, s % 64));
    EXPECT_EQ(read_all(dir_).records, expected);
    auto w = open_writer(options(2048));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->last_seq(), 200u);
    EXPECT_EQ(w->recovery().truncated_bytes, 0u);
}

// The fuzz seed corpus is checked in; this test proves it is what the docs say it is, and
// rewrites it when CITYWALL_WRITE_CORPUS names a directory.
TEST_F(JournalTest, FuzzCorpusMatchesTheDocumentedFormat) {
    std::vector<JournalRecord> records;
    for (std::uint64_t s = 1; s <= 4; ++s)
        records.push_back(make_record(s, s * 6));
    records[0].payload.clear();
    const std::string valid = doc_segment(1, records);
    const std::map<std::string, std::string> seeds = {
        {"valid-4-records", valid},
        {"header-only", doc_header(42)},
        {"torn-tail", valid.substr(0, valid.size() - 7)},
    };
    if (const char* out = std::getenv("CITYWALL_WRITE_CORPUS")) {
        fs::create_directories(out);
        for (const auto& [name, bytes] : seeds)
            write_bytes(fs::path(out) / name, bytes);
    }
    std::size_t scanned = 0;
    auto scan = scan_segment(valid, [&](JournalRecord&&) { ++scanned; });
    EXPECT_EQ(scanned, 4u);
    EXPECT_EQ(scan.valid_bytes, valid.size());
    std::size_t torn = 0;
    scan_segment(seeds.at("torn-tail"), [&](JournalRecord&&) { ++torn; });
    EXPECT_EQ(torn, 3u);
}

TEST_F(JournalTest, ReaderStartsAfterASequenceNumberSkippingWholeSegments) {
    std::vector<JournalRecord> records;
    {
        auto w = open_writer(options(1024));
        ASSERT_TRUE(w);
        for (std::uint64_t s = 1; s <= 120; ++s) {
            records.push_back(make_record(s, 40));
            ASSERT_TRUE(w->append(records.back()).ok());
        }
    }
    for (std::uint64_t after : {0u, 1u, 57u, 119u, 120u, 500u}) {
        auto reader = JournalReader::open(dir_, after);
        ASSERT_TRUE(reader.ok()) << reader.error();
        std::vector<JournalRecord> got;
        while (auto r = (*reader)->next())
            got.push_back(*r);
        std::vector<JournalRecord> expected(
            records.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(after, 120)),
            records.end());
        EXPECT_EQ(got, expected) << "after " << after;
        EXPECT_EQ((*reader)->stats().corrupt_records, 0u);
    }
}

}  // namespace
}  // namespace citywall
