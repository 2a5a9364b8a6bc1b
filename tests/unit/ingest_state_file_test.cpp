// The small files kept beside a checkpoint: written whole, read whole, and a file that is not
// there told apart from one that cannot be read.
#include <gtest/gtest.h>

#include <filesystem>

#include "scratch_dir.hpp"
#include "state_file.hpp"

namespace citywall::ingest {
namespace {

TEST(StateFile, WrittenWholeAndReadBack) {
    testing::ScratchDir dir("citywall-state-file");
    const std::string bytes("roster\0with a zero", 18);
    ASSERT_TRUE(replace_file(dir / "units.roster", bytes));
    auto read = read_whole_file(dir / "units.roster");
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(*read, bytes);
    EXPECT_FALSE(std::filesystem::exists(dir / "units.roster.tmp"));
}

TEST(StateFile, AMissingFileIsNotFoundAndAnUnreadableOneIsIo) {
    testing::ScratchDir dir("citywall-state-file");
    auto missing = read_whole_file(dir / "day.ledger");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error_kind(), ErrorKind::not_found);
    EXPECT_NE(missing.error().find("day.ledger"), std::string::npos) << missing.error();

    std::filesystem::create_directory(dir / "day.ledger");  // opens, but cannot be read
    auto unreadable = read_whole_file(dir / "day.ledger");
    ASSERT_FALSE(unreadable);
    EXPECT_EQ(unreadable.error_kind(), ErrorKind::io);
    EXPECT_NE(unreadable.error().find("day.ledger"), std::string::npos) << unreadable.error();
}

}  // namespace
}  // namespace citywall::ingest
