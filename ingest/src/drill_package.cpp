// A drill package (docs/drills.md, "Drill packages"): written by citywall-replay --package-out,
// replayed by citywall-replay --package. Its members:
//
//   <recording>/   the window as a journal of its own (write_window_journal)
//   maps/          every file the configs read to draw or place the city
//   scenario/      the scenario and the files its rows name
//   drill.toml     the drill's ingest config, naming those members; keys under keys/, written
//   wall.toml      a wall's config, the same way                    files under run/
//   manifest.toml  the window, the pictures' digests, each member's size and CRC-32; last
#include "drill_package.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "citywall/config.hpp"
#include "citywall/config_schemas.hpp"
#include "citywall/feed_time.hpp"
#include "citywall/journal.hpp"
#include "citywall/replay.hpp"
#include "citywall/toml_schema.hpp"
#include "citywall/utf8.hpp"
#include "citywall/wire.hpp"
#include "package_archive.hpp"
#include "scenario.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

namespace {

namespace fs = std::filesystem;
using toml_schema::FileRole;
using toml_schema::Key;
using toml_schema::Type;

constexpr std::int64_t kPackageFormat = 1;
constexpr const char* kManifest = "manifest.toml";
constexpr const char* kDrillConfig = "drill.toml";
constexpr const char* kWallConfig = "wall.toml";
constexpr std::size_t kBatch = 4096;
// What a package may hold at most: its manifest is read whole, its files listed one by one.
constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{16} << 20;
constexpr std::size_t kMaxMembers = 100'000;
// Room left on the disk after unpacking, at least (the disk may hold the live journal).
constexpr std::uint64_t kSpareBytes = std::uint64_t{1} << 30;

constexpr Key kPackageKeys[] = {
    {"format", Type::integer},
    {"made", Type::string},
    {"recording", Type::string},
    {"from", Type::string},
    {"to", Type::string},
    {"from_ms", Type::integer},
    {"to_ms", Type::integer},
    {"records", Type::integer},
    {"picture_records", Type::integer},
    {"picture_at_start", Type::string},
    {"picture_at_end", Type::string},
    {"config", Type::string},
    {"wall_config", Type::string},
    {"scenario", Type::string},
    {"keys", Type::strings},
};
constexpr Key kFileKeys[] = {
    {"path", Type::string}, {"bytes", Type::integer}, {"crc32", Type::string}};
constexpr Key kManifestSections[] = {
    {"package", Type::table, kPackageKeys},
    {"file", Type::tables, kFileKeys},
};

std::string hex(std::uint64_t value, int digits) {
    char text[24];
    std::snprintf(text, sizeof text, "%0*" PRIx64, digits, value);
    return text;
}

std::optional<std::uint64_t> read_hex(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<std::uint64_t>(digit);
    }
    return value;
}

// A file's size and CRC-32, read whole.
Result<std::pair<std::uint64_t, std::uint32_t>> file_crc(const fs::path& file) {
    using R = Result<std::pair<std::uint64_t, std::uint32_t>>;
    std::ifstream in(file, std::ios::binary);
    if (!in) return R::failure(ErrorKind::io, file.string() + ": cannot be read");
    std::string buffer(1u << 20, '\0');
    std::uint64_t bytes = 0;
    std::uint32_t crc = 0;
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        crc = crc_of(crc, buffer.data(), got);
        bytes += got;
    }
    if (!in.eof()) return R::failure(ErrorKind::io, file.string() + ": cannot be read");
    return std::pair{bytes, crc};
}

// A folder removed when it goes out of scope, unless kept.
struct ScratchFolder {
    fs::path path;
    bool keep = false;
    ~ScratchFolder() {
        std::error_code ec;
        if (!keep && !path.empty()) fs::remove_all(path, ec);
    }
};

// ---- the window's journal ------------------------------------------------------------------

struct PictureDigests {
    std::uint64_t start = 0, end = 0;
};

