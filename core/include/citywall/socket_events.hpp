// What a ZeroMQ socket monitor reports (zmq_socket_monitor): connections accepted and lost,
// handshakes that failed and why. Read by the key gate, ingest and the wall.
#pragma once

#include <cstdint>
#include <optional>

namespace citywall {

struct SocketEvent {
    std::uint16_t id = 0;    // ZMQ_EVENT_*
    std::int32_t value = 0;  // the event's value: a descriptor, an error or a ZAP status code
};

// The next event waiting on a monitor's PAIR socket (its libzmq handle), both of its frames
// taken; nothing when none waits. Never blocks, never throws.
std::optional<SocketEvent> next_socket_event(void* monitor);

}  // namespace citywall
