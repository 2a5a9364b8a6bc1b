// A recording replayed equals what a wall following the live ingest saw: real San Francisco
// incidents and unit fixes through the real ingest over loopback, then the ingest's journal
// replayed (citywall/replay.hpp) up to the wall's last sequence number and at points before it,
// byte for byte (docs/drills.md).
#include <gtest/gtest.h>

#include <thread>
#include <zmq.hpp>

#include "citywall/replay.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "sfpd_reports.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

TEST(RecordedPicture, AReplayOfTheJournalIsWhatTheLiveWallSawAtEachNumber) {
    testing::ScratchDir journal("citywall-recorded-picture");
    IngestConfig config = testing::loopback_config(journal.path());
    config.departments.push_back(
        testing::department_config("SFPD", "SFPD", testing::loopback_endpoint()));
    // Every fifth resolved later; a unit fix of one of 20 cars between reports.
    const std::vector<std::string> reports = testing::sfpd_reports(400);
    ASSERT_GE(reports.size(), 800u);

    zmq::context_t context(1);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;  // the wall's seq, digest
    CityPicture last;
    {
        testing::RunningIngest ingest(config);
        zmq::socket_t police(context, zmq::socket_type::push);
        police.connect(config.departments[0].endpoint);
        testing::WallClient wall(context, config.updates_endpoint, config.snapshot_endpoint);
        std::this_thread::sleep_for(200ms);
        wall.request_snapshot();
        ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        for (std::size_t k = 0; k < reports.size(); ++k) {
            police.send(zmq::buffer(reports[k]));
            if (k % 200 == 199) {  // now and then, what the wall shows at its number
                ASSERT_TRUE(wall.pump_until(
                    [&](const CityPicture& p) {
                        return p.seq() >= ingest.server().counters().accepted;
                    },
                    10s));
                seen.emplace_back(wall.picture.seq(), RecordedPicture::digest(wall.picture));
            }
        }
        // The real file has rows placed at (-120.5, 90), off the map: refused, and counted.
        ASSERT_TRUE(wall.pump_until(
            [&](const CityPicture& p) {
                const auto counted = ingest.server().counters();
                return counted.accepted + counted.rejected == reports.size() &&
                       p.seq() >= counted.accepted;
            },
            10s))
            << wall.picture.seq();
        seen.emplace_back(wall.picture.seq(), RecordedPicture::digest(wall.picture));
        EXPECT_GT(wall.picture.incidents().size(), 200u);  // some merged, a fifth resolved
        EXPECT_EQ(wall.picture.units().size(), 20u);
    }

    auto replay = RecordedPicture::open(journal.path(), 100);
    ASSERT_TRUE(replay) << replay.error();
    for (const auto& [seq, digest] : seen) {
        SCOPED_TRACE(seq);
        ASSERT_TRUE(replay->seek_after(seq));
        EXPECT_EQ(replay->recording_seq(), seq);
        EXPECT_EQ(replay->digest(), digest);
    }
    // Back to the first, from pictures kept on the way: the same again.
    ASSERT_TRUE(replay->seek_after(seen.front().first));
    EXPECT_EQ(replay->digest(), seen.front().second);
    EXPECT_GT(replay->copies_kept(), 3u);
}

}  // namespace
}  // namespace citywall