// The journal's picture just before `from` and after everything due by `to`.
Result<PictureDigests> picture_digests(const fs::path& journal, TimeMs from, TimeMs to) {
    auto picture = RecordedPicture::open(journal);
    if (!picture) return picture.error_value();
    if (auto sought = picture->seek(from); !sought) return sought.error_value();
    PictureDigests digests;
    digests.start = picture->digest();
    picture->play_through(to);
    if (!picture->cursor().failure().empty())
        return Result<PictureDigests>::failure(ErrorKind::damaged, picture->cursor().failure());
    digests.end = picture->digest();
    return digests;
}

}  // namespace

Result<WindowJournal> write_window_journal(const fs::path& recording, TimeMs from, TimeMs to,
                                           const fs::path& out) {
    using R = Result<WindowJournal>;
    auto cursor = RecordingCursor::open(recording);
    if (!cursor) return cursor.because("recording " + recording.string() + ": ");
    const JournalIndex& index = cursor->index();
    if (!index.first())
        return R::failure(ErrorKind::invalid,
                          "recording " + recording.string() + ": it holds no events");
    WindowJournal window;
    window.from = from != 0 ? from : index.earliest();
    window.to = to != 0 ? to : index.latest();
    if (window.to < window.from)
        return R::failure(ErrorKind::invalid, "the window ends before it begins");
    if (window.from > index.latest() || window.to < index.earliest())
        return R::failure(ErrorKind::invalid, "the window " + format_iso8601_utc(window.from) +
                                                  " to " + format_iso8601_utc(window.to) +
                                                  " holds nothing of the recording (" +
                                                  format_iso8601_utc(index.earliest()) + " to " +
                                                  format_iso8601_utc(index.latest()) + ")");

    // Which records make the picture at the window's start: the last one of each incident
    // still open and of each unit still on duty, as RecordedPicture applies them.
    std::unordered_map<std::uint64_t, std::uint64_t> incidents;
    std::unordered_map<std::string, std::uint64_t> units;
    const auto note = [&](JournalRecord&& record, TimeMs) {
        const auto kind = static_cast<wire::Kind>(record.kind);
        if (kind != wire::Kind::incident && kind != wire::Kind::unit &&
            kind != wire::Kind::drill_clock)
            return;
        auto message = wire::decode(record.payload);
        if (!message) return;
        if (const auto* update = std::get_if<wire::IncidentUpdate>(&*message)) {
            if (update->incident.open())
                incidents[update->incident.id] = record.seq;
            else
                incidents.erase(update->incident.id);
        } else if (const auto* fix = std::get_if<wire::UnitUpdate>(&*message)) {
            if (fix->unit.on_duty())
                units[unit_key(fix->unit)] = record.seq;
            else
                units.erase(unit_key(fix->unit));
        } else if (const auto* clock = std::get_if<wire::DrillClock>(&*message);
                   clock && clock->change == wire::DrillClock::Change::rewound) {
            incidents.clear();  // a drill's own recording: its seek replaced the picture
            units.clear();
        }
    };
    if (auto sought = cursor->seek_after(0); !sought) return sought.error_value();
    while (cursor->play_until(window.from - 1, 65'536, note) != 0) {
    }
    if (!cursor->failure().empty())
        return R::failure(ErrorKind::damaged,
                          "recording " + recording.string() + ": " + cursor->failure());
    std::unordered_set<std::uint64_t> picture;
    for (const auto& [id, seq] : incidents)
        picture.insert(seq);
    for (const auto& [key, seq] : units)
        picture.insert(seq);

    auto writer = JournalWriter::open({out, std::uint64_t{64} << 20, 1000});
    if (!writer) return writer.because("the package's journal: ");
    if ((*writer)->last_seq() != 0)
        return R::failure(ErrorKind::invalid, out.string() + " holds a journal already");
    std::vector<JournalRecord> batch;
    Result<void> written;
    const auto flush = [&] {
        if (written && !batch.empty()) written = (*writer)->append_batch(batch);
        batch.clear();
    };
    if (auto sought = cursor->seek_after(0); !sought) return sought.error_value();
    while (cursor->play_until(window.to, 65'536, [&](JournalRecord&& record, TimeMs due) {
        if (due < window.from) {
            if (!picture.contains(record.seq)) return;
            ++window.picture_records;
        }
        ++window.records;
        batch.push_back(std::move(record));
        if (batch.size() >= kBatch) flush();
    }) != 0) {
    }
    flush();
    if (!cursor->failure().empty())
        return R::failure(ErrorKind::damaged,
                          "recording " + recording.string() + ": " + cursor->failure());
    if (!written) return written.because("the package's journal: ");
    if (auto synced = (*writer)->sync(); !synced) return synced.because("the package's journal: ");
    writer->reset();

    auto digests = picture_digests(recording, window.from, window.to);
    if (!digests) return digests.because("recording " + recording.string() + ": ");
    window.picture_at_start = digests->start;
    window.picture_at_end = digests->end;
    // The package's journal must give the same pictures, or it is not sent anywhere.
    auto own = picture_digests(out, window.from, window.to);
    if (!own) return own.because("the package's journal: ");
    if (own->start != digests->start || own->end != digests->end)
        return R::failure(ErrorKind::damaged,
                          "the package's journal does not give the recording's picture");
    return window;
}

