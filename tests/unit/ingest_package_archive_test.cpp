// The archive a drill package travels in (ingest/src/package_archive.hpp): what it writes GNU tar
// reads and what GNU tar writes it reads, plain or gzip; every header that is not a plain file
// or folder with a safe name, a damaged header and an archive cut short are refused by name.
#include "package_archive.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "scratch_dir.hpp"

namespace citywall::ingest {
namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

// Every member of an archive in memory, with its content; or why it was refused.
struct Read {
    std::vector<std::pair<ArchiveMember, std::string>> members;
    std::string failure;
};

Read read_all(ArchiveReader& reader) {
    Read out;
    for (;;) {
        auto member = reader.next();
        if (!member) {
            out.failure = member.error();
            return out;
        }
        if (!*member) return out;
        std::string content, buffer(1000, '\0');
        for (;;) {
            auto got = reader.read(buffer.data(), buffer.size());
            if (!got) {
                out.failure = got.error();
                return out;
            }
            if (*got == 0) break;
            content.append(buffer, 0, *got);
        }
        out.members.emplace_back(**member, content);
    }
}

Read read_bytes(const std::string& bytes) {
    std::size_t at = 0;
    ArchiveReader reader([&](char* buffer, std::size_t size) -> Result<std::size_t> {
        const std::size_t n = std::min(size, bytes.size() - at);
        if (n > 0) std::memcpy(buffer, bytes.data() + at, n);
        at += n;
        return n;
    });
    return read_all(reader);
}

Read read_path(const std::filesystem::path& path) {
    auto reader = ArchiveReader::open(path);
    if (!reader) return {{}, reader.error()};
    return read_all(**reader);
}

// A header's checksum written again after its bytes were changed.
void reseal(std::string& archive, std::size_t header) {
    std::uint64_t sum = 0;
    for (std::size_t k = 0; k < 512; ++k)
        sum += (k >= 148 && k < 156) ? ' ' : static_cast<unsigned char>(archive[header + k]);
    std::snprintf(archive.data() + header + 148, 8, "%06o", static_cast<unsigned>(sum));
    archive[header + 155] = ' ';
}

const std::string kLongName =
    "maps/" + std::string(60, 'a') + "/" + std::string(70, 'b') + "/districts.geojson";

std::vector<std::pair<std::string, std::string>> sample_members() {
    std::string big(700'000, '\0');
    for (std::size_t k = 0; k < big.size(); ++k)
        big[k] = static_cast<char>(k * 7 % 251);
    return {{"manifest.toml", "[package]\nformat = 1\n"},
            {"maps/深圳市.geojson", R"({"type":"FeatureCollection","features":[]})"},
            {"recording/empty", ""},
            {kLongName, "long"},
            {"recording/segment", big}};
}

class PackageArchiveTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PackageArchiveTest, WhatItWritesItAndGnuTarReadBack) {
    testing::ScratchDir dir("citywall-archive");
    const auto archive = dir.path() / (std::string("package") + GetParam());
    auto writer = ArchiveWriter::create(archive);
    ASSERT_TRUE(writer) << writer.error();
    const auto members = sample_members();
    for (std::size_t k = 0; k < members.size(); ++k) {
        const auto& [name, content] = members[k];
        Result<std::uint32_t> crc = std::uint32_t{0};
        if (k % 2 == 0) {
            write_file(dir.path() / "source" / std::to_string(k), content);
            crc = (*writer)->add_file(name, dir.path() / "source" / std::to_string(k));
        } else {
            crc = (*writer)->add_bytes(name, content);
        }
        ASSERT_TRUE(crc) << crc.error();
        EXPECT_EQ(*crc, crc_of(0, content.data(), content.size())) << name;
    }
    EXPECT_FALSE(std::filesystem::exists(archive));  // not under its name before it is whole
    ASSERT_TRUE((*writer)->finish());
    EXPECT_FALSE(std::filesystem::exists(archive.string() + ".part"));

