#include "duty_link.hpp"

namespace citywall::feedsim {

namespace {

constexpr TimeMs kDecideEveryMs = 500;
constexpr std::size_t kCommandsPerDecision = 20;  // 40 a second, under ingest's 50
constexpr TimeMs kSnapshotRetryMs = 5000;

}  // namespace

DutyLink::DutyLink(zmq::context_t& context, DutyDesk desk)
    : updates_(context, zmq::socket_type::sub),
      requests_(context, zmq::socket_type::dealer),
      desk_(std::move(desk)) {}

Result<std::unique_ptr<DutyLink>> DutyLink::open(zmq::context_t& context,
                                                 const std::string& updates_endpoint,
                                                 const std::string& snapshot_endpoint,
                                                 const std::optional<WallKeys>& keys,
                                                 DutyDesk desk) {
    std::unique_ptr<DutyLink> link(new DutyLink(context, std::move(desk)));
    try {
        for (auto* socket : {&link->updates_, &link->requests_}) {
            socket->set(zmq::sockopt::linger, 0);
            if (keys) {
                if (auto ok =
                        make_curve_client(socket->handle(), keys->ingest_public_key, keys->own);
                    !ok)
                    return ok.because("duty desk: ");
            }
        }
        link->updates_.set(zmq::sockopt::subscribe, "");
        link->updates_.connect(updates_endpoint);
        link->requests_.connect(snapshot_endpoint);
    } catch (const zmq::error_t& e) {
        return Error{ErrorKind::io, std::string("duty desk: ") + e.what()};
    }
    return link;
}

void DutyLink::pump(TimeMs now) {
    zmq::message_t message;
    for (auto* socket : {&updates_, &requests_}) {
        while (socket->recv(message, zmq::recv_flags::dontwait)) {
            auto decoded = wire::decode(message.to_string_view());
            if (!decoded) continue;
            if (const auto* reply = std::get_if<wire::CommandReply>(&*decoded)) {
                desk_.answered(*reply);
                continue;
            }
            if (picture_.apply(*decoded) == CityPicture::Outcome::gap) picture_.reset();
        }
    }
    if (!picture_.has_snapshot() && now - snapshot_asked_ >= kSnapshotRetryMs) {
        requests_.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                       zmq::send_flags::dontwait);
        snapshot_asked_ = now;
    }
    if (!picture_.has_snapshot() || now - decided_ < kDecideEveryMs) return;
    decided_ = now;
    std::vector<Incident> open;
    open.reserve(picture_.incidents().size());
    for (const auto& [id, view] : picture_.incidents())
        if (auto incident = picture_.incidents().incident(id)) open.push_back(std::move(*incident));
    std::vector<Unit> units;
    units.reserve(picture_.units().size());
    for (const auto& [key, unit] : picture_.units())
        units.push_back(unit);
    desk_.see_units(std::move(units));
    for (const wire::CaseCommand& command : desk_.decide(open, now, kCommandsPerDecision))
        requests_.send(zmq::buffer(wire::encode_request(command)), zmq::send_flags::dontwait);
}

}  // namespace citywall::feedsim
