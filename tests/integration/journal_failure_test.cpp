// Ingest when its journal is damaged or cannot be written: nothing published is lost or
// renumbered, an operator decides about damage, and a full disk stops intake with a reason on
// every wall until the journal can be written again, then resumes by itself losing nothing.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "citywall/journal.hpp"
#include "loopback.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class JournalFailureTest : public ::testing::Test {
  protected:
    void SetUp() override {
        journal_ = fs::temp_directory_path() /
                   ("citywall-journal-failure-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(journal_);
        config_.updates_endpoint = testing::loopback_endpoint();
        config_.snapshot_endpoint = testing::loopback_endpoint();
        config_.journal_dir = journal_;
        config_.heartbeat_ms = 100;
        config_.checkpoint_every = 0;  // the journal alone, so damage cannot hide behind one
        config_.keys_off = true;
        config_.merge.enabled = false;  // forty reports, forty incidents
        config_.departments.push_back(testing::department_config(
            "110", "公安110", testing::loopback_endpoint(), "EPSG:4326", 5));
    }
    void TearDown() override { fs::remove_all(journal_); }

    zmq::socket_t police() {
        zmq::socket_t socket(context_, zmq::socket_type::push);
        socket.connect(config_.departments[0].endpoint);
        return socket;
    }
    static std::string report(int k) {
        return R"({"id":"R)" + std::to_string(k) +
               R"(","category":"police.theft","severity":2,"status":"reported","lon":)" +
               std::to_string(-122.40 + 0.001 * (k % 50)) + R"(,"lat":37.77,"title":"盗窃"})";
    }
    // Sends reports first..last and waits until a wall has them all.
    void send_and_wait(int first, int last) {
        auto socket = police();
        for (int k = first; k <= last; ++k)
            socket.send(zmq::buffer(report(k)));
        testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([&](const CityPicture& p) {
            return p.has_snapshot() && p.incidents().size() == std::size_t(last);
        }));
    }
    fs::path only_segment() const {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(journal_))
            if (e.path().extension() == ".cwj") files.push_back(e.path());
        EXPECT_EQ(files.size(), 1u);
        return files.empty() ? fs::path() : files[0];
    }

    fs::path journal_;
    IngestConfig config_;
    zmq::context_t context_{1};
};

// One damaged byte in the middle of the journal: ingest refuses to start and names the
// events it cannot read; nothing on disk is cut. An operator accepts it: every record after
// the damage is back, numbering goes on above the last record, and later starts do not ask.
TEST_F(JournalFailureTest, DamageInTheMiddleStopsTheStartUntilAnOperatorAcceptsIt) {
    {
        testing::RunningIngest ingest(config_);
        send_and_wait(1, 40);
    }
    const fs::path segment = only_segment();
    std::string bytes;
    {
        std::ifstream in(segment, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::size_t at = bytes.size() / 2;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x5A);
    {
        std::ofstream out(segment, std::ios::binary | std::ios::trunc);
        out << bytes;
    }

    auto refused = ingest::IngestServer::create(config_);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().find("cannot be read"), std::string::npos) << refused.error();
    EXPECT_NE(refused.error().find("--accept-journal-damage"), std::string::npos);
    EXPECT_EQ(fs::file_size(segment), bytes.size());  // nothing was cut

    ingest::StartOptions accept;
    accept.accept_journal_damage = true;
    {
        auto server = ingest::IngestServer::create(config_, accept);
        ASSERT_TRUE(server.ok()) << server.error();
        // One record lost, every other one read.
        EXPECT_EQ((*server)->counters().recovered_events, 39u);
    }
    // Accepted once: a later start goes ahead, with the same 39 incidents, and a new event is
    // numbered after the last record, never with the lost one's number.
    testing::RunningIngest again(config_);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
    EXPECT_EQ(wall.picture.seq(), 40u);
    EXPECT_EQ(wall.picture.incidents().size(), 39u);
    auto socket = police();
    socket.send(zmq::buffer(report(41)));
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 41; }));
    EXPECT_EQ(wall.picture.incidents().size(), 40u);
}

