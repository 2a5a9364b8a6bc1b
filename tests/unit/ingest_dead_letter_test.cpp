// The dead-letter file under a flood, a full disk and hostile bytes: the total on disk never
// passes its cap, the newest records survive rotation, a failed write is counted and returned
// and the file works again afterwards, and every line is one valid JSON object.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "dead_letter.hpp"
#include "scratch_dir.hpp"

namespace citywall::ingest {
namespace {

namespace fs = std::filesystem;
using citywall::testing::ScratchDir;

std::vector<std::string> read_lines(const fs::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path, std::ios::binary);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::uint64_t size_or_zero(const fs::path& path) {
    std::error_code error;
    const auto size = fs::file_size(path, error);
    return error ? 0 : size;
}

std::uint64_t on_disk(const DeadLetterFile& file) {
    return size_or_zero(file.path()) + size_or_zero(file.rotated_path());
}

std::string unbase64(std::string_view text) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') break;
        const auto value = kAlphabet.find(c);
        if (value == std::string::npos) ADD_FAILURE() << "not base64: " << c;
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

// One line as a JSON object with the record's fields, its strings valid UTF-8.
rapidjson::Document parse_record(const std::string& line) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
    EXPECT_FALSE(doc.HasParseError())
        << rapidjson::GetParseError_En(doc.GetParseError()) << " at " << doc.GetErrorOffset();
    if (doc.HasParseError()) return doc;
    EXPECT_TRUE(doc.IsObject());
    EXPECT_TRUE(doc.HasMember("time") && doc["time"].IsInt64());
    for (const char* key : {"department", "reason", "detail", "raw_base64"})
        EXPECT_TRUE(doc.HasMember(key) && doc[key].IsString()) << key;
    return doc;
}

DeadLetterLimits unbounded_rate(std::uint64_t max_bytes) {
    DeadLetterLimits limits;
    limits.max_bytes = max_bytes;
    limits.per_department_per_second = 0;
    return limits;
}

TEST(DeadLetter, TheOldConstructorStillWorksWithTheDefaults) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "journal" / "dead-letter.jsonl");
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file.limits().max_bytes, 64u << 20);
    EXPECT_EQ(file.limits().record_bytes, 4096u);
    auto written = file.write(1000, "110", RejectReason::invalid_json, "expected a value", "{oops");
    ASSERT_TRUE(written) << written.error();
    EXPECT_EQ(*written, DeadLetterWritten::kept);
    const auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], R"({"time":1000,"department":"110","reason":"invalid_json",)"
                        R"("detail":"expected a value","raw_base64":"e29vcHM="})");
    EXPECT_EQ(file.counters().written, 1u);
    EXPECT_EQ(file.counters().truncated, 0u);
}

TEST(DeadLetter, TheCapHoldsUnderAHundredThousandTenKilobyteRecords) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl", unbounded_rate(64u << 20));
    const std::string raw(10 * 1024, 'x');
    constexpr int kRecords = 100000;
    for (int n = 0; n < kRecords; ++n) {
        auto written = file.write(n, "110", RejectReason::invalid_json, "garbage", raw);
        ASSERT_TRUE(written) << written.error();
        if (n % 500 == 0) {
            ASSERT_LE(on_disk(file), file.limits().max_bytes) << "after " << n;
        }
    }
    EXPECT_LE(on_disk(file), file.limits().max_bytes);
    EXPECT_GT(on_disk(file), file.limits().max_bytes / 2);
    EXPECT_EQ(file.counters().written, std::uint64_t{kRecords});
    EXPECT_EQ(file.counters().truncated, std::uint64_t{kRecords});
    EXPECT_GT(file.counters().rotations, 0u);
    EXPECT_EQ(file.counters().write_failures, 0u);
    EXPECT_FALSE(fs::exists(dir / "dead-letter.jsonl.2"));
    const auto last = read_lines(file.path()).back();
    EXPECT_EQ(parse_record(last)["time"].GetInt64(), kRecords - 1);
}

TEST(DeadLetter, TheCapHoldsForRecordsOfEverySize) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl", unbounded_rate(50'000));
    std::mt19937 random(7);
    for (int n = 0; n < 3000; ++n) {
        const std::string raw(random() % 9000, 'r');
        const std::string detail(random() % 2000, 'd');
        ASSERT_TRUE(file.write(n, "12345", RejectReason::bad_field, detail, raw));
        ASSERT_LE(on_disk(file), 50'000u) << "after " << n;
    }
}

