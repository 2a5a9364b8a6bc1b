#include "citywall/journal_index.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <iterator>
#include <limits>

#include "journal_files.hpp"
#include "journal_segment.hpp"

namespace citywall {

namespace {

namespace fs = std::filesystem;
namespace jf = journal_format;

constexpr char kIndexMagic[8] = {'C', 'W', 'J', 'I', 'N', 'D', 'E', 'X'};
constexpr std::uint32_t kIndexVersion = 1;
// magic, version, CRC of what follows, then first_seq, bytes, records, last_seq, earliest,
// latest (8 each), the mark count (4); each mark seq, offset, time, latest_before (8 each).
constexpr std::size_t kIndexHeader = 8 + 4 + 4;
constexpr std::size_t kIndexFixed = 6 * 8 + 4;
constexpr std::size_t kMarkSize = 4 * 8;
constexpr TimeMs kNoTime = std::numeric_limits<TimeMs>::min();

const unsigned char* ubytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

fs::path sidecar_of(const fs::path& segment) {
    fs::path path = segment;
    path.replace_extension(".cwx");
    return path;
}

// Walks one segment's frames from `cursor`, calling on_record(record, offset) for each intact
// one and reading past damage as the reader does.
template <class OnRecord>
void walk(jf::FrameCursor& cursor, OnRecord&& on_record) {
    for (;;) {
        const std::size_t at = cursor.offset();
        JournalRecord record;
        const auto step = cursor.next(record);
        if (step == jf::FrameCursor::Step::record) {
            if (!on_record(record, at)) return;
            continue;
        }
        if (step == jf::FrameCursor::Step::end || !cursor.resync()) return;
    }
}

Result<std::string> read_range(const fs::path& path, std::uint64_t offset, std::uint64_t size) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{ErrorKind::io, "cannot open " + path.string()};
    std::string bytes(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n =
            ::pread(fd, bytes.data() + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    bytes.resize(got);
    return bytes;
}

// Writes the sidecar beside its segment (a temporary file renamed over it, so a reader never
// sees half of one); false when the directory refuses.
bool write_sidecar(const fs::path& path, const std::string& bytes) {
    const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    std::size_t put = 0;
    while (put < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + put, bytes.size() - put);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        put += static_cast<std::size_t>(n);
    }
    const bool whole = put == bytes.size() && ::close(fd) == 0;
    std::error_code error;
    if (whole) fs::rename(tmp, path, error);
    if (!whole || error) fs::remove(tmp, error);
    return whole && !error;
}

}  // namespace

SegmentIndex index_segment(std::string_view bytes) {
    SegmentIndex index;
    index.bytes = bytes.size();
    const auto header = jf::decode_header(bytes);
    if (!header) return index;
    index.first_seq = header->first_seq;
    jf::FrameCursor cursor(bytes, *header);
    TimeMs latest = kNoTime;
    walk(cursor, [&](const JournalRecord& record, std::size_t at) {
        if (index.records % kJournalMarkEvery == 0)
            index.marks.push_back({record.seq, at, record.time, latest});
        if (index.records == 0) index.earliest = record.time;
        index.earliest = std::min(index.earliest, record.time);
        latest = std::max(latest, record.time);
        index.latest = latest;
        index.last_seq = record.seq;
        ++index.records;
        return true;
    });
    return index;
}

std::string encode_segment_index(const SegmentIndex& index) {
    std::string out(kIndexHeader + kIndexFixed + index.marks.size() * kMarkSize, '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    std::copy(std::begin(kIndexMagic), std::end(kIndexMagic), p);
    jf::put_u32(p + 8, kIndexVersion);
    unsigned char* body = p + kIndexHeader;
    jf::put_u64(body, index.first_seq);
    jf::put_u64(body + 8, index.bytes);
    jf::put_u64(body + 16, index.records);
    jf::put_u64(body + 24, index.last_seq);
    jf::put_u64(body + 32, static_cast<std::uint64_t>(index.earliest));
    jf::put_u64(body + 40, static_cast<std::uint64_t>(index.latest));
    jf::put_u32(body + 48, static_cast<std::uint32_t>(index.marks.size()));
    unsigned char* m = body + kIndexFixed;
    for (const JournalMark& mark : index.marks) {
        jf::put_u64(m, mark.seq);
        jf::put_u64(m + 8, mark.offset);
        jf::put_u64(m + 16, static_cast<std::uint64_t>(mark.time));
        jf::put_u64(m + 24, static_cast<std::uint64_t>(mark.latest_before));
        m += kMarkSize;
    }
    jf::put_u32(p + 12, jf::crc32c(std::string_view(out).substr(kIndexHeader)));
    return out;
}

Result<SegmentIndex> decode_segment_index(std::string_view bytes) {
    auto refuse = [](const std::string& why) {
        return Result<SegmentIndex>::failure(ErrorKind::invalid, "time index: " + why);
    };
    if (bytes.size() < kIndexHeader + kIndexFixed) return refuse("too short");
    const unsigned char* p = ubytes(bytes);
    if (!std::equal(std::begin(kIndexMagic), std::end(kIndexMagic), p))
        return refuse("not a time index");
    if (jf::get_u32(p + 8) != kIndexVersion)
        return refuse("version " + std::to_string(jf::get_u32(p + 8)) + " (this build reads 1)");
    if (jf::get_u32(p + 12) != jf::crc32c(bytes.substr(kIndexHeader)))
        return refuse("checksum mismatch");
    const unsigned char* body = p + kIndexHeader;
    SegmentIndex index;
    index.first_seq = jf::get_u64(body);
    index.bytes = jf::get_u64(body + 8);
    index.records = jf::get_u64(body + 16);
    index.last_seq = jf::get_u64(body + 24);
    index.earliest = static_cast<TimeMs>(jf::get_u64(body + 32));
    index.latest = static_cast<TimeMs>(jf::get_u64(body + 40));
    const std::uint64_t count = jf::get_u32(body + 48);
    if (bytes.size() - kIndexHeader - kIndexFixed != count * kMarkSize)
        return refuse("its length does not match its marks");
    if ((index.records == 0) != (count == 0) || count > index.records)
        return refuse("marks and records disagree");
    const unsigned char* m = body + kIndexFixed;
    for (std::uint64_t k = 0; k < count; ++k, m += kMarkSize) {
        JournalMark mark{jf::get_u64(m), jf::get_u64(m + 8),
                         static_cast<TimeMs>(jf::get_u64(m + 16)),
                         static_cast<TimeMs>(jf::get_u64(m + 24))};
        const JournalMark* before = index.marks.empty() ? nullptr : &index.marks.back();
        const bool ordered = before ? mark.seq > before->seq && mark.offset > before->offset &&
                                          mark.latest_before >= before->latest_before
                                    : mark.seq >= index.first_seq;
        if (!ordered || mark.seq > index.last_seq ||
            mark.offset + jf::kFrameHeaderSize > index.bytes || mark.offset < jf::kHeaderSize ||
            mark.time < index.earliest || mark.time > index.latest)
            return refuse("mark " + std::to_string(k) + " is out of place");
        index.marks.push_back(mark);
    }
    return index;
}

Result<JournalIndex> JournalIndex::open(const fs::path& directory) {
    auto listed = journal_files::list_segments(directory);
    if (!listed) return listed.error_value();
    JournalIndex out;
    out.directory_ = directory;
    for (std::size_t k = 0; k < listed->size(); ++k) {
        const fs::path& path = (*listed)[k].path;
        const bool sealed = k + 1 < listed->size();
        std::error_code error;
        const std::uint64_t size = fs::file_size(path, error);
        if (error)
            return Error{ErrorKind::io, "cannot read " + path.string() + ": " + error.message()};
        std::optional<SegmentIndex> index;
        if (sealed) {
            const fs::path sidecar = sidecar_of(path);
            if (fs::exists(sidecar, error)) {
                auto bytes = journal_files::read_file(sidecar);
                auto decoded = bytes ? decode_segment_index(*bytes)
                                     : Result<SegmentIndex>(bytes.error_value());
                // Another segment's, or this one's before it was sealed: built again.
                if (decoded && decoded->bytes == size &&
                    decoded->first_seq == (*listed)[k].name_seq)
                    index = std::move(*decoded);
                else
                    ++out.stats_.unreadable;
            }
        }
        if (index) {
            ++out.stats_.read;
        } else {
            auto bytes = journal_files::read_file(path);
            if (!bytes) return bytes.error_value();
            index = index_segment(*bytes);
            ++out.stats_.built;
            // A segment with a bad header is the reader's damage, never indexed on disk.
            if (sealed && index->first_seq == (*listed)[k].name_seq &&
                write_sidecar(sidecar_of(path), encode_segment_index(*index)))
                ++out.stats_.written;
        }
        ++out.stats_.segments;
        if (index->records == 0) continue;
        out.files_.push_back(path);
        out.segments_.push_back(std::move(*index));
    }
    return out;
}

Result<std::vector<JournalRecord>> JournalIndex::read_span(std::size_t segment, std::size_t mark,
                                                           std::uint64_t* damaged) const {
    const SegmentIndex& indexed = segments_.at(segment);
    const JournalMark& from = indexed.marks.at(mark);
    const std::uint64_t end =
        mark + 1 < indexed.marks.size() ? indexed.marks[mark + 1].offset : indexed.bytes;
    auto bytes = read_range(files_[segment], from.offset, end - from.offset);
    if (!bytes) return bytes.error_value();
    std::vector<JournalRecord> records;
    records.reserve(kJournalMarkEvery);
    jf::FrameCursor cursor(*bytes, jf::Header{from.seq, 0});
    for (;;) {
        JournalRecord record;
        const auto step = cursor.next(record);
        if (step == jf::FrameCursor::Step::record) {
            records.push_back(std::move(record));
            continue;
        }
        if (step == jf::FrameCursor::Step::end) break;
        if (damaged) ++*damaged;
        if (!cursor.resync()) break;
    }
    return records;
}

Result<std::optional<JournalPosition>> JournalIndex::first_at(TimeMs time) const {
    using R = Result<std::optional<JournalPosition>>;
    // Every record before a mark whose latest_before is under `time` is earlier: the first
    // record at or after it lies after the last such mark, and before the next mark.
    for (std::size_t s = 0; s < segments_.size(); ++s) {
        const SegmentIndex& segment = segments_[s];
        if (segment.latest < time) continue;
        const auto& marks = segment.marks;
        const auto next =
            std::partition_point(marks.begin(), marks.end(),
                                 [&](const JournalMark& m) { return m.latest_before < time; });
        // The first mark's latest_before is the lowest time: `next` is never the first. Past
        // its span only when damage since the index was made took the record it promised.
        for (auto m = static_cast<std::size_t>(next - marks.begin()) - 1; m < marks.size(); ++m) {
            auto records = read_span(s, m);
            if (!records) return records.error_value();
            for (const JournalRecord& record : *records)
                if (record.time >= time) return R(JournalPosition{record.seq, record.time});
        }
    }
    return R(std::nullopt);
}

std::optional<JournalPosition> JournalIndex::first() const {
    if (segments_.empty()) return std::nullopt;
    return JournalPosition{segments_.front().marks.front().seq,
                           segments_.front().marks.front().time};
}

std::optional<JournalPosition> JournalIndex::last() const {
    if (segments_.empty()) return std::nullopt;
    return JournalPosition{segments_.back().last_seq, segments_.back().latest};
}

TimeMs JournalIndex::earliest() const {
    TimeMs earliest = std::numeric_limits<TimeMs>::max();
    for (const SegmentIndex& s : segments_)
        earliest = std::min(earliest, s.earliest);
    return segments_.empty() ? 0 : earliest;
}

TimeMs JournalIndex::latest() const {
    TimeMs latest = kNoTime;
    for (const SegmentIndex& s : segments_)
        latest = std::max(latest, s.latest);
    return segments_.empty() ? 0 : latest;
}

std::vector<std::uint64_t> JournalIndex::density(TimeMs from, TimeMs to, std::size_t bins) const {
    std::vector<double> share(bins, 0.0);
    if (bins == 0 || to <= from) return std::vector<std::uint64_t>(bins, 0);
    const double width = static_cast<double>(to - from) / static_cast<double>(bins);
    const double top = static_cast<double>(bins);
    // `records` recorded evenly over [start, stop], in bins: the share of it each bin holds.
    auto spread = [&](TimeMs start, TimeMs stop, double records) {
        const double a = static_cast<double>(start - from) / width;
        const double b = static_cast<double>(std::max(start, stop) - from) / width;
        if (b - a < 1e-9) {  // at one moment (or the clock stepped back): all in its bin
            if (a >= 0 && a < top) share[static_cast<std::size_t>(a)] += records;
            return;
        }
        for (double bin = std::max(0.0, std::floor(a)); bin < std::min(top, b); ++bin) {
            const double overlap = std::min(b, bin + 1) - std::max(a, bin);
            if (overlap > 0) share[static_cast<std::size_t>(bin)] += records * overlap / (b - a);
        }
    };
    for (const SegmentIndex& segment : segments_) {
        for (std::size_t k = 0; k < segment.marks.size(); ++k) {
            const JournalMark& mark = segment.marks[k];
            const bool last = k + 1 == segment.marks.size();
            const std::uint64_t next_seq = last ? segment.last_seq + 1 : segment.marks[k + 1].seq;
            spread(mark.time, last ? segment.latest : segment.marks[k + 1].time,
                   static_cast<double>(next_seq - mark.seq));
        }
    }
    std::vector<std::uint64_t> counts(bins);
    for (std::size_t k = 0; k < bins; ++k)
        counts[k] = static_cast<std::uint64_t>(std::llround(share[k]));
    return counts;
}

}  // namespace citywall
