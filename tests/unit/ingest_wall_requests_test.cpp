// The snapshot socket from the walls' side: rates per wall, snapshots streamed at the pace a
// wall reads, walls that stop reading or leave cut off, unknown requests counted.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "citywall/wire.hpp"
#include "wall_requests.hpp"

namespace citywall::ingest {
namespace {

using namespace std::chrono_literals;

class WallRequestsTest : public ::testing::Test {
  protected:
    // The walls' side is set up before the socket binds, as ingest does.
    WallRequests& walls(WallRequestLimits limits = {}, WallRoleOf role_of = everyone_watches) {
        walls_ = std::make_unique<WallRequests>(router_, limits, std::move(role_of));
        router_.bind(endpoint_);
        return *walls_;
    }

    zmq::socket_t wall() {
        zmq::socket_t s(context_, zmq::socket_type::dealer);
        s.set(zmq::sockopt::rcvhwm, 4);
        s.connect(endpoint_);
        return s;
    }
    static std::shared_ptr<SnapshotImage> image(std::size_t messages) {
        auto i = std::make_shared<SnapshotImage>();
        i->seq = 7;
        for (std::size_t k = 0; k < messages; ++k)
            i->messages.push_back(std::string(1000, static_cast<char>('a' + k % 26)));
        return i;
    }
    // Takes requests until one arrives or a second passes.
    std::optional<WallRequests::Request> next(WallRequests& walls, TimeMs now) {
        for (int k = 0; k < 200; ++k) {
            if (auto r = walls.next(now)) return r;
            std::this_thread::sleep_for(5ms);
        }
        return std::nullopt;
    }

    // The connection `w` asks a snapshot from, as ingest sees it (empty when none came).
    std::string peer_of(WallRequests& walls, zmq::socket_t& w) {
        w.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})), zmq::send_flags::none);
        auto r = next(walls, 1000);
        return r ? r->peer : std::string();
    }

    static std::optional<WallRole> everyone_watches(std::string_view) { return WallRole::viewer; }

    zmq::context_t context_{1};
    std::string endpoint_ = "inproc://walls-" + std::to_string(::getpid());
    zmq::socket_t router_{context_, zmq::socket_type::router};
    std::unique_ptr<WallRequests> walls_;
};

TEST_F(WallRequestsTest, AWallThatAsksInALoopIsHeldToItsRate) {
    WallRequests& walls = this->walls();
    auto loop = wall();
    for (int k = 0; k < 500; ++k)
        loop.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                  zmq::send_flags::none);
    std::this_thread::sleep_for(100ms);
    int granted = 0;
    for (int pass = 0; pass < 10; ++pass)
        while (auto r = walls.next(1000)) {
            EXPECT_EQ(r->kind, WallRequests::Request::Kind::snapshot);
            ++granted;
        }
    EXPECT_EQ(granted, 2);  // the burst; the rest arrive in the same second
    EXPECT_EQ(walls.counters().limited, 498u);
    // The 498 fold into one snapshot, given when the rate allows: a second later.
    EXPECT_FALSE(walls.next(1500));
    auto later = walls.next(2000);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->kind, WallRequests::Request::Kind::snapshot);
    EXPECT_FALSE(walls.next(2000));
}

TEST_F(WallRequestsTest, UnknownRequestsAreReturnedOnceForTheLogAndCounted) {
    WallRequests& walls = this->walls();
    auto w = wall();
    w.send(zmq::buffer(std::string("GIMME")), zmq::send_flags::none);
    auto r = next(walls, 1000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->kind, WallRequests::Request::Kind::unknown);
    EXPECT_EQ(r->size, 5u);
    EXPECT_EQ(walls.counters().refused, 1u);
}

TEST_F(WallRequestsTest, AWallWithoutARoleIsRefusedEveryRequestAndCounted) {
    std::vector<std::string> asked;
    WallRequests& walls = this->walls({}, [&](std::string_view speaker) {
        asked.emplace_back(speaker);
        return std::optional<WallRole>();
    });
    auto stranger = wall();
    stranger.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                  zmq::send_flags::none);
    stranger.send(zmq::buffer(wire::encode_request(wire::CaseRequest{42})), zmq::send_flags::none);
    for (int k = 0; k < 2; ++k) {
        auto r = next(walls, 1000);
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->forbidden);
        EXPECT_EQ(r->kind, WallRequests::Request::Kind::unknown);
    }
    EXPECT_EQ(walls.counters().forbidden, 2u);
    EXPECT_EQ(asked, (std::vector<std::string>{"", ""}));  // no key gate here: no name
    EXPECT_FALSE(walls.busy());
}