TEST(DeadLetter, RotationKeepsTheNewestRecords) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl", unbounded_rate(20'000));
    constexpr int kRecords = 1000;
    for (int n = 0; n < kRecords; ++n)
        ASSERT_TRUE(
            file.write(n, "119", RejectReason::bad_status, "record " + std::to_string(n), "raw"));

    auto lines = read_lines(file.rotated_path());
    ASSERT_FALSE(lines.empty());
    const auto live = read_lines(file.path());
    lines.insert(lines.end(), live.begin(), live.end());
    // The older file then the live one: one unbroken run that ends with the last record.
    std::int64_t expected = kRecords - static_cast<std::int64_t>(lines.size());
    EXPECT_GT(expected, 0);
    for (const auto& line : lines) {
        const auto doc = parse_record(line);
        ASSERT_EQ(doc["time"].GetInt64(), expected);
        EXPECT_EQ(std::string(doc["detail"].GetString()), "record " + std::to_string(expected));
        ++expected;
    }
    EXPECT_EQ(expected, kRecords);
    EXPECT_EQ(file.counters().written, std::uint64_t{kRecords});
    EXPECT_GT(file.counters().rotations, 1u);
}

TEST(DeadLetter, AReopenedFileCountsWhatIsAlreadyOnDisk) {
    ScratchDir dir("dead-letter");
    const auto path = dir / "dead-letter.jsonl";
    for (int run = 0; run < 5; ++run) {
        DeadLetterFile file(path, unbounded_rate(30'000));
        for (int n = 0; n < 100; ++n)
            ASSERT_TRUE(
                file.write(n, "110", RejectReason::invalid_json, "", std::string(200, 'z')));
        ASSERT_LE(on_disk(file), 30'000u) << "run " << run;
    }
}

TEST(DeadLetter, TruncatedRecordsSayHowLongTheMessageWas) {
    ScratchDir dir("dead-letter");
    DeadLetterLimits limits;
    limits.record_bytes = 16;
    DeadLetterFile file(dir / "dead-letter.jsonl", limits);
    std::string raw;
    for (int n = 0; n < 100; ++n)
        raw.push_back(static_cast<char>(n * 7));
    ASSERT_TRUE(file.write(1, "110", RejectReason::oversized, "", raw));
    ASSERT_TRUE(file.write(2, "110", RejectReason::invalid_json, "", raw.substr(0, 16)));

    const auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 2u);
    const auto cut = parse_record(lines[0]);
    EXPECT_EQ(unbase64(cut["raw_base64"].GetString()), raw.substr(0, 16));
    ASSERT_TRUE(cut.HasMember("raw_bytes") && cut.HasMember("truncated"));
    EXPECT_EQ(cut["raw_bytes"].GetUint64(), 100u);
    EXPECT_TRUE(cut["truncated"].GetBool());
    const auto whole = parse_record(lines[1]);
    EXPECT_EQ(unbase64(whole["raw_base64"].GetString()), raw.substr(0, 16));
    EXPECT_FALSE(whole.HasMember("raw_bytes"));
    EXPECT_FALSE(whole.HasMember("truncated"));
    EXPECT_EQ(file.counters().written, 2u);
    EXPECT_EQ(file.counters().truncated, 1u);
}

TEST(DeadLetter, TheDetailIsCutBetweenCharacters) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl");
    std::string detail;
    for (int n = 0; n < 300; ++n)
        detail += "噪";  // three bytes each
    ASSERT_TRUE(file.write(1, "12345", RejectReason::bad_field, detail, "x"));
    ASSERT_TRUE(
        file.write(2, "12345", RejectReason::bad_field, "bad \xC3\x28 and \xED\xA0\x80 end", "x"));
    ASSERT_TRUE(file.write(3, "12345", RejectReason::bad_field, std::string(512, 'd'), "x"));
    const auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 3u);
    // 169 whole characters and "…": 510 bytes, where a 170th character would pass 512.
    EXPECT_EQ(std::string(parse_record(lines[0])["detail"].GetString()),
              detail.substr(0, 507) + "…");
    EXPECT_EQ(std::string(parse_record(lines[1])["detail"].GetString()), "bad ?( and ??? end");
    EXPECT_EQ(std::string(parse_record(lines[2])["detail"].GetString()), std::string(512, 'd'));
}

