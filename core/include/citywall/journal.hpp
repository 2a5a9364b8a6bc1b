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

// Bytes of a segment that hold no intact record, with intact records after them: damage, not a
// torn tail (docs/journal.md, "Damage"). The records that were there, if any, had sequence
// numbers from after_seq + 1 to before_seq - 1.
struct JournalDamage {
    std::filesystem::path segment;  // the file (empty from scan_segment, which sees no name)
    std::uint64_t offset = 0;       // where the unreadable bytes start in it
    std::uint64_t bytes = 0;
    std::uint64_t after_seq = 0;   // the last intact record before them
    std::uint64_t before_seq = 0;  // the first intact record after them; 0: none was read
    std::uint64_t lost_seqs() const {
        return before_seq > after_seq + 1 ? before_seq - after_seq - 1 : 0;
    }
    friend bool operator==(const JournalDamage&, const JournalDamage&) = default;
};

struct JournalOptions {
    std::filesystem::path directory;
    std::uint64_t segment_bytes = 64u << 20;  // start a new segment file past this size
    int fsync_interval_ms = 50;               // upper bound on unsynced time; 0 = sync every append
};

// What opening the journal found and repaired.
// Opening reads only the last segment, so a long journal opens as fast as a short one; damage
// in earlier segments is found (and read past, never cut) by JournalReader.
struct JournalRecovery {
    std::uint64_t segments = 0;
    std::uint64_t records = 0;  // intact records in the last segment
    std::uint64_t last_seq = 0;
    std::uint64_t truncated_bytes = 0;   // a torn tail cut off the last segment
    std::uint64_t damaged_segments = 0;  // at the tail: moved aside (docs/journal.md)
    // Damage inside the last segment with intact records after it: kept, and read past.
    std::vector<JournalDamage> damage;
    // Numbers the cut bytes could have held: numbering resumes above them, so no number that
    // was ever written is given to another event (docs/journal.md, "Never a reused number").
    std::uint64_t reserved_through = 0;
};

class JournalWriter {
  public:
    // Opens (or creates) the journal in options.directory, cutting off a torn tail.
    static Result<std::unique_ptr<JournalWriter>> open(const JournalOptions& options);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    const JournalRecovery& recovery() const;
    // The highest seq written, or reserved by recovery; the next append must be above it.
    std::uint64_t last_seq() const;
    // The highest seq known to be on disk (fdatasynced). Nothing above it may be published.
    std::uint64_t durable_seq() const;
    // A descriptor that becomes readable when durable_seq() rises (an eventfd; read it to
    // clear it), for a poll loop that publishes what became durable.
    int durable_fd() const;
    // Asks the sync thread to make everything appended so far durable now, without waiting.
    void request_sync();

    // Appends one record; its seq must be above last_seq(). Written to the OS at once and made
    // durable within fsync_interval_ms (or by sync()). Returns an error on I/O failure.
    Result<void> append(const JournalRecord& record);
    // Appends several records, in order, with one write() per segment they land in (normally
    // one): the same frames, checks, rollover and group commit as that many append() calls.
    // Every seq is checked before anything is written; on an I/O error the frames of the failed
    // write are cut away again and an error is returned (docs/journal.md, "Batches").
    Result<void> append_batch(const std::vector<JournalRecord>& records);
    // Forces everything appended so far to disk.
    Result<void> sync();
    // After a failed fdatasync, or a failed write that could not be undone, the writer refuses
    // everything (the kernel may have dropped what it was asked to write): only a new writer,
    // which recovers from what is on disk, can go on.
    bool broken() const;

  private:
    struct Impl;
    explicit JournalWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Counts of what a reader met; damaged bytes are read past, never returned.
struct JournalReadStats {
    std::uint64_t records = 0;
    std::uint64_t corrupt_records = 0;  // stretches of damage (a torn tail counts as one)
    std::uint64_t bad_segments = 0;     // segments with any damage, or unreadable whole
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
    // Damage read past so far, with intact records after it (a torn tail of the last segment
    // is not damage: it was never acknowledged or published). At most the first 1024.
    const std::vector<JournalDamage>& damage() const;

  private:
    struct Impl;
    explicit JournalReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Decodes the records of one segment file's bytes; the fuzz target and the reader share it.
struct SegmentScan {
    std::uint64_t first_seq = 0;
    // The end of the last intact record (of the header when there is none): what follows is
    // a torn tail. Damage before it is in `damage`.
    std::uint64_t valid_bytes = 0;
    JournalReadStats stats;
    std::vector<JournalDamage> damage;
};
SegmentScan scan_segment(std::string_view bytes,
                         const std::function<void(JournalRecord&&)>& on_record);

}  // namespace citywall
