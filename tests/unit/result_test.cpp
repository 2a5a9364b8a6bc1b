// The one way a call fails: a value or an Error with a kind and a message, and a failure passed
// on with what it was about keeps its kind.
#include <gtest/gtest.h>

#include <filesystem>

#include "citywall/keys.hpp"
#include "citywall/result.hpp"
#include "citywall/wire.hpp"

namespace citywall {
namespace {

Result<int> half(int n) {
    if (n % 2 != 0) return Error{ErrorKind::invalid, std::to_string(n) + " is odd"};
    return n / 2;
}

Result<void> check_quarter(int n) {
    auto first = half(n);
    if (!first) return first.because("quarter: ");
    if (auto second = half(*first); !second) return second.because("quarter: ");
    return {};
}

TEST(Result, AValueOrAnErrorWithItsKind) {
    auto ok = half(8);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 4);
    auto odd = half(7);
    ASSERT_FALSE(odd);
    EXPECT_EQ(odd.error_kind(), ErrorKind::invalid);
    EXPECT_EQ(odd.error(), "7 is odd");
}

TEST(Result, AFailurePassedOnKeepsItsKindAndSaysWhatItWasAbout) {
    EXPECT_TRUE(check_quarter(8));
    auto failed = check_quarter(6);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error_kind(), ErrorKind::invalid);
    EXPECT_EQ(failed.error(), "quarter: 3 is odd");
    auto io = Result<void>::failure(ErrorKind::io, "disk full");
    EXPECT_EQ(io.because("journal: ").kind, ErrorKind::io);
    EXPECT_EQ(describe(ErrorKind::damaged), "damaged");
}

// With nothing to add, a failure is passed on as it is: the same kind, the same message.
TEST(Result, AFailurePassedOnUnchangedIsTheSameError) {
    auto odd = half(5);
    ASSERT_FALSE(odd);
    Result<void> passed = odd.error_value();
    ASSERT_FALSE(passed);
    EXPECT_EQ(passed.error_kind(), ErrorKind::invalid);
    EXPECT_EQ(passed.error(), "5 is odd");
    auto io = Result<void>::failure(ErrorKind::io, "disk full");
    EXPECT_EQ(io.error_value().kind, ErrorKind::io);
    EXPECT_EQ(io.error_value().message, "disk full");
}

// The kinds the code gives real failures: a missing file, broken input, an unsupported version.
TEST(Result, RealFailuresCarryTheirKind) {
    auto absent = load_public_key_file(std::filesystem::temp_directory_path() /
                                       "citywall-result-test-absent.pub");
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error_kind(), ErrorKind::not_found);
    auto bad_key = parse_curve_key("too short");
    ASSERT_FALSE(bad_key);
    EXPECT_EQ(bad_key.error_kind(), ErrorKind::invalid);
    std::string future(wire::kHeaderSize, '\0');
    future[0] = 'C';
    future[1] = 'W';
    future[2] = 99;  // a version from the future
    auto decoded = wire::decode(future);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error_kind(), ErrorKind::unsupported);
}

}  // namespace
}  // namespace citywall
