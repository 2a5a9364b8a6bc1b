// The department's end of an acknowledged feed against a fake ingest: a ROUTER in the test that
// answers (or does not) exactly as each case needs. Time for the resend timers is the test's
// own clock, so timeouts pass without waiting.
#include "department_link.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace citywall::department_link {
namespace {

using namespace std::chrono_literals;

// A free loopback port below the kernel's ephemeral range, so that the DEALER's own
// reconnection attempts can never be given it while the fake ingest is away.
std::string free_loopback_endpoint() {
    static std::mt19937 random(static_cast<unsigned>(::getpid()) ^ std::random_device{}());
    std::uniform_int_distribution<int> pick(10000, 19999);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const int port = pick(random);
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        if (free) return "tcp://127.0.0.1:" + std::to_string(port);
    }
    throw std::runtime_error("no free port");
}

struct Received {
    std::string peer;
    std::string id;
    std::string body;
    std::size_t frames = 0;  // as the department sent them (the peer frame not counted)
};

// Ingest's side of the feed, reduced to a ROUTER the test drives by hand.
class FakeIngest {
  public:
    FakeIngest(zmq::context_t& context, const std::string& endpoint,
               const std::string& curve_secret = {})
        : router_(context, zmq::socket_type::router) {
        router_.set(zmq::sockopt::linger, 0);
        if (!curve_secret.empty()) {
            router_.set(zmq::sockopt::curve_server, 1);
            router_.set(zmq::sockopt::curve_secretkey, curve_secret);
        }
        // The port of an ingest just closed is free once ZeroMQ's own thread has let it go.
        for (int attempt = 0;; ++attempt) {
            try {
                router_.bind(endpoint);
                return;
            } catch (const zmq::error_t& e) {
                if (e.num() != EADDRINUSE || attempt == 100) throw;
                std::this_thread::sleep_for(20ms);
            }
        }
    }

    // Waits for `count` messages, pumping the feed meanwhile; fewer when the time is up.
    std::vector<Received> receive(AcknowledgedFeed& feed, std::size_t count,
                                  std::chrono::milliseconds limit = 5s) {
        std::vector<Received> got;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
            feed.pump(feed.now());
            std::vector<zmq::message_t> frames;
            router_.set(zmq::sockopt::rcvtimeo, 10);
            if (!zmq::recv_multipart(router_, std::back_inserter(frames))) continue;
            Received r;
            r.peer = frames.at(0).to_string();
            r.frames = frames.size() - 1;
            if (frames.size() > 1) r.id = frames[1].to_string();
            if (frames.size() > 2) r.body = frames[2].to_string();
            got.push_back(std::move(r));
        }
        return got;
    }

    void answer(const Received& to, std::initializer_list<std::string> words) {
        std::vector<std::string> frames{to.id};
        frames.insert(frames.end(), words.begin(), words.end());
        reply(to.peer, frames);
    }
    // Any frames at all after the routing frame: the protocol's answers and anything but.
    void reply(const std::string& peer, const std::vector<std::string>& frames) {
        router_.send(zmq::buffer(peer), zmq::send_flags::sndmore);
        for (std::size_t k = 0; k < frames.size(); ++k)
            router_.send(zmq::buffer(frames[k]),
                         k + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }

  private:
    zmq::socket_t router_;
};

class AcknowledgedFeedTest : public ::testing::Test {
  protected:
    std::unique_ptr<AcknowledgedFeed> open_feed(FeedOptions options = {}) {
        if (!options.clock) options.clock = [this] { return clock_ms; };
        auto feed = AcknowledgedFeed::open(context, endpoint, std::move(options));
        EXPECT_TRUE(feed.ok()) << feed.error();
        return feed ? std::move(*feed) : nullptr;
    }
    // Polls the feed (in real time) until `done` holds or the limit passes.
    static bool pump_until(AcknowledgedFeed& feed, const std::function<bool()>& done,
                           std::chrono::milliseconds limit = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            feed.poll(10ms);
        }
        return true;
    }

    zmq::context_t context{1};
    std::string endpoint = free_loopback_endpoint();
    TimeMs clock_ms = 1'000'000;  // the feed's clock: moves only when a test moves it
};

