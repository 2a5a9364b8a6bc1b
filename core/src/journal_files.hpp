// Private to the journal: its directory of segment files (docs/journal.md, "Directory"), shared
// by the writer, the reader and the time index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/result.hpp"

namespace citywall::journal_files {

// segment-<first seq, 20 digits>.cwj
std::string segment_name(std::uint64_t first_seq);
// The first seq a segment file's name claims, or nothing if the name is not a segment's.
std::optional<std::uint64_t> parse_segment_name(std::string_view name);

struct SegmentFile {
    std::uint64_t name_seq = 0;
    std::filesystem::path path;
};
// The segment files of a journal directory, in name (= sequence) order.
Result<std::vector<SegmentFile>> list_segments(const std::filesystem::path& directory);
// A whole file (a segment grown while it is read is read to its new end).
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace citywall::journal_files
