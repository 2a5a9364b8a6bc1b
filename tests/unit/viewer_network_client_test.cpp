// The wall's network client against a keyed stream: with the right key it reads; refused, it
// says why, so the wall shows a key to mend instead of a network cut to wait out.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "citywall/keys.hpp"
#include "citywall/wire.hpp"
#include "key_pairs.hpp"
#include "network_client.hpp"
#include "sample_incidents.hpp"

namespace citywall::viewer {
namespace {

using namespace std::chrono_literals;

int free_port() {
    static int next = 21000 + static_cast<int>(::getpid() % 4000) * 2;
    return next++;
}

// A keyed wall stream: a CURVE PUB and ROUTER behind a ZAP handler that admits one key only, and
// heartbeats on the PUB.
class KeyedStream {
  public:
    explicit KeyedStream(std::string admitted_key) : admitted_(curve_key_bytes(admitted_key)) {
        zap_.bind("inproc://zeromq.zap.01");
        zap_thread_ = std::thread([this] { answer_zap(); });
        for (auto* socket : {&updates_, &snapshots_}) {
            socket->set(zmq::sockopt::linger, 0);
            socket->set(zmq::sockopt::curve_server, true);
            socket->set(zmq::sockopt::curve_secretkey, curve_key_bytes(server_.secret_key));
            socket->set(zmq::sockopt::zap_domain, "@walls");
        }
        updates_.bind(updates_endpoint);
        snapshots_.bind(snapshot_endpoint);
    }
    ~KeyedStream() {
        stop_ = true;
        zap_thread_.join();
    }
    void heartbeat(std::uint64_t seq) {
        updates_.send(zmq::buffer(wire::encode(wire::Heartbeat{seq, 1000, false, false, {}})),
                      zmq::send_flags::dontwait);
    }
    const std::string& public_key() const { return server_.public_key; }
    void admit(const std::string& key) {
        std::lock_guard lock(mutex_);
        admitted_ = curve_key_bytes(key);
    }

    const std::string updates_endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
    const std::string snapshot_endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());

  private:
    void answer_zap() {
        while (!stop_) {
            zmq::pollitem_t item{zap_.handle(), 0, ZMQ_POLLIN, 0};
            zmq::poll(&item, 1, 50ms);
            std::vector<zmq::message_t> frames;
            zmq::message_t frame;
            while (zap_.recv(frame, zmq::recv_flags::dontwait)) {
                frames.emplace_back(std::move(frame));
                if (!frames.back().more()) break;
            }
            if (frames.size() < 6) continue;
            std::unique_lock lock(mutex_);
            const bool admit = frames.size() == 7 && frames[6].to_string() == admitted_;
            lock.unlock();
            zap_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
            zap_.send(frames[1], zmq::send_flags::sndmore);
            zap_.send(zmq::buffer(std::string(admit ? "200" : "400")), zmq::send_flags::sndmore);
            zap_.send(zmq::str_buffer("-"), zmq::send_flags::sndmore);
            zap_.send(zmq::str_buffer("east"), zmq::send_flags::sndmore);
            zap_.send(zmq::message_t(), zmq::send_flags::none);
        }
    }

