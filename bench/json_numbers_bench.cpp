// citywall-json-numbers-bench: what exact numbers cost ingest's JSON reader. Side by side in one
// process, on the ingest bench's department message (about 250 bytes, five numbers) with
// coordinates of 7 and of 17 decimals: RapidJSON's default conversion (what ingest used, off in
// the last bit past 15 digits), RapidJSON's kParseFullPrecisionFlag (exact, but undefined
// behaviour on 0e-204 in 1.1.0), and ingest's parse_json_message (parsed in place, numbers by
// std::from_chars). Also how many of 100,000 long random decimals each gets bit for bit as
// strtod does. Results: docs/benchmarks.md, "JSON numbers".
//
//   citywall-json-numbers-bench [rounds, default 200]    (times are the thread's CPU time)
#include <rapidjson/document.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "json_feed.hpp"

namespace {

using namespace citywall::ingest;

constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

enum class Reader { rapidjson_default, full_precision, ingest };

double lon_of(Reader reader, const std::string& bytes) {
    alignas(16) char values[8192];  // as JsonReportReader::decode
    rapidjson::MemoryPoolAllocator<> allocator(values, sizeof values);
    rapidjson::Document doc(&allocator);
    switch (reader) {
        case Reader::rapidjson_default:
            doc.Parse<kFlags>(bytes.data(), bytes.size());
            break;
        case Reader::full_precision:
            doc.Parse<kFlags | rapidjson::kParseFullPrecisionFlag>(bytes.data(), bytes.size());
            break;
        case Reader::ingest:
            if (parse_json_message(bytes, FeedLimits{}, doc)) return 0;
            break;
    }
    const auto lon = doc.FindMember("lon");
    return lon == doc.MemberEnd() ? 0 : lon->value.GetDouble();
}

// This thread's CPU time: on a shared 2-core box, time spent waiting for a core is not counted.
double thread_ns() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

std::vector<std::string> messages(int decimals) {
    std::mt19937_64 rng(20261203);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<std::string> out;
    for (int k = 0; k < 1000; ++k) {
        char buffer[512];
        std::snprintf(buffer, sizeof buffer,
                      R"({"id":"D%02d-%09d","category":"bench.d%02d","severity":%d,)"
                      R"("status":"reported","lon":%.*f,"lat":%.*f,"occurred":1795000000000,)"
                      R"("title":"盗窃报警 t=123456789012","description":"地铁站出口 bench )"
                      R"(report %d of department %02d"})",
                      k % 16, k, k % 16, 1 + k % 4, decimals, 114 + unit(rng), decimals,
                      22 + unit(rng), k, k % 16);
        out.emplace_back(buffer);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
    const Reader readers[] = {Reader::rapidjson_default, Reader::full_precision, Reader::ingest};
    const char* names[] = {"RapidJSON default", "kParseFullPrecisionFlag", "ingest (exact)"};
    for (int decimals : {7, 17}) {
        const auto batch = messages(decimals);
        double best[3] = {1e18, 1e18, 1e18};
        volatile double sink = 0;
        for (int turn = 0; turn < 5; ++turn) {  // the readers take turns; the best of five
            for (int r = 0; r < 3; ++r) {
                const double start = thread_ns();
                for (int round = 0; round < rounds; ++round)
                    for (const auto& message : batch)
                        sink = sink + lon_of(readers[r], message);
                best[r] = std::min(best[r], (thread_ns() - start) / (rounds * batch.size()));
            }
        }
        std::printf("%d decimals, %zu-byte messages:\n", decimals, batch.front().size());
        for (int r = 0; r < 3; ++r)
            std::printf("  %-24s %6.0f ns/message  %.2fx\n", names[r], best[r], best[r] / best[0]);
    }

    std::mt19937_64 rng(1118);
    int differ[3] = {0, 0, 0};
    const int count = 100'000;
    for (int k = 0; k < count; ++k) {
        std::string text = std::to_string(rng() % 180) + ".";
        for (int d = 0, digits = 14 + static_cast<int>(rng() % 12); d < digits; ++d)
            text += static_cast<char>('0' + rng() % 10);
        const auto expected = std::bit_cast<std::uint64_t>(std::strtod(text.c_str(), nullptr));
        const std::string message = R"({"lon":)" + text + "}";
        for (int r = 0; r < 3; ++r)
            differ[r] += std::bit_cast<std::uint64_t>(lon_of(readers[r], message)) != expected;
    }
    std::printf("long decimals (16-28 significant digits) not as strtod makes them, of %d:\n",
                count);
    for (int r = 0; r < 3; ++r)
        std::printf("  %-24s %d\n", names[r], differ[r]);
    return 0;
}
