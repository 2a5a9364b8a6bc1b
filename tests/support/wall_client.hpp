// A minimal viewer for tests: the Clone-pattern client (subscribe, then ask for a snapshot)
// feeding a CityPicture, exactly as the wall does.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <zmq.hpp>

#include "citywall/keys.hpp"
#include "citywall/picture.hpp"
#include "citywall/wire.hpp"

namespace citywall::testing {

class WallClient {
  public:
    // receive_queue 0: unbounded; a small one makes a slow wall that loses updates.
    // keys: read as a keyed wall (CURVE); none: as an ingest with keys off expects.
    WallClient(zmq::context_t& context, const std::string& updates_endpoint,
               const std::string& snapshot_endpoint, int receive_queue = 0,
               const std::optional<WallKeys>& keys = std::nullopt)
        : updates_(context, zmq::socket_type::sub), snapshots_(context, zmq::socket_type::dealer) {
        for (auto* socket : {&updates_, &snapshots_}) {
            socket->set(zmq::sockopt::linger, 0);
            if (keys && !make_curve_client(socket->handle(), keys->ingest_public_key, keys->own))
                throw std::runtime_error("WallClient: bad keys");
        }
        updates_.set(zmq::sockopt::subscribe, "");
        updates_.set(zmq::sockopt::rcvhwm, receive_queue);
        updates_.connect(updates_endpoint);
        snapshots_.connect(snapshot_endpoint);
    }

    void request_snapshot() {
        snapshots_.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                        zmq::send_flags::none);
    }
    // Asks for one incident's case; the reply lands in `last_case`.
    void request_case(std::uint64_t id) {
        last_case.reset();
        snapshots_.send(zmq::buffer(wire::encode_request(wire::CaseRequest{id})),
                        zmq::send_flags::none);
    }
    // Sends a step of a case, or a trainer's command to a drill; the answer lands in
    // `last_reply`.
    void send_command(const wire::Request& command) {
        last_reply.reset();
        snapshots_.send(zmq::buffer(wire::encode_request(command)), zmq::send_flags::none);
    }
    // Sends `command` and pumps until its answer comes; nothing when none came in time.
    std::optional<wire::CommandReply> command(
        const wire::Request& command, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        send_command(command);
        pump_until([&](const CityPicture&) { return last_reply.has_value(); }, limit);
        return last_reply;
    }
    void send_raw_request(const std::string& bytes) {
        snapshots_.send(zmq::buffer(bytes), zmq::send_flags::none);
    }

    // Pumps both sockets until `done` holds or the time is up; resyncs on a gap.
    bool pump_until(const std::function<bool(const CityPicture&)>& done,
                    std::chrono::milliseconds limit = std::chrono::seconds(20)) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        zmq::pollitem_t items[] = {{updates_.handle(), 0, ZMQ_POLLIN, 0},
                                   {snapshots_.handle(), 0, ZMQ_POLLIN, 0}};
        while (!done(picture)) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            zmq::poll(items, 2, std::chrono::milliseconds(50));
            zmq::message_t message;
            for (auto* socket : {&updates_, &snapshots_}) {
                while (socket->recv(message, zmq::recv_flags::dontwait)) {
                    ++received;
                    auto decoded = wire::decode(message.to_string_view());
                    if (!decoded) {
                        ++undecodable;
                        continue;
                    }
                    if (auto* reply = std::get_if<wire::IncidentCase>(&*decoded)) {
                        cases_answered.emplace_back(reply->id, reply->found);
                        last_case = std::move(*reply);
                        continue;
                    }
                    if (auto* reply = std::get_if<wire::CommandReply>(&*decoded)) {
                        last_reply = std::move(*reply);
                        continue;
                    }
                    if (picture.apply(*decoded) == CityPicture::Outcome::gap) {
                        ++gaps;
                        picture.reset();
                        request_snapshot();
                    }
                }
            }
        }
        return true;
    }

    CityPicture picture;
    std::optional<wire::IncidentCase> last_case;
    // Every case answer, in order: which incident, and where ingest found it.
    std::vector<std::pair<std::uint64_t, wire::IncidentCase::Found>> cases_answered;
    std::optional<wire::CommandReply> last_reply;
    int gaps = 0;
    int undecodable = 0;
    int received = 0;  // messages of any kind, on either socket

  private:
    zmq::socket_t updates_;
    zmq::socket_t snapshots_;
};

}  // namespace citywall::testing
