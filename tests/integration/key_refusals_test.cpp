// Key refusals reach the wall: the real citywall-ingest, keys on and configured from files as
// docs/config.md ("Security") says; senders with another department's key, an unknown key and
// no key at all are refused, and the feed health a listed wall receives says so for each
// department, with the reason. The ingest's log says it too, once a minute per reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "citywall/keys.hpp"
#include "department_keys.hpp"
#include "ingest_process.hpp"
#include "key_pairs.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;

const FeedHealth* feed_of(const CityPicture& picture, const std::string& code) {
    for (const auto& feed : picture.feeds())
        if (feed.department == code) return &feed;
    return nullptr;
}

std::uint64_t refusals_of(const FeedHealth* feed, const std::string& reason) {
    if (!feed) return 0;
    for (const auto& r : feed->refusals)
        if (r.reason == reason) return r.count;
    return 0;
}

// A sender without keys is refused with a mechanism mismatch, or, when it saw the mismatch
// first and closed before its own greeting went out (a loaded machine), as one that left during
// the handshake: both say "no key" on the wall.
std::uint64_t no_key_refusals_of(const FeedHealth* feed) {
    return refusals_of(feed, "wrong_mechanism") + refusals_of(feed, "broken_handshake");
}

std::size_t lines_with(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);)
        n += line.find(needle) != std::string::npos;
    return n;
}

class KeyRefusalsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto keys = scratch_.path() / "keys";
        ASSERT_TRUE(write_key_files(keys, "ingest", ingest_, false));
        ASSERT_TRUE(write_key_files(keys, "110", police_, false));
        ASSERT_TRUE(write_key_files(keys, "119", fire_, false));
        ASSERT_TRUE(write_key_files(keys, "122", traffic_, false));
        ASSERT_TRUE(write_key_files(keys, "east-wall", east_, false));
        std::ofstream config(scratch_.path() / "ingest.toml");
        config << "[ingest]\nupdates_endpoint = \"" << updates_ << "\"\nsnapshot_endpoint = \""
               << snapshots_ << "\"\njournal_dir = \"journal\"\nheartbeat_ms = 200\n"
               << "[security]\nkeys = \"on\"\ningest_key_file = \"keys/ingest.key\"\n";
        for (const auto& [code, endpoint] : endpoints_) {
            config << "[[department]]\ncode = \"" << code << "\"\nendpoint = \"" << endpoint
                   << "\"\n";
            // One key written into the file, the others read from their .pub files.
            if (code == "120") {
                config << "public_key = \"" << ambulance_.public_key << "\"\n";
            } else {
                config << "public_key_file = \"keys/" << code << ".pub\"\n";
            }
        }
        config << "[[wall]]\nname = \"east-wall\"\npublic_key_file = \"keys/east-wall.pub\"\n"
               << "role = \"viewer\"\n";
    }

    // A sender on `code`'s socket with `keys` (none: a plain NULL sender).
    void sender(const std::string& code, const std::optional<KeyPair>& keys) {
        auto push = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
        push->set(zmq::sockopt::linger, 0);
        if (keys) {
            ASSERT_TRUE(ingest::configure_department_client(*push, ingest_.public_key, *keys));
        }
        push->connect(endpoints_.at(code));
        senders_.push_back(std::move(push));
    }

    std::string log() const {
        std::ifstream in(scratch_.path() / "ingest.log");
        return std::string((std::istreambuf_iterator<char>(in)), {});
    }

    testing::ScratchDir scratch_{"citywall-key-refusals"};
    zmq::context_t context_{1};
    const std::string updates_ = testing::loopback_endpoint(),
                      snapshots_ = testing::loopback_endpoint();
    const std::map<std::string, std::string> endpoints_ = {
        {"110", testing::loopback_endpoint()},
        {"119", testing::loopback_endpoint()},
        {"120", testing::loopback_endpoint()},
        {"122", testing::loopback_endpoint()},
    };
    const KeyPair ingest_ = testing::fresh_key_pair(), police_ = testing::fresh_key_pair(),
                  fire_ = testing::fresh_key_pair(), ambulance_ = testing::fresh_key_pair(),
                  traffic_ = testing::fresh_key_pair(), east_ = testing::fresh_key_pair();
    std::vector<std::unique_ptr<zmq::socket_t>> senders_;
};

