// The segment file format (docs/journal.md): CRC-32C, little-endian fields, header and frame
// encoding, and the frame walk that scan_segment and JournalReader share. Every read is bounds
// checked against the bytes given: this code is fed arbitrary input by the fuzzer.
#include <array>
#include <cstring>

#include "journal_segment.hpp"

namespace citywall::journal_format {
namespace {

// Slicing-by-8 tables for the reflected Castagnoli polynomial; table[0] is the classic
// byte-at-a-time table.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr CrcTables make_crc_tables() {
    CrcTables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[0][i] = c;
    }
    for (std::size_t s = 1; s < 8; ++s) {
        for (std::size_t i = 0; i < 256; ++i) {
            const std::uint32_t prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][prev & 0xFFu];
        }
    }
    return t;
}

constexpr CrcTables kCrcTables = make_crc_tables();
static_assert(kCrcTables[0][1] == 0xF26B8303u, "CRC-32C table");

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const unsigned char* data, std::size_t size) {
    const auto& t = kCrcTables;
    crc = ~crc;
    while (size >= 8) {
        const std::uint32_t lo = crc ^ get_u32(data);
        const std::uint32_t hi = get_u32(data + 4);
        crc = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^
              t[4][lo >> 24] ^ t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^
              t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
        data += 8;
        size -= 8;
    }
    while (size > 0) {
        crc = (crc >> 8) ^ t[0][(crc ^ *data) & 0xFFu];
        ++data;
        --size;
    }
    return ~crc;
}

