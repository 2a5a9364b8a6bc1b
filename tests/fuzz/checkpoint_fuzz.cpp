// Fuzz target: the checkpoint file decoder (a file on disk is outside input too). A checkpoint
// that decodes must encode to bytes that decode to the same checkpoint and encode again to the
// very same bytes (an incident recorded in wire version 1 is written back as version 2).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "citywall/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto checkpoint = citywall::decode_checkpoint(bytes);
    if (!checkpoint) return 0;
    const auto encoded = citywall::encode_checkpoint(*checkpoint);
    auto again = citywall::decode_checkpoint(encoded);
    if (!again || !(*again == *checkpoint) || citywall::encode_checkpoint(*again) != encoded)
        std::abort();
    return 0;
}
