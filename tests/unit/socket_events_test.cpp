// A socket monitor's events read without blocking: each event's id and value from its first
// frame, the endpoint frame behind it taken too, a frame too short to be an event skipped, and a
// real monitor reporting a listener and a connection it accepted.
#include <gtest/gtest.h>
#include <zmq.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "citywall/socket_events.hpp"

namespace citywall {
namespace {

class SocketEvents : public ::testing::Test {
  protected:
    void SetUp() override {
        context_ = zmq_ctx_new();
        ASSERT_NE(context_, nullptr);
        monitor_ = zmq_socket(context_, ZMQ_PAIR);
        sender_ = zmq_socket(context_, ZMQ_PAIR);
        const std::string endpoint =
            "inproc://monitor-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        ASSERT_EQ(zmq_bind(monitor_, endpoint.c_str()), 0);
        ASSERT_EQ(zmq_connect(sender_, endpoint.c_str()), 0);
    }
    void TearDown() override {
        for (void* socket : {monitor_, sender_, listener_, client_}) {
            if (!socket) continue;
            const int linger = 0;
            zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
            zmq_close(socket);
        }
        zmq_ctx_term(context_);
    }

    // One frame as a monitor would send it; `more`: another frame follows.
    void send(const std::string& frame, bool more) {
        ASSERT_EQ(zmq_send(sender_, frame.data(), frame.size(), more ? ZMQ_SNDMORE : 0),
                  static_cast<int>(frame.size()));
    }
    static std::string event_frame(std::uint16_t id, std::int32_t value) {
        std::string frame(6, '\0');
        std::memcpy(frame.data(), &id, 2);
        std::memcpy(frame.data() + 2, &value, 4);
        return frame;
    }
    // Inproc delivers in order once sent; wait until the first frame is there to read.
    void wait_readable(void* socket) {
        zmq_pollitem_t item{socket, 0, ZMQ_POLLIN, 0};
        ASSERT_EQ(zmq_poll(&item, 1, 5000), 1);
    }

    void* context_ = nullptr;
    void* monitor_ = nullptr;
    void* sender_ = nullptr;
    void* listener_ = nullptr;
    void* client_ = nullptr;
};

TEST_F(SocketEvents, NothingWaitingIsNothingAndDoesNotBlock) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(next_socket_event(monitor_));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST_F(SocketEvents, AnEventTakesItsEndpointFrameWithIt) {
    send(event_frame(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400), true);
    send("tcp://127.0.0.1:5555", false);
    send(event_frame(ZMQ_EVENT_DISCONNECTED, -7), true);
    send("tcp://127.0.0.1:5556", false);
    wait_readable(monitor_);
    const auto first = next_socket_event(monitor_);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    EXPECT_EQ(first->value, 400);
    // The endpoint was taken with the event: the next is the next event, not an endpoint.
    const auto second = next_socket_event(monitor_);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->id, ZMQ_EVENT_DISCONNECTED);
    EXPECT_EQ(second->value, -7);
    EXPECT_FALSE(next_socket_event(monitor_));
}

TEST_F(SocketEvents, AFrameTooShortForAnEventIsSkipped) {
    send("abc", true);  // five bytes would still be short: an event is six
    send("tcp://127.0.0.1:1", false);
    send("12345", false);
    send(event_frame(ZMQ_EVENT_ACCEPTED, 12), false);  // an event without an endpoint frame
    wait_readable(monitor_);
    const auto event = next_socket_event(monitor_);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, ZMQ_EVENT_ACCEPTED);
    EXPECT_EQ(event->value, 12);
    EXPECT_FALSE(next_socket_event(monitor_));

    send("", false);
    wait_readable(monitor_);
    EXPECT_FALSE(next_socket_event(monitor_));  // only a short frame: nothing, and it is gone
    send(event_frame(ZMQ_EVENT_CLOSED, 3), false);
    wait_readable(monitor_);
    const auto after = next_socket_event(monitor_);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->id, ZMQ_EVENT_CLOSED);
}

TEST_F(SocketEvents, ARealMonitorReportsTheListenerAndAnAcceptedConnection) {
    listener_ = zmq_socket(context_, ZMQ_ROUTER);
    ASSERT_EQ(zmq_socket_monitor(listener_, "inproc://real-monitor", ZMQ_EVENT_ALL), 0);
    void* real_monitor = zmq_socket(context_, ZMQ_PAIR);
    ASSERT_EQ(zmq_connect(real_monitor, "inproc://real-monitor"), 0);
    ASSERT_EQ(zmq_bind(listener_, "tcp://127.0.0.1:*"), 0);
    char endpoint[256];
    std::size_t size = sizeof endpoint;
    ASSERT_EQ(zmq_getsockopt(listener_, ZMQ_LAST_ENDPOINT, endpoint, &size), 0);
    client_ = zmq_socket(context_, ZMQ_DEALER);
    ASSERT_EQ(zmq_connect(client_, endpoint), 0);

    std::vector<std::uint16_t> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline &&
           std::find(seen.begin(), seen.end(), ZMQ_EVENT_ACCEPTED) == seen.end()) {
        while (const auto event = next_socket_event(real_monitor))
            seen.push_back(event->id);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const int linger = 0;
    zmq_setsockopt(real_monitor, ZMQ_LINGER, &linger, sizeof linger);
    zmq_socket_monitor(listener_, nullptr, 0);
    zmq_close(real_monitor);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), ZMQ_EVENT_LISTENING);
    EXPECT_NE(std::find(seen.begin(), seen.end(), ZMQ_EVENT_ACCEPTED), seen.end());
}

}  // namespace
}  // namespace citywall
