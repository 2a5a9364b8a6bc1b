// The journal: append-only segment files of framed records (docs/journal.md). Ingest writes
// an event here before it publishes it; recovery and drill replay read it with the same code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall {

struct JournalRecord {
    std::uint64_t seq = 0;
    TimeMs time = 0;         // when ingest accepted the event
    std::uint16_t kind = 0;  // the wire::Kind of the payload
    std::string payload;     // a wire-encoded message
    friend bool operator==(const JournalRecord&, const JournalRecord&) = default;
};

struct JournalOptions {
    std::filesystem::path directory;
    std::uint64_t segment_bytes = 64u << 20;  // start a new segment file past this size
    int fsync_interval_ms = 50;               // upper bound on unsynced time; 0 = sync every append
};

// What opening the journal found and repaired.
// Opening reads only the last segment, so a long journal opens as fast as a short one; damage
// in earlier segments is found (and skipped, never cut) by JournalReader.
struct JournalRecovery {
    std::uint64_t segments = 0;
    std::uint64_t records = 0;  // intact records in the last segment
    std::uint64_t last_seq = 0;
    std::uint64_t truncated_bytes = 0;   // a torn tail cut off the last segment
    std::uint64_t damaged_segments = 0;  // at the tail: moved aside (docs/journal.md)
};

class JournalWriter {
  public:
    // Opens (or creates) the journal in options.directory, cutting off a torn tail.
    static Result<std::unique_ptr<JournalWriter>> open(const JournalOptions& options);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    const JournalRecovery& recovery() const;
    std::uint64_t last_seq() const;

    // Appends one record; its seq must be above last_seq(). Written to the OS at once and made
    // durable within fsync_interval_ms (or by sync()). Returns an error on I/O failure.
    Result<bool> append(const JournalRecord& record);
    // Appends several records, in order, with one write() per segment they land in (normally
    // one): the same frames, checks, rollover and group commit as that many append() calls.
    // Every seq is checked before anything is written; on an I/O error the frames of the failed
    // write are cut away again and an error is returned (docs/journal.md, "Batches").
    Result<bool> append_batch(const std::vector<JournalRecord>& records);
    // Forces everything appended so far to disk.
    Result<bool> sync();

  private:
    struct Impl;
    explicit JournalWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Counts of what a reader met; damaged records are skipped, never returned.
struct JournalReadStats {
    std::uint64_t records = 0;
    std::uint64_t corrupt_records = 0;
    std::uint64_t bad_segments = 0;
};

class JournalReader {
  public:
    // Reads the records with a sequence number above after_seq; whole segments below it are
    // skipped unread (a restart from a checkpoint reads only the journal's tail).
    static Result<std::unique_ptr<JournalReader>> open(const std::filesystem::path& directory,
                                                       std::uint64_t after_seq = 0);
    ~JournalReader();
    JournalReader(const JournalReader&) = delete;
    JournalReader& operator=(const JournalReader&) = delete;

    // The next intact record in sequence order, or nothing at the end.
    std::optional<JournalRecord> next();
    const JournalReadStats& stats() const;

  private:
    struct Impl;
    explicit JournalReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Decodes the records of one segment file's bytes; the fuzz target and the reader share it.
struct SegmentScan {
    std::uint64_t first_seq = 0;
    std::uint64_t valid_bytes = 0;  // length of the intact prefix
    JournalReadStats stats;
};
SegmentScan scan_segment(std::string_view bytes,
                         const std::function<void(JournalRecord&&)>& on_record);

}  // namespace citywall
