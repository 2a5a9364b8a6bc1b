// A drill package (docs/drills.md, "Drill packages"), written by citywall-replay --package-out
// (package_unpack.cpp receives one). Its members, in order:
//
//   manifest.toml  the window, the pictures' digests, each other member's size and CRC-32
//   <recording>/   the window as a journal of its own (write_window_journal)
//   maps/          every file the configs read to draw or place the city
//   scenario/      the scenario and the files its rows name
//   drill.toml     the drill's ingest config, naming those members; keys under keys/, written
//   wall.toml      a wall's config, the same way                    files under run/
#include "drill_package.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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
#include "package_format.hpp"
#include "scenario.hpp"

namespace citywall::ingest {

namespace {

namespace fs = std::filesystem;
using namespace package;
using toml_schema::FileRole;
using toml_schema::Key;

constexpr std::size_t kBatch = 4096;

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

// A config as the package holds it: its map files carried (and named where the package holds
// them), key files named under keys/, where it writes under run/, this machine's files left out.
Result<std::string> carry_config(const fs::path& file, std::span<const Key> schema,
                                 Carried& carried) {
    auto root = read_checked(file, schema);
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
        {"format", kFormat},
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

}  // namespace citywall::ingest
