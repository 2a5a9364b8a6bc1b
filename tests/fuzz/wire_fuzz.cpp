// Fuzz target: the viewer's decoder of ingest's binary messages. A decoded message must encode
// back to the very same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "citywall/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto message = citywall::wire::decode(bytes);
    if (message && citywall::wire::encode(*message) != bytes) std::abort();
    return 0;
}
