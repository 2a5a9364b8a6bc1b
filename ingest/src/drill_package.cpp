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
            // A shapefile is several files: the ones beside it with its name go too.
            std::string extension = real.extension().string();
            std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
            if (extension == ".shp") {
                const std::string folder = base.substr(0, base.rfind('/'));
                for (const auto& entry : fs::directory_iterator(real.parent_path(), ec))
                    if (entry.is_regular_file() && entry.path() != real &&
                        entry.path().stem() == real.stem())
                        members.emplace_back(
                            folder + "/" + real.stem().string() + entry.path().extension().string(),
                            entry.path());
            }
        } else {
            return R::failure(ErrorKind::invalid,
                              where + ": " + source.string() + " is not a file or a folder");
        }
        by_source_.emplace(real, base);
        return base;
    }

    // `folder`/`name`, or `folder`/N/`name` when another file took that name.
    std::string free_name(const std::string& folder, const std::string& name) {
        std::string candidate = folder + "/" + name;
        for (int n = 2; taken_.contains(candidate); ++n)
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
            case FileRole::output:
                *found.value = "run/" + member_part(fs::path(value).filename().string(), "output");
                break;
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
    std::set<fs::path> named;
    for (const ScenarioEvent& event : scenario->events)
        if (!event.message_file.empty()) named.insert(event.message_file);
    for (const fs::path& message : named) {
        const std::string inside = message.lexically_normal().generic_string();
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
    std::vector<std::pair<std::string, fs::path>> members;  // the journal first, then the rest
    for (const auto& entry : fs::directory_iterator(scratch.path, ec))
        if (entry.is_regular_file())
            members.emplace_back(recording_name + "/" + entry.path().filename().string(),
                                 entry.path());
    std::sort(members.begin(), members.end());
    members.insert(members.end(), carried.members.begin(), carried.members.end());

    auto archive = ArchiveWriter::create(request.out);
    if (!archive) return archive.error_value();
    toml::array files;
    const auto listed = [&](const std::string& member, std::uint64_t bytes, std::uint32_t crc) {
        files.push_back(toml::table{
            {"path", member}, {"bytes", static_cast<std::int64_t>(bytes)}, {"crc32", hex(crc, 8)}});
        ++summary.files;
        summary.bytes += bytes;
    };
    for (const auto& [member, source] : members) {
        auto crc = (*archive)->add_file(member, source);
        if (!crc) return crc.error_value();
        listed(member, fs::file_size(source, ec), *crc);
    }
    for (const auto& [member, text] :
         {std::pair{std::string(kDrillConfig), &*drill_text},
          std::pair{std::string(kWallConfig), wall_text ? &*wall_text : nullptr}}) {
        if (!text) continue;
        auto crc = (*archive)->add_bytes(member, *text);
        if (!crc) return crc.error_value();
        listed(member, text->size(), *crc);
    }
    toml::array keys;
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
    auto crc = (*archive)->add_bytes(kManifest, manifest.str());
    if (!crc) return crc.error_value();
    ++summary.files;
    summary.bytes += manifest.str().size();
    if (auto finished = (*archive)->finish(); !finished) return finished.error_value();
    return summary;
}

// ---- unpacking ------------------------------------------------------------------------------

namespace {

using Manifest = PackageManifest;

Result<Manifest> read_manifest(const fs::path& file) {
    auto text = read_whole_file(file);
    if (!text) return text.because("the package's manifest: ");
    return parse_package_manifest(*text, file.string());
}

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
    if (const toml::array* files = (*root)["file"].as_array())
        for (const auto& entry : *files) {
            const toml::table& f = *entry.as_table();
            const std::string path = f["path"].value_or(std::string());
            const auto bytes = f["bytes"].value<std::int64_t>();
            const auto crc = read_hex(f["crc32"].value_or(std::string()));
            if (!safe_member_name(path) || !bytes || *bytes < 0 || !crc || *crc > UINT32_MAX)
                return refuse("a [[file]] without a path, bytes and crc32 that are ones");
            m.files[path] = {static_cast<std::uint64_t>(*bytes), static_cast<std::uint32_t>(*crc)};
        }
    return m;
}

namespace {

// Every member into `folder`, each with its size and CRC-32 as read.
Result<std::map<std::string, std::pair<std::uint64_t, std::uint32_t>>> extract(
    const fs::path& archive, const fs::path& folder) {
    using Found = std::map<std::string, std::pair<std::uint64_t, std::uint32_t>>;
    using R = Result<Found>;
    auto reader = ArchiveReader::open(archive);
    if (!reader) return reader.error_value();
    Found found;
    std::string buffer(1u << 20, '\0');
    for (;;) {
        auto member = (*reader)->next();
        if (!member) return member.because(archive.string() + ": ");
        if (!*member) break;
        const fs::path target = folder / fs::path((*member)->name);
        std::error_code ec;
        if ((*member)->folder) {
            fs::create_directories(target, ec);
            if (ec) return R::failure(ErrorKind::io, target.string() + ": " + ec.message());
            continue;
        }
        if (found.contains((*member)->name))
            return R::failure(ErrorKind::invalid, archive.string() + ": member \"" +
                                                      (*member)->name + "\" is there twice");
        fs::create_directories(target.parent_path(), ec);
        if (ec)
            return R::failure(ErrorKind::io, target.parent_path().string() + ": " + ec.message());
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        if (!out) return R::failure(ErrorKind::io, target.string() + ": cannot be written");
        std::uint32_t crc = 0;
        for (;;) {
            auto got = (*reader)->read(buffer.data(), buffer.size());
            if (!got) return got.because(archive.string() + ": ");
            if (*got == 0) break;
            crc = crc_of(crc, buffer.data(), *got);
            if (!out.write(buffer.data(), static_cast<std::streamsize>(*got)))
                return R::failure(ErrorKind::io, target.string() + ": cannot be written");
        }
        if (!out.flush()) return R::failure(ErrorKind::io, target.string() + ": cannot be written");
        found[(*member)->name] = {(*member)->bytes, crc};
    }
    return found;
}

Result<void> copy_keys(const Manifest& manifest, const fs::path& folder, const fs::path& keys) {
    if (manifest.keys.empty()) return {};
    std::vector<std::string> missing;
    std::error_code ec;
    for (const std::string& name : manifest.keys)
        if (keys.empty() || !fs::is_regular_file(keys / name, ec)) missing.push_back(name);
    if (!missing.empty() && !keys.empty()) {
        std::string list;
        for (const std::string& name : missing)
            list += (list.empty() ? "" : ", ") + name;
        return Result<void>::failure(
            ErrorKind::not_found,
            "the package's configs need these key files of this centre, not in " + keys.string() +
                ": " + list + " (citywall-keygen writes them; docs/security.md)");
    }
    if (keys.empty()) {
        // Nothing given: the keys/ folder may hold them already (a package unpacked before).
        for (const std::string& name : manifest.keys)
            if (!fs::is_regular_file(folder / "keys" / name, ec))
                return Result<void>::failure(
                    ErrorKind::not_found, "the package's configs need this centre's key files (" +
                                              std::to_string(manifest.keys.size()) +
                                              ", the first missing: " + name +
                                              "): give the folder that holds them with --keys");
        return {};
    }
    fs::create_directories(folder / "keys", ec);
    for (const std::string& name : manifest.keys) {
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
    std::error_code ec;
    if (fs::exists(into / kManifest, ec)) {
        // Unpacked before: used as it is, with the configs as this centre may have edited them.
        auto manifest = read_manifest(into / kManifest);
        if (!manifest) return manifest.error_value();
        if (auto copied = copy_keys(*manifest, into, keys); !copied) return copied.error_value();
        return unpacked(*manifest, into, true);
    }
    if (fs::exists(into, ec) && !fs::is_empty(into, ec))
        return R::failure(ErrorKind::refused,
                          into.string() +
                              " holds other files: a package is unpacked into an "
                              "empty folder of its own");
    ScratchFolder scratch{fs::path(into.string() + ".unpacking")};
    fs::remove_all(scratch.path, ec);
    fs::create_directories(scratch.path, ec);
    if (ec) return R::failure(ErrorKind::io, scratch.path.string() + ": " + ec.message());
    auto found = extract(archive, scratch.path);
    if (!found) return found.error_value();
    if (!found->contains(kManifest))
        return R::failure(ErrorKind::invalid,
                          archive.string() + ": no manifest.toml: not a citywall drill package");
    auto manifest = read_manifest(scratch.path / kManifest);
    if (!manifest) return manifest.error_value();
    found->erase(kManifest);
    for (const auto& [path, listed] : manifest->files) {
        const auto it = found->find(path);
        if (it == found->end())
            return R::failure(ErrorKind::damaged,
                              archive.string() + ": " + path + " is listed but not there");
        if (it->second != listed)
            return R::failure(ErrorKind::damaged, archive.string() + ": " + path +
                                                      " is not as it was packaged (its size or "
                                                      "CRC-32 differs)");
    }
    for (const auto& [path, what] : *found) {
        if (!manifest->files.contains(path))
            return R::failure(ErrorKind::invalid,
                              archive.string() + ": " + path + " is not in the manifest");
        // Keys are this centre's, and run/ is where its drill writes: never the sender's.
        if (path.starts_with("keys/") || path.starts_with("run/"))
            return R::failure(ErrorKind::refused,
                              archive.string() + ": " + path +
                                  " is in the package: a package carries no keys and nothing "
                                  "where the drill writes");
    }
    for (const std::string* member :
         {&manifest->config, &manifest->wall_config, &manifest->scenario})
        if (!member->empty() && !manifest->files.contains(*member))
            return R::failure(ErrorKind::invalid, archive.string() + ": the manifest names " +
                                                      *member +
                                                      ", which the package does not hold");
    auto digests =
        picture_digests(scratch.path / manifest->recording, manifest->from, manifest->to);
    if (!digests) return digests.because(archive.string() + ": the recording: ");
    if (digests->start != manifest->picture_at_start || digests->end != manifest->picture_at_end)
        return R::failure(
            ErrorKind::damaged,
            archive.string() + ": the recording does not give the pictures it was packaged with");
    if (auto copied = copy_keys(*manifest, scratch.path, keys); !copied)
        return copied.error_value();
    fs::remove(into, ec);  // an empty folder given to unpack into
    fs::rename(scratch.path, into, ec);
    if (ec) return R::failure(ErrorKind::io, into.string() + ": " + ec.message());
    scratch.keep = true;
    return unpacked(*manifest, into, false);
}

}  // namespace citywall::ingest
