// kill -9 under load: citywall-ingest runs as a real process, departments flood it, a
// subscriber records everything published, and the process is killed mid-stream. After a
// restart on the same journal (checkpoint + tail), no published event may be missing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "citywall/journal.hpp"
#include "citywall/wire.hpp"
#include "ingest_process.hpp"
#include "loopback.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

using testing::IngestProcess;

std::string report(int k, const char* status) {
    return R"({"id":"L)" + std::to_string(k) + R"(","category":"police.theft","status":")" +
           status + R"(","lon":-122.41,"lat":37.76})";
}

TEST(CrashRecovery, KillNineUnderLoadLosesNoPublishedEvent) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("citywall-crash-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string updates = testing::loopback_endpoint(),
                      snapshots = testing::loopback_endpoint(),
                      police = testing::loopback_endpoint();
    {
        std::ofstream config(dir / "ingest.toml");
        config << "[ingest]\nupdates_endpoint = \"" << updates << "\"\nsnapshot_endpoint = \""
               << snapshots << "\"\njournal_dir = \"journal\"\nfsync_interval_ms = 50\n"
               << "checkpoint_every = 1500\nheartbeat_ms = 200\n"
               << "[security]\nkeys = \"off\"\n"
               << testing::area_levels_toml({testing::sf_districts(
                      std::filesystem::path(CITYWALL_TEST_DATA) / "real/sfpd_districts.geojson")})
               << "[[department]]\ncode = \"110\"\nendpoint = \"" << police << "\"\n";
    }
    zmq::context_t context(1);
    std::map<std::uint64_t, std::string> published;  // seq → the bytes every viewer got
    auto record = [&](const zmq::message_t& message) {
        auto header = wire::peek_header(message.to_string_view());
        ASSERT_TRUE(header.ok());
        if (header->kind == wire::Kind::incident)
            published[header->seq] = std::string(message.to_string_view());
    };
    {
        IngestProcess ingest(dir / "ingest.toml", dir / "ingest.log");
        ASSERT_TRUE(ingest.running());
        zmq::socket_t sub(context, zmq::socket_type::sub);
        sub.set(zmq::sockopt::subscribe, "");
        sub.set(zmq::sockopt::rcvhwm, 0);
        sub.set(zmq::sockopt::rcvtimeo, 10000);
        sub.connect(updates);
        zmq::message_t message;
        ASSERT_TRUE(sub.recv(message)) << "ingest did not start; see " << dir / "ingest.log";

        std::atomic<bool> stop{false};
        std::thread department([&] {
            zmq::socket_t push(context, zmq::socket_type::push);
            push.set(zmq::sockopt::linger, 0);
            push.connect(police);
            // Never block: once ingest is gone a PUSH socket would wait for it forever.
            auto send = [&](const std::string& text) {
                while (!stop && !push.send(zmq::buffer(text), zmq::send_flags::dontwait))
                    std::this_thread::sleep_for(1ms);
            };
            for (int k = 0; k < 200000 && !stop; ++k) {
                send(report(k, "reported"));
                if (k % 3 == 0) send(report(k, "closed"));
            }
        });
        sub.set(zmq::sockopt::rcvtimeo, 2000);
        while ((published.empty() || published.rbegin()->first < 6700) && sub.recv(message))
            record(message);
        ingest.kill_now();  // SIGKILL: no clean stop, no final checkpoint
        stop = true;
        department.join();
        // Whatever was already on its way to us was published before the kill.
        while (sub.recv(message))
            record(message);
    }
    ASSERT_FALSE(published.empty());
    const std::uint64_t max_published = published.rbegin()->first;
    ASSERT_GE(max_published, 6700u);
    ASSERT_EQ(published.size(), max_published) << "the subscriber itself missed updates";
    EXPECT_TRUE(std::filesystem::exists(dir / "journal/checkpoint.cwc"));

    // Every published event is in the journal, byte for byte; the journal may hold a few more
    // that were written but not yet published when the process died.
    std::map<std::uint64_t, Incident> expected;  // replay of the whole journal
    std::uint64_t journal_last = 0;
    {
        auto reader = JournalReader::open(dir / "journal");
        ASSERT_TRUE(reader.ok()) << reader.error();
        while (auto r = (*reader)->next()) {
            if (auto it = published.find(r->seq); it != published.end()) {
                EXPECT_EQ(r->payload, it->second) << "seq " << r->seq;
            }
            auto decoded = wire::decode(r->payload);
            ASSERT_TRUE(decoded.ok());
            const auto& incident = std::get<wire::IncidentUpdate>(*decoded).incident;
            if (incident.open()) {
                expected[incident.id] = incident;
            } else {
                expected.erase(incident.id);
            }
            journal_last = r->seq;
        }
        EXPECT_EQ((*reader)->stats().corrupt_records, 0u);
    }
    ASSERT_GE(journal_last, max_published) << "published events missing from the journal";

    IngestProcess again(dir / "ingest.toml", dir / "ingest.log");
    testing::WallClient wall(context, updates, snapshots);
    std::this_thread::sleep_for(300ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }, 30s));
    EXPECT_EQ(wall.picture.seq(), journal_last);
    EXPECT_EQ(wall.picture.incidents().size(), expected.size());
    for (const auto& [id, incident] : expected) {
        auto found = wall.picture.incidents().incident(id);
        ASSERT_TRUE(found) << "lost incident " << id;
        EXPECT_EQ(*found, incident);
    }
    EXPECT_GT(expected.size(), 1000u);

    // Numbering goes on where the journal ended.
    zmq::socket_t push(context, zmq::socket_type::push);
    push.connect(police);
    push.send(zmq::buffer(report(999999, "reported")), zmq::send_flags::none);
    const std::uint64_t before = wall.picture.seq();
    ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) { return p.seq() == before + 1; }));
    std::ifstream log(dir / "ingest.log");
    for (std::string line; std::getline(log, line);)
        if (line.find("checkpoint") != std::string::npos ||
            line.find("recovered") != std::string::npos)
            std::printf("%s\n", line.c_str());
    std::printf("published before the kill: up to seq %llu; after the restart: seq %llu\n",
                static_cast<unsigned long long>(max_published),
                static_cast<unsigned long long>(before));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citywall