std::string report(int k) {
    return R"({"id":"P-)" + std::to_string(k) +
           R"(","category":"police.theft","lon":114.05,"lat":22.6,"occurred":1795000000000})";
}

TEST_F(AcknowledgedFeedTest, EveryMessageIsTwoFramesAndInOrderAnswersSettleIt) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    for (int k = 0; k < 3; ++k)
        ASSERT_TRUE(feed->send(report(k)));
    EXPECT_EQ(feed->in_flight(), 3u);
    auto got = ingest.receive(*feed, 3);
    ASSERT_EQ(got.size(), 3u);
    std::set<std::string> ids;
    for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(got[k].frames, 2u);
        EXPECT_EQ(got[k].body, report(k));  // the body exactly as on a PUSH feed
        EXPECT_TRUE(valid_delivery_id(got[k].id)) << got[k].id;
        ids.insert(got[k].id);
    }
    EXPECT_EQ(ids.size(), 3u) << "delivery ids are unique";
    for (const auto& r : got)
        ingest.answer(r, {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    const auto& c = feed->counters();
    EXPECT_EQ(c.sent, 3u);
    EXPECT_EQ(c.acknowledged, 3u);
    EXPECT_EQ(c.answered(), 3u);
    EXPECT_EQ(c.resent, 0u);
    EXPECT_EQ(c.malformed_replies + c.unknown_replies, 0u);
}

TEST_F(AcknowledgedFeedTest, AnswersOutOfOrderSettleTheirOwnMessages) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    std::map<std::string, std::vector<Outcome>> answers;  // by body
    feed->on_answer([&](const Answer& a) { answers[a.body].push_back(a.outcome); });
    for (int k = 0; k < 5; ++k)
        ASSERT_TRUE(feed->send(report(k)));
    auto got = ingest.receive(*feed, 5);
    ASSERT_EQ(got.size(), 5u);
    // Refusals come at once, "ok" when the disk has it: any order at all.
    ingest.answer(got[3], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 4; }));
    ingest.answer(got[1], {"refused", "superseded", "older than the report already accepted"});
    ingest.answer(got[4], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 2; }));
    ingest.answer(got[0], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 1; }));
    // Still waiting: exactly the one not answered.
    clock_ms += 3'001;
    auto again = ingest.receive(*feed, 1);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, got[2].id);
    EXPECT_EQ(again[0].body, report(2));
    ingest.answer(again[0], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    EXPECT_EQ(feed->counters().acknowledged, 4u);
    EXPECT_EQ(feed->counters().refused.at("superseded"), 1u);
    EXPECT_EQ(feed->counters().resent, 1u);
    // Each message settled once, by its own answer.
    ASSERT_EQ(answers.size(), 5u);
    for (int k = 0; k < 5; ++k)
        EXPECT_EQ(answers[report(k)],
                  std::vector<Outcome>{k == 1 ? Outcome::refused : Outcome::acknowledged})
            << k;
}

