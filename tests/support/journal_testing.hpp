// What the journal's tests share: a bit-at-a-time CRC-32C, the documented bytes of segments
// and frames built by hand, file helpers, and a fixture that works in its own temporary
// directory, removed afterwards.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/journal.hpp"

namespace citywall::journal_testing {

namespace fs = std::filesystem;

// A reference CRC-32C, bit at a time, independent of the library's table-driven one.
inline std::uint32_t reference_crc32c(std::string_view bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char b : bytes) {
        crc ^= b;
        for (int k = 0; k < 8; ++k)
            crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

inline void le(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

// A segment built from docs/journal.md alone, not with the library's encoder.
inline std::string doc_header(std::uint64_t first_seq) {
    std::string h = "CWJOURNL";
    le(h, 1, 4);   // version
    le(h, 32, 4);  // header size
    le(h, first_seq, 8);
    le(h, reference_crc32c(h), 4);
    le(h, 0, 4);  // reserved
    return h;
}

inline std::string doc_frame(const JournalRecord& r) {
    std::string covered;
    le(covered, r.seq, 8);
    le(covered, static_cast<std::uint64_t>(r.time), 8);
    le(covered, r.kind, 2);
    covered += r.payload;
    std::string f;
    le(f, r.payload.size(), 4);
    le(f, reference_crc32c(covered), 4);
    return f + covered;
}

inline std::string doc_segment(std::uint64_t first_seq, const std::vector<JournalRecord>& records) {
    std::string s = doc_header(first_seq);
    for (const auto& r : records)
        s += doc_frame(r);
    return s;
}

inline std::string binary_payload(std::uint64_t seq, std::size_t size) {
    std::string p(size, '\0');
    std::mt19937_64 rng(seq * 7919 + size);
    for (auto& c : p)
        c = static_cast<char>(rng() & 0xFFu);
    if (size > 2) p[size / 2] = '\0';  // always an embedded zero
    return p;
}

inline JournalRecord make_record(std::uint64_t seq, std::size_t payload_size) {
    JournalRecord r;
    r.seq = seq;
    r.time = 1'700'000'000'000 + static_cast<TimeMs>(seq) * 250;
    r.kind = static_cast<std::uint16_t>(seq % 7 + 1);
    r.payload = binary_payload(seq, payload_size);
    return r;
}

inline std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string segment_name(std::uint64_t first_seq) {
    std::string digits = std::to_string(first_seq);
    return "segment-" + std::string(20 - digits.size(), '0') + digits + ".cwj";
}

inline std::vector<fs::path> segment_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with("segment-") && name.ends_with(".cwj")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct ReadBack {
    std::vector<JournalRecord> records;
    JournalReadStats stats;
    std::vector<JournalDamage> damage;
};

inline ReadBack read_all(const fs::path& dir) {
    ReadBack out;
    auto reader = JournalReader::open(dir);
    EXPECT_TRUE(reader.ok()) << reader.error();
    if (!reader) return out;
    while (auto r = (*reader)->next())
        out.records.push_back(std::move(*r));
    out.stats = (*reader)->stats();
    out.damage = (*reader)->damage();
    return out;
}

inline std::vector<JournalRecord> scan_all(std::string_view bytes,
                                           SegmentScan* scan_out = nullptr) {
    std::vector<JournalRecord> records;
    SegmentScan scan = scan_segment(bytes, [&](JournalRecord&& r) { records.push_back(r); });
    if (scan_out) *scan_out = scan;
    return records;
}

class JournalTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::random_device rd;
        root_ =
            fs::temp_directory_path() / ("citywall-journal-" + std::string(info->name()) + "-" +
                                         std::to_string(::getpid()) + "-" + std::to_string(rd()));
        fs::create_directories(root_);
        dir_ = root_ / "journal";
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    JournalOptions options(std::uint64_t segment_bytes = 64u << 20, int fsync_ms = 50) const {
        JournalOptions o;
        o.directory = dir_;
        o.segment_bytes = segment_bytes;
        o.fsync_interval_ms = fsync_ms;
        return o;
    }

    std::unique_ptr<JournalWriter> open_writer(const JournalOptions& o) {
        auto w = JournalWriter::open(o);
        EXPECT_TRUE(w.ok()) << w.error();
        return w ? std::move(*w) : nullptr;
    }

    // Writes the records with a fresh writer (closed on return).
    void write_records(const std::vector<JournalRecord>& records, const JournalOptions& o) {
        auto w = open_writer(o);
        ASSERT_TRUE(w);
        for (const auto& r : records)
            ASSERT_TRUE(w->append(r).ok()) << r.seq;
    }

    fs::path root_;
    fs::path dir_;
};

}  // namespace citywall::journal_testing