    const Read read = read_path(archive);
    ASSERT_EQ(read.failure, "");
    ASSERT_EQ(read.members.size(), members.size());
    for (std::size_t k = 0; k < members.size(); ++k) {
        EXPECT_EQ(read.members[k].first.name, members[k].first);
        EXPECT_EQ(read.members[k].first.bytes, members[k].second.size());
        EXPECT_EQ(read.members[k].second, members[k].second) << members[k].first;
    }
    // GNU tar unpacks it as it was written, long name and all.
    const auto unpacked = dir.path() / "by-tar";
    std::filesystem::create_directories(unpacked);
    const std::string command =
        "tar -xf '" + archive.string() + "' -C '" + unpacked.string() + "' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    for (const auto& [name, content] : members)
        EXPECT_EQ(read_file(unpacked / name), content) << name;
}

TEST_P(PackageArchiveTest, ItReadsWhatGnuTarWrites) {
    testing::ScratchDir dir("citywall-archive");
    write_file(dir.path() / "in" / "maps" / "districts.geojson", "{}");
    write_file(dir.path() / "in" / "drill.toml", "[ingest]\ndrill = true\n");
    const auto archive = dir.path() / (std::string("by-tar") + GetParam());
    const std::string command =
        std::string("tar --format=ustar ") + (std::string(GetParam()).ends_with("gz") ? "-z" : "") +
        " -cf '" + archive.string() + "' -C '" + (dir.path() / "in").string() + "' drill.toml maps";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const Read read = read_path(archive);
    ASSERT_EQ(read.failure, "");
    ASSERT_EQ(read.members.size(), 3u);
    EXPECT_EQ(read.members[0].first.name, "drill.toml");
    EXPECT_EQ(read.members[0].second, "[ingest]\ndrill = true\n");
    EXPECT_EQ(read.members[1].first.name, "maps");
    EXPECT_TRUE(read.members[1].first.folder);
    EXPECT_EQ(read.members[2].first.name, "maps/districts.geojson");
}

INSTANTIATE_TEST_SUITE_P(PlainAndGzip, PackageArchiveTest, ::testing::Values(".tar", ".tar.gz"));

TEST(PackageArchive, SafeNamesStayInsideTheFolder) {
    for (const char* name : {"drill.toml", "maps/a b.geojson", "recording/00000001.seg",
                             "maps/深圳市/区.shp", "a/.hidden"})
        EXPECT_TRUE(safe_member_name(name)) << name;
    for (const char* name : {"", "/etc/passwd", "../up", "maps/../../up", "maps//x", "./x",
                             "maps/.", "a\\b", "line\nbreak", "tab\there", "\xff\xfe"})
        EXPECT_FALSE(safe_member_name(name)) << name;
    EXPECT_FALSE(safe_member_name(std::string(256, 'a')));
    EXPECT_TRUE(safe_member_name(std::string(255, 'a')));
}

class RefusedArchive : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto path = dir_.path() / "good.tar";
        auto writer = ArchiveWriter::create(path);
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->add_bytes("drill.toml", std::string(600, 'x')));
        ASSERT_TRUE((*writer)->add_bytes("maps/city.gpkg", "gpkg"));
        ASSERT_TRUE((*writer)->finish());
        good_ = read_file(path);
        ASSERT_EQ(good_.size(), 512u * 7);  // two headers, 2 + 1 blocks, two end blocks
        ASSERT_EQ(read_bytes(good_).failure, "");
    }
    // The second member's header, changed and sealed again.
    std::string with_second_header(const std::function<void(char*)>& change) const {
        std::string archive = good_;
        change(archive.data() + 512 * 3);
        reseal(archive, 512 * 3);
        return archive;
    }
    testing::ScratchDir dir_{"citywall-archive-refused"};
    std::string good_;
};

TEST_F(RefusedArchive, ANameThatLeavesTheFolder) {
    for (const char* name : {"../../etc/cron.d/x", "/etc/passwd", "maps/../../x"}) {
        const Read read = read_bytes(with_second_header([&](char* h) {
            std::memset(h, 0, 100);
            std::memcpy(h, name, std::strlen(name));
        }));
        EXPECT_EQ(read.members.size(), 1u);
        EXPECT_NE(read.failure.find("could write outside"), std::string::npos) << read.failure;
    }
}

TEST_F(RefusedArchive, LinksDevicesAndPaxHeaders) {
    for (const auto& [flag, said] :
         std::vector<std::pair<char, std::string>>{{'2', "symbolic link"},
                                                   {'1', "hard link"},
                                                   {'3', "device"},
                                                   {'x', "pax header"},
                                                   {'L', "GNU long name"}}) {
        const Read read = read_bytes(with_second_header([&](char* h) { h[156] = flag; }));
        EXPECT_EQ(read.members.size(), 1u);
        EXPECT_NE(read.failure.find(said), std::string::npos) << read.failure;
        EXPECT_NE(read.failure.find("plain files only"), std::string::npos);
    }
}

TEST_F(RefusedArchive, DamageAndACutShortArchive) {
    std::string damaged = good_;
    damaged[512 * 3 + 10] ^= 0x20;  // not sealed again: the checksum no longer matches
    Read read = read_bytes(damaged);
    EXPECT_NE(read.failure.find("checksum is wrong"), std::string::npos) << read.failure;

    read =
        read_bytes(with_second_header([](char* h) { std::memcpy(h + 124, "9999999999\0", 12); }));
    EXPECT_NE(read.failure.find("no size"), std::string::npos) << read.failure;

    read = read_bytes(with_second_header([](char* h) { std::memcpy(h + 257, "nope!", 5); }));
    EXPECT_NE(read.failure.find("not a ustar"), std::string::npos) << read.failure;

    // Cut in the middle of a member, and just after the last one (no end marker).
    read = read_bytes(good_.substr(0, 512 + 100));
    EXPECT_NE(read.failure.find("cut short"), std::string::npos) << read.failure;
    read = read_bytes(good_.substr(0, 512 * 4 + 512));
    EXPECT_EQ(read.members.size(), 2u);
    EXPECT_NE(read.failure.find("without its end marker"), std::string::npos) << read.failure;

    // Not an archive at all, and a gzip stream that breaks off.
    EXPECT_NE(read_bytes(std::string(2000, 'z')).failure, "");
    const auto gz = dir_.path() / "cut.tar.gz";
    {
        auto writer = ArchiveWriter::create(gz);
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->add_bytes("recording/segment", std::string(200'000, 'r')));
        ASSERT_TRUE((*writer)->finish());
    }
    const std::string whole = read_file(gz);
    write_file(gz, whole.substr(0, whole.size() / 2));
    read = read_path(gz);
    EXPECT_NE(read.failure, "");
    EXPECT_EQ(read_path(dir_.path() / "absent.tar").failure.find("absent.tar") != std::string::npos,
              true);
}

}  // namespace
}  // namespace citywall::ingest