// The journal cannot be written (a file size limit stands in for a full disk): ingest takes
// nothing more in, keeps its heartbeat and tells every wall why; when it can write again it
// resumes by itself, and every event the department sent arrives once, numbered once.
TEST_F(JournalFailureTest, AFullDiskStopsIntakeVisiblyAndIngestResumesByItselfLosingNothing) {
    std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
    testing::RunningIngest ingest(config_);
    send_and_wait(1, 5);
    testing::WallClient wall(context_, config_.updates_endpoint, config_.snapshot_endpoint);
    std::this_thread::sleep_for(200ms);
    wall.request_snapshot();
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.seq() == 5; }));

    rlimit before{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
    rlimit full = before;
    full.rlim_cur = fs::file_size(only_segment()) + 40;  // not even one more report fits
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &full), 0);
    auto socket = police();
    for (int k = 6; k <= 60; ++k)
        socket.send(zmq::buffer(report(k)));
    const bool told =
        wall.pump_until([](const CityPicture& p) { return !p.ingest_stopped().empty(); }, 10s);
    const std::string why = wall.picture.ingest_stopped();
    const std::uint64_t seq_while_stopped = wall.picture.seq();
    std::this_thread::sleep_for(600ms);  // a few retries fail
    (void)wall.pump_until([](const CityPicture&) { return false; }, 300ms);
    const std::uint64_t seq_later = wall.picture.seq();
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &before), 0);  // space returns

    ASSERT_TRUE(told);
    EXPECT_NE(why.find("journal write failed since"), std::string::npos) << why;
    EXPECT_EQ(seq_while_stopped, 5u);  // nothing unjournaled was published
    EXPECT_EQ(seq_later, 5u);
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
        return p.seq() == 60 && p.ingest_stopped().empty();
    })) << "seq "
        << wall.picture.seq();
    EXPECT_EQ(wall.picture.incidents().size(), 60u);
    EXPECT_EQ(wall.gaps, 0);
    EXPECT_GE(ingest.server().counters().journal_failures, 1u);
    EXPECT_EQ(ingest.server().counters().rejected, 0u);
    ingest.stop();

    // The journal holds each event once, numbered 1 to 60.
    auto reader = JournalReader::open(journal_);
    ASSERT_TRUE(reader.ok());
    std::uint64_t expected = 1;
    while (auto record = (*reader)->next())
        EXPECT_EQ(record->seq, expected++);
    EXPECT_EQ(expected, 61u);
}

// Checkpoints are written beside the running ingest (a child process holds the state as it
// was), and one that cannot be written is tried again after a back-off, not after every event:
// intake goes on at full speed either way.
TEST_F(JournalFailureTest, CheckpointsAreWrittenBesideIntakeAndAFailingOneBacksOff) {
    config_.checkpoint_every = 20;
    {
        testing::RunningIngest ingest(config_);
        send_and_wait(1, 100);
        for (int k = 0; k < 100 && !fs::exists(journal_ / "checkpoint.cwc"); ++k)
            std::this_thread::sleep_for(20ms);
        EXPECT_TRUE(fs::exists(journal_ / "checkpoint.cwc"));
        EXPECT_EQ(ingest.server().counters().checkpoint_failures, 0u);
    }
    fs::remove_all(journal_);
    fs::create_directories(journal_ / "checkpoint.cwc.tmp" / "in the way");
    testing::RunningIngest ingest(config_);
    send_and_wait(1, 2000);
    const auto counters = ingest.server().counters();
    EXPECT_GE(counters.checkpoint_failures, 1u);
    EXPECT_LE(counters.checkpoint_failures, 5u);  // 2,000 events, 100 checkpoints due
    EXPECT_EQ(counters.published, 2000u);
}

}  // namespace
}  // namespace citywall