namespace {

// ---- the files the configs name ------------------------------------------------------------

bool not_a_file(std::string_view value) {
    if (value.starts_with("/vsi")) return true;
    // A driver's prefix or a URL: "PG:dbname=city", "WFS:http://…", "https://…".
    const std::size_t colon = value.find(':');
    return colon != std::string_view::npos && colon > 1 &&
           std::all_of(
               value.begin(), value.begin() + static_cast<std::ptrdiff_t>(colon),
               [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A single name for a file inside the package: its own, when it is a safe one.
std::string member_part(const std::string& name, const std::string& otherwise) {
    return safe_member_name(name) && name.find('/') == std::string::npos ? name : otherwise;
}

// The files a package carries: each map file once, under maps/, whichever config names it.
class Carried {
  public:
    std::vector<std::pair<std::string, fs::path>> members;  // member name → the file
    std::set<std::string> keys;

    Result<std::string> map_file(const fs::path& source, const std::string& where) {
        using R = Result<std::string>;
        std::error_code ec;
        const fs::path real = fs::weakly_canonical(source, ec);
        if (ec || !fs::exists(real))
            return R::failure(ErrorKind::not_found,
                              where + ": " + source.string() + " is not there");
        if (auto known = by_source_.find(real); known != by_source_.end()) return known->second;
        const std::string base = free_name(
            "maps", member_part(real.filename().string(), "map-" + std::to_string(++unnamed_)));
        if (fs::is_directory(real)) {
            // A folder of files (shapefiles): all of them, as they lie.
            for (auto it = fs::recursive_directory_iterator(real, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (!it->is_regular_file()) continue;
                const std::string inside = it->path().lexically_relative(real).generic_string();
                if (!safe_member_name(base + "/" + inside))
                    return R::failure(ErrorKind::invalid, where + ": " + it->path().string() +
                                                              " has a name a package cannot hold");
                members.emplace_back(base + "/" + inside, it->path());
            }
            if (ec) return R::failure(ErrorKind::io, where + ": " + ec.message());
        } else if (fs::is_regular_file(real)) {
            members.emplace_back(base, real);
            // A shapefile is several files: those beside it that make it go too.
            std::string extension = real.extension().string();
            std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
            if (extension == ".shp") {
                const std::string stem = base.substr(0, base.size() - extension.size());
                for (const char* part : {".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx",
                                         ".shp.xml", ".SHX", ".DBF", ".PRJ", ".CPG"}) {
                    fs::path beside = real;
                    beside.replace_extension(part);
                    if (!fs::is_regular_file(beside, ec)) continue;
                    const std::string name = stem + part;
                    if (!taken_.insert(name).second)
                        return R::failure(ErrorKind::invalid, where + ": " + beside.string() +
                                                                  " would be packaged as " + name +
                                                                  ", which another file took");
                    members.emplace_back(name, beside);
                }
            }
        } else {
            return R::failure(ErrorKind::invalid,
                              where + ": " + source.string() + " is not a file or a folder");
        }
        by_source_.emplace(real, base);
        return base;
    }

    // `folder`/`name`, or `folder`/N/`name` when another file took that name (or the names a
    // shapefile's files beside it would take).
    std::string free_name(const std::string& folder, const std::string& name) {
        const auto free = [&](const std::string& candidate) {
            const std::string stem = candidate.substr(0, candidate.rfind('.'));
            return !std::any_of(taken_.begin(), taken_.end(), [&](const std::string& t) {
                return t == candidate || t.starts_with(stem + ".");
            });
        };
        std::string candidate = folder + "/" + name;
        for (int n = 2; !free(candidate); ++n)
            candidate = folder + "/" + std::to_string(n) + "/" + name;
        taken_.insert(candidate);
        return candidate;
    }

  private:
    std::map<fs::path, std::string> by_source_;
    std::set<std::string> taken_;
    int unnamed_ = 0;
};

Result<toml::table> read_toml(const fs::path& file, std::span<const Key> schema) {
    using R = Result<toml::table>;
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        return R::failure(ErrorKind::invalid, toml_schema::location(file.string(), e.source()) +
                                                  std::string(e.description()));
    }
    if (auto mistakes = toml_schema::check(root, schema, file.string()); !mistakes.empty())
        return R::failure(ErrorKind::invalid, mistakes);
    return root;
}

// A config as the package holds it: its map files carried (and named where the package holds
// them), key files named under keys/, where it writes under run/, this machine's files left out.
Result<std::string> carry_config(const fs::path& file, std::span<const Key> schema,
                                 Carried& carried) {
    auto root = read_toml(file, schema);
    if (!root) return root.error_value();
    const fs::path folder = file.parent_path();
    int unnamed = 0;
    for (const toml_schema::FileValue& found : toml_schema::file_values(*root, schema)) {
        const std::string value = found.value->get();
        const std::string where = file.string() + ": " + found.where;
        switch (found.role) {
            case FileRole::none:
                break;
            case FileRole::map: {
                if (value.empty()) break;
                if (not_a_file(value))
                    return Result<std::string>::failure(
                        ErrorKind::unsupported,
                        where + " is \"" + value +
                            "\", not a file: a package carries files (write the layer to a "
                            "GeoPackage with ogr2ogr and name that)");
                const fs::path source =
                    fs::path(value).is_absolute() ? fs::path(value) : folder / value;
                auto member = carried.map_file(source, where);
                if (!member) return member.error_value();
                *found.value = *member;
                break;
            }
            case FileRole::key: {
                const std::string name = member_part(fs::path(value).filename().string(),
                                                     "key-" + std::to_string(++unnamed));
                *found.value = "keys/" + name;
                carried.keys.insert(name);
                break;
            }
            case FileRole::key_text: {
                const std::string file_key = std::string(found.key) + "_file";
                if (!found.table->contains(file_key)) {
                    std::string who;
                    for (const char* name_key : {"code", "name"})
                        if (auto text = (*found.table)[name_key].value<std::string>();
                            text && who.empty())
                            who = *text;
                    const std::string name =
                        member_part(who + ".pub", "key-" + std::to_string(++unnamed) + ".pub");
                    found.table->insert(file_key, "keys/" + name);
                    carried.keys.insert(name);
                }
                found.table->erase(found.key);
                break;
            }
            case FileRole::output: {
                if (value.empty()) break;
                const std::string name = member_part(
                    fs::path(value).lexically_normal().filename().string(), std::string(found.key));
                *found.value = "run/" + (name.empty() ? std::string(found.key) : name);
                break;
            }
            case FileRole::local:
                found.table->erase(found.key);
                break;
        }
    }
    std::ostringstream text;
    text << "# A drill package's copy of " << file.filename().string()
         << " (docs/drills.md, \"Drill packages\"):\n"
            "# its map files are the package's maps/, its keys the receiving centre's keys/;\n"
            "# edit the ports here if this centre needs others.\n\n"
         << *root << "\n";
    return text.str();
}

// The scenario and the files its rows name, under scenario/.
Result<std::string> carry_scenario(const fs::path& file, Carried& carried) {
    auto scenario = read_scenario(file);
    if (!scenario) return scenario.error_value();
    const std::string member =
        carried.free_name("scenario", member_part(file.filename().string(), "scenario.csv"));
    carried.members.emplace_back(member, file);
    const std::string folder = member.substr(0, member.rfind('/'));
    std::map<std::string, fs::path> named;  // as the package holds it → as the row names it
    for (const ScenarioEvent& event : scenario->events)
        if (!event.message_file.empty())
            named.emplace(event.message_file.lexically_normal().generic_string(),
                          event.message_file);
    for (const auto& [inside, message] : named) {
        if (message.is_absolute() || !safe_member_name(inside))
            return Result<std::string>::failure(
                ErrorKind::unsupported,
                file.string() + ": file " + message.string() +
                    " is not in the scenario's folder: a package keeps a scenario's files "
                    "beside it (name them relative to it, without ..)");
        carried.members.emplace_back(folder + "/" + inside, file.parent_path() / message);
    }
    return member;
}

}  // namespace

Result<PackageSummary> write_package(const PackageRequest& request) {
    using R = Result<PackageSummary>;
    // The drill's config as the drill would read it: a drill's, whole and valid.
    auto drill = load_drill_config(request.drill_config, "a package is replayed into a drill");
    if (!drill) return drill.because("config: ");
    PackageSummary summary;
    Carried carried;
    auto drill_text = carry_config(request.drill_config, ingest_config_schema(), carried);
    if (!drill_text) return drill_text.error_value();
    std::optional<std::string> wall_text;
    if (!request.wall_config.empty()) {
        auto text = carry_config(request.wall_config, wall_config_schema(), carried);
        if (!text) return text.error_value();
        wall_text = std::move(*text);
    }
    std::string scenario_member;
    if (!request.scenario.empty()) {
        auto member = carry_scenario(request.scenario, carried);
        if (!member) return member.error_value();
        scenario_member = *member;
    }

    // The window's journal, in a folder of its own beside the archive until it is packed.
    const fs::path folder = fs::absolute(request.out).parent_path();
    ScratchFolder scratch{folder / (".citywall-package-" + std::to_string(::getpid()))};
    std::error_code ec;
    fs::remove_all(scratch.path, ec);
    std::string recording_name = member_part(
        fs::absolute(request.recording).lexically_normal().filename().string(), "recording");
    for (const char* ours :
         {"maps", "keys", "run", "scenario", kManifest, kDrillConfig, kWallConfig})
        if (recording_name == ours) recording_name = "recording";
    auto window = write_window_journal(request.recording, request.from, request.to, scratch.path);
    if (!window) return window.error_value();
    summary.window = *window;
    // Every member, the journal first: its name, its file or text, its size and CRC-32.
    struct Member {
        std::string name;
        fs::path file;
        const std::string* text = nullptr;
        std::uint64_t bytes = 0;
        std::uint32_t crc = 0;
    };
    std::vector<Member> members;
    for (const auto& entry : fs::directory_iterator(scratch.path, ec))
        if (entry.is_regular_file())
            members.push_back(
                {recording_name + "/" + entry.path().filename().string(), entry.path()});
    std::sort(members.begin(), members.end(),
              [](const Member& a, const Member& b) { return a.name < b.name; });
    for (const auto& [name, file] : carried.members)
        members.push_back({name, file});
    members.push_back({kDrillConfig, {}, &*drill_text});
    if (wall_text) members.push_back({kWallConfig, {}, &*wall_text});
    std::set<std::string> names;
    for (Member& m : members) {
        if (!names.insert(m.name).second)
            return R::failure(ErrorKind::invalid,
                              "two files would be packaged as " + m.name +
                                  (m.file.empty() ? "" : " (" + m.file.string() + ")"));
        if (m.text) {
            m.bytes = m.text->size();
            m.crc = crc_of(0, m.text->data(), m.text->size());
            continue;
        }
        auto read = file_crc(m.file);
        if (!read) return read.error_value();
        std::tie(m.bytes, m.crc) = *read;
    }

    toml::array files, keys;
    for (const Member& m : members) {
        files.push_back(toml::table{{"path", m.name},
                                    {"bytes", static_cast<std::int64_t>(m.bytes)},
                                    {"crc32", hex(m.crc, 8)}});
        summary.bytes += m.bytes;
    }
    for (const std::string& key : carried.keys) {
        keys.push_back(key);
        summary.keys.push_back(key);
    }
    toml::table package{
        {"format", kPackageFormat},
        {"made", format_iso8601_utc(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count())},
        {"recording", recording_name},
        {"from", format_iso8601_utc(window->from)},
        {"to", format_iso8601_utc(window->to)},
        {"from_ms", window->from},
        {"to_ms", window->to},
        {"records", static_cast<std::int64_t>(window->records)},
        {"picture_records", static_cast<std::int64_t>(window->picture_records)},
        {"picture_at_start", hex(window->picture_at_start, 16)},
        {"picture_at_end", hex(window->picture_at_end, 16)},
        {"config", kDrillConfig},
        {"keys", std::move(keys)},
    };
    if (wall_text) package.insert("wall_config", kWallConfig);
    if (!scenario_member.empty()) package.insert("scenario", scenario_member);
    std::ostringstream manifest;
    manifest << "# A citywall drill package (docs/drills.md, \"Drill packages\").\n\n"
             << toml::table{{"package", std::move(package)}, {"file", std::move(files)}} << "\n";

    // The manifest first: the receiver checks each member against it as it arrives.
    auto archive = ArchiveWriter::create(request.out);
    if (!archive) return archive.error_value();
    if (auto added = (*archive)->add_bytes(kManifest, manifest.str()); !added)
        return added.error_value();
    summary.files = members.size() + 1;
    summary.bytes += manifest.str().size();
    for (const Member& m : members) {
        auto crc = m.text ? (*archive)->add_bytes(m.name, *m.text)
                          : (*archive)->add_file(m.name, m.file, m.bytes);
        if (!crc) return crc.error_value();
        if (*crc != m.crc)
            return R::failure(ErrorKind::io, m.file.string() + " changed while it was packaged");
    }
    if (auto finished = (*archive)->finish(); !finished) return finished.error_value();
    return summary;
}

// ---- unpacking ------------------------------------------------------------------------------

namespace {

using Manifest = PackageManifest;

}  // namespace

Result<PackageManifest> parse_package_manifest(std::string_view text, const std::string& file) {
    using R = Result<PackageManifest>;
    toml::table parsed;
    try {
        parsed = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
        return R::failure(ErrorKind::invalid,
                          toml_schema::location(file, e.source()) + std::string(e.description()));
    }
    if (auto mistakes = toml_schema::check(parsed, kManifestSections, file); !mistakes.empty())
        return R::failure(ErrorKind::invalid, mistakes);
    const toml::table* root = &parsed;
    const auto refuse = [&](const std::string& why) {
        return R::failure(ErrorKind::invalid, file + ": " + why);
    };
    const toml::table* package = (*root)["package"].as_table();
    if (!package) return refuse("[package] is missing");
    const auto format = (*package)["format"].value<std::int64_t>();
    if (!format) return refuse("[package] format is missing");
    if (*format != kPackageFormat)
        return R::failure(ErrorKind::unsupported,
                          file + ": a package of format " + std::to_string(*format) +
                              ", which this citywall does not read (it reads format " +
                              std::to_string(kPackageFormat) + ")");
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
        auto root = read_toml(folder / member, schema);
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
