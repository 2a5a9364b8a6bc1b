#include "citywall/socket_events.hpp"

#include <zmq.h>

#include <cstring>

namespace citywall {

std::optional<SocketEvent> next_socket_event(void* monitor) {
    // Events with a frame too short to hold one are skipped, not returned.
    while (true) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return std::nullopt;
        }
        std::optional<SocketEvent> event;
        if (zmq_msg_size(&frame) >= 6) {
            event.emplace();
            std::memcpy(&event->id, zmq_msg_data(&frame), sizeof event->id);
            std::memcpy(&event->value, static_cast<const char*>(zmq_msg_data(&frame)) + 2,
                        sizeof event->value);
        }
        bool more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
        while (more) {  // the endpoint frame
            zmq_msg_init(&frame);
            more = zmq_msg_recv(&frame, monitor, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&frame);
            zmq_msg_close(&frame);
        }
        if (event) return event;
    }
}

}  // namespace citywall