TEST_F(AcknowledgedFeedTest, DuplicateCountsAsDelivered) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    ASSERT_TRUE(feed->send(report(1)));
    auto got = ingest.receive(*feed, 1);
    ASSERT_EQ(got.size(), 1u);
    ingest.answer(got[0], {"duplicate"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    EXPECT_EQ(feed->counters().duplicates, 1u);
    EXPECT_EQ(feed->counters().acknowledged, 0u);
    EXPECT_EQ(feed->counters().answered(), 1u);
    clock_ms += 60'000;
    EXPECT_TRUE(ingest.receive(*feed, 1, 300ms).empty()) << "a delivered message was resent";
}

TEST_F(AcknowledgedFeedTest, RefusedMessageIsReportedAndNeverResent) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    std::vector<Answer> refusals;
    feed->on_answer([&](const Answer& a) {
        if (a.outcome == Outcome::refused) refusals.push_back(a);
    });
    ASSERT_TRUE(feed->send("{oops"));
    auto got = ingest.receive(*feed, 1);
    ASSERT_EQ(got.size(), 1u);
    ingest.answer(got[0], {"refused", "invalid_json", "expected a value"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    ASSERT_EQ(refusals.size(), 1u);
    EXPECT_EQ(refusals[0].delivery_id, got[0].id);
    EXPECT_EQ(refusals[0].reason, "invalid_json");
    EXPECT_EQ(refusals[0].detail, "expected a value");
    EXPECT_EQ(refusals[0].body, "{oops");
    EXPECT_EQ(feed->counters().refused.at("invalid_json"), 1u);
    EXPECT_EQ(feed->counters().refused_total(), 1u);
    for (int minute = 0; minute < 5; ++minute) {
        clock_ms += 60'000;
        feed->pump(clock_ms);
    }
    EXPECT_TRUE(ingest.receive(*feed, 1, 300ms).empty()) << "a refused message was resent";
    EXPECT_EQ(feed->counters().resent, 0u);
}

// A message ingest could not take is never put on the wire (one over four times the limit would
// make ZeroMQ drop the connection, and the resends would never end): it is refused here, in
// order with the rest, and the next message goes through.
TEST_F(AcknowledgedFeedTest, AnOversizedMessageIsRefusedWithoutBeingSent) {
    FakeIngest ingest(context, endpoint);
    FeedOptions options;
    options.max_message_bytes = 1000;
    auto feed = open_feed(options);
    ASSERT_TRUE(feed);
    std::vector<Answer> answers;
    feed->on_answer([&](const Answer& a) { answers.push_back(a); });
    const std::string huge(5000, 'x');
    ASSERT_TRUE(feed->send(huge));
    ASSERT_TRUE(feed->send(report(1)));
    auto got = ingest.receive(*feed, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body, report(1));  // only the report reached ingest
    ingest.answer(got[0], {"ok"});
    ASSERT_TRUE(feed->drain(std::chrono::steady_clock::now() + 5s));
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].outcome, Outcome::refused);
    EXPECT_EQ(answers[0].reason, "oversized");
    EXPECT_EQ(answers[0].body.size(), 5000u);
    EXPECT_EQ(answers[1].outcome, Outcome::acknowledged);
    EXPECT_EQ(feed->counters().refused.at("oversized"), 1u);
    EXPECT_EQ(feed->counters().answered(), feed->counters().sent);
    EXPECT_TRUE(ingest.receive(*feed, 1, 300ms).empty());
}

TEST_F(AcknowledgedFeedTest, UnansweredMessageIsResentWithDoublingTimeout) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    ASSERT_TRUE(feed->send(report(7)));
    auto first = ingest.receive(*feed, 1);
    ASSERT_EQ(first.size(), 1u);
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->connected(); }));
    // 3 s, then doubling per resend, at most 30 s.
    std::uint64_t resent = 0;
    for (TimeMs wait : {3'000, 6'000, 12'000, 24'000, 30'000, 30'000}) {
        clock_ms += wait - 1;
        feed->pump(clock_ms);
        EXPECT_EQ(feed->counters().resent, resent) << "resent before its " << wait << " ms";
        clock_ms += 1;
        feed->pump(clock_ms);
        EXPECT_EQ(feed->counters().resent, ++resent) << "not resent after " << wait << " ms";
    }
    auto copies = ingest.receive(*feed, 6);
    ASSERT_EQ(copies.size(), 6u);
    for (const auto& copy : copies) {
        EXPECT_EQ(copy.id, first[0].id) << "a resend keeps its delivery id";
        EXPECT_EQ(copy.body, report(7));
    }
    ingest.answer(copies[2], {"ok"});
    ingest.answer(copies[4], {"duplicate"});  // the answer to a copy, after the first
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->counters().unknown_replies == 1; }));
    EXPECT_EQ(feed->counters().acknowledged, 1u);
    EXPECT_EQ(feed->counters().duplicates, 0u);
    EXPECT_EQ(feed->in_flight(), 0u);
}

