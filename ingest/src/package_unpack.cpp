// A drill package received from another centre (docs/drills.md, "Drill packages"): its
// manifest read and checked, its members unpacked and checked against it, the sender's configs
// and scenario checked to name nothing outside it, its recording's pictures checked, and the
// receiving centre's keys put beside it (drill_package.cpp writes one).
#include <algorithm>
#include <fstream>
#include <set>

#include "citywall/config_schemas.hpp"
#include "citywall/utf8.hpp"
#include "drill_package.hpp"
#include "package_archive.hpp"
#include "package_format.hpp"
#include "scenario.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

namespace {

namespace fs = std::filesystem;
using namespace package;
using toml_schema::FileRole;
using Manifest = PackageManifest;

}  // namespace

Result<PackageManifest> parse_package_manifest(std::string_view text, const std::string& file) {
    using R = Result<PackageManifest>;
    auto parsed = parse_checked(text, file, manifest_schema());
    if (!parsed) return parsed.error_value();
    const toml::table* root = &*parsed;
    const auto refuse = [&](const std::string& why) {
        return R::failure(ErrorKind::invalid, file + ": " + why);
    };
    const toml::table* package = (*root)["package"].as_table();
    if (!package) return refuse("[package] is missing");
    const auto format = (*package)["format"].value<std::int64_t>();
    if (!format) return refuse("[package] format is missing");
    if (*format != kFormat)
        return R::failure(ErrorKind::unsupported,
                          file + ": a package of format " + std::to_string(*format) +
                              ", which this citywall does not read (it reads format " +
                              std::to_string(kFormat) + ")");
    Manifest m;
    const auto string_of = [&](const char* key) { return (*package)[key].value_or(std::string()); };
    m.recording = string_of("recording");
    m.config = string_of("config");
    m.wall_config = string_of("wall_config");
    m.scenario = string_of("scenario");
    for (const std::string* member : {&m.recording, &m.config})
        if (member->empty()) return refuse("[package] recording and config are needed");
    for (const std::string* member : {&m.recording, &m.config, &m.wall_config, &m.scenario})
        if (!member->empty() && !safe_member_name(*member))
            return refuse("[package] names \"" + repaired_utf8(*member) +
                          "\", which is not inside the package");
    m.from = (*package)["from_ms"].value_or(std::int64_t{0});
    m.to = (*package)["to_ms"].value_or(std::int64_t{0});
    if (m.from <= 0 || m.to < m.from) return refuse("[package] from_ms and to_ms are no window");
    const auto start = read_hex(string_of("picture_at_start"));
    const auto end = read_hex(string_of("picture_at_end"));
    if (!start || !end) return refuse("[package] picture_at_start and picture_at_end are needed");
    m.picture_at_start = *start;
    m.picture_at_end = *end;
    if (const toml::array* keys = (*package)["keys"].as_array())
        for (const auto& key : *keys) {
            const std::string name = *key.value<std::string>();
            if (!safe_member_name(name) || name.find('/') != std::string::npos)
                return refuse("[package] keys names \"" + repaired_utf8(name) +
                              "\", which is not a key file's name");
            m.keys.push_back(name);
        }
    if (const toml::array* files = (*root)["file"].as_array()) {
        if (files->size() > kMaxMembers)
            return refuse("more than " + std::to_string(kMaxMembers) + " files");
        for (const auto& entry : *files) {
            const toml::table& f = *entry.as_table();
            const std::string path = f["path"].value_or(std::string());
            const auto bytes = f["bytes"].value<std::int64_t>();
            const auto crc = read_hex(f["crc32"].value_or(std::string()));
            if (!safe_member_name(path) || !bytes || *bytes < 0 || !crc || *crc > UINT32_MAX)
                return refuse("a [[file]] without a path, bytes and crc32 that are ones");
            if (path == kManifest ||
                !m.files
                     .emplace(path, std::pair{static_cast<std::uint64_t>(*bytes),
                                              static_cast<std::uint32_t>(*crc)})
                     .second)
                return refuse("[[file]] " + path + " is listed twice");
        }
    }
    return m;
}

