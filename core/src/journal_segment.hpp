// Private to the journal: the on-disk format of one segment file (docs/journal.md), shared by
// scan_segment, the writer's recovery and the reader. Nothing here touches the file system.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "citywall/journal.hpp"

namespace citywall::journal_format {

inline constexpr char kMagic[8] = {'C', 'W', 'J', 'O', 'U', 'R', 'N', 'L'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 32;       // what version 1 writes
inline constexpr std::size_t kMaxHeaderSize = 4096;  // what a reader accepts (room to grow)
inline constexpr std::size_t kFrameHeaderSize = 26;  // len, crc, seq, time, kind
inline constexpr std::size_t kCrcOffset = 4;         // the frame CRC covers bytes [8, end)
inline constexpr std::size_t kCrcCoverStart = 8;
inline constexpr std::uint32_t kMaxPayload = 64u << 20;

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), init and final xor 0xFFFFFFFF.
std::uint32_t crc32c(std::string_view bytes);
std::uint32_t crc32c_extend(std::uint32_t crc, const unsigned char* data, std::size_t size);

void put_u16(unsigned char* out, std::uint16_t v);
void put_u32(unsigned char* out, std::uint32_t v);
void put_u64(unsigned char* out, std::uint64_t v);
std::uint16_t get_u16(const unsigned char* in);
std::uint32_t get_u32(const unsigned char* in);
std::uint64_t get_u64(const unsigned char* in);

// The 32-byte header of a new segment.
std::string encode_header(std::uint64_t first_seq);

struct Header {
    std::uint64_t first_seq = 0;
    std::size_t size = 0;  // where the first record starts
};
// A valid header at the start of bytes, or nothing.
std::optional<Header> decode_header(std::string_view bytes);
// True when bytes (shorter than a header) could be the start of one: a torn creation.
bool is_header_prefix(std::string_view bytes);

// Appends one encoded frame to out. The caller has checked payload size <= kMaxPayload.
void encode_frame(const JournalRecord& record, std::string& out);
inline std::size_t frame_size(std::size_t payload_size) {
    return kFrameHeaderSize + payload_size;
}

// Walks the frames of one segment, one at a time.
class FrameCursor {
  public:
    enum class Step { record, end, damaged };
    // bytes is the whole segment; records start at header.size.
    FrameCursor(std::string_view bytes, const Header& header)
        : bytes_(bytes), pos_(header.size), first_seq_(header.first_seq) {}

    // record: out is filled and the cursor moves past it. end: no bytes left. damaged: the
    // bytes at offset() are not a whole valid frame (torn, bad length, bad CRC, or a seq that
    // is not above the previous one and at least first_seq); the cursor stays put.
    Step next(JournalRecord& out);
    // After `damaged`: moves to the next offset where an intact frame starts that can follow
    // the last record (docs/journal.md, "Damage"); false, and the cursor stays, when none does.
    bool resync();
    std::size_t offset() const { return pos_; }
    std::uint64_t last_seq() const { return prev_seq_; }

  private:
    // True when an intact frame that may follow the last record starts at `at`, with at most
    // `skipped` bytes of damage before it.
    bool frame_at(std::size_t at, std::size_t skipped) const;

    std::string_view bytes_;
    std::size_t pos_;
    std::uint64_t first_seq_;
    std::uint64_t prev_seq_ = 0;
};

}  // namespace citywall::journal_format