TEST_F(AcknowledgedFeedTest, IngestRestartOnTheSameEndpointGetsWhatWasLost) {
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    std::set<std::string> ids;
    {
        FakeIngest ingest(context, endpoint);
        for (int k = 0; k < 4; ++k)
            ASSERT_TRUE(feed->send(report(k)));
        auto got = ingest.receive(*feed, 4);
        ASSERT_EQ(got.size(), 4u);
        for (const auto& r : got)
            ids.insert(r.id);
        ASSERT_TRUE(pump_until(*feed, [&] { return feed->connected(); }));
        // Gone with everything it had taken and never answered, like a kill -9.
    }
    ASSERT_TRUE(pump_until(*feed, [&] { return !feed->connected(); }));
    for (int k = 4; k < 6; ++k)
        ASSERT_TRUE(feed->send(report(k)));  // while ingest is away
    EXPECT_EQ(feed->in_flight(), 6u);
    // The clock stands still: whatever comes now comes from the reconnection, not a timeout.
    FakeIngest restarted(context, endpoint);
    std::map<std::string, Received> arrived;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (arrived.size() < 6 && std::chrono::steady_clock::now() < deadline)
        for (auto& r : restarted.receive(*feed, 1, 100ms))
            arrived.emplace(r.id, r);
    ASSERT_EQ(arrived.size(), 6u) << "messages lost with the old ingest were not sent again";
    for (const auto& id : ids)
        EXPECT_TRUE(arrived.contains(id)) << id;
    EXPECT_EQ(feed->counters().reconnects, 1u);
    EXPECT_EQ(feed->counters().resent, 4u) << "only what the old ingest had taken is resent";
    for (const auto& [id, r] : arrived)
        restarted.answer(r, {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    EXPECT_EQ(feed->counters().acknowledged, 6u);
}

TEST_F(AcknowledgedFeedTest, FullWindowRefusesMoreUntilAnAnswerComes) {
    FakeIngest ingest(context, endpoint);
    FeedOptions options;
    options.window = 3;
    auto feed = open_feed(options);
    ASSERT_TRUE(feed);
    for (int k = 0; k < 3; ++k)
        ASSERT_TRUE(feed->send(report(k)));
    EXPECT_TRUE(feed->window_full());
    EXPECT_FALSE(feed->send(report(3)));
    EXPECT_EQ(feed->counters().sent, 3u) << "a refused send takes nothing";
    auto got = ingest.receive(*feed, 4, 500ms);
    ASSERT_EQ(got.size(), 3u);
    ingest.answer(got[1], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return !feed->window_full(); }));
    EXPECT_TRUE(feed->send(report(3)));
    EXPECT_FALSE(feed->send(report(4)));
    auto fourth = ingest.receive(*feed, 1);
    ASSERT_EQ(fourth.size(), 1u);
    EXPECT_EQ(fourth[0].body, report(3));
}

TEST_F(AcknowledgedFeedTest, AnswerForAnUnknownDeliveryIdIsCountedAndIgnored) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    ASSERT_TRUE(feed->send(report(1)));
    auto got = ingest.receive(*feed, 1);
    ASSERT_EQ(got.size(), 1u);
    const std::string prefix = got[0].id.substr(0, got[0].id.rfind('-'));
    ingest.reply(got[0].peer, {"someone-else-1", "ok"});
    ingest.reply(got[0].peer, {prefix + "-99", "ok"});  // ours, never sent
    ingest.reply(got[0].peer, {prefix + "-01", "ok"});  // the number, spelt otherwise
    ingest.reply(got[0].peer, {prefix + "-1x", "refused", "bad_json", "?"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->counters().unknown_replies == 4; }));
    EXPECT_EQ(feed->in_flight(), 1u);
    EXPECT_EQ(feed->counters().answered(), 0u);
    ingest.answer(got[0], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    EXPECT_EQ(feed->counters().acknowledged, 1u);
    EXPECT_EQ(feed->counters().malformed_replies, 0u);
}

