// A drill package (docs/drills.md, "Drill packages"): a window of a live ingest's recording of
// real San Francisco incidents, packaged with the drill's config, a trainer's wall config, San
// Francisco's police districts and a scenario; the archive alone taken to another centre with
// keys of its own, unpacked there, and replayed with one command by the real citywall-replay: the
// picture at every moment of the window, and a trainer's wall at its end, is the recording's.
// What arrives damaged, cut short or into the wrong folder is refused before it is used.
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <toml++/toml.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "citywall/config.hpp"
#include "citywall/config_schemas.hpp"
#include "citywall/journal_index.hpp"
#include "citywall/keys.hpp"
#include "drill_package.hpp"
#include "ingest_process.hpp"
#include "key_pairs.hpp"
#include "package_archive.hpp"
#include "scenario.hpp"
#include "sfpd_recording.hpp"
#include "wall_client.hpp"

namespace citywall::ingest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::kRecordingStart;

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kFrom = kRecordingStart + 20 * kMinute;
constexpr TimeMs kTo = kRecordingStart + 45 * kMinute;
const char* const kDistricts = CITYWALL_TEST_DATA "/real/sfpd_districts.geojson";

const testing::Recording& recording() {
    static const testing::Recording r;
    return r;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_text(const fs::path& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

// A centre's own keys: its ingest's, the police's, the trainer's wall's.
std::map<std::string, KeyPair> make_keys(const fs::path& dir) {
    std::map<std::string, KeyPair> keys;
    for (const char* name : {"ingest", "SFPD", "trainer"}) {
        keys[name] = testing::fresh_key_pair();
        EXPECT_TRUE(write_key_files(dir, name, keys[name], false));
    }
    return keys;
}

// The centre that recorded the night: its drill's config and a trainer's wall's, naming San
// Francisco's police districts (the wall a copy of its own, by a relative path).
struct SendingCentre {
    explicit SendingCentre(bool keys) {
        if (keys) make_keys(dir.path() / "keys");
        drill_config = dir.path() / "drill.toml";
        wall_config = dir.path() / "wall.toml";
        std::ostringstream drill;
        drill << "[ingest]\nupdates_endpoint = \"" << updates << "\"\nsnapshot_endpoint = \""
              << snapshots
              << "\"\njournal_dir = \"drill-journal\"\nheartbeat_ms = 200\ndrill = true\n"
              << (keys ? "[security]\ningest_key_file = \"keys/ingest.key\"\n"
                       : "[security]\nkeys = \"off\"\nrole_without_keys = \"trainer\"\n")
              << "[[area]]\nlevel = \"police_district\"\nname_en = \"Police district\"\n"
                 "hierarchy = \"police\"\nsource = \""
              << kDistricts
              << "\"\ncode_field = \"DISTRICT\"\nname_field = \"DISTRICT\"\n"
                 "[[department]]\ncode = \"SFPD\"\nendpoint = \""
              << testing::loopback_endpoint() << "\"\n"
              << (keys ? "public_key_file = \"keys/SFPD.pub\"\n"
                         "[[wall]]\nname = \"trainer\"\nrole = \"trainer\"\n"
                         "public_key_file = \"keys/trainer.pub\"\n"
                       : "");
        write_text(drill_config, drill.str());
        fs::create_directories(dir.path() / "layers");
        fs::copy_file(kDistricts, dir.path() / "layers" / "sfpd_districts.geojson");
        std::ostringstream wall;
        wall << "[ingest]\nupdates = \"" << updates << "\"\nsnapshot = \"" << snapshots << "\"\n"
             << (keys ? "key_file = \"keys/trainer.key\"\ningest_key_file = \"keys/ingest.pub\"\n"
                      : "")
             << "[ui]\nfont = \"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc\"\n"
                "[[layer]]\nname = \"Police districts\"\nkind = \"vector\"\n"
                "source = \"layers/sfpd_districts.geojson\"\noutline = \"#6f9fe0\"\n";
        write_text(wall_config, wall.str());
    }
    testing::ScratchDir dir{"citywall-package-sender"};
    std::string updates = testing::loopback_endpoint(), snapshots = testing::loopback_endpoint();
    fs::path drill_config, wall_config;
};

// Every file a config names lies inside `folder`: the package's own, or the centre's keys.
void expect_inside(const fs::path& config, std::span<const toml_schema::Key> schema,
                   const fs::path& folder) {
    toml::table root = toml::parse_file(config.string());
    std::size_t files = 0;
    for (const auto& found : toml_schema::file_values(root, schema)) {
        const fs::path value = found.value->get();
        EXPECT_TRUE(value.is_relative()) << found.where << " = " << value;
        const fs::path inside = (folder / value).lexically_normal();
        EXPECT_EQ(inside.string().rfind(folder.lexically_normal().string(), 0), 0u) << found.where;
        EXPECT_NE(found.role, toml_schema::FileRole::local) << found.where;
        EXPECT_NE(found.role, toml_schema::FileRole::key_text) << found.where;
        if (found.role == toml_schema::FileRole::map || found.role == toml_schema::FileRole::key) {
            EXPECT_TRUE(fs::is_regular_file(inside)) << found.where << ": " << inside;
        }
        ++files;
    }
    EXPECT_GT(files, 0u);
}

std::uint64_t digest_at(const fs::path& journal, TimeMs at) {
    auto picture = RecordedPicture::open(journal, 100);
    EXPECT_TRUE(picture) << picture.error();
    picture->show_as_drill(true);
    EXPECT_TRUE(picture->seek(at));
    return picture->digest();
}

TEST(DrillPackage, UnpackedAtAnotherCentreItReplaysToTheRecordingsPicture) {
    ASSERT_GT(recording().events(), 400u);
    SendingCentre sender(true);
    const fs::path archive = sender.dir.path() / "storm-night.tar.gz";
    auto summary = write_package(
        {recording().path(), kFrom, kTo, sender.drill_config, sender.wall_config, {}, archive});
    ASSERT_TRUE(summary) << summary.error();
    EXPECT_EQ(summary->window.from, kFrom);
    EXPECT_EQ(summary->window.to, kTo);
    EXPECT_EQ(summary->keys, (std::vector<std::string>{"SFPD.pub", "ingest.key", "ingest.pub",
                                                       "trainer.key", "trainer.pub"}));
    // The picture at the window's start is one record an incident or unit open then, not the
    // stretch before it; then every record of the window.
    {
        auto at_start = RecordedPicture::open(recording().path());
        ASSERT_TRUE(at_start && at_start->seek(kFrom));
        const std::size_t open =
            at_start->picture().incidents().size() + at_start->picture().units().size();
        EXPECT_GT(open, 20u);
        EXPECT_EQ(summary->window.picture_records, open);
        auto cursor = RecordingCursor::open(recording().path());
        ASSERT_TRUE(cursor && cursor->seek(kFrom));
        std::uint64_t in_window = 0;
        while (cursor->play_until(kTo, 1000, [&](JournalRecord&&, TimeMs) { ++in_window; }) != 0) {
        }
        EXPECT_GT(in_window, 100u);
        EXPECT_EQ(summary->window.records, open + in_window);
    }
    EXPECT_NE(summary->window.picture_at_start, summary->window.picture_at_end);

    // Another centre: the archive alone, and keys of its own.
    testing::ScratchDir receiver("citywall-package-receiver");
    const fs::path arrived = receiver.path() / "storm-night.tar.gz";
    fs::copy_file(archive, arrived);
    auto centre_keys = make_keys(receiver.path() / "centre-keys");
    auto unpacked =
        unpack_package(arrived, receiver.path() / "unpacked", receiver.path() / "centre-keys");
    ASSERT_TRUE(unpacked) << unpacked.error();
    EXPECT_FALSE(unpacked->reused);
    expect_inside(unpacked->config, ingest_config_schema(), unpacked->folder);
    expect_inside(unpacked->wall_config, wall_config_schema(), unpacked->folder);
    EXPECT_NE(read_text(unpacked->wall_config).find("maps/2/sfpd_districts.geojson"),
              std::string::npos);  // the wall's own copy, beside the drill's
    EXPECT_EQ(read_text(unpacked->wall_config).find("font"), std::string::npos);
    EXPECT_EQ(read_text(unpacked->folder / "keys" / "trainer.key"),
              read_text(receiver.path() / "centre-keys" / "trainer.key"));

    // At every moment of the window, the package's recording gives the recording's picture.
    for (TimeMs at : {kFrom, kFrom + 1, kFrom + 7 * kMinute + 3, kFrom + 19 * kMinute, kTo + 1})
        EXPECT_EQ(digest_at(unpacked->recording, at), digest_at(recording().path(), at))
            << "at " << (at - kRecordingStart) / 1000 << " s";
    EXPECT_NE(digest_at(unpacked->recording, kFrom), digest_at(unpacked->recording, kTo + 1));
    auto loaded = load_ingest_config(unpacked->config);
    ASSERT_TRUE(loaded) << loaded.error();
    auto police_key = load_public_key_file(loaded->departments.at(0).public_key_file);
    ASSERT_TRUE(police_key) << police_key.error();
    EXPECT_EQ(*police_key, centre_keys["SFPD"].public_key);
    EXPECT_TRUE(loaded->drill);
    EXPECT_TRUE(loaded->live_config.empty());

    // Without this centre's keys, or with one missing, it is not unpacked.
    auto refused = unpack_package(arrived, receiver.path() / "no-keys", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("--keys"), std::string::npos) << refused.error();
    fs::remove(receiver.path() / "centre-keys" / "trainer.key");
    refused =
        unpack_package(arrived, receiver.path() / "some-keys", receiver.path() / "centre-keys");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("trainer.key"), std::string::npos) << refused.error();
    EXPECT_FALSE(fs::exists(receiver.path() / "some-keys"));
    ASSERT_TRUE(
        write_key_files(receiver.path() / "centre-keys", "trainer", centre_keys["trainer"], true));
    // "DIR/" is DIR; a folder that holds another package is not replayed as this one.
    auto slash = unpack_package(arrived, (receiver.path() / "slash").string() + "/",
                                receiver.path() / "centre-keys");
    ASSERT_TRUE(slash) << slash.error();
    EXPECT_EQ(slash->folder, receiver.path() / "slash");
    auto other = write_package({recording().path(),
                                kFrom,
                                kTo - kMinute,
                                sender.drill_config,
                                {},
                                {},
                                sender.dir.path() / "other.tar"});
    ASSERT_TRUE(other) << other.error();
    refused = unpack_package(sender.dir.path() / "other.tar", receiver.path() / "slash", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("holds another package"), std::string::npos) << refused.error();

    // One command: unpacked beside the archive and played as fast as possible; a trainer's wall
    // with this centre's key ends on the recording's picture at the window's end.
    const auto index = JournalIndex::open(unpacked->recording);
    ASSERT_TRUE(index && index->last());
    const std::uint64_t last = index->last()->seq;
    const fs::path log = receiver.path() / "replay.log";
    testing::IngestProcess replay(CITYWALL_REPLAY_BIN,
                                  {"--package", arrived.string(), "--keys",
                                   (receiver.path() / "centre-keys").string(), "--speed", "0"},
                                  log);
    zmq::context_t context(1);
    testing::WallClient wall(context, sender.updates, sender.snapshots, 0,
                             WallKeys{centre_keys["trainer"], centre_keys["ingest"].public_key});
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    const bool settled = wall.pump_until(
        [&](const CityPicture& p) {
            return p.has_snapshot() && p.drill_clock() && p.drill_clock()->recording_seq == last &&
                   p.drill_clock()->seq > 0 && p.seq() >= p.drill_clock()->seq;
        },
        90s);
    ASSERT_TRUE(settled) << read_text(log);
    EXPECT_EQ(RecordedPicture::digest(wall.picture), digest_at(recording().path(), kTo + 1));
    EXPECT_TRUE(wall.picture.drill());
    EXPECT_EQ(wall.picture.drill_clock()->from, kFrom);
    EXPECT_EQ(wall.picture.drill_clock()->to, kTo);
    EXPECT_EQ(wall.picture.drill_clock()->recording, recording().path().filename().string());
    EXPECT_TRUE(replay.stop()) << read_text(log);
    const fs::path folder = receiver.path() / "storm-night";
    EXPECT_TRUE(fs::exists(folder / "manifest.toml"));
    EXPECT_TRUE(fs::exists(folder / "run" / "drill-journal"));  // the drill's own journal
    EXPECT_NE(read_text(log).find("unpacked into"), std::string::npos) << read_text(log);
}

TEST(DrillPackage, TheScenarioTravelsAndWhatArrivesDamagedIsRefused) {
    SendingCentre sender(false);
    const fs::path scenario = sender.dir.path() / "exercise" / "market_street.csv";
    write_text(scenario,
               "at,department,id,lon,lat,area,category,severity,status,title,description,file\n"
               "0:30,SFPD,EX-1,-122.4194,37.7749,,police.theft,major,reported,Market St,,\n"
               "1:00,SFPD,,,,,,,,,,reports/second.json\n");
    const std::string second =
        R"({"id":"EX-2","category":"police.theft","severity":2,"lon":-122.42,"lat":37.78,)"
        R"("title":"Second report"})";
    write_text(scenario.parent_path() / "reports" / "second.json", second);
    const fs::path archive = sender.dir.path() / "exercise.tar";
    auto summary = write_package(
        {recording().path(), 0, 0, sender.drill_config, sender.wall_config, scenario, archive});
    ASSERT_TRUE(summary) << summary.error();
    EXPECT_TRUE(summary->keys.empty());              // keys off: none needed
    EXPECT_EQ(summary->window.picture_records, 0u);  // the whole recording: no picture before it
    EXPECT_EQ(summary->window.records, recording().events());

    testing::ScratchDir receiver("citywall-package-receiver");
    auto unpacked = unpack_package(archive, receiver.path() / "exercise", {});
    ASSERT_TRUE(unpacked) << unpacked.error();
    auto read = read_scenario(unpacked->scenario);
    ASSERT_TRUE(read) << read.error();
    ASSERT_EQ(read->events.size(), 2u);
    EXPECT_EQ(read->events[1].message, second);
    auto again = unpack_package(archive, receiver.path() / "exercise", {});
    ASSERT_TRUE(again) << again.error();
    EXPECT_TRUE(again->reused);

    // Into a folder that holds something else: refused.
    write_text(receiver.path() / "busy" / "notes.txt", "mine");
    auto refused = unpack_package(archive, receiver.path() / "busy", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("holds other files"), std::string::npos) << refused.error();

    // A byte changed in transfer, and an archive cut short: refused, nothing left behind.
    const std::string whole = read_text(archive);
    std::string changed = whole;
    const std::size_t config = changed.find("journal_dir");
    ASSERT_NE(config, std::string::npos);
    changed[config + 1] = 'O';
    write_text(receiver.path() / "changed.tar", changed);
    refused = unpack_package(receiver.path() / "changed.tar", receiver.path() / "changed", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("drill.toml is not as it was packaged"), std::string::npos)
        << refused.error();
    write_text(receiver.path() / "cut.tar", whole.substr(0, whole.size() / 2));
    refused = unpack_package(receiver.path() / "cut.tar", receiver.path() / "cut", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("cut short"), std::string::npos) << refused.error();
    for (const char* left : {"changed", "changed.unpacking", "cut", "cut.unpacking"})
        EXPECT_FALSE(fs::exists(receiver.path() / left)) << left;

    // What cannot travel is said when packaging: a layer in a database, a live city's config.
    std::string text = read_text(sender.drill_config);
    const std::string in_database =
        std::string(text).replace(text.find(kDistricts), std::strlen(kDistricts), "PG:dbname=city");
    write_text(sender.dir.path() / "database.toml", in_database);
    auto not_packaged = write_package({recording().path(),
                                       0,
                                       0,
                                       sender.dir.path() / "database.toml",
                                       {},
                                       {},
                                       sender.dir.path() / "database.tar"});
    ASSERT_FALSE(not_packaged);
    EXPECT_NE(not_packaged.error().find("PG:dbname=city"), std::string::npos)
        << not_packaged.error();
    text.replace(text.find("drill = true"), 12, "drill = false");
    write_text(sender.dir.path() / "live.toml", text);
    not_packaged = write_package({recording().path(),
                                  0,
                                  0,
                                  sender.dir.path() / "live.toml",
                                  {},
                                  {},
                                  sender.dir.path() / "live.tar"});
    ASSERT_FALSE(not_packaged);
    EXPECT_NE(not_packaged.error().find("not a drill's"), std::string::npos)
        << not_packaged.error();
    EXPECT_FALSE(fs::exists(sender.dir.path() / "live.tar"));
}

// A package repacked by hand (as a sender could): `change` edits the unpacked files, the
// manifest is written to match them, and the archive is made again, manifest first.
fs::path forged(const fs::path& archive, const fs::path& work,
                const std::function<void(const fs::path&)>& change) {
    const fs::path folder = work / "forged";
    fs::create_directories(folder);
    EXPECT_EQ(
        std::system(("tar -xf '" + archive.string() + "' -C '" + folder.string() + "'").c_str()),
        0);
    change(folder);
    toml::table manifest = toml::parse_file((folder / "manifest.toml").string());
    auto& files = *manifest["file"].as_array();
    for (auto& entry : files) {
        auto& f = *entry.as_table();
        const std::string text = read_text(folder / f["path"].value_or(std::string()));
        char crc[16];
        std::snprintf(crc, sizeof crc, "%08x",
                      static_cast<unsigned>(crc_of(0, text.data(), text.size())));
        f.insert_or_assign("bytes", static_cast<std::int64_t>(text.size()));
        f.insert_or_assign("crc32", std::string(crc));
    }
    std::ostringstream manifest_text;
    manifest_text << manifest;
    const fs::path out = work / "forged.tar";
    auto writer = ArchiveWriter::create(out);
    EXPECT_TRUE(writer);
    EXPECT_TRUE((*writer)->add_bytes("manifest.toml", manifest_text.str()));
    for (auto& entry : files) {
        const std::string path = (*entry.as_table())["path"].value_or(std::string());
        EXPECT_TRUE((*writer)->add_file(path, folder / path));
    }
    EXPECT_TRUE((*writer)->finish());
    fs::remove_all(folder);
    return out;
}

TEST(DrillPackage, AConfigThatWouldWriteOrReadOutsideThePackageIsRefused) {
    SendingCentre sender(true);
    const fs::path archive = sender.dir.path() / "night.tar";
    ASSERT_TRUE(write_package(
        {recording().path(), kFrom, kTo, sender.drill_config, sender.wall_config, {}, archive}));
    testing::ScratchDir receiver("citywall-package-receiver");
    make_keys(receiver.path() / "keys");
    // The package as it came, repacked untouched, is taken: the forging itself changes nothing.
    auto untouched = forged(archive, receiver.path(), [](const fs::path&) {});
    auto taken = unpack_package(untouched, receiver.path() / "untouched", receiver.path() / "keys");
    ASSERT_TRUE(taken) << taken.error();
    struct Edit {
        std::string from, to, why;
    };
    const std::vector<Edit> edits = {
        {"journal_dir = 'run/drill-journal'", "journal_dir = '/var/tmp/citywall-live-journal'",
         "outside the package"},
        {"journal_dir = 'run/drill-journal'", "journal_dir = 'maps/journal'", "under run/ only"},
        {"ingest_key_file = 'keys/ingest.key'", "ingest_key_file = 'keys/../../ingest.key'",
         "outside the package"},
        {"ingest_key_file = 'keys/ingest.key'", "ingest_key_file = 'keys/stolen.key'",
         "listed in the manifest"},
        {"source = 'maps/sfpd_districts.geojson'", "source = '/etc/hostname'",
         "outside the package"},
    };
    int n = 0;
    for (const auto& [from, to, why] : edits) {
        const fs::path work = receiver.path() / ("edit-" + std::to_string(++n));
        fs::create_directories(work);
        auto edited = forged(archive, work, [&](const fs::path& folder) {
            std::string text = read_text(folder / "drill.toml");
            ASSERT_NE(text.find(from), std::string::npos) << from << " in\n" << text;
            text.replace(text.find(from), from.size(), to);
            write_text(folder / "drill.toml", text);
        });
        auto refused = unpack_package(edited, work / "unpacked", receiver.path() / "keys");
        ASSERT_FALSE(refused) << to;
        EXPECT_NE(refused.error().find("drill.toml: "), std::string::npos) << refused.error();
        EXPECT_NE(refused.error().find(why), std::string::npos) << refused.error();
        EXPECT_FALSE(fs::exists(work / "unpacked")) << to;
        EXPECT_FALSE(fs::exists(work / "unpacked.unpacking")) << to;
    }
}

TEST(DrillPackage, AShapefileTravelsWithTheFilesBesideIt) {
    SendingCentre sender(false);
    const fs::path layers = sender.dir.path() / "layers";
    const std::string command = "ogr2ogr -f 'ESRI Shapefile' '" +
                                (layers / "sfpd_districts.shp").string() + "' '" +
                                (layers / "sfpd_districts.geojson").string() + "' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::string drill = read_text(sender.drill_config);
    drill.replace(drill.find(kDistricts), std::strlen(kDistricts),
                  (layers / "sfpd_districts.shp").string());
    write_text(sender.drill_config, drill);
    const fs::path archive = sender.dir.path() / "shapes.tar";
    auto summary = write_package(
        {recording().path(), kFrom, kTo, sender.drill_config, sender.wall_config, {}, archive});
    ASSERT_TRUE(summary) << summary.error();
    testing::ScratchDir receiver("citywall-package-receiver");
    auto unpacked = unpack_package(archive, receiver.path() / "shapes", {});
    ASSERT_TRUE(unpacked) << unpacked.error();
    for (const char* part : {"shp", "shx", "dbf", "prj"})
        EXPECT_TRUE(fs::exists(unpacked->folder / "maps" / ("sfpd_districts." + std::string(part))))
            << part;
    // The wall's GeoJSON of the same name beside it, kept apart.
    EXPECT_NE(read_text(unpacked->wall_config).find("maps/2/sfpd_districts.geojson"),
              std::string::npos);
    GDALAllRegister();
    GDALDataset* shapes = static_cast<GDALDataset*>(
        GDALOpenEx((unpacked->folder / "maps" / "sfpd_districts.shp").c_str(), GDAL_OF_VECTOR,
                   nullptr, nullptr, nullptr));
    ASSERT_NE(shapes, nullptr);
    EXPECT_EQ(shapes->GetLayer(0)->GetFeatureCount(), 10);
    GDALClose(shapes);
}

}  // namespace
}  // namespace citywall::ingest
