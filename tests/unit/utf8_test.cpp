// Text enters the model as well-formed UTF-8 or is repaired: the boundaries of every length of
// character, overlong forms, surrogates and code points past U+10FFFF refused, the eight-byte and
// three-byte fast paths agreeing with the byte-by-byte check, and a repair that keeps the length.
#include <gtest/gtest.h>

#include <string>

#include "citywall/utf8.hpp"

namespace citywall {
namespace {

using namespace std::string_literals;

TEST(Utf8, EveryLengthOfCharacterAtItsBoundaries) {
    for (const std::string& good : {""s, "plain ASCII"s, "\0nul inside\0"s, "\x7f"s,
                                    "\xc2\x80"s,          // U+0080, the first two-byte character
                                    "\xdf\xbf"s,          // U+07FF
                                    "\xe0\xa0\x80"s,      // U+0800, the first three-byte one
                                    "\xed\x9f\xbf"s,      // U+D7FF, just below the surrogates
                                    "\xee\x80\x80"s,      // U+E000, just above them
                                    "\xef\xbf\xbf"s,      // U+FFFF
                                    "\xf0\x90\x80\x80"s,  // U+10000, the first four-byte one
                                    "\xf4\x8f\xbf\xbf"s,  // U+10FFFF, the last there is
                                    "东湖区新村社区第4网格"s, "😀 emoji"s})
        EXPECT_TRUE(is_valid_utf8(good)) << ::testing::PrintToString(good);
}

TEST(Utf8, OverlongSurrogatesAndTooLargeAreRefused) {
    for (const std::string& bad : {"\x80"s,                            // a continuation byte alone
                                   "\xbf"s, "\xc0\x80"s, "\xc1\xbf"s,  // overlong two-byte forms
                                   "\xe0\x9f\xbf"s,      // overlong three-byte form of U+07FF
                                   "\xed\xa0\x80"s,      // U+D800, a surrogate
                                   "\xed\xbf\xbf"s,      // U+DFFF
                                   "\xf0\x8f\xbf\xbf"s,  // overlong four-byte form of U+FFFF
                                   "\xf4\x90\x80\x80"s,  // U+110000
                                   "\xf5\x80\x80\x80"s, "\xff"s, "\xfe"s,
                                   "\xc3"s,  // cut short at the end
                                   "\xe4\xb8"s, "\xf0\x9f\x98"s,
                                   "\xc3("s,  // a lead byte without continuation
                                   "\xe4(\xad"s, "\xe4\xb8("s, "\xf0\x9f(\x80"s})
        EXPECT_FALSE(is_valid_utf8(bad)) << ::testing::PrintToString(bad);
}

// The check reads eight ASCII bytes at a time and a three-byte character with one load; a bad
// byte at every offset, behind and between such runs, is found all the same.
TEST(Utf8, TheFastPathsMissNoBadByteAtAnyOffset) {
    const std::string ascii = "abcdefghijklmnopqrstuvwxyz0123456789";
    const std::string chinese = "网格事件上报处置";  // three-byte characters only
    for (const std::string& base : {ascii, chinese, ascii + chinese + ascii}) {
        ASSERT_TRUE(is_valid_utf8(base));
        for (std::size_t at = 0; at < base.size(); ++at) {
            std::string broken = base;
            broken[at] = '\xff';
            EXPECT_FALSE(is_valid_utf8(broken)) << "0xff at " << at << " of " << base;
        }
    }
    // Each three-byte character whose second or third byte is not a continuation byte.
    for (std::size_t at = 0; at + 3 <= chinese.size(); at += 3) {
        for (std::size_t k : {1, 2}) {
            std::string broken = chinese;
            broken[at + k] = 'x';
            EXPECT_FALSE(is_valid_utf8(broken)) << "character " << at / 3 << ", byte " << k;
        }
    }
    // A surrogate (ED A0 80) is not taken by the three-byte fast path with bytes behind it.
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80 and more text after it"s));
    EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf and more text after it"s));
}

TEST(Utf8, APrefixCutsAtACharacterBoundaryAndMarksTheCut) {
    EXPECT_EQ(utf8_prefix("hello", 10), "hello");
    EXPECT_EQ(utf8_prefix("hello", 5), "hello");
    EXPECT_EQ(utf8_prefix("hello", 4), "hell…");
    EXPECT_EQ(utf8_prefix("", 0), "");
    EXPECT_EQ(utf8_prefix("a", 0), "…");
    // 网 and 格 are three bytes each: four bytes hold one of them, never half of the other.
    EXPECT_EQ(utf8_prefix("网格", 4), "网…");
    EXPECT_EQ(utf8_prefix("网格", 5), "网…");
    EXPECT_EQ(utf8_prefix("网格", 6), "网格");
    EXPECT_EQ(utf8_prefix("网格", 2), "…");
    EXPECT_EQ(utf8_prefix("a😀b", 4), "a…");
    EXPECT_EQ(utf8_prefix("a😀b", 5), "a😀…");
    for (std::size_t max = 0; max < 12; ++max)
        EXPECT_TRUE(is_valid_utf8(utf8_prefix("a网😀格b", max))) << max;
}

TEST(Utf8, ABadByteBecomesOneQuestionMark) {
    EXPECT_EQ(utf8_prefix("a\xff"
                          "b",
                          10),
              "a?b");
    EXPECT_EQ(utf8_prefix("\xe4\xb8", 10), "??");         // a character cut short
    EXPECT_EQ(utf8_prefix("\xc0\xaf", 10), "??");         // an overlong '/'
    EXPECT_EQ(utf8_prefix("\xed\xa0\x80", 10), "???");    // a surrogate
    EXPECT_EQ(utf8_prefix("\xe4\xb8网", 10), "??网");     // the good character after it stays
    EXPECT_EQ(utf8_prefix("ab\xff\xff\xff", 3), "ab?…");  // replacements count toward the cut
}

TEST(Utf8, RepairKeepsGoodTextAsItIsAndBadTextAtItsLength) {
    const std::string good = "新村社区\0第4网格"s;
    EXPECT_EQ(repaired_utf8(good), good);
    for (const std::string& bad :
         {"\xff"s, "\xe4\xb8"s, "abc\xc3"s, "GBK \xb6\xab\xba\xfe\xc7\xf8"s, "\xed\xbf\xbf"s}) {
        const std::string repaired = repaired_utf8(bad);
        EXPECT_TRUE(is_valid_utf8(repaired)) << ::testing::PrintToString(bad);
        EXPECT_EQ(repaired.size(), bad.size()) << ::testing::PrintToString(bad);  // never cut
        EXPECT_EQ(repaired.find("…"), std::string::npos);
    }
    EXPECT_EQ(repaired_utf8("GBK \xb6\xab\xba\xfe\xc7\xf8"), "GBK ??????");
}

}  // namespace
}  // namespace citywall