TEST(DeadLetter, ARemovedDirectoryFailsCountedAndRecovers) {
    ScratchDir dir("dead-letter");
    const auto folder = dir / "journal";
    DeadLetterFile file(folder / "dead-letter.jsonl");
    ASSERT_TRUE(file.write(1, "110", RejectReason::invalid_json, "", "before"));

    fs::remove_all(folder);
    for (int n = 0; n < 3; ++n) {
        auto failed = file.write(2, "110", RejectReason::invalid_json, "", "lost");
        ASSERT_FALSE(failed);
        EXPECT_NE(failed.error().find("dead-letter.jsonl"), std::string::npos) << failed.error();
    }
    EXPECT_FALSE(file.ok());
    EXPECT_EQ(file.counters().write_failures, 3u);
    EXPECT_EQ(file.counters().written, 1u);

    fs::create_directories(folder);
    auto written = file.write(3, "110", RejectReason::invalid_json, "", "after");
    ASSERT_TRUE(written) << written.error();
    EXPECT_TRUE(file.ok());
    const auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(unbase64(parse_record(lines[0])["raw_base64"].GetString()), "after");
    EXPECT_EQ(file.counters().write_failures, 3u);
    EXPECT_EQ(file.counters().written, 2u);
}

TEST(DeadLetter, ARemovedFileIsStartedAgain) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl");
    ASSERT_TRUE(file.write(1, "110", RejectReason::invalid_json, "", "one"));
    fs::remove(file.path());
    ASSERT_TRUE(file.write(2, "110", RejectReason::invalid_json, "", "two"));
    const auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(parse_record(lines[0])["time"].GetInt64(), 2);
    EXPECT_EQ(file.counters().write_failures, 0u);
}

TEST(DeadLetter, AFullDiskFailsCountedAndRecovers) {
    ASSERT_TRUE(fs::exists("/dev/full"));  // every Linux has it
    ScratchDir dir("dead-letter");
    const auto path = dir / "dead-letter.jsonl";
    fs::create_symlink("/dev/full", path);  // every write: ENOSPC
    DeadLetterFile file(path);
    for (int n = 0; n < 5; ++n) {
        auto failed = file.write(n, "110", RejectReason::invalid_json, "", std::string(100, 'f'));
        ASSERT_FALSE(failed);
        EXPECT_NE(failed.error().find("write"), std::string::npos) << failed.error();
    }
    EXPECT_EQ(file.counters().write_failures, 5u);
    EXPECT_EQ(file.counters().written, 0u);

    fs::remove(path);  // space again
    ASSERT_TRUE(file.write(9, "110", RejectReason::invalid_json, "", "back"));
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(path)));
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(parse_record(lines[0])["time"].GetInt64(), 9);
}

TEST(DeadLetter, ARotationThatCannotHappenFailsCountedAndRecovers) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl", unbounded_rate(4000));
    // A non-empty folder where the rotated file goes: the rename fails, for root as well.
    fs::create_directories(dir / "dead-letter.jsonl.1" / "blocker");
    int failures = 0;
    for (int n = 0; n < 40; ++n)
        if (!file.write(n, "110", RejectReason::invalid_json, "", std::string(100, 'a')))
            ++failures;
    EXPECT_GT(failures, 0);
    EXPECT_EQ(file.counters().write_failures, static_cast<std::uint64_t>(failures));
    EXPECT_EQ(file.counters().rotations, 0u);
    EXPECT_LE(size_or_zero(file.path()), 2000u);

    fs::remove_all(file.rotated_path());
    ASSERT_TRUE(file.write(100, "110", RejectReason::invalid_json, "", "after"));
    EXPECT_EQ(file.counters().rotations, 1u);
    EXPECT_EQ(parse_record(read_lines(file.path()).back())["time"].GetInt64(), 100);
    EXPECT_LE(on_disk(file), 4000u);
}