namespace {

// The member's bytes, whole (the manifest: at most kMaxManifestBytes).
Result<std::string> read_member(ArchiveReader& reader, std::uint64_t bytes) {
    std::string text(bytes, '\0');
    std::size_t at = 0;
    while (at < text.size()) {
        auto got = reader.read(text.data() + at, text.size() - at);
        if (!got) return got.error_value();
        if (*got == 0) break;
        at += *got;
    }
    return text;
}

// The archive's manifest: its first member.
Result<std::pair<std::string, Manifest>> first_manifest(ArchiveReader& reader,
                                                        const fs::path& archive) {
    using R = Result<std::pair<std::string, Manifest>>;
    auto member = reader.next();
    if (!member) return member.because(archive.string() + ": ");
    if (!*member || (*member)->name != kManifest || (*member)->bytes > kMaxManifestBytes)
        return R::failure(ErrorKind::invalid,
                          archive.string() +
                              ": not a citywall drill package (it does not begin with its "
                              "manifest.toml)");
    auto text = read_member(reader, (*member)->bytes);
    if (!text) return text.because(archive.string() + ": ");
    auto manifest = parse_package_manifest(*text, archive.string() + ": manifest.toml");
    if (!manifest) return manifest.error_value();
    return std::pair{std::move(*text), std::move(*manifest)};
}

// Every member after the manifest into `folder`, each checked against the manifest before a
// byte of it is written (listed, once, of its size) and its CRC-32 once written.
Result<void> extract(ArchiveReader& reader, const Manifest& manifest, const fs::path& archive,
                     const fs::path& folder) {
    const auto refuse = [&](ErrorKind kind, const std::string& why) {
        return Result<void>::failure(kind, archive.string() + ": " + why);
    };
    std::set<std::string> seen;
    std::string buffer(1u << 20, '\0');
    for (;;) {
        auto member = reader.next();
        if (!member) return member.because(archive.string() + ": ");
        if (!*member) break;
        if ((*member)->folder) continue;  // folders are made for the files in them
        const std::string& name = (*member)->name;
        const auto listed = manifest.files.find(name);
        if (listed == manifest.files.end())
            return refuse(ErrorKind::invalid, name + " is not in the manifest");
        if (!seen.insert(name).second) return refuse(ErrorKind::invalid, name + " is there twice");
        // Keys are this centre's, and run/ is where its drill writes: never the sender's.
        if (name.starts_with("keys/") || name.starts_with("run/"))
            return refuse(ErrorKind::refused, name +
                                                  " is in the package: a package carries no keys "
                                                  "and nothing where the drill writes");
        if ((*member)->bytes != listed->second.first)
            return refuse(ErrorKind::damaged, name + " is not as it was packaged (its size)");
        const fs::path target = folder / fs::path(name);
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
        if (ec) return refuse(ErrorKind::io, target.parent_path().string() + ": " + ec.message());
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        if (!out) return refuse(ErrorKind::io, target.string() + ": cannot be written");
        std::uint32_t crc = 0;
        for (;;) {
            auto got = reader.read(buffer.data(), buffer.size());
            if (!got) return got.because(archive.string() + ": ");
            if (*got == 0) break;
            crc = crc_of(crc, buffer.data(), *got);
            if (!out.write(buffer.data(), static_cast<std::streamsize>(*got)))
                return refuse(ErrorKind::io, target.string() + ": cannot be written");
        }
        if (!out.flush()) return refuse(ErrorKind::io, target.string() + ": cannot be written");
        if (crc != listed->second.second)
            return refuse(ErrorKind::damaged, name + " is not as it was packaged (its CRC-32)");
    }
    for (const auto& [name, listed] : manifest.files)
        if (!seen.contains(name))
            return refuse(ErrorKind::damaged, name + " is listed but not there");
    return {};
}

// What the sender's configs and scenario may name: the package's own files, where a drill
// writes under run/, and the receiving centre's keys under keys/ (listed in the manifest); no
// file of the sending machine, nothing outside the folder. The key files they name.
Result<std::set<std::string>> check_received(const fs::path& folder, const Manifest& manifest) {
    using R = Result<std::set<std::string>>;
    std::set<std::string> keys;
    const auto held = [&](const std::string& path) {
        if (manifest.files.contains(path)) return true;
        const auto after = manifest.files.upper_bound(path + "/");  // a folder of map files
        return after != manifest.files.end() && after->first.starts_with(path + "/");
    };
    for (const auto& [member, schema] : {std::pair{manifest.config, ingest_config_schema()},
                                         std::pair{manifest.wall_config, wall_config_schema()}}) {
        if (member.empty()) continue;
        auto root = read_checked(folder / member, schema);
        if (!root) return root.error_value();
        for (const toml_schema::FileValue& found : toml_schema::file_values(*root, schema)) {
            const std::string value = found.value->get();
            const std::string inside = fs::path(value).lexically_normal().generic_string();
            const auto refuse = [&](const std::string& why) {
                return R::failure(ErrorKind::refused, member + ": " + found.where + " = \"" +
                                                          repaired_utf8(value) + "\": " + why);
            };
            if (found.role == FileRole::local || found.role == FileRole::key_text)
                return refuse("a package's config names nothing of the sending machine");
            if (value.empty()) continue;
            if (fs::path(value).is_absolute() || !safe_member_name(inside))
                return refuse("outside the package");
            if (found.role == FileRole::output && !inside.starts_with("run/"))
                return refuse("a drill from a package writes under run/ only");
            if (found.role == FileRole::map && !held(inside))
                return refuse("not a file of the package");
            if (found.role == FileRole::key) {
                const std::string name = inside.substr(std::min(inside.size(), std::size_t{5}));
                if (!inside.starts_with("keys/") || name.find('/') != std::string::npos ||
                    std::find(manifest.keys.begin(), manifest.keys.end(), name) ==
                        manifest.keys.end())
                    return refuse(
                        "a key file is the receiving centre's keys/NAME, listed in the "
                        "manifest");
                keys.insert(name);
            }
        }
    }
    if (!manifest.scenario.empty()) {
        const fs::path scenario = folder / manifest.scenario;
        const std::string scenario_folder =
            fs::path(manifest.scenario).parent_path().generic_string();
        auto text = read_whole_file(scenario);
        if (!text) return text.because(manifest.scenario + ": ");
        auto parsed = parse_scenario(
            *text, manifest.scenario, [&](const fs::path& named) -> Result<std::string> {
                const std::string inside =
                    (fs::path(scenario_folder) / named).lexically_normal().generic_string();
                if (named.is_absolute() || !safe_member_name(inside) ||
                    !manifest.files.contains(inside))
                    return Result<std::string>::failure(
                        ErrorKind::refused, named.string() + " is not a file of the package");
                return read_whole_file(folder / inside);
            });
        if (!parsed) return parsed.error_value();
    }
    return keys;
}

// The key files named, from the receiving centre's folder `keys` into the package's keys/.
Result<void> copy_keys(const std::set<std::string>& named, const fs::path& folder,
                       const fs::path& keys) {
    std::error_code ec;
    if (keys.empty()) {
        // Nothing given: the keys/ folder may hold them already (a package unpacked before).
        for (const std::string& name : named)
            if (!fs::is_regular_file(folder / "keys" / name, ec))
                return Result<void>::failure(
                    ErrorKind::not_found, "the package's configs need this centre's key files (" +
                                              std::to_string(named.size()) +
                                              ", the first missing: " + name +
                                              "): give the folder that holds them with --keys");
        return {};
    }
    std::string missing;
    for (const std::string& name : named)
        if (!fs::is_regular_file(keys / name, ec)) missing += (missing.empty() ? "" : ", ") + name;
    if (!missing.empty())
        return Result<void>::failure(
            ErrorKind::not_found,
            "the package's configs need these key files of this centre, not in " + keys.string() +
                ": " + missing + " (citywall-keygen writes them; docs/security.md)");
    if (!named.empty()) fs::create_directories(folder / "keys", ec);
    for (const std::string& name : named) {
        fs::copy_file(keys / name, folder / "keys" / name, fs::copy_options::overwrite_existing,
                      ec);
        if (ec)
            return Result<void>::failure(ErrorKind::io,
                                         (keys / name).string() + ": " + ec.message());
    }
    return {};
}

UnpackedPackage unpacked(const Manifest& manifest, const fs::path& folder, bool reused) {
    UnpackedPackage u;
    u.folder = folder;
    u.config = folder / manifest.config;
    if (!manifest.wall_config.empty()) u.wall_config = folder / manifest.wall_config;
    u.recording = folder / manifest.recording;
    if (!manifest.scenario.empty()) u.scenario = folder / manifest.scenario;
    u.from = manifest.from;
    u.to = manifest.to;
    u.keys = manifest.keys;
    u.reused = reused;
    return u;
}

}  // namespace

