// Fuzz target: the viewer's decoder of ingest's binary messages, every version. Whatever
// decodes encodes again (version 3) into bytes that decode to a message encoding to the very
// same bytes. A version 1 or 2 message also encodes back to its own bytes in version 2 (only the
// version byte differs), except where unknown flag bits are ignored (heartbeats, feed health,
// snapshot chunks) and where text that is not UTF-8 was repaired. decode_into() a message that
// held something else (the last input's) gives what decode() gives, or fails as it does. The
// bytes are tried as a wall's request too.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "citywall/utf8.hpp"
#include "citywall/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace wire = citywall::wire;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // The same bytes as a wall's request: what decodes encodes to bytes decoding to it again.
    if (auto request = wire::decode_request(bytes)) {
        auto again = wire::decode_request(wire::encode_request(*request));
        if (!again || *again != *request) std::abort();
    }
    auto message = wire::decode(bytes);
    // Decoded into what the previous input left, as a wall decodes into the updates it reuses.
    static wire::Message reused = wire::IncidentUpdate{};
    const bool into = wire::decode_into(bytes, reused).ok();
    if (into != message.ok()) std::abort();
    if (!message) {
        reused = wire::IncidentUpdate{};  // what a failure left is not worth reading
        return 0;
    }
    if (wire::encode(reused) != wire::encode(*message)) std::abort();
    // Compared as bytes: a NaN rate is never equal to itself as a value.
    const std::string once = wire::encode(*message);
    auto again = wire::decode(once);
    if (!again || wire::encode(*again) != once) std::abort();
    if (static_cast<std::uint8_t>(bytes[2]) >= 3) return 0;
    const auto kind = static_cast<wire::Kind>(static_cast<std::uint8_t>(bytes[3]));
    if (kind == wire::Kind::heartbeat || kind == wire::Kind::feed_health ||
        kind == wire::Kind::snapshot_chunk)
        return 0;
    std::string expected(bytes);
    expected[2] = 2;
    const std::string version2 = wire::encode_version2(*message);
    if (version2 != expected && citywall::is_valid_utf8(bytes)) std::abort();
    auto again2 = wire::decode(version2);
    if (!again2 || wire::encode_version2(*again2) != version2) std::abort();
    return 0;
}
