// Positions exactly as sent (docs/geo.md): every JSON number a department sends is converted
// with correct rounding, bit for bit what strtod makes of the same text, however many digits
// it has — including values that a fast conversion gets wrong in the last bit.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "feed_adapter.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;

std::uint64_t bits(double value) {
    return std::bit_cast<std::uint64_t>(value);
}

// Decimal texts that are hard to round: many digits, halfway cases, subnormals, the extremes.
const std::vector<std::string> kHardNumbers = {
    "122.41941550000001",
    "-122.41941550000001",
    "37.774929499999996",
    "37.77492949999999627140606753528118133544921875",
    "114.05210000000000000001",
    "22.601299999999999999999",
    "0.30000000000000004",
    "0.1",
    "114.0521",
    "-0.0",
    "0e-204",
    "0.000000000000000000000000000000000000000000000000000000000000000001e-10",
    "9007199254740993.0",
    "9007199254740993",
    "9007199254740995",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203126",
    "1.0000000000000002220446049250313080847263336181640625",
    "2.2250738585072011e-308",
    "2.2250738585072012e-308",
    "4.9e-324",
    "5e-324",
    "2.4703282292062327e-324",
    "2.4703282292062328e-324",
    "1e-400",
    "1.7976931348623157e308",
    "7.038531e-26",
    "89255.0e-22",
    "123456789012345678901234567890e-25",
    "-179.99999999999999999999999",
    "45.000000000000000000000000000000000000000000000000000000000000000000000000001",
};

FeedMessage native(const std::string& lon, const std::string& lat) {
    static const auto kAdapter = make_feed_adapter(DepartmentConfig{}, {}, {});
    return kAdapter->decode(
        R"({"id":"n","category":"police.theft","lon":)" + lon + R"(,"lat":)" + lat + "}", kNow);
}

FeedMessage feature(const std::string& lon, const std::string& lat) {
    static const auto kAdapter = [] {
        DepartmentConfig d;
        d.format = FeedFormat::geojson;
        return make_feed_adapter(d, {}, {});
    }();
    return kAdapter->decode(R"({"type":"Feature","id":"f","geometry":{"type":"Point",)"
                            R"("coordinates":[)" +
                                lon + "," + lat + R"(]},"properties":{"category":"police.theft"}})",
                            kNow);
}

void expect_exact(const FeedMessage& message, const std::string& lon, const std::string& lat) {
    const auto* report = std::get_if<FeedReport>(&message);
    ASSERT_TRUE(report) << lon << ", " << lat << ": " << std::get<FeedReject>(message).detail;
    EXPECT_EQ(bits(report->position.lon), bits(std::strtod(lon.c_str(), nullptr))) << lon;
    EXPECT_EQ(bits(report->position.lat), bits(std::strtod(lat.c_str(), nullptr))) << lat;
}

TEST(FeedNumbersTest, HardDecimalsComeOutBitForBitAsStrtodMakesThem) {
    for (const auto& text : kHardNumbers) {
        expect_exact(native(text, "37.774929499999996"), text, "37.774929499999996");
        expect_exact(native("122.41941550000001", text), "122.41941550000001", text);
        expect_exact(feature(text, text), text, text);
    }
}

TEST(FeedNumbersTest, RandomLongDecimalsComeOutBitForBitAsStrtodMakesThem) {
    std::mt19937_64 rng(20261118);
    for (int k = 0; k < 20'000; ++k) {
        std::string text = rng() % 2 ? "-" : "";
        const int digits = 15 + static_cast<int>(rng() % 12);
        const int point = 1 + static_cast<int>(rng() % 4);
        for (int d = 0; d < digits; ++d) {
            if (d == point) text += '.';
            text += static_cast<char>('0' + (d == 0 ? 1 + rng() % 9 : rng() % 10));
        }
        if (rng() % 4 == 0) text += "e" + std::to_string(static_cast<int>(rng() % 61) - 30);
        const auto decoded = native(text, "0");
        const auto* report = std::get_if<FeedReport>(&decoded);
        ASSERT_TRUE(report) << text;
        ASSERT_EQ(bits(report->position.lon), bits(std::strtod(text.c_str(), nullptr))) << text;
    }
}

TEST(FeedNumbersTest, IntegersKeepTheirTypesAndTooBigIsRefused) {
    // An id written as a large integer is still an integer, and one past 64 bits a number.
    static const auto kAdapter = make_feed_adapter(DepartmentConfig{}, {}, {});
    for (const auto& [id, expected] : {std::pair{"18446744073709551615", "18446744073709551615"},
                                       {"-9223372036854775808", "-9223372036854775808"},
                                       {"42", "42"}}) {
        auto decoded = kAdapter->decode(
            std::string(R"({"id":)") + id + R"(,"category":"police.theft","lon":1,"lat":2})", kNow);
        ASSERT_TRUE(std::holds_alternative<FeedReport>(decoded)) << id;
        EXPECT_EQ(std::get<FeedReport>(decoded).source_id, expected);
    }
    auto past = kAdapter->decode(
        R"({"id":18446744073709551616,"category":"police.theft","lon":1,"lat":2})", kNow);
    ASSERT_TRUE(std::holds_alternative<FeedReject>(past));
    EXPECT_EQ(std::get<FeedReject>(past).reason, RejectReason::bad_field);  // not an integer

    for (const char* huge : {"1e400", "-1e309", "9e308", "1.8e308"}) {
        auto decoded = native(huge, "2");
        ASSERT_TRUE(std::holds_alternative<FeedReject>(decoded)) << huge;
        EXPECT_EQ(std::get<FeedReject>(decoded).reason, RejectReason::invalid_json) << huge;
        EXPECT_EQ(std::get<FeedReject>(decoded).detail.rfind("Number too big", 0), 0u)
            << std::get<FeedReject>(decoded).detail;
    }
    auto broken = native("1.", "2");
    ASSERT_TRUE(std::holds_alternative<FeedReject>(broken));
    EXPECT_EQ(std::get<FeedReject>(broken).reason, RejectReason::invalid_json);
}

}  // namespace
}  // namespace citywall::ingest