TEST_F(AcknowledgedFeedTest, MalformedAnswersAreCountedAndNeverSettleAnything) {
    FakeIngest ingest(context, endpoint);
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    std::vector<Answer> refusals;
    feed->on_answer([&](const Answer& a) {
        if (a.outcome == Outcome::refused) refusals.push_back(a);
    });
    ASSERT_TRUE(feed->send(report(1)));
    auto got = ingest.receive(*feed, 1);
    ASSERT_EQ(got.size(), 1u);
    const std::string id = got[0].id;
    const std::vector<std::vector<std::string>> malformed = {
        {id},                                                   // one frame
        {id, "refused", "bad_json", "detail", "extra"},         // five frames
        {std::string("\x00\xff\x13\x88junk", 8)},               // binary junk
        {std::string("\x00\xff\x01", 3), "ok"},                 // binary id
        {id, std::string("\xde\xad\xbe\xef", 4)},               // binary status
        {id, "ok", "trailing"},                                 // ok with more
        {id, "duplicate", ""},                                  // duplicate with more
        {id, "refused"},                                        // refused without reason
        {id, "refused", "bad_json"},                            // … or detail
        {id, "refused", std::string("\x01\x02", 2), "detail"},  // binary reason
        {id, "refused", "", "detail"},                          // empty reason
        {id, "OK"},                                             // no such status
        {"", "ok"},                                             // empty id
        {std::string(65, 'a'), "ok"},                           // id too long
        {""},                                                   // one empty frame
    };
    for (const auto& frames : malformed)
        ingest.reply(got[0].peer, frames);
    ASSERT_TRUE(pump_until(*feed, [&] {
        return feed->counters().malformed_replies == malformed.size();
    })) << feed->counters().malformed_replies;
    // Random junk: any number of frames of any bytes.
    std::mt19937 random(20261202);
    for (int n = 0; n < 300; ++n) {
        std::vector<std::string> frames(1 + random() % 6);
        for (auto& frame : frames) {
            frame.resize(random() % 80);
            for (auto& c : frame)
                c = static_cast<char>(random() & 0xFF);
        }
        ingest.reply(got[0].peer, frames);
    }
    ASSERT_TRUE(pump_until(*feed, [&] {
        return feed->counters().malformed_replies + feed->counters().unknown_replies ==
               malformed.size() + 300;
    }));
    EXPECT_EQ(feed->in_flight(), 1u) << "a malformed answer settled a message";
    EXPECT_TRUE(refusals.empty());
    EXPECT_EQ(feed->counters().answered(), 0u);
    // The message is still sent again, and a proper answer still settles it.
    clock_ms += 3'000;
    auto again = ingest.receive(*feed, 1);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, id);
    ingest.answer(again[0], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));
    EXPECT_EQ(feed->counters().acknowledged, 1u);
}

TEST_F(AcknowledgedFeedTest, DrainWaitsForEveryAnswerAndGivesUpAtItsDeadline) {
    auto feed = open_feed();
    ASSERT_TRUE(feed);
    for (int k = 0; k < 50; ++k)
        ASSERT_TRUE(feed->send(report(k)));
    // Nobody listens yet: drain gives up on time.
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(feed->drain(start + 200ms));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(feed->in_flight(), 50u);
    // An ingest that answers everything, on its own thread with its own socket.
    std::atomic<bool> stop{false};
    std::thread ingest([&] {
        zmq::socket_t router(context, zmq::socket_type::router);
        router.set(zmq::sockopt::linger, 0);
        router.set(zmq::sockopt::rcvtimeo, 20);
        router.bind(endpoint);
        while (!stop) {
            std::vector<zmq::message_t> frames;
            if (!zmq::recv_multipart(router, std::back_inserter(frames)) || frames.size() != 3)
                continue;
            router.send(frames[0], zmq::send_flags::sndmore);
            router.send(frames[1], zmq::send_flags::sndmore);
            router.send(zmq::str_buffer("ok"), zmq::send_flags::none);
        }
    });
    const bool drained = feed->drain(std::chrono::steady_clock::now() + 10s);
    stop = true;
    ingest.join();
    EXPECT_TRUE(drained);
    EXPECT_EQ(feed->counters().acknowledged, 50u);
}