TEST_F(WallRequestsTest, ASnapshotIsStreamedAtThePaceTheWallReads) {
    WallRequestLimits limits;
    limits.queued_messages = 4;
    WallRequests& walls = this->walls(limits);
    auto w = wall();
    w.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})), zmq::send_flags::none);
    auto r = next(walls, 1000);
    ASSERT_TRUE(r);
    const auto snapshot = image(200);
    walls.stream(r->peer, snapshot, 1000);
    std::size_t received = 0;
    for (int k = 0; k < 2000 && received < 200; ++k) {
        walls.pump(1000 + k);
        zmq::message_t m;
        while (w.recv(m, zmq::recv_flags::dontwait)) {
            ASSERT_EQ(m.to_string(), snapshot->messages[received]);
            ++received;
        }
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(received, 200u);
    EXPECT_FALSE(walls.streaming());
    EXPECT_EQ(walls.counters().snapshots_completed, 1u);
}

// A wall that asks and never reads holds a few messages of a shared image, never whole
// snapshots, and is cut off when it has taken nothing for the stall limit.
TEST_F(WallRequestsTest, AWallThatNeverReadsHoldsLittleAndIsCutOff) {
    WallRequestLimits limits;
    limits.queued_messages = 4;
    limits.stalled_ms = 5000;
    WallRequests& walls = this->walls(limits);
    auto stuck = wall();
    const auto peer = peer_of(walls, stuck);
    ASSERT_FALSE(peer.empty());
    walls.stream(peer, image(1000), 1000);
    for (int k = 0; k < 50; ++k) {
        walls.pump(1000 + k);
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(walls.streaming());
    EXPECT_EQ(walls.stream_bytes(), 1000u * 1000u);  // the image, once
    walls.pump(1000 + 50 + 5001);
    EXPECT_FALSE(walls.streaming());
    EXPECT_EQ(walls.counters().snapshots_cut_off, 1u);
}

TEST_F(WallRequestsTest, AWallThatLeavesMidStreamIsCutOffAtOnce) {
    WallRequests& walls = this->walls();
    std::string peer;
    {
        auto w = wall();
        peer = peer_of(walls, w);
        ASSERT_FALSE(peer.empty());
    }
    std::this_thread::sleep_for(100ms);
    walls.stream(peer, image(100), 1000);
    walls.pump(1001);
    EXPECT_FALSE(walls.streaming());
    EXPECT_EQ(walls.counters().snapshots_cut_off, 1u);
}

// A console that sends a burst of commands while its queue is full (a snapshot streaming, or
// a pass that answers many at once) gets every answer, in order, as it reads.
TEST_F(WallRequestsTest, AnswersAWallHasNoRoomForAreKeptInOrderUntilItReads) {
    WallRequestLimits limits;
    limits.queued_messages = 4;
    WallRequests& walls = this->walls(limits);
    auto console = wall();
    const auto peer = peer_of(walls, console);
    ASSERT_FALSE(peer.empty());
    constexpr int kAnswers = 60;
    for (int k = 0; k < kAnswers; ++k)
        walls.answer(peer, "answer " + std::to_string(k));
    EXPECT_TRUE(walls.busy());
    std::vector<std::string> got;
    zmq::message_t message;
    for (int tries = 0; tries < 500 && got.size() < kAnswers; ++tries) {
        walls.pump(1000 + tries);
        while (console.recv(message, zmq::recv_flags::dontwait))
            got.push_back(message.to_string());
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(got.size(), static_cast<std::size_t>(kAnswers));
    for (int k = 0; k < kAnswers; ++k)
        EXPECT_EQ(got[static_cast<std::size_t>(k)], "answer " + std::to_string(k));
    EXPECT_FALSE(walls.busy());
    EXPECT_EQ(walls.counters().cases_answered, static_cast<std::uint64_t>(kAnswers));
    EXPECT_EQ(walls.counters().answers_dropped, 0u);
}

// What is kept for one wall is bounded: past the bound, and for a wall that takes nothing for
// stalled_ms, answers are dropped and counted.
TEST_F(WallRequestsTest, AnswersKeptForAWallThatNeverReadsAreBoundedAndCounted) {
    WallRequestLimits limits;
    limits.queued_messages = 4;
    limits.waiting_answers = 10;
    limits.stalled_ms = 5000;
    WallRequests& walls = this->walls(limits);
    auto stuck = wall();
    const auto peer = peer_of(walls, stuck);
    ASSERT_FALSE(peer.empty());
    for (int k = 0; k < 100; ++k)
        walls.answer(peer, std::string(1000, 'x'));
    for (int k = 0; k < 20; ++k) {
        walls.pump(1000 + k);
        std::this_thread::sleep_for(1ms);
    }
    const auto sent = walls.counters().cases_answered;
    EXPECT_LT(sent, 100u);
    EXPECT_EQ(sent + walls.counters().answers_dropped + 10u, 100u);
    EXPECT_TRUE(walls.busy());
    walls.pump(1020 + 5001);
    EXPECT_FALSE(walls.busy());
    EXPECT_EQ(walls.counters().cases_answered + walls.counters().answers_dropped, 100u);
}

}  // namespace
}  // namespace citywall::ingest
