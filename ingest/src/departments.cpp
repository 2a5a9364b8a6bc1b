// Departments: what each sends is read, checked against who sent it, decoded by its feed
// adapter and, when it changes the city, recorded as an event; a department on the
// acknowledged path is answered once its event is published (docs/protocol.md). Another
// centre's stream (an upstream) is followed the same way.
#include "ingest_server_impl.hpp"

#include "citywall/socket_events.hpp"

namespace citywall::ingest {

void IngestServer::Impl::reject(const Department& department, TimeMs now, const FeedReject& why,
                                std::string_view raw) {
    ++counters.rejected;
    health->rejected(department.config.code, why.reason);
    if (auto kept = dead_letter->write(now, department.config.code, why.reason, why.detail, raw);
        !kept)
        throttled.write("dead-letter", "dead letter not written: " + kept.error(), now);
    if (!delivery || why.reason == RejectReason::journal_error)
        return;  // unanswered: it is sent again
    if (why.reason == RejectReason::duplicate) {
        // Already in the state: delivered once what the state holds is published.
        if (state.last_seq() <= events.published_seq()) return answer(*delivery, {"duplicate"});
        pending_answers.push_back({state.last_seq(), *delivery, "duplicate"});
        return;
    }
    answer(*delivery, {"refused", to_string(why.reason), why.detail});
}

// Reads what department k has waiting (when `readable`), within its budget for the pass
// (kDrainPerSocket), its max_rate and the pass's time, and stops as soon as the journal fails:
// what is not read waits in its queue. Its rate is refilled every pass, so a department held
// back is polled again.
bool IngestServer::Impl::drain(std::size_t k, bool readable,
                               std::chrono::steady_clock::time_point until) {
    Department& d = departments[k];
    const int budget = d.rate.budget(clock(), kDrainPerSocket);
    if (!readable || budget <= 0) return true;
    zmq::message_t message;
    std::vector<zmq::message_t> frames;
    int n = 0;
    bool in_time = true;
    for (; n < budget && !events.failing(); ++n) {
        if ((n & 15) == 15 && std::chrono::steady_clock::now() >= until) {
            in_time = false;
            break;
        }
        if (!d.acknowledged()) {
            if (!d.socket.recv(message, zmq::recv_flags::dontwait)) break;
            receive(d, message);
            continue;
        }
        frames.clear();
        if (!zmq::recv_multipart(d.socket, std::back_inserter(frames), zmq::recv_flags::dontwait))
            break;
        receive_acknowledged(k, frames);
    }
    d.rate.spend(n);
    // Its budget for the pass (or its rate) is spent with more waiting: the wall shows it.
    if (n == budget && (d.socket.get(zmq::sockopt::events) & ZMQ_POLLIN))
        health->held_back(d.config.code, clock());
    return in_time && std::chrono::steady_clock::now() < until;
}

// The key gate names who spoke; a message on a department's socket from anyone else is refused
// even if it got through (a second check on top of the handshake).

void IngestServer::Impl::receive(Department& department, const zmq::message_t& message) {
    const std::string_view speaker = speaker_of(message);
    if (!gate->keys_off() && speaker != department.config.code) {
        const TimeMs now = clock();
        health->heard(department.config.code, now);
        return reject(department, now,
                      {RejectReason::wrong_speaker, "message from '" + std::string(speaker) + "'"},
                      message.to_string_view());
    }
    handle(department, message.to_string_view());
}

void IngestServer::Impl::handle(Department& department, std::string_view bytes) {
    const TimeMs now = clock();
    const std::string& code = department.config.code;
    health->heard(code, now);
    auto decoded = department.adapter->decode(bytes, now);
    // Read against the real clock (a department's times are real), taken at the drill's time in
    // a replay, as everything the drill records.
    take_decoded(department, decoded, bytes, replay ? event_time() : now);
}

void IngestServer::Impl::take_decoded(Department& department, FeedMessage& decoded,
                                      std::string_view bytes, TimeMs now) {
    if (const auto* why = std::get_if<FeedReject>(&decoded))
        return reject(department, now, *why, bytes);
    if (std::holds_alternative<FeedHeartbeat>(decoded)) {
        if (delivery) answer(*delivery, {"ok"});
        return;
    }
    if (const auto* fix = std::get_if<FeedUnitFix>(&decoded))
        return handle_unit(department, *fix, bytes, now);
    if (const auto* step = std::get_if<FeedCaseStep>(&decoded))
        return handle_case_step(department, *step, bytes, now);
    auto& report = std::get<FeedReport>(decoded);

    LonLat position = report.position;
    // A status-only report has no position: the incident stays where it is.
    if (!report.status_only && !department.transform.to_world(position))
        return reject(department, now, {RejectReason::bad_location, "position outside the world"},
                      bytes);
    take_report(department, report, position, bytes, now);
}

void IngestServer::Impl::take_report(Department& department, FeedReport& report, LonLat position,
                                     std::string_view bytes, TimeMs at) {
    const std::string& code = department.config.code;
    auto applied = apply_report(state, config.merge, *placement,
                                {department.config, report, position, config.drill}, at);
    if (const auto* why = std::get_if<FeedReject>(&applied))
        return reject(department, at, *why, bytes);
    const bool far = !report.status_only && std::get<IncidentChange>(applied).after.far_m > 0;
    if (auto recorded = record(std::move(std::get<IncidentChange>(applied)), at, code); !recorded)
        return reject(department, at, {RejectReason::journal_error, recorded.error()}, bytes);
    if (far) health->far_away(code);
    const TimeMs now = clock();
    health->accepted(
        code, report.occurred != 0 ? std::optional<TimeMs>(now - report.occurred) : std::nullopt,
        now);
}

void IngestServer::Impl::answer_published(std::uint64_t seq) {
    while (!pending_answers.empty() && pending_answers.front().seq <= seq) {
        answer(pending_answers.front().delivery, {pending_answers.front().status});
        pending_answers.pop_front();
    }
}

// A department that has gone, or stopped reading, misses its answer and sends the message
// again; the repeat is answered as a duplicate.
void IngestServer::Impl::answer(const Delivery& to, std::initializer_list<std::string_view> words) {
    zmq::socket_t& socket = departments[to.department].socket;
    try {
        if (!socket.send(zmq::buffer(to.peer),
                         zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return;
        socket.send(zmq::buffer(to.id), zmq::send_flags::sndmore);
        std::size_t left = words.size();
        for (std::string_view word : words)
            socket.send(zmq::buffer(word),
                        --left ? zmq::send_flags::sndmore : zmq::send_flags::none);
        ++counters.answered;
    } catch (const zmq::error_t&) {
        // EHOSTUNREACH with ROUTER_MANDATORY; by default an unroutable answer is dropped.
    }
}

void IngestServer::Impl::receive_acknowledged(std::size_t index,
                                              std::vector<zmq::message_t>& frames) {
    Department& department = departments[index];
    // [peer, delivery id, body]; the peer frame is there whatever the department sent.
    const bool has_id =
        frames.size() >= 2 && frames[1].size() >= 1 && frames[1].size() <= kMaxDeliveryId;
    if (frames.size() != 3 || !has_id) {
        const TimeMs now = clock();
        health->heard(department.config.code, now);
        ++counters.rejected;
        health->rejected(department.config.code, RejectReason::bad_frames);
        throttled.write("frames-" + department.config.code,
                        "department " + department.config.code + ": a message of " +
                            std::to_string(frames.size() - 1) +
                            " frames on an acknowledged feed (two are expected: delivery id, body)",
                        now);
        if (has_id)
            answer({index, frames[0].to_string(), frames[1].to_string()},
                   {"refused", to_string(RejectReason::bad_frames),
                    "a message is two frames: delivery id, body"});
        return;
    }
    delivery = Delivery{index, frames[0].to_string(), frames[1].to_string()};
    // Its orders go to the connection that last spoke with its key: one that is new (a
    // restart, a reconnect) gets every order it has not signed for at once.
    const bool speaker_ok = gate->keys_off() || speaker_of(frames[2]) == department.config.code;
    const bool new_peer = speaker_ok && department.order_peer != delivery->peer;
    if (speaker_ok) department.order_peer = delivery->peer;
    // Notices sent to this connection before it spoke have reached a live one: let them go.
    if (speaker_ok)
        std::erase_if(department.notices,
                      [&](const Department::Notice& n) { return n.sent_to == delivery->peer; });
    receive(department, frames[2]);
    delivery.reset();
    if (new_peer) deliver_orders(index, clock());
}

namespace {
// Working an incident: a fix that does not name one keeps the case the unit was sent to.
bool working(UnitStatus status) {
    return status == UnitStatus::dispatched || status == UnitStatus::en_route ||
           status == UnitStatus::on_scene || status == UnitStatus::transporting;
}
}  // namespace

// A unit's position: converted like an incident's, ordered by the fix's own time, linked to the
// incident it serves, then numbered, journaled and published like any event.
void IngestServer::Impl::handle_unit(Department& department, const FeedUnitFix& fix,
                                     std::string_view bytes, TimeMs now) {
    LonLat position = fix.position;
    if (!department.transform.to_world(position))
        return reject(department, now, {RejectReason::bad_location, "position outside the world"},
                      bytes);
    Unit unit;
    unit.department = department.config.code;  // from the key, never from the message
    unit.id = fix.id;
    unit.callsign = fix.callsign;
    unit.kind = fix.kind;
    unit.status = fix.status;
    unit.location = position;
    unit.heading = fix.heading;
    unit.speed = fix.speed;
    unit.reported = fix.time != 0 ? fix.time : now;
    unit.received = now;
    const std::string& code = department.config.code;
    if (!fix.incident.empty()) {
        unit.incident = state.find(code, fix.incident).value_or(0);
    } else if (const Unit* known = units.find(code, fix.id); known && working(fix.status)) {
        // A unit ordered from the wall stays on its case while it works, though its own
        // department's fixes do not name the case.
        unit.incident = known->incident;
    }
    if (!units.is_newer(unit))
        return reject(department, now,
                      {RejectReason::superseded, "a newer fix of unit '" + fix.id + "' came first"},
                      bytes);
    const std::uint64_t serving = unit.incident;
    if (auto recorded = record_unit(std::move(unit), now, code); !recorded)
        return reject(department, now, {RejectReason::journal_error, recorded.error()}, bytes);
    // Feed health is on the real clock, also in a replay (where `now` is the drill's).
    const TimeMs heard = clock();
    health->accepted(code, fix.time != 0 ? std::optional<TimeMs>(heard - fix.time) : std::nullopt,
                     heard);
    if (fix.status == UnitStatus::on_scene && serving != 0) arrived(code, fix.id, serving, now);
}

// A unit of the case's department reporting itself on scene is the case's arrival, at the time
// ingest heard it: nothing before it (dispatched, en route) is filled in after the fact, and a
// case already on scene keeps its first arrival.
void IngestServer::Impl::arrived(const std::string& code, const std::string& unit, std::uint64_t id,
                                 TimeMs now) {
    const auto incident = state.incident(id);
    if (!incident || !incident->open()) return;
    const CaseState& stands = incident->case_state;
    if (stands.department != code || stands.arrived != 0 ||
        !rule_of(CaseAction::arrive).allowed_from(stands.stage))
        return;
    CaseStep step;
    step.time = now;
    step.action = CaseAction::arrive;
    step.actor = code;
    step.department = code;
    step.unit = unit;
    step.command = stands.order;
    step.note = "unit " + unit + " reported on scene";
    if (auto why = take_step(id, std::move(step), Doer::department, code))
        log("unit " + unit + " of " + code + " on scene of incident " + std::to_string(id) +
            ": the arrival was not recorded (" + std::string(to_string(why->why)) +
            "): " + why->detail);
    else
        ++counters.arrivals_by_unit;
}

// What a county centre's ingest changed becomes this centre's own numbered, journaled events.
void IngestServer::Impl::follow(Upstream& upstream) {
    const std::string& code = upstream.config.code;
    const TimeMs now = clock();
    auto changes = upstream.link->receive();
    health->heard(code, now);
    for (const auto& change : changes) {
        IncidentChange here =
            state.change(federated_incident(state, *placement, code, change, now));
        if (!here.after.open() && here.opened()) continue;  // never opened here
        if (!record(std::move(here), now, code)) {
            health->rejected(code, RejectReason::journal_error);
            continue;
        }
        health->accepted(code, std::nullopt, now);
    }
    for (auto replayed = upstream.link->replayed(); upstream.replayed_counted < replayed;
         ++upstream.replayed_counted)
        health->rejected(code, RejectReason::replayed_sequence);
}

void IngestServer::Impl::watch_peers(Department& department) {
    const auto event = next_socket_event(department.monitor.handle());
    if (!event) return;
    const auto [id, value] = *event;
    if (id == ZMQ_EVENT_ACCEPTED || id == ZMQ_EVENT_CONNECTED)
        health->peers_changed(department.config.code, +1);
    if (id == ZMQ_EVENT_DISCONNECTED) health->peers_changed(department.config.code, -1);
    if (auto refusal = refusal_of_handshake_event(id, value, gate->keys_off()))
        gate->count_refusal(department.config.code, *refusal);
}

}  // namespace citywall::ingest
