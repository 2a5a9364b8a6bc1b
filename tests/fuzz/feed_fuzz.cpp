// Fuzz target: the decoder of department JSON messages (incident reports, heartbeats and unit
// position fixes), the first thing outside input meets.
#include <cstdint>
#include <string_view>

#include "feed_invariants.hpp"
#include "feed_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const citywall::TimeMs now = 1795000000000;
    const citywall::ingest::FeedLimits limits;
    citywall::ingest::fuzz::check(citywall::ingest::decode_feed_message(bytes, now, limits),
                                  citywall::Taxonomy{}, now, limits);
    citywall::ingest::parse_iso8601(bytes);
    return 0;
}