TEST(DeadLetter, EachDepartmentKeepsItsOwnRatePerSecond) {
    ScratchDir dir("dead-letter");
    DeadLetterLimits limits;
    limits.per_department_per_second = 3;
    DeadLetterFile file(dir / "dead-letter.jsonl", limits);
    int kept = 0;
    for (int n = 0; n < 10; ++n) {
        auto written = file.write(5000 + n, "110", RejectReason::invalid_json, "", "noise");
        ASSERT_TRUE(written);
        if (*written == DeadLetterWritten::kept) ++kept;
    }
    EXPECT_EQ(kept, 3);
    EXPECT_EQ(file.counters().dropped, 7u);
    // Another department in the same second, and the first one in the next second.
    EXPECT_EQ(*file.write(5500, "119", RejectReason::bad_status, "", "quiet"),
              DeadLetterWritten::kept);
    EXPECT_EQ(*file.write(6000, "110", RejectReason::invalid_json, "", "noise"),
              DeadLetterWritten::kept);
    // A record that exists nowhere else is kept past the rate, and whole.
    const std::string event(10000, 'e');
    for (int n = 0; n < 5; ++n)
        EXPECT_EQ(
            *file.write(6001, "110", RejectReason::journal_error, "", event, DeadLetterKeep::whole),
            DeadLetterWritten::kept);
    EXPECT_EQ(file.counters().dropped, 7u);
    EXPECT_EQ(file.counters().truncated, 0u);
    EXPECT_EQ(unbase64(parse_record(read_lines(file.path()).back())["raw_base64"].GetString()),
              event);
}

TEST(DeadLetter, ARecordLargerThanHalfTheCapKeepsWhatFits) {
    ScratchDir dir("dead-letter");
    DeadLetterFile file(dir / "dead-letter.jsonl", unbounded_rate(2000));
    const std::string event(5000, 'e');
    ASSERT_TRUE(
        file.write(1, "110", RejectReason::journal_error, "", event, DeadLetterKeep::whole));
    EXPECT_LE(size_or_zero(file.path()), 1000u);
    const auto doc = parse_record(read_lines(file.path()).at(0));
    EXPECT_TRUE(doc["truncated"].GetBool());
    EXPECT_EQ(doc["raw_bytes"].GetUint64(), 5000u);
    EXPECT_EQ(file.counters().truncated, 1u);

    DeadLetterFile none(dir / "none.jsonl", unbounded_rate(0));
    auto written = none.write(1, "110", RejectReason::invalid_json, "", "x");
    ASSERT_TRUE(written);
    EXPECT_EQ(*written, DeadLetterWritten::dropped);
    EXPECT_EQ(none.counters().dropped, 1u);
    EXPECT_EQ(size_or_zero(none.path()), 0u);
}

TEST(DeadLetter, RandomBytesAlwaysMakeValidJsonLines) {
    ScratchDir dir("dead-letter");
    DeadLetterLimits limits = unbounded_rate(64u << 20);
    limits.record_bytes = 1000;
    DeadLetterFile file(dir / "dead-letter.jsonl", limits);
    std::mt19937 random(20240601);
    auto bytes = [&](std::size_t max) {
        std::string s(random() % (max + 1), '\0');
        for (auto& c : s) {
            // Mostly the bytes that break things: NUL, controls, quotes, backslashes, high bytes.
            static constexpr char kNasty[] = {'\0',   '\n',   '"',    '\\',   '\x7f',
                                              '\xC0', '\xED', '\xF4', '\xFF', '\x80',
                                              '\xE4', '\xB8', '\x01'};
            c = random() % 2 ? kNasty[random() % sizeof(kNasty)]
                             : static_cast<char>(random() % 256);
        }
        return s;
    };
    std::vector<std::string> raws;
    for (int n = 0; n < 2000; ++n) {
        raws.push_back(bytes(1500));
        ASSERT_TRUE(file.write(n, bytes(20), kRejectCodes[random() % kRejectCodes.size()].reason,
                               bytes(800), raws.back()));
    }
    const auto lines = read_lines(file.path());
    ASSERT_EQ(lines.size(), raws.size());
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const auto doc = parse_record(lines[n]);
        ASSERT_FALSE(doc.HasParseError()) << "line " << n;
        EXPECT_LE(doc["detail"].GetStringLength(), 512u);
        const std::string& raw = raws[n];
        EXPECT_EQ(unbase64(doc["raw_base64"].GetString()), raw.substr(0, 1000));
        EXPECT_EQ(doc.HasMember("truncated"), raw.size() > 1000) << "line " << n;
    }
}

}  // namespace
}  // namespace citywall::ingest
