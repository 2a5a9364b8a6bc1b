// Private to ingest: the archive a drill package travels in (docs/drills.md, "Drill packages"):
// POSIX ustar, compressed with gzip when its name ends in .gz or .tgz, plain files and folders
// only. The reader takes an archive from another centre as outside input: every header is
// checked (its checksum, its size, its name, its kind) and anything else is refused by name
// before the member's bytes are handed on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "citywall/result.hpp"

namespace citywall::ingest {

// A member's name may be this long at most (ustar's prefix and name fields together).
inline constexpr std::size_t kMaxMemberName = 255;
// And its size this large (ustar's 11 octal digits).
inline constexpr std::uint64_t kMaxMemberBytes = (std::uint64_t{1} << 33) - 1;

// Whether `name` may be a member of a package: relative, UTF-8, no empty, "." or ".." part, no
// backslash or control character, at most kMaxMemberName bytes. Unpacking writes a member only
// inside the folder it unpacks into.
bool safe_member_name(std::string_view name);

// CRC-32 (zlib's) of `size` more bytes after `crc` (0 to start).
std::uint32_t crc_of(std::uint32_t crc, const char* bytes, std::size_t size);

class ArchiveWriter {
  public:
    // Writes to `path` (gzip when its name ends in .gz or .tgz) through a temporary file beside
    // it, renamed to `path` by finish(): an archive left unfinished is never found under its name.
    static Result<std::unique_ptr<ArchiveWriter>> create(const std::filesystem::path& path);
    ~ArchiveWriter();
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    // Each returns the CRC-32 of the member's content, for the package's manifest.
    Result<std::uint32_t> add_file(std::string_view name, const std::filesystem::path& from);
    // The first `bytes` of the file (its size when it was listed); one shorter is refused.
    Result<std::uint32_t> add_file(std::string_view name, const std::filesystem::path& from,
                                   std::uint64_t bytes);
    Result<std::uint32_t> add_bytes(std::string_view name, std::string_view bytes);
    Result<void> finish();

  private:
    struct Impl;
    explicit ArchiveWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct ArchiveMember {
    std::string name;  // safe_member_name(); a folder's without its trailing '/'
    std::uint64_t bytes = 0;
    bool folder = false;
};

class ArchiveReader {
  public:
    // Fills up to `size` bytes of `buffer`; 0 at the end of the input.
    using Source = std::function<Result<std::size_t>(char* buffer, std::size_t size)>;
    explicit ArchiveReader(Source source);
    // A file (plain or gzip, told by its first bytes).
    static Result<std::unique_ptr<ArchiveReader>> open(const std::filesystem::path& path);

    // The next member, its content not yet read; nothing at the archive's end. Refused (and
    // every later call refused the same): a header whose checksum is wrong, that is not ustar, a
    // link, a device or any kind but a plain file or a folder, an unsafe name, a size that is not
    // one, and an archive that ends before its end marker (cut short in transfer).
    Result<std::optional<ArchiveMember>> next();
    // Up to `size` bytes of the current member's content; 0 at its end.
    Result<std::size_t> read(char* buffer, std::size_t size);

  private:
    Result<void> fill(char* buffer, std::size_t size);  // exactly `size` bytes, or refused
    Result<void> skip(std::uint64_t bytes);
    Source source_;
    std::uint64_t left_ = 0;     // of the current member's content
    std::uint64_t padding_ = 0;  // after it, to the next 512-byte block
    std::string failure_;
    bool ended_ = false;
};

}  // namespace citywall::ingest
