// Private to ingest: what a drill package is on disk (docs/drills.md, "Drill packages"), shared
// by the side that writes one (drill_package.cpp) and the side that receives one
// (package_unpack.cpp): its fixed members, its limits, its manifest's schema, and the checks of
// a recording's pictures both sides make.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"
#include "citywall/toml_schema.hpp"

namespace citywall::ingest::package {

inline constexpr std::int64_t kFormat = 1;
inline constexpr const char* kManifest = "manifest.toml";
inline constexpr const char* kDrillConfig = "drill.toml";
inline constexpr const char* kWallConfig = "wall.toml";
// What a package may hold at most: its manifest is read whole, its files listed one by one.
inline constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{16} << 20;
inline constexpr std::size_t kMaxMembers = 100'000;
// Room left on the disk after unpacking, at least (the disk may hold the live journal).
inline constexpr std::uint64_t kSpareBytes = std::uint64_t{1} << 30;

// The manifest's schema.
std::span<const toml_schema::Key> manifest_schema();

// A digest or a CRC as the manifest writes it (lowercase hex, `digits` wide), and read back.
std::string hex(std::uint64_t value, int digits);
std::optional<std::uint64_t> read_hex(std::string_view text);

// A TOML text or file checked against `schema`; refused with the file, the line and the key.
Result<toml::table> parse_checked(std::string_view text, const std::string& file,
                                  std::span<const toml_schema::Key> schema);
Result<toml::table> read_checked(const std::filesystem::path& file,
                                 std::span<const toml_schema::Key> schema);

// A journal's picture just before `from` and after everything due by `to`
// (RecordedPicture::digest): what the package's recording must give at the window's ends.
struct PictureDigests {
    std::uint64_t start = 0, end = 0;
};
Result<PictureDigests> picture_digests(const std::filesystem::path& journal, TimeMs from,
                                       TimeMs to);

// A folder removed when it goes out of scope, unless kept.
struct ScratchFolder {
    std::filesystem::path path;
    bool keep = false;
    ~ScratchFolder();
};

}  // namespace citywall::ingest::package