Result<UnpackedPackage> unpack_package(const fs::path& archive, const fs::path& into,
                                       const fs::path& keys) {
    using R = Result<UnpackedPackage>;
    fs::path target = into.lexically_normal();
    if (target.filename().empty()) target = target.parent_path();  // "DIR/"
    if (target.empty() || target.filename() == "." || target.filename() == "..")
        return R::failure(ErrorKind::invalid,
                          "unpack into a folder of the package's own, not " + into.string());
    auto reader = ArchiveReader::open(archive);
    if (!reader) return reader.error_value();
    auto first = first_manifest(**reader, archive);
    if (!first) return first.error_value();
    const auto& [manifest_text, manifest] = *first;
    std::error_code ec;
    if (fs::exists(target / kManifest, ec)) {
        // Unpacked before: used as it is, with the configs as this centre may have edited them,
        // if it is this very package.
        auto there = read_whole_file(target / kManifest);
        if (!there) return there.error_value();
        if (*there != manifest_text)
            return R::failure(ErrorKind::refused,
                              target.string() +
                                  " holds another package (or another version of "
                                  "this one): unpack this one into another folder "
                                  "(--into)");
        auto named = check_received(target, manifest);
        if (!named) return named.because(target.string() + ": ");
        if (auto copied = copy_keys(*named, target, keys); !copied) return copied.error_value();
        return unpacked(manifest, target, true);
    }
    if (fs::exists(target, ec) && (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)))
        return R::failure(ErrorKind::refused,
                          target.string() +
                              " holds other files: a package is unpacked into an "
                              "empty folder of its own");
    // Room for it, and some left: the disk may be the live journal's.
    std::uint64_t total = manifest_text.size();
    for (const auto& [name, listed] : manifest.files)
        total += listed.first;
    const fs::path parent = fs::absolute(target).parent_path();
    fs::create_directories(parent, ec);
    const fs::space_info space = fs::space(parent, ec);
    if (!ec && space.available < total + kSpareBytes)
        return R::failure(ErrorKind::io, archive.string() + " needs " +
                                             std::to_string(total >> 20) + " MiB and " +
                                             std::to_string(kSpareBytes >> 20) + " MiB to spare; " +
                                             parent.string() + " has " +
                                             std::to_string(space.available >> 20) + " MiB free");
    ScratchFolder scratch{parent / (target.filename().string() + ".unpacking")};
    fs::remove_all(scratch.path, ec);
    fs::create_directories(scratch.path, ec);
    if (ec) return R::failure(ErrorKind::io, scratch.path.string() + ": " + ec.message());
    if (auto extracted = extract(**reader, manifest, archive, scratch.path); !extracted)
        return extracted.error_value();
    if (auto written = replace_file(scratch.path / kManifest, manifest_text); !written)
        return written.error_value();
    for (const std::string* member : {&manifest.config, &manifest.wall_config, &manifest.scenario})
        if (!member->empty() && !manifest.files.contains(*member))
            return R::failure(ErrorKind::invalid, archive.string() + ": the manifest names " +
                                                      *member +
                                                      ", which the package does not hold");
    auto named = check_received(scratch.path, manifest);
    if (!named) return named.because(archive.string() + ": ");
    auto digests = picture_digests(scratch.path / manifest.recording, manifest.from, manifest.to);
    if (!digests) return digests.because(archive.string() + ": the recording: ");
    if (digests->start != manifest.picture_at_start || digests->end != manifest.picture_at_end)
        return R::failure(
            ErrorKind::damaged,
            archive.string() + ": the recording does not give the pictures it was packaged with");
    if (auto copied = copy_keys(*named, scratch.path, keys); !copied) return copied.error_value();
    fs::remove(target, ec);  // an empty folder given to unpack into
    fs::rename(scratch.path, target, ec);
    if (ec) return R::failure(ErrorKind::io, target.string() + ": " + ec.message());
    scratch.keep = true;
    return unpacked(manifest, target, false);
}

}  // namespace citywall::ingest
