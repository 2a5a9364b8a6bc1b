// A checkpoint: the city as ingest knew it at one sequence number, so a restart reads the
// checkpoint and only the journal after it (docs/journal.md, "Checkpoints").
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall {

struct Checkpoint {
    std::uint64_t seq = 0;      // every event up to here is in it
    std::uint64_t last_id = 0;  // the highest incident id given out
    // The open incidents, each with the status changes ingest recorded for it.
    struct Open {
        Incident incident;
        CaseHistory history;
        friend bool operator==(const Open&, const Open&) = default;
    };
    std::vector<Open> open;
    // Sources of closed incidents, so a late update to one is still recognised.
    struct ClosedSource {
        SourceRef source;
        std::uint64_t incident = 0;
        friend bool operator==(const ClosedSource&, const ClosedSource&) = default;
    };
    std::vector<ClosedSource> closed;
    friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

std::string encode_checkpoint(const Checkpoint& checkpoint);
Result<Checkpoint> decode_checkpoint(std::string_view bytes);

// Writes <directory>/checkpoint.cwc atomically (temporary file, fsync, rename, fsync dir).
Result<void> write_checkpoint(const std::filesystem::path& directory, const Checkpoint& checkpoint);

// Writes the same file one incident at a time, so a large state is never copied whole: start
// with the exact counts, add that many open incidents, then that many closed sources, finish.
// Until finish() succeeds the previous checkpoint stays in place; a writer dropped before
// then removes its temporary file.
class CheckpointWriter {
  public:
    static Result<std::unique_ptr<CheckpointWriter>> start(const std::filesystem::path& directory,
                                                           std::uint64_t seq, std::uint64_t last_id,
                                                           std::uint32_t open_count,
                                                           std::uint32_t closed_count);
    ~CheckpointWriter();
    CheckpointWriter(const CheckpointWriter&) = delete;
    CheckpointWriter& operator=(const CheckpointWriter&) = delete;

    Result<void> add_open(const Incident& incident, const CaseHistory& history);
    Result<void> add_closed(std::string_view department, std::string_view source_id,
                            std::uint64_t incident);
    Result<void> finish();

  private:
    struct Impl;
    explicit CheckpointWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};
// Nothing when there is no checkpoint; an error when there is one that cannot be trusted.
Result<std::optional<Checkpoint>> read_checkpoint(const std::filesystem::path& directory);

}  // namespace citywall