    zmq::context_t context_{1};
    KeyPair server_ = testing::fresh_key_pair();
    std::mutex mutex_;
    std::string admitted_;
    zmq::socket_t zap_{context_, zmq::socket_type::rep};
    zmq::socket_t updates_{context_, zmq::socket_type::pub};
    zmq::socket_t snapshots_{context_, zmq::socket_type::router};
    std::atomic<bool> stop_{false};
    std::thread zap_thread_;
};

// Heartbeats until the client has something or says why not, for at most five seconds.
template <class Done>
void wait_for(KeyedStream& stream, Done done) {
    for (std::uint64_t k = 1; k < 100 && !done(); ++k) {
        stream.heartbeat(k);
        std::this_thread::sleep_for(50ms);
    }
}

TEST(NetworkClientKeys, AListedWallReadsAndSaysNothingIsWrong) {
    const KeyPair wall = testing::fresh_key_pair();
    KeyedStream stream(wall.public_key);
    NetworkClient client(stream.updates_endpoint, stream.snapshot_endpoint,
                         WallKeys{wall, stream.public_key()});
    wait_for(stream, [&] { return client.last_received().has_value(); });
    EXPECT_TRUE(client.last_received().has_value());
    EXPECT_EQ(client.refused(), "");
}

TEST(NetworkClientKeys, ARefusedKeyIsSaid) {
    KeyedStream stream(testing::fresh_key_pair().public_key);
    NetworkClient client(stream.updates_endpoint, stream.snapshot_endpoint,
                         WallKeys{testing::fresh_key_pair(), stream.public_key()});
    wait_for(stream, [&] { return !client.refused().empty(); });
    EXPECT_NE(client.refused().find("refused this wall's key"), std::string::npos)
        << client.refused();
    EXPECT_FALSE(client.last_received().has_value());
}

// libzmq never tries again after a refusal; the wall does, so a key listed since (or a place
// among max_walls come free) lets it in without a restart.
TEST(NetworkClientKeys, ARefusedWallGetsInOnceItsKeyIsListed) {
    const KeyPair wall = testing::fresh_key_pair();
    KeyedStream stream(testing::fresh_key_pair().public_key);
    NetworkClient client(stream.updates_endpoint, stream.snapshot_endpoint,
                         WallKeys{wall, stream.public_key()});
    wait_for(stream, [&] { return !client.refused().empty(); });
    ASSERT_NE(client.refused(), "");
    stream.admit(wall.public_key);
    for (int k = 0; k < 4 && !client.last_received(); ++k)
        wait_for(stream, [&] { return client.last_received().has_value(); });
    EXPECT_TRUE(client.last_received().has_value());
    EXPECT_EQ(client.refused(), "");
}

TEST(NetworkClientKeys, AWallWithoutAKeyIsToldTheIngestWantsOne) {
    KeyedStream stream(testing::fresh_key_pair().public_key);
    NetworkClient client(stream.updates_endpoint, stream.snapshot_endpoint);
    wait_for(stream, [&] { return !client.refused().empty(); });
    EXPECT_EQ(client.refused(), "ingest wants a key and this wall has none");
    EXPECT_FALSE(client.last_received().has_value());
}

TEST(NetworkClientKeys, AnIngestWithAnotherKeyIsNotTrusted) {
    const KeyPair wall = testing::fresh_key_pair();
    KeyedStream stream(wall.public_key);
    // The wall was given some other ingest's public key: it must not talk to this one.
    NetworkClient client(stream.updates_endpoint, stream.snapshot_endpoint,
                         WallKeys{wall, testing::fresh_key_pair().public_key});
    wait_for(stream, [&] { return !client.refused().empty(); });
    EXPECT_FALSE(client.last_received().has_value());
    EXPECT_NE(client.refused().find("is its key the one this wall was given"), std::string::npos)
        << client.refused();
}

// Updates the render thread hands back are decoded into again: what comes out is exactly what was
// sent, however much the message held before (more sources, texts, a provenance, a unit).
TEST(NetworkClient, MessagesHandedBackAreDecodedIntoAgainWithNothingLeftOver) {
    zmq::context_t context(1);
    zmq::socket_t updates(context, zmq::socket_type::pub);
    updates.set(zmq::sockopt::linger, 0);
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
    updates.bind(endpoint);
    NetworkClient client(endpoint, "tcp://127.0.0.1:" + std::to_string(free_port()));
    // Until the subscription is through.
    std::vector<wire::Message> got;
    bool overflowed = false;
    for (std::uint64_t k = 1; k < 100 && got.empty(); ++k) {
        updates.send(zmq::buffer(wire::encode(wire::Heartbeat{k, 1000, false, false, {}})));
        std::this_thread::sleep_for(50ms);
        got = client.take_messages(overflowed);
    }
    ASSERT_FALSE(got.empty());

    std::vector<wire::Message> sent;
    for (std::uint64_t round = 0; round < 4; ++round) {
        // Rich incidents first, then plain ones and units into the messages they left.
        for (std::uint64_t k = 1; k <= 40; ++k) {
            Incident incident = testing::sample_incident(round % 2 ? 1 : k * 3 + round);
            if (round % 2) incident.id = k;  // one source, no provenance, no priority
            if (round % 2 && k % 5 == 0) incident.title.clear();
            sent.push_back(wire::IncidentUpdate{100 * round + k, incident});
            if (k % 7 == 0)
                sent.push_back(
                    wire::UnitUpdate{100 * round + k, testing::sample_unit(static_cast<int>(k))});
        }
        for (std::size_t k = sent.size() - 40 - 40 / 7; k < sent.size(); ++k)
            updates.send(zmq::buffer(wire::encode(sent[k])));
        std::vector<wire::Message> received;
        for (int wait = 0; wait < 100 && received.size() < 40 + 40 / 7; ++wait) {
            std::this_thread::sleep_for(20ms);
            for (auto& m : client.take_messages(overflowed))
                if (!std::holds_alternative<wire::Heartbeat>(m)) received.push_back(std::move(m));
        }
        ASSERT_EQ(received.size(), 40u + 40 / 7) << "round " << round;
        for (std::size_t k = 0; k < received.size(); ++k)
            EXPECT_EQ(received[k], sent[sent.size() - received.size() + k])
                << "round " << round << ", message " << k;
        client.give_back(std::move(received));
    }
    EXPECT_EQ(client.decode_errors(), 0u);
}

}  // namespace
}  // namespace citywall::viewer