TEST_F(KeyRefusalsTest, RefusedDepartmentsReachTheWallWithTheReason) {
    testing::IngestProcess ingest(scratch_.path() / "ingest.toml", scratch_.path() / "ingest.log");
    ASSERT_TRUE(ingest.running());
    testing::WallClient wall(context_, updates_, snapshots_, 0,
                             WallKeys{east_, ingest_.public_key});
    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) { return p.last_heard() > 0; }))
        << "ingest did not start:\n"
        << log();
    wall.request_snapshot();

    // 110 with its own key: admitted. Three senders with 110's key on 119's socket (one
    // department posting as another), a stranger's key on 120's, no key on 122's.
    sender("110", police_);
    senders_.back()->send(zmq::str_buffer(R"({"id":"R-1","category":"police.theft","severity":2,)"
                                          R"("lon":-122.41,"lat":37.77,"title":"盗窃"})"),
                          zmq::send_flags::none);
    for (int k = 0; k < 3; ++k)
        sender("119", police_);
    sender("120", testing::fresh_key_pair());
    sender("122", std::nullopt);
    // And a wall nobody listed: refused on the wall stream, which is no department's feed.
    testing::WallClient stranger(context_, updates_, snapshots_, 0,
                                 WallKeys{testing::fresh_key_pair(), ingest_.public_key});

    ASSERT_TRUE(wall.pump_until([](const CityPicture& p) {
        return refusals_of(feed_of(p, "119"), "other_department_key") >= 3 &&
               refusals_of(feed_of(p, "120"), "unknown_key") >= 1 &&
               no_key_refusals_of(feed_of(p, "122")) >= 1 && feed_of(p, "110") &&
               feed_of(p, "110")->accepted == 1;
    })) << log();
    // The stranger's refusal reaches the log in its own time (a loaded box: seconds).
    for (int k = 0; k < 100 && lines_with(log(), "refused a connection to the wall stream") == 0;
         ++k)
        stranger.pump_until([](const CityPicture&) { return false; }, 100ms);

    const CityPicture& picture = wall.picture;
    const FeedHealth& fire = *feed_of(picture, "119");
    EXPECT_FALSE(fire.connected);
    EXPECT_EQ(fire.refusals.size(), 1u);
    EXPECT_EQ(fire.last_refusal_reason, "other_department_key");
    EXPECT_GT(fire.last_refused, 0);
    EXPECT_EQ(fire.last_message, 0);  // never heard: every connection was refused
    EXPECT_EQ(feed_of(picture, "120")->last_refusal_reason, "unknown_key");
    const std::string no_key = feed_of(picture, "122")->last_refusal_reason;
    EXPECT_TRUE(no_key == "wrong_mechanism" || no_key == "broken_handshake") << no_key;
    const FeedHealth& police = *feed_of(picture, "110");
    EXPECT_TRUE(police.refusals.empty());
    EXPECT_EQ(police.last_refused, 0);
    EXPECT_EQ(police.last_refusal_reason, "");
    // The wall stream's refusals are counted and logged, not shown as a department.
    EXPECT_EQ(picture.feeds().size(), 4u);
    EXPECT_EQ(stranger.received, 0);
    EXPECT_TRUE(ingest.running());

    // The log names each, with the owner of a borrowed key, once a minute per reason however
    // many times the senders tried.
    const std::string text = log();
    EXPECT_EQ(lines_with(text, "refused a connection to department 119"), 1u) << text;
    EXPECT_EQ(lines_with(text, "key of another department (the key of 110)"), 1u) << text;
    EXPECT_EQ(lines_with(text, "refused a connection to department 120"), 1u) << text;
    EXPECT_EQ(lines_with(text, "unknown key"), 2u) << text;  // 120 and the stranger wall
    // The sender without keys may try more than once (libzmq reconnects when the ingest hung
    // up first), each try refused one way or the other: a line a minute for each way.
    const std::size_t mismatch =
        lines_with(text, "refused a connection to department 122: wrong mechanism");
    const std::size_t left = lines_with(
        text, "refused a connection to department 122: left during the handshake, showing no key");
    EXPECT_LE(mismatch, 1u) << text;
    EXPECT_LE(left, 1u) << text;
    EXPECT_GE(mismatch + left, 1u) << text;
    EXPECT_GE(lines_with(text, "refused a connection to the wall stream"), 1u) << text;
    EXPECT_EQ(lines_with(text, "refused a connection to department 110"), 0u) << text;
    EXPECT_TRUE(ingest.stop());
}

}  // namespace
}  // namespace citywall
