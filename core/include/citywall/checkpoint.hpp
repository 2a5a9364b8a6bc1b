// A checkpoint: the city as ingest knew it at one sequence number, so a restart reads the
// checkpoint and only the journal after it (docs/journal.md, "Checkpoints").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall {

struct Checkpoint {
    std::uint64_t seq = 0;      // every event up to here is in it
    std::uint64_t last_id = 0;  // the highest incident id given out
    std::vector<Incident> open;
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
Result<bool> write_checkpoint(const std::filesystem::path& directory, const Checkpoint& checkpoint);
// Nothing when there is no checkpoint; an error when there is one that cannot be trusted.
Result<std::optional<Checkpoint>> read_checkpoint(const std::filesystem::path& directory);

}  // namespace citywall
