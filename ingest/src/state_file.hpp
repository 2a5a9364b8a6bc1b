// Small files ingest keeps beside its checkpoint (the unit roster, the day's ledger): each one
// wire message, replaced whole so that a crash leaves the old file or the new, never half.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "citywall/result.hpp"

namespace citywall::ingest {

// Writes `bytes` to a temporary file beside `path`, syncs it, renames it over `path`, and
// syncs the directory.
// What loading a file kept beside a checkpoint found.
enum class Restored {
    yes,     // restored
    absent,  // none was kept for this checkpoint (or it belongs to another): nothing changed
};

Result<void> replace_file(const std::filesystem::path& path, std::string_view bytes);
// The whole file; not_found when it does not exist, io when it cannot be read.
Result<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace citywall::ingest
