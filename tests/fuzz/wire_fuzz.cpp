// Fuzz target: the viewer's decoder of ingest's binary messages. A decoded message must encode
// back to the very same bytes (a version 1 message as version 2: only the version byte differs),
// except where unknown flag bits are ignored (heartbeats, feed health, snapshot chunks): those
// must re-encode to the same bytes as their first re-encoding.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "citywall/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto message = citywall::wire::decode(bytes);
    if (!message) return 0;
    // Heartbeats and feed health ignore flag bits they do not know (and a heartbeat what
    // follows its fields): those must come back as the same message, not the same bytes.
    const auto kind = static_cast<citywall::wire::Kind>(static_cast<std::uint8_t>(bytes[3]));
    if (kind == citywall::wire::Kind::heartbeat || kind == citywall::wire::Kind::feed_health ||
        kind == citywall::wire::Kind::snapshot_chunk) {
        // Compared as bytes, re-encoded: a NaN rate is never equal to itself as a value.
        const std::string once = citywall::wire::encode(*message);
        auto again = citywall::wire::decode(once);
        if (!again || citywall::wire::encode(*again) != once) std::abort();
        return 0;
    }
    std::string expected(bytes);
    expected[2] = static_cast<char>(citywall::wire::kVersion);
    if (citywall::wire::encode(*message) != expected) std::abort();
    return 0;
}
