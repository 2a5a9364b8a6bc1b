// The journal's sparse time index (docs/journal.md, "Time index"): for each segment, where every
// so many records start and the latest time recorded before each of them, so a drill's seek or
// an export's window finds the first record of a moment without reading the journal before it.
// Sealed segments keep theirs beside them (segment-<first seq>.cwx), written the first time a
// reader needs it; a missing, damaged or stale one is built again from the segment. The index is
// never needed for correctness: the segments alone are the journal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/journal.hpp"
#include "citywall/result.hpp"

namespace citywall {

// A mark every this many records of a segment (and at its first).
inline constexpr std::uint64_t kJournalMarkEvery = 1024;

struct JournalMark {
    std::uint64_t seq = 0;     // a record's number
    std::uint64_t offset = 0;  // where its frame starts in the segment
    TimeMs time = 0;           // when it was recorded
    // The latest time of any record before it in the segment (the clock can step back, so not
    // simply the previous record's); the segment's first mark: the lowest TimeMs.
    TimeMs latest_before = 0;
    friend bool operator==(const JournalMark&, const JournalMark&) = default;
};

struct SegmentIndex {
    std::uint64_t first_seq = 0;      // the segment's, from its header
    std::uint64_t bytes = 0;          // the segment's size when it was indexed
    std::uint64_t records = 0;        // its intact records
    std::uint64_t last_seq = 0;       // 0: no record
    TimeMs earliest = 0, latest = 0;  // of its records' times
    std::vector<JournalMark> marks;
    friend bool operator==(const SegmentIndex&, const SegmentIndex&) = default;
};

// A segment's index from its bytes (the whole file), reading past damage as the reader does.
SegmentIndex index_segment(std::string_view bytes);
// The sidecar file's bytes, and back; decoding checks everything (fuzzed: journal_index).
std::string encode_segment_index(const SegmentIndex& index);
Result<SegmentIndex> decode_segment_index(std::string_view bytes);

// The first record recorded at or after a moment.
struct JournalPosition {
    std::uint64_t seq = 0;
    TimeMs time = 0;
    friend bool operator==(const JournalPosition&, const JournalPosition&) = default;
};

struct JournalIndexStats {
    std::uint64_t segments = 0;
    std::uint64_t read = 0;        // indexes read from their sidecar
    std::uint64_t built = 0;       // segments read whole to index them
    std::uint64_t written = 0;     // sidecars written (the directory may refuse: then none)
    std::uint64_t unreadable = 0;  // sidecars refused (damaged, another segment's): built again
};

class JournalIndex {
  public:
    // Indexes every segment of the journal in `directory`: a sealed segment (any but the last)
    // by its sidecar when it is good, else by reading it and writing the sidecar; the last one,
    // still growing, by reading it.
    static Result<JournalIndex> open(const std::filesystem::path& directory);

    // The first record, in the journal's order, recorded at or after `time`: its number and
    // time. Nothing when every record is earlier. Reads at most the records between two marks.
    Result<std::optional<JournalPosition>> first_at(TimeMs time) const;
    // The journal's extent: its first and last records' numbers, and the earliest and latest
    // times recorded; nothing for an empty journal.
    std::optional<JournalPosition> first() const;
    std::optional<JournalPosition> last() const;
    TimeMs earliest() const;
    TimeMs latest() const;
    // About how many records were recorded in each of `bins` equal stretches of [from, to),
    // from the marks alone (the records from one mark to the next spread evenly over the time
    // between them): a timeline's density, without reading the journal.
    std::vector<std::uint64_t> density(TimeMs from, TimeMs to, std::size_t bins) const;

    const std::vector<SegmentIndex>& segments() const { return segments_; }
    // The intact records from mark `mark` of segment `segment` up to the next mark (or the
    // segment's end as indexed), read past damage; `damaged` counts the stretches read past.
    Result<std::vector<JournalRecord>> read_span(std::size_t segment, std::size_t mark,
                                                 std::uint64_t* damaged = nullptr) const;
    const JournalIndexStats& stats() const { return stats_; }

  private:
    std::filesystem::path directory_;
    std::vector<std::filesystem::path> files_;  // one per segments_ entry
    std::vector<SegmentIndex> segments_;
    JournalIndexStats stats_;
};

}  // namespace citywall
