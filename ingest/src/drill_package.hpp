// Private to ingest: a drill package (docs/drills.md, "Drill packages"): a window of a
// recording, the map files and configs a drill of it needs and its scenario, in one archive that
// another centre replays with one command (citywall-replay --package). The receiving centre's
// keys are its own: a package names the key files its configs need and holds none.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

// The window of a recording as a journal of its own: the records that make the picture at the
// window's start (each open incident's and on-duty unit's last record before it), then every
// record due in the window, each with its own number, time and bytes. Played from its start it
// gives the recording's picture at every moment of the window (RecordedPicture::digest).
struct WindowJournal {
    TimeMs from = 0, to = 0;
    std::uint64_t records = 0;           // written
    std::uint64_t picture_records = 0;   // of them, the picture at the window's start
    std::uint64_t picture_at_start = 0;  // RecordedPicture::digest() of the recording at `from`
    std::uint64_t picture_at_end = 0;    // and after the last record due by `to`
};
// `from`/`to` 0: the recording's first and last moments. `out` must not hold a journal yet.
Result<WindowJournal> write_window_journal(const std::filesystem::path& recording, TimeMs from,
                                           TimeMs to, const std::filesystem::path& out);

struct PackageRequest {
    std::filesystem::path recording;
    TimeMs from = 0, to = 0;             // 0: the recording's first and last moments
    std::filesystem::path drill_config;  // a drill's ingest config ([ingest] drill = true)
    std::filesystem::path wall_config;   // a wall's config; empty: none packaged
    std::filesystem::path scenario;      // empty: none
    std::filesystem::path out;           // .tar, or .tar.gz / .tgz compressed
};

struct PackageSummary {
    WindowJournal window;
    std::uint64_t files = 0;        // members, the manifest included
    std::uint64_t bytes = 0;        // their content
    std::vector<std::string> keys;  // key files the configs need from the receiving centre
};

Result<PackageSummary> write_package(const PackageRequest& request);

// A package's manifest.toml: what it holds and what its recording must give.
struct PackageManifest {
    std::string recording, config, wall_config, scenario;  // members (folders, files)
    TimeMs from = 0, to = 0;
    std::uint64_t picture_at_start = 0, picture_at_end = 0;  // RecordedPicture::digest()
    std::vector<std::string> keys;
    std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> files;  // bytes, CRC-32
};
// Refused with the file, line and key: anything the schema does not allow, another format, a
// member name outside the package, a window that is none, digests and sizes that are not ones.
Result<PackageManifest> parse_package_manifest(std::string_view text, const std::string& file);

struct UnpackedPackage {
    std::filesystem::path folder;
    std::filesystem::path config;       // the drill's ingest config, inside `folder`
    std::filesystem::path wall_config;  // empty: none packaged
    std::filesystem::path recording;
    std::filesystem::path scenario;  // empty: none packaged
    TimeMs from = 0, to = 0;
    std::vector<std::string> keys;
    bool reused = false;  // `folder` already held this package, unpacked before
};

// Unpacks `archive` into `into` (a folder that is empty or not there; one that already holds a
// package is used as it is, edited configs and all), checking every file against the manifest
// and the recording's picture at the window's start and end against the digests packaged. The
// key files the configs name are copied from `keys` (the receiving centre's, as citywall-keygen
// writes them) into its keys/ folder; one missing there is refused, by name.
Result<UnpackedPackage> unpack_package(const std::filesystem::path& archive,
                                       const std::filesystem::path& into,
                                       const std::filesystem::path& keys);

}  // namespace citywall::ingest
