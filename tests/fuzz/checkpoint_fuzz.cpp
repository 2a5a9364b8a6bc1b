// Fuzz target: the checkpoint file decoder (a file on disk is outside input too). A checkpoint
// that decodes must encode back to the very same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "citywall/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto checkpoint = citywall::decode_checkpoint(bytes);
    if (checkpoint && citywall::encode_checkpoint(*checkpoint) != bytes) std::abort();
    return 0;
}
