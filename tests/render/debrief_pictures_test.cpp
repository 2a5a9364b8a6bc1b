// The debrief's pictures, drawn for real: a drill's journal of real San Francisco incidents is
// replayed by citywall-replay, paused at each moment, and citywall-viewer draws it under Xvfb on
// San Francisco's police districts. Each picture is the wall at its moment (as many incidents as
// were open then, the DRILL frame), and the page holds them.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <fstream>

#include "citywall/journal.hpp"
#include "citywall/replay.hpp"
#include "citywall/wire.hpp"
#include "csv_fields.hpp"
#include "drill_debrief.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_pictures.hpp"

namespace citywall::debrief {
namespace {

constexpr TimeMs kMin = 60'000;
constexpr TimeMs kStart = 1'388'448'000'000;  // 2013-12-31T00:00:00Z

// A drill's journal: 60 real incidents reported over an hour, every third resolved 20 minutes
// later, and a trainer's bookmark.
void write_drill(const std::filesystem::path& dir) {
    auto writer = JournalWriter::open({dir, 64u << 20, 0});
    ASSERT_TRUE(writer) << writer.error();
    std::uint64_t seq = 0;
    const auto write = [&](TimeMs at, const wire::Message& message) {
        ASSERT_TRUE(
            (*writer)->append({++seq, at, static_cast<std::uint16_t>(wire::kind_of(message)),
                               wire::encode(message)}));
    };
    std::ifstream csv(CITYWALL_TEST_DATA "/real/sfpd_incidents.csv");
    std::string line;
    std::getline(csv, line);
    std::vector<std::pair<TimeMs, Incident>> events;
    for (std::uint64_t id = 1; id <= 60 && std::getline(csv, line); ++id) {
        const auto f = testing::csv_fields(line);
        ASSERT_GE(f.size(), 11u);
        Incident incident;
        incident.id = id;
        incident.category = "police.theft";
        incident.severity = id % 5 == 0 ? Severity::critical : Severity::moderate;
        incident.title = f[1];
        incident.location = {std::stod(f[9]), std::stod(f[10])};
        incident.sources.push_back({"SFPD", f[0], IncidentStatus::reported, 0});
        incident.areas = {{"police_district", f[6], f[6]}};
        incident.drill = true;
        incident.received = incident.updated = kStart + static_cast<TimeMs>(id) * kMin;
        events.emplace_back(incident.received, incident);
        if (id % 3 == 0) {
            incident.status = IncidentStatus::resolved;
            incident.updated += 20 * kMin;
            events.emplace_back(incident.updated, incident);
        }
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    wire::DrillClock clock;
    clock.change = wire::DrillClock::Change::bookmarked;
    clock.recording = "SFPD, 31 Dec 2013";
    clock.bookmarks = {{kStart + 30 * kMin, "half an hour in"}};
    write(kStart, wire::Message{clock});
    for (auto& [at, incident] : events)
        write(at, wire::Message{wire::IncidentUpdate{seq + 1, incident}});
}

std::size_t open_at(const std::filesystem::path& journal, TimeMs at) {
    auto picture = RecordedPicture::open(journal);
    EXPECT_TRUE(picture) << picture.error();
    if (!picture || !picture->seek(at)) return 0;
    std::size_t open = 0;
    for (const auto& [id, view] : picture->picture().incidents()) {
        const auto incident = picture->picture().incidents().incident(id);
        open += incident && incident->open() ? 1 : 0;
    }
    return open;
}

TEST(DebriefPictures, EachMomentIsTheWallAsTheDrillShowedItThen) {
    testing::ScratchDir dir("citywall-debrief-pictures");
    const auto journal = dir.path() / "drill-journal";
    write_drill(journal);
    const auto write_config = [&](const std::filesystem::path& path, bool drill) {
        std::ofstream toml(path);
        toml << "[ingest]\nupdates_endpoint = \"" << testing::loopback_endpoint()
             << "\"\nsnapshot_endpoint = \"" << testing::loopback_endpoint()
             << "\"\njournal_dir = \"journal\"\nheartbeat_ms = 200\ndrill = "
             << (drill ? "true" : "false") << "\n[security]\nkeys = \"off\"\n"
             << "[[area]]\nlevel = \"police_district\"\nname_en = \"Police district\"\n"
             << "hierarchy = \"police\"\nsource = \"" CITYWALL_TEST_DATA
                "/real/sfpd_districts.geojson\"\ncode_field = \"DISTRICT\"\n"
                "name_field = \"DISTRICT\"\n"
             << "[[department]]\ncode = \"SFPD\"\nendpoint = \"" << testing::loopback_endpoint()
             << "\"\n";
    };
    const auto config = dir.path() / "drill.toml";
    write_config(config, true);
    PictureRequest request;
    request.journal = journal;
    request.drill_config = config;
    request.wall_config = CITYWALL_SF_WALL;
    request.replay_program = CITYWALL_REPLAY_BIN;
    request.viewer_program = CITYWALL_VIEWER_BIN;
    request.work = dir.path() / "work";
    request.size = "960x540";
    request.timeout_s = 60;
    const std::vector<Moment> moments = {{kStart + 10 * kMin + 1, "ten minutes in"},
                                         {kStart + 50 * kMin + 1, "fifty minutes in"}};
    auto drawn = draw_moments(request, moments);
    ASSERT_TRUE(drawn) << drawn.error();
    ASSERT_EQ(drawn->size(), 2u);
    std::vector<std::string> pngs;
    for (std::size_t k = 0; k < 2; ++k) {
        const WallPicture& p = (*drawn)[k];
        ASSERT_TRUE(p.failure.empty()) << p.failure;
        const std::size_t open = open_at(journal, moments[k].at);
        ASSERT_GT(open, 0u);
        // The wall drew every incident open at that moment, no more.
        EXPECT_NE(p.wall_said.find(", " + std::to_string(open) + " incidents)"), std::string::npos)
            << p.wall_said << " (expected " << open << ")";
        int w = 0, h = 0, channels = 0;
        unsigned char* pixels =
            stbi_load_from_memory(reinterpret_cast<const unsigned char*>(p.png.data()),
                                  static_cast<int>(p.png.size()), &w, &h, &channels, 3);
        ASSERT_TRUE(pixels);
        EXPECT_EQ(w, 960);
        EXPECT_EQ(h, 540);
        // The DRILL frame: the picture's edge is red.
        const unsigned char* edge = pixels + (static_cast<std::size_t>(h / 2) * w + 1) * 3;
        EXPECT_GT(edge[0], 150) << int(edge[0]) << "," << int(edge[1]) << "," << int(edge[2]);
        EXPECT_LT(edge[1], 100);
        stbi_image_free(pixels);
        pngs.push_back(p.png);
    }
    EXPECT_NE(pngs[0], pngs[1]);
    // Nothing the pictures started is left: the scratch journals are gone.
    EXPECT_FALSE(std::filesystem::exists(request.work / "replay-1"));

    // The page holds both, inline.
    auto read = read_debrief(journal, std::nullopt, std::nullopt);
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(read->bookmarks.size(), 1u);
    const std::string page = debrief_page(*read, *drawn, PageOptions{});
    std::size_t images = 0;
    for (std::size_t at = page.find("data:image/png;base64,"); at != std::string::npos;
         at = page.find("data:image/png;base64,", at + 1))
        ++images;
    EXPECT_EQ(images, 2u);

    // The live city's config is refused before anything starts: its ports are the city's.
    request.drill_config = dir.path() / "live.toml";
    write_config(request.drill_config, false);
    auto refused = draw_moments(request, moments);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("not a drill's config"), std::string::npos) << refused.error();
}

}  // namespace
}  // namespace citywall::debrief
