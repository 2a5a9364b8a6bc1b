// Fuzz target: the decoder of department JSON messages, the first thing outside input meets.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "feed_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const citywall::TimeMs now = 1795000000000;
    auto message = citywall::ingest::decode_feed_message(bytes, now, {});
    if (const auto* report = std::get_if<citywall::ingest::FeedReport>(&message)) {
        if (report->source_id.empty() || report->category.empty()) std::abort();
        if (!std::isfinite(report->position.lon) || !std::isfinite(report->position.lat))
            std::abort();
        if (report->occurred > now + 5 * 60 * 1000) std::abort();
    }
    citywall::ingest::parse_iso8601(bytes);
    return 0;
}