TEST_F(AcknowledgedFeedTest, CurveKeysConnectOnlyToTheRightIngest) {
    ASSERT_TRUE(zmq_has("curve"));  // Debian's libzmq has it; the project needs it
    char ingest_public[41], ingest_secret[41], department_public[41], department_secret[41],
        impostor_public[41], impostor_secret[41];
    ASSERT_EQ(zmq_curve_keypair(ingest_public, ingest_secret), 0);
    ASSERT_EQ(zmq_curve_keypair(department_public, department_secret), 0);
    ASSERT_EQ(zmq_curve_keypair(impostor_public, impostor_secret), 0);
    FakeIngest ingest(context, endpoint, ingest_secret);
    FeedOptions options;
    options.keys = CurveClientKeys{department_public, department_secret, ingest_public};
    auto feed = open_feed(options);
    ASSERT_TRUE(feed);
    ASSERT_TRUE(feed->send(report(1)));
    auto got = ingest.receive(*feed, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].body, report(1));
    ingest.answer(got[0], {"ok"});
    ASSERT_TRUE(pump_until(*feed, [&] { return feed->in_flight() == 0; }));

    // A sender holding the wrong ingest key never finishes the handshake: nothing reaches
    // the ingest, and its messages stay in flight.
    FeedOptions wrong;
    wrong.keys = CurveClientKeys{department_public, department_secret, impostor_public};
    auto misled = open_feed(wrong);
    ASSERT_TRUE(misled);
    ASSERT_TRUE(misled->send(report(2)));
    EXPECT_TRUE(ingest.receive(*misled, 1, 500ms).empty());
    EXPECT_FALSE(misled->connected());
    EXPECT_EQ(misled->in_flight(), 1u);
}

TEST_F(AcknowledgedFeedTest, OpenRefusesWhatCannotWork) {
    FeedOptions no_window;
    no_window.window = 0;
    EXPECT_FALSE(AcknowledgedFeed::open(context, endpoint, no_window).ok());
    FeedOptions short_key;
    short_key.keys = CurveClientKeys{"abc", "def", "ghi"};
    EXPECT_FALSE(AcknowledgedFeed::open(context, endpoint, short_key).ok());
    FeedOptions bad_z85;
    bad_z85.keys =
        CurveClientKeys{std::string(40, '~'), std::string(40, '~'), std::string(40, '~')};
    EXPECT_FALSE(AcknowledgedFeed::open(context, endpoint, bad_z85).ok());
    FeedOptions long_prefix;
    long_prefix.id_prefix = std::string(41, 'p');
    EXPECT_FALSE(AcknowledgedFeed::open(context, endpoint, long_prefix).ok());
    auto nowhere = AcknowledgedFeed::open(context, "nonsense://here");
    ASSERT_FALSE(nowhere.ok());
    EXPECT_NE(nowhere.error().find("nonsense://here"), std::string::npos) << nowhere.error();
}

TEST(DeliveryId, IsShortPrintableAsciiAndNeverSharedBetweenFeeds) {
    EXPECT_TRUE(valid_delivery_id("1795000000000-1"));
    EXPECT_TRUE(valid_delivery_id(std::string(64, 'x')));
    EXPECT_FALSE(valid_delivery_id(""));
    EXPECT_FALSE(valid_delivery_id(std::string(65, 'x')));
    EXPECT_FALSE(valid_delivery_id("tab\there"));
    EXPECT_FALSE(valid_delivery_id("警情"));

    // Two senders opened at once (a department restarted within the same millisecond).
    zmq::context_t context(1);
    const std::string endpoint = free_loopback_endpoint();
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::rcvtimeo, 5000);
    router.bind(endpoint);
    auto first = AcknowledgedFeed::open(context, endpoint);
    auto second = AcknowledgedFeed::open(context, endpoint);
    ASSERT_TRUE(first.ok() && second.ok());
    ASSERT_TRUE((*first)->send("a"));
    ASSERT_TRUE((*second)->send("b"));
    std::set<std::string> ids;
    for (int n = 0; n < 2; ++n) {
        std::vector<zmq::message_t> frames;
        ASSERT_TRUE(zmq::recv_multipart(router, std::back_inserter(frames)));
        ASSERT_EQ(frames.size(), 3u);
        EXPECT_TRUE(valid_delivery_id(frames[1].to_string_view()));
        ids.insert(frames[1].to_string());
    }
    EXPECT_EQ(ids.size(), 2u);
}

}  // namespace
}  // namespace citywall::department_link
