#include "upstream_link.hpp"

#include <chrono>

namespace citywall::ingest {

namespace {
TimeMs steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

UpstreamLink::UpstreamLink(const DepartmentConfig& centre, zmq::context_t& context,
                           KeyPair own_keys)
    : centre_(centre), context_(context), own_keys_(std::move(own_keys)) {}

Result<std::unique_ptr<UpstreamLink>> UpstreamLink::open(const DepartmentConfig& centre,
                                                         zmq::context_t& context,
                                                         const KeyPair& own_keys) {
    using R = Result<std::unique_ptr<UpstreamLink>>;
    if (!own_keys.secret_key.empty() && centre.public_key.empty())
        return R::failure(ErrorKind::invalid,
                          "keys are on: public_key must be the other ingest's public key");
    std::unique_ptr<UpstreamLink> link(new UpstreamLink(centre, context, own_keys));
    if (auto connected = link->connect(); !connected) return connected.error_value();
    return link;
}

Result<void> UpstreamLink::connect() {
    using R = Result<void>;
    try {
        updates_ = zmq::socket_t(context_, zmq::socket_type::sub);
        snapshots_ = zmq::socket_t(context_, zmq::socket_type::dealer);
        for (auto* socket : {&updates_, &snapshots_}) {
            socket->set(zmq::sockopt::linger, 0);
            if (own_keys_.secret_key.empty()) continue;  // keys off here: NULL
            if (auto keyed = make_curve_client(socket->handle(), centre_.public_key, own_keys_);
                !keyed)
                return keyed.error_value();
        }
        updates_.set(zmq::sockopt::subscribe, "");
        updates_.set(zmq::sockopt::rcvhwm, 200000);
        updates_.connect(centre_.endpoint);
        snapshots_.connect(centre_.snapshot_endpoint);
    } catch (const zmq::error_t& e) {
        return R::failure(ErrorKind::io, std::string("cannot connect: ") + e.what());
    }
    heard_ = steady_ms();
    request_snapshot();
    return {};
}

bool UpstreamLink::reconnect_if_silent(TimeMs silent_ms) {
    if (steady_ms() - heard_ < silent_ms) return false;
    ++reconnects_;
    return connect().ok();
}

void UpstreamLink::request_snapshot() {
    picture_.reset();
    snapshots_.send(zmq::buffer(wire::encode_request(wire::SnapshotRequest{})),
                    zmq::send_flags::dontwait);
}

std::vector<UpstreamLink::Change> UpstreamLink::receive() {
    std::vector<Change> out;
    zmq::message_t message;
    for (auto* socket : {&snapshots_, &updates_}) {
        while (socket->recv(message, zmq::recv_flags::dontwait)) {
            heard_ = steady_ms();
            auto decoded = wire::decode(message.to_string_view());
            if (!decoded) continue;  // counted by the caller's health as undecodable
            // Passed on to this centre's walls and foreign readers, whose decoders refuse text
            // that is not UTF-8: the county's text is checked here, where it enters.
            wire::repair_text(*decoded);
            switch (picture_.apply(*decoded)) {
                case CityPicture::Outcome::gap:
                    ++resyncs_;
                    request_snapshot();
                    break;
                case CityPicture::Outcome::already_seen:
                    ++replayed_;
                    break;
                default:
                    break;
            }
        }
    }
    collect(out);
    return out;
}

// Compares what the picture holds with what was passed on, so a snapshot after a gap turns into
// exactly the changes that were missed (closed ones included).
void UpstreamLink::collect(std::vector<Change>& out) {
    if (!picture_.has_snapshot()) return;
    const bool replaced = picture_.take_replaced();
    std::vector<std::uint64_t> ids;
    for (const auto& change : picture_.take_changes())
        ids.push_back(change.id);
    if (replaced) {
        ids.clear();
        for (const auto& [id, incident] : picture_.incidents())
            ids.push_back(id);
        for (const auto& [id, incident] : mirrored_)
            if (!picture_.incidents().contains(id)) ids.push_back(id);
    }
    for (auto id : ids) {
        auto now_there = picture_.incidents().incident(id);
        auto passed_on = mirrored_.find(id);
        if (now_there) {
            if (passed_on != mirrored_.end() && passed_on->second == *now_there) continue;
            out.push_back({*now_there, picture_.seq()});
            mirrored_[id] = std::move(*now_there);
        } else if (passed_on != mirrored_.end()) {
            Incident closed = passed_on->second;
            closed.status = IncidentStatus::closed;
            for (auto& s : closed.sources)
                s.status = IncidentStatus::closed;
            out.push_back({closed, picture_.seq()});
            mirrored_.erase(passed_on);
        }
    }
}

Incident federated_incident(const CityState& state, const CityPlacement& placement,
                            const std::string& centre, const UpstreamLink::Change& change,
                            TimeMs now) {
    Incident incident = change.upstream;
    for (auto& source : incident.sources)
        source.department = centre + ":" + source.department;
    std::optional<std::uint64_t> known;
    if (!incident.sources.empty()) known = state.find(incident.sources.front());
    if (const auto existing = known ? state.open_incident(*known) : std::nullopt) {
        incident.id = existing->id;
        incident.received = existing->received;
    } else {
        incident.id = state.next_id();
        incident.received = now;
    }
    // Placed again in this centre's own areas; where they do not reach, the county's path stays.
    AreaPath here = placement.place(incident.location);
    if (!here.empty()) {
        incident.areas = std::move(here);
        incident.far_m = 0;
    }
    incident.provenance = {centre, change.upstream.id, change.seq};
    incident.updated = now;
    return incident;
}

}  // namespace citywall::ingest