std::uint32_t crc32c(std::string_view bytes) {
    return crc32c_extend(0, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// Explicit little-endian byte order, whatever the host's.
void put_u16(unsigned char* out, std::uint16_t v) {
    out[0] = static_cast<unsigned char>(v);
    out[1] = static_cast<unsigned char>(v >> 8);
}
void put_u32(unsigned char* out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u64(unsigned char* out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint16_t get_u16(const unsigned char* in) {
    return static_cast<std::uint16_t>(in[0] | (in[1] << 8));
}
std::uint32_t get_u32(const unsigned char* in) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | in[i];
    return v;
}
std::uint64_t get_u64(const unsigned char* in) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | in[i];
    return v;
}

// Header layout (version 1):
//   0  magic "CWJOURNL"   8 bytes
//   8  format version     u32 = 1
//  12  header size        u32 = 32 (records start here)
//  16  first seq          u64
//  24  header CRC-32C     u32 over bytes [0, 24)
//  28  reserved           u32 = 0
namespace {
constexpr std::size_t kOffVersion = 8;
constexpr std::size_t kOffHeaderSize = 12;
constexpr std::size_t kOffFirstSeq = 16;
constexpr std::size_t kOffHeaderCrc = 24;
constexpr std::size_t kOffReserved = 28;
static_assert(sizeof(kMagic) == kOffVersion);
static_assert(kOffReserved + 4 == kHeaderSize, "version 1 header is 32 bytes");
static_assert(kHeaderSize <= kMaxHeaderSize);
// Frame layout: len u32, crc u32, seq u64, time i64, kind u16, payload.
static_assert(4 + 4 + 8 + 8 + 2 == kFrameHeaderSize, "frame header is 26 bytes");

const unsigned char* ubytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

std::string encode_header(std::uint64_t first_seq) {
    std::array<unsigned char, kHeaderSize> h{};
    std::memcpy(h.data(), kMagic, sizeof(kMagic));
    put_u32(h.data() + kOffVersion, kVersion);
    put_u32(h.data() + kOffHeaderSize, static_cast<std::uint32_t>(kHeaderSize));
    put_u64(h.data() + kOffFirstSeq, first_seq);
    put_u32(h.data() + kOffHeaderCrc, crc32c_extend(0, h.data(), kOffHeaderCrc));
    put_u32(h.data() + kOffReserved, 0);
    return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

std::optional<Header> decode_header(std::string_view bytes) {
    if (bytes.size() < kHeaderSize) return std::nullopt;
    const unsigned char* p = ubytes(bytes);
    if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0) return std::nullopt;
    if (get_u32(p + kOffVersion) != kVersion) return std::nullopt;
    const std::uint32_t size = get_u32(p + kOffHeaderSize);
    if (size < kHeaderSize || size > kMaxHeaderSize || size > bytes.size()) return std::nullopt;
    if (get_u32(p + kOffHeaderCrc) != crc32c_extend(0, p, kOffHeaderCrc)) return std::nullopt;
    return Header{get_u64(p + kOffFirstSeq), size};
}

bool is_header_prefix(std::string_view bytes) {
    if (bytes.size() >= kHeaderSize) return false;
    const std::size_t n = bytes.size() < sizeof(kMagic) ? bytes.size() : sizeof(kMagic);
    return std::memcmp(bytes.data(), kMagic, n) == 0;
}

void encode_frame(const JournalRecord& record, std::string& out) {
    const std::size_t start = out.size();
    out.resize(start + kFrameHeaderSize);
    auto* p = reinterpret_cast<unsigned char*>(out.data() + start);
    put_u32(p, static_cast<std::uint32_t>(record.payload.size()));
    put_u64(p + 8, record.seq);
    put_u64(p + 16, static_cast<std::uint64_t>(record.time));
    put_u16(p + 24, record.kind);
    std::uint32_t crc = crc32c_extend(0, p + kCrcCoverStart, kFrameHeaderSize - kCrcCoverStart);
    crc = crc32c_extend(crc, ubytes(record.payload), record.payload.size());
    put_u32(p + kCrcOffset, crc);
    out.append(record.payload);
}

FrameCursor::Step FrameCursor::next(JournalRecord& out) {
    if (pos_ >= bytes_.size()) return Step::end;
    if (!frame_at(pos_, 0)) return Step::damaged;
    const unsigned char* p = ubytes(bytes_) + pos_;
    const std::uint32_t len = get_u32(p);
    out.seq = get_u64(p + 8);
    out.time = static_cast<TimeMs>(get_u64(p + 16));
    out.kind = get_u16(p + 24);
    out.payload.assign(reinterpret_cast<const char*>(p + kFrameHeaderSize), len);
    prev_seq_ = out.seq;
    pos_ += kFrameHeaderSize + len;
    return Step::record;
}

bool FrameCursor::frame_at(std::size_t at, std::size_t skipped) const {
    const std::size_t remaining = bytes_.size() - at;
    if (remaining < kFrameHeaderSize) return false;
    const unsigned char* p = ubytes(bytes_) + at;
    const std::uint32_t len = get_u32(p);
    if (len > kMaxPayload || len > remaining - kFrameHeaderSize) return false;
    // A writer numbers the records of one segment consecutively, so the records lost in
    // `skipped` bytes (26 at least each) bound the next seq. This also makes a search through
    // damage cheap: almost no offset gets as far as the CRC.
    const std::uint64_t seq = get_u64(p + 8);
    const std::uint64_t base = prev_seq_ != 0 ? prev_seq_ : first_seq_ - (first_seq_ > 0);
    if (seq <= prev_seq_ || seq < first_seq_ || seq == 0) return false;
    if (skipped > 0 && seq - base > skipped / kFrameHeaderSize + 1) return false;
    std::uint32_t crc = crc32c_extend(0, p + kCrcCoverStart, kFrameHeaderSize - kCrcCoverStart);
    crc = crc32c_extend(crc, p + kFrameHeaderSize, len);
    return crc == get_u32(p + kCrcOffset);
}

bool FrameCursor::resync() {
    for (std::size_t at = pos_ + 1; at + kFrameHeaderSize <= bytes_.size(); ++at) {
        if (frame_at(at, at - pos_)) {
            pos_ = at;
            return true;
        }
    }
    return false;
}

}  // namespace citywall::journal_format

namespace citywall {

SegmentScan scan_segment(std::string_view bytes,
                         const std::function<void(JournalRecord&&)>& on_record) {
    using journal_format::FrameCursor;
    SegmentScan scan;
    const auto header = journal_format::decode_header(bytes);
    if (!header) {
        scan.stats.bad_segments = 1;
        return scan;
    }
    scan.first_seq = header->first_seq;
    FrameCursor cursor(bytes, *header);
    scan.valid_bytes = cursor.offset();
    for (;;) {
        JournalRecord record;
        const FrameCursor::Step step = cursor.next(record);
        if (step == FrameCursor::Step::record) {
            ++scan.stats.records;
            scan.valid_bytes = cursor.offset();
            if (on_record) on_record(std::move(record));
            continue;
        }
        if (step == FrameCursor::Step::end) break;
        // Damage: intact records after it are still read; with none after it, it is the tail.
        const std::size_t start = cursor.offset();
        const std::uint64_t before = cursor.last_seq() != 0
                                         ? cursor.last_seq()
                                         : header->first_seq - (header->first_seq > 0);
        scan.stats.bad_segments = 1;
        ++scan.stats.corrupt_records;
        if (!cursor.resync()) break;
        JournalDamage damage;
        damage.offset = start;
        damage.bytes = cursor.offset() - start;
        damage.after_seq = before;
        JournalRecord peek;
        FrameCursor probe = cursor;
        if (probe.next(peek) == FrameCursor::Step::record) damage.before_seq = peek.seq;
        scan.damage.push_back(damage);
    }
    return scan;
}

}  // namespace citywall
