// Fuzz target: scan_segment on arbitrary bytes must never crash or read out of bounds, and what
// it returns must obey the format's invariants (docs/journal.md). Seeds: corpus/journal/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "citywall/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::uint64_t count = 0;
    std::uint64_t prev_seq = 0;
    std::uint64_t frame_bytes = 0;
    bool ordered = true;
    const citywall::SegmentScan scan =
        citywall::scan_segment(bytes, [&](citywall::JournalRecord&& record) {
            if (record.seq <= prev_seq) ordered = false;
            prev_seq = record.seq;
            frame_bytes += 26 + record.payload.size();
            ++count;
        });
    if (!ordered) std::abort();
    if (scan.valid_bytes > size) std::abort();
    if (scan.stats.records != count) std::abort();
    if (scan.stats.bad_segments > 1) std::abort();
    if (count > 0 && scan.first_seq > 0 && prev_seq < scan.first_seq) std::abort();
    if (scan.valid_bytes == 0) {
        // No header: nothing decoded, and the segment is counted bad.
        if (count != 0 || scan.stats.bad_segments != 1) std::abort();
    } else {
        // The header and the returned frames fit before the end of the last intact record.
        if (scan.valid_bytes < 32 || frame_bytes > scan.valid_bytes - 32) std::abort();
        // Each stretch of damage lies between intact records, in order, without overlap; a
        // torn tail is what follows the last one, and counts once.
        std::uint64_t end = 32;
        std::uint64_t damaged_bytes = 0;
        for (const auto& d : scan.damage) {
            if (d.offset < end || d.bytes == 0 || d.offset + d.bytes > scan.valid_bytes)
                std::abort();
            if (d.before_seq <= d.after_seq) std::abort();
            end = d.offset + d.bytes;
            damaged_bytes += d.bytes;
        }
        if (frame_bytes + damaged_bytes > scan.valid_bytes - 32) std::abort();
        const bool torn = scan.valid_bytes < size;
        if (scan.stats.corrupt_records != scan.damage.size() + (torn ? 1 : 0)) std::abort();
        if ((scan.stats.corrupt_records > 0) != (scan.stats.bad_segments == 1)) std::abort();
        // Scanning up to the end of the last intact record gives the same records and damage,
        // and no tail.
        std::uint64_t again = 0;
        const citywall::SegmentScan prefix = citywall::scan_segment(
            bytes.substr(0, scan.valid_bytes), [&](citywall::JournalRecord&&) { ++again; });
        if (again != count || prefix.valid_bytes != scan.valid_bytes ||
            prefix.damage != scan.damage || prefix.stats.corrupt_records != scan.damage.size())
            std::abort();
    }
    return 0;
}
