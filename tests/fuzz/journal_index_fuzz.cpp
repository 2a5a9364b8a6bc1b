// Fuzz target: the journal's time index (docs/journal.md, "Time index"). The sidecar's decoder
// takes any bytes, and what it accepts encodes back to the same bytes; a segment of any bytes is
// indexed without a crash, and its index survives the round trip through a sidecar.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "citywall/journal_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace citywall;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (auto decoded = decode_segment_index(bytes)) {
        if (encode_segment_index(*decoded) != bytes) std::abort();
    }
    const SegmentIndex index = index_segment(bytes);
    if (index.records != 0) {
        auto back = decode_segment_index(encode_segment_index(index));
        if (!back || !(*back == index)) std::abort();
    }
    return 0;
}
