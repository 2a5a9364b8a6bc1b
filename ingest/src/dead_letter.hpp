// Rejected input kept for inspection: one JSON object per line with the department, the
// reason, and the raw message in base64 (it may not even be valid UTF-8). Bounded on disk, so
// a department sending garbage at line rate cannot fill the journal's filesystem
// (docs/protocol.md, "Rejects").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "citywall/incident.hpp"
#include "citywall/reject_reason.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

struct DeadLetterLimits {
    // On disk, the live file and its rotated predecessor (<file>.1) together; each gets half.
    // 0 keeps nothing.
    std::uint64_t max_bytes = std::uint64_t{64} << 20;
    std::size_t record_bytes = 4096;  // raw bytes kept per record; the rest is cut
    std::size_t detail_bytes = 512;   // detail kept per record, cut on a UTF-8 boundary with "…"
    // Records kept per department and second (by the record's time); 0 = no bound. Keeps one
    // noisy department from rotating every other department's records away.
    std::uint32_t per_department_per_second = 100;
};

struct DeadLetterCounters {
    std::uint64_t written = 0;         // records written (including those since rotated away)
    std::uint64_t truncated = 0;       // of those, records whose raw bytes were cut
    std::uint64_t rotations = 0;       // live file renamed to <file>.1
    std::uint64_t write_failures = 0;  // records lost to a failed open, write or rotation
    std::uint64_t dropped = 0;  // records not kept: over the rate, or larger than half of max_bytes
};

// What became of one record that did not fail.
enum class DeadLetterWritten { kept, dropped };

// `whole`: the record holds data that exists nowhere else (an accepted event the journal could
// not take); it is neither dropped for the rate nor cut to record_bytes, only kept within
// max_bytes like every record.
enum class DeadLetterKeep { bounded, whole };

// Never throws, never prints: a write that fails (full disk, removed directory) is counted and
// returned, and the next write opens the file again, so it works again when space returns.
// A live file left larger than its half by an earlier run is rotated at the first write and
// removed at the next rotation.
class DeadLetterFile {
  public:
    explicit DeadLetterFile(const std::filesystem::path& path, DeadLetterLimits limits = {});
    ~DeadLetterFile();
    DeadLetterFile(const DeadLetterFile&) = delete;
    DeadLetterFile& operator=(const DeadLetterFile&) = delete;

    // The failure's reason names the file and the system error.
    Result<DeadLetterWritten> write(TimeMs time, std::string_view department, RejectReason reason,
                                    std::string_view detail, std::string_view raw,
                                    DeadLetterKeep keep = DeadLetterKeep::bounded);

    bool ok() const { return fd_ >= 0; }  // the live file is open now
    const DeadLetterCounters& counters() const { return counters_; }
    const DeadLetterLimits& limits() const { return limits_; }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path rotated_path() const;  // <file>.1

  private:
    struct Window {
        TimeMs second = 0;
        std::uint32_t records = 0;
    };

    bool over_rate(TimeMs time, std::string_view department);
    Result<void> open_live();
    Result<void> ensure_open();
    Result<void> rotate();
    void close_live();
    Result<DeadLetterWritten> fail(std::string reason);

    std::filesystem::path path_;
    DeadLetterLimits limits_;
    DeadLetterCounters counters_;
    int fd_ = -1;
    std::uint64_t live_bytes_ = 0;
    std::map<std::string, Window, std::less<>> windows_;
};

std::string base64(std::string_view bytes);

}  // namespace citywall::ingest
