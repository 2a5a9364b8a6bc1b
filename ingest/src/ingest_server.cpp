#include "ingest_server_impl.hpp"

#include "citywall/socket_events.hpp"

namespace citywall::ingest {

namespace {

std::string describe_deadlines(const DeadlineConfig& deadlines) {
    constexpr const char* kNames[] = {"critical", "major", "moderate", "low"};
    std::string said;
    for (std::size_t k = 0; k < deadlines.minutes.size(); ++k)
        if (deadlines.minutes[k].value_or(0) != 0)
            said += std::string(said.empty() ? "" : ", ") + kNames[k] + " " +
                    std::to_string(*deadlines.minutes[k]) + " min";
    if (said.empty() && deadlines.rules.empty())
        return "deadlines: none configured; incidents have no due time and do not escalate";
    return "deadlines: " + (said.empty() ? std::string("by category only") : said) + " (" +
           std::to_string(deadlines.rules.size()) +
           " category rules); an overdue incident goes one level up every " +
           std::to_string(deadlines.escalate_every_minutes) + " min";
}

}  // namespace

IngestServer::IngestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestServer::~IngestServer() = default;

Result<std::unique_ptr<IngestServer>> IngestServer::create(const IngestConfig& config,
                                                           const StartOptions& options) {
    using R = Result<std::unique_ptr<IngestServer>>;
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->options = options;
    impl->limits.max_bytes = config.max_message_bytes;
    // Received messages get buffers of their own instead of pointing into the 8 KiB read
    // buffer they arrived in: a queued 250-byte report must not hold 8 KiB while ingest is busy.
    // (A draft option of libzmq 4.3; a library without it keeps zero-copy and says so here.)
    if (zmq_ctx_set(impl->context.handle(), kZmqZeroCopyRecv, 0) != 0)
        log("zeromq: receive buffers are shared (no ZMQ_ZERO_COPY_RECV in this libzmq)");

    impl->state.set_neighbour_radius(config.merge.distance_m);
    if (config.drill)
        log("DRILL: this ingest is a drill; every incident, unit and heartbeat it publishes says "
            "drill, and so does its journal");
    log(describe_deadlines(config.deadlines));
    auto placement = CityPlacement::load(config.placement);
    if (!placement) return placement.because("map: ");
    impl->placement = std::move(*placement);
    log("placement: " + std::to_string(impl->placement->grid_count()) + " grids, " +
        std::to_string(impl->placement->beat_count()) + " police beats");

    // Keys, coordinate systems and endpoints are checked before the journal is touched: a
    // mistake in them must not leave a new or recovered journal behind.
    if (auto gate = impl->open_gate(); !gate) return gate.error_value();
    auto bind = [](zmq::socket_t& socket, const std::string& endpoint,
                   const std::string& what) -> Result<void> {
        try {
            socket.bind(endpoint);
        } catch (const zmq::error_t& e) {
            return Error{ErrorKind::io, what + ": cannot bind " + endpoint + ": " + e.what()};
        }
        return {};
    };
    try {
        // Nothing queued for a wall or a department may hold up a stop: a wall resyncs and a
        // department on the acknowledged path sends again what was not answered.
        impl->updates.set(zmq::sockopt::linger, 0);
        impl->snapshots.set(zmq::sockopt::linger, 0);
        // With keys on, the gate lets in only listed walls and names each; with keys off
        // anyone may read (the walls say KEYS OFF).
        std::map<std::string, WallRole, std::less<>> roles;
        for (const auto& w : config.walls)
            roles.emplace(w.name, w.role);
        const bool open_stream = config.keys_off;
        impl->walls = std::make_unique<WallRequests>(
            impl->snapshots, WallRequestLimits{},
            [roles = std::move(roles), open_stream](std::string_view speaker) {
                if (open_stream) return std::optional<WallRole>(WallRole::viewer);
                auto it = roles.find(speaker);
                return it == roles.end() ? std::nullopt : std::optional<WallRole>(it->second);
            });
        for (auto* socket : {&impl->updates, &impl->snapshots})
            if (auto guarded = impl->gate->guard_walls(*socket); !guarded)
                return guarded.error_value();
        impl->updates.set(zmq::sockopt::sndhwm, config.publish_queue);
        // The gate reads these monitors: it counts the walls' connections and their refusals.
        for (std::size_t k = 0; k < 2; ++k) {
            auto& socket = k == 0 ? impl->updates : impl->snapshots;
            if (zmq_socket_monitor(socket.handle(), kWallMonitors[k],
                                   ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0)
                return R::failure(ErrorKind::io, "cannot monitor the wall stream");
        }
        if (auto bound = bind(impl->updates, config.updates_endpoint, "updates_endpoint"); !bound)
            return bound.error_value();
        if (auto bound = bind(impl->snapshots, config.snapshot_endpoint, "snapshot_endpoint");
            !bound)
            return bound.error_value();
        for (const auto& d : config.departments) {
            if (d.format == FeedFormat::citywall) {
                auto link = UpstreamLink::open(d, impl->context, impl->own_keys);
                if (!link) return link.because("department " + d.code + ": ");
                impl->upstreams.push_back({d, std::move(*link)});
                continue;
            }
            auto transform = PositionTransform::create(d.crs);
            if (!transform) return transform.because("department " + d.code + ": ");
            if (auto mapping = check_feed_mapping(d); !mapping)
                return mapping.because("department " + d.code + ": ");
            const bool subscribe = d.socket == FeedSocket::sub;
            const zmq::socket_type type = subscribe ? zmq::socket_type::sub
                                          : d.socket == FeedSocket::acknowledged
                                              ? zmq::socket_type::router
                                              : zmq::socket_type::pull;
            Department department{d, make_feed_adapter(d, config.taxonomy, impl->limits),
                                  *transform, zmq::socket_t(impl->context, type),
                                  zmq::socket_t(impl->context, zmq::socket_type::pair)};
            department.socket.set(zmq::sockopt::maxmsgsize,
                                  static_cast<std::int64_t>(config.max_message_bytes) * 4);
            department.socket.set(zmq::sockopt::rcvhwm, 100000);
            department.socket.set(zmq::sockopt::linger, 0);
            if (auto guarded = impl->gate->guard(department.socket, d.code); !guarded)
                return guarded.because("department " + d.code + ": ");
            std::string monitor = "inproc://peers-" + d.code;
            if (zmq_socket_monitor(department.socket.handle(), monitor.c_str(),
                                   ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED |
                                       ZMQ_EVENT_DISCONNECTED |
                                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0)
                return R::failure(ErrorKind::io, "cannot monitor department " + d.code);
            if (subscribe) {
                // The department publishes; ingest connects to it and takes everything.
                department.socket.set(zmq::sockopt::subscribe, "");
                try {
                    department.socket.connect(d.endpoint);
                } catch (const zmq::error_t& e) {
                    return R::failure(ErrorKind::io, "department " + d.code +
                                                         ": cannot connect to " + d.endpoint +
                                                         ": " + e.what());
                }
            } else if (auto bound = bind(department.socket, d.endpoint, "department " + d.code);
                       !bound) {
                return bound.error_value();
            }
            department.monitor.connect(monitor);
            impl->departments.push_back(std::move(department));
        }
    } catch (const zmq::error_t& e) {
        return R::failure(ErrorKind::io, std::string("socket: ") + e.what());
    }

    auto journal = JournalWriter::open({config.journal_dir, 64u << 20, config.fsync_interval_ms});
    if (!journal) return journal.because("journal: ");
    impl->journal = std::move(*journal);
    if (auto recovered = impl->recover(); !recovered) return recovered.error_value();

    auto dead_letter_path = config.dead_letter_file.empty()
                                ? config.journal_dir / "dead-letter.jsonl"
                                : config.dead_letter_file;
    DeadLetterLimits dead_letter_limits;
    dead_letter_limits.max_bytes = config.dead_letter_max_bytes;
    dead_letter_limits.record_bytes = config.dead_letter_record_bytes;
    impl->dead_letter = std::make_unique<DeadLetterFile>(dead_letter_path, dead_letter_limits);
    if (!impl->dead_letter->ok())
        return R::failure(ErrorKind::io,
                          "cannot open dead-letter file " + dead_letter_path.string());
    impl->health = std::make_unique<FeedHealthBoard>(
        config.departments, impl->clock(), [gate = impl->gate.get()] { return gate->counts(); });
    return std::unique_ptr<IngestServer>(new IngestServer(std::move(impl)));
}

// Keys are on unless the config says otherwise: every department socket is a CURVE server that
// admits only that department's key (docs/security.md).
Result<void> IngestServer::Impl::open_gate() {
    KeyPair ingest_keys;
    // Another ingest's stream is not a department socket: it is not behind the gate.
    std::vector<DepartmentConfig> keyed;
    for (const auto& d : config.departments)
        if (d.format != FeedFormat::citywall) keyed.push_back(d);
    if (!config.keys_off) {
        if (config.ingest_key_file.empty())
            return Result<void>::failure(
                ErrorKind::invalid,
                "security: keys are on but no ingest_key_file is configured (or say keys = "
                "\"off\")");
        if (config.walls.empty())
            return Result<void>::failure(
                ErrorKind::invalid,
                "security: keys are on but no [[wall]] is listed: no wall could read the "
                "picture (docs/security.md, \"Walls\")");
        auto keys = load_secret_key_file(config.ingest_key_file);
        if (!keys) return keys.because("security: ");
        ingest_keys = *keys;
        for (auto& d : config.departments) {
            if (!d.public_key.empty() || d.public_key_file.empty()) continue;
            auto key = load_public_key_file(d.public_key_file);
            if (!key) return key.because("department " + d.code + ": ");
            d.public_key = *key;
        }
        for (auto& w : config.walls) {
            if (!w.public_key.empty()) continue;
            auto key = load_public_key_file(w.public_key_file);
            if (!key) return key.because("wall " + w.name + ": ");
            w.public_key = *key;
        }
        keyed.clear();
        for (const auto& d : config.departments)
            if (d.format != FeedFormat::citywall) keyed.push_back(d);
    } else {
        log("security: KEYS OFF — department feeds are not authenticated (config says so)");
    }
    own_keys = ingest_keys;
    auto gate_config = KeyGateConfig::for_departments(keyed, ingest_keys, config.keys_off);
    if (!gate_config) return gate_config.because("security: ");
    if (auto listed = gate_config->add_walls(config.walls); !listed)
        return listed.because("security: ");
    // A wall holds up to three connections: its subscription and two request sockets.
    gate_config->max_wall_connections = 3 * config.max_walls;
    gate_config->wall_monitors.assign(std::begin(kWallMonitors), std::end(kWallMonitors));
    // A refused client tries again every 100 ms: one line per place and reason a minute, with
    // the count of those held back (the gate's counters have every one).
    struct RefusalLog {
        std::mutex mutex;
        LogThrottle lines{[](const std::string& line) { log(line); }, 60'000};
    };
    gate_config->on_refusal = [refusals = std::make_shared<RefusalLog>(),
                               this](const RefusalEvent& e) {
        const std::string to =
            e.domain == kWallDomain ? std::string("the wall stream") : "department " + e.domain;
        const std::string reason(describe(e.reason));
        std::lock_guard lock(refusals->mutex);
        refusals->lines.write(
            to + reason,
            "refused a connection to " + to +
                (e.address.empty() ? std::string() : " from " + e.address) + ": " + reason +
                (e.key_owner.empty() ? std::string() : " (the key of " + e.key_owner + ")"),
            clock());
    };
    auto opened = KeyGate::open(context, std::move(*gate_config));
    if (!opened) return opened.because("security: ");
    gate = std::move(*opened);
    return {};
}

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
        // Already in the state: delivered once what the state holds is on disk.
        pending_answers.push_back({state.last_seq(), *delivery, "duplicate"});
        return;
    }
    answer(*delivery, {"refused", to_string(why.reason), why.detail});
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
    if (const auto* why = std::get_if<FeedReject>(&decoded))
        return reject(department, now, *why, bytes);
    if (std::holds_alternative<FeedHeartbeat>(decoded)) {
        if (delivery) answer(*delivery, {"ok"});
        return;
    }
    if (const auto* fix = std::get_if<FeedUnitFix>(&decoded))
        return handle_unit(department, *fix, bytes, now);
    auto& report = std::get<FeedReport>(decoded);

    LonLat position = report.position;
    // A status-only report has no position: the incident stays where it is.
    if (!report.status_only && !department.transform.to_world(position))
        return reject(department, now, {RejectReason::bad_location, "position outside the world"},
                      bytes);

    auto applied = apply_report(state, config.merge, *placement,
                                {department.config, report, position, config.drill}, now);
    if (const auto* why = std::get_if<FeedReject>(&applied))
        return reject(department, now, *why, bytes);
    if (auto error = record(std::move(std::get<IncidentChange>(applied)), now, code);
        !error.empty())
        return reject(department, now, {RejectReason::journal_error, error}, bytes);
    health->accepted(
        code, report.occurred != 0 ? std::optional<TimeMs>(now - report.occurred) : std::nullopt,
        now);
}

// Numbers an event's change and commits it; it is journaled and then published at the end of
// the drain pass (flush_batch): what is not in the journal is never published. Returns why it
// could not be taken, or nothing.
std::string IngestServer::Impl::record(IncidentChange change, TimeMs now,
                                       const std::string& source) {
    if (!journal_failed.empty()) return journal_failed;
    Incident& incident = change.after;
    // Everything a drill ingest publishes is a drill; a live one passes on what a centre it
    // follows says of its own incidents.
    if (config.drill && !incident.drill) {
        incident.drill = true;
        if (change.before && !change.before->drill) change.moved.add(IncidentField::drill);
    }
    // The deadline runs from receipt. What changes what the incident is (its severity or its
    // category) gives it that one's deadline; what closes it, or an escalation step, leaves it.
    // An incident fed by another centre keeps that centre's deadline.
    if (incident.provenance.empty() && incident.open() &&
        (change.opened() || change.moved.has(IncidentField::severity) ||
         change.moved.has(IncidentField::category))) {
        incident.due = config.deadlines.due(incident);
        if (change.before && change.before->due != incident.due)
            change.moved.add(IncidentField::due);
    }
    // Encoded in place as a wire message, so encoding it copies nothing.
    wire::Message message = wire::IncidentUpdate{state.next_seq(), std::move(incident)};
    auto& update = std::get<wire::IncidentUpdate>(message);
    if (auto error = enqueue({update.seq, now, static_cast<std::uint16_t>(wire::Kind::incident),
                              wire::encode(message)},
                             source);
        !error.empty()) {
        return error;
    }
    change.after = std::move(update.incident);
    day.observe(change, now);
    state.commit(update.seq, change);
    escalations.changed(state, change);
    after_commit();
    return {};
}

// One level up for each open incident whose next step is due, each step an event of its own on
// the one path (numbered, journaled, published), so a restart finds every step in the journal.
void IngestServer::Impl::escalate_overdue(TimeMs now) {
    for (int steps = 0; steps < kMaxEscalationsPerPass && journal_failed.empty(); ++steps) {
        const auto id = escalations.take_due(state, now);
        if (!id) return;
        Incident incident = *state.incident(*id);
        ++incident.escalation;
        incident.updated = now;
        if (auto error = record(state.change(std::move(incident)), now, kEscalationSource);
            !error.empty()) {
            // Not taken: still due, and taken once the journal can be written again.
            escalations.retry(state, *id);
            return;
        }
        ++counters.escalations;
    }
}

// Queues a numbered event for the journal. The checks the journal would make are made here,
// before the event is committed, so a refused event never reaches the state.
std::string IngestServer::Impl::enqueue(JournalRecord record, const std::string& source) {
    const std::uint64_t previous = batch.empty() ? journal->last_seq() : batch.back().seq;
    if (record.seq <= previous || record.payload.size() > kMaxJournalPayload) {
        std::string error = "journal append: event " + std::to_string(record.seq) + " of " +
                            std::to_string(record.payload.size()) + " bytes cannot follow seq " +
                            std::to_string(previous);
        log("journal append failed: " + error);
        return error;
    }
    if (delivery) pending_answers.push_back({record.seq, *delivery, "ok"});
    batch.push_back(std::move(record));
    batch_sources.push_back(source);
    return {};
}

// After an event is in the state: a due checkpoint first journals and publishes what is
// pending (a checkpoint is never ahead of the journal), and a full batch is written.
void IngestServer::Impl::after_commit() {
    // A checkpoint being written covers what it was taken at; one that failed waits its
    // back-off. (Otherwise every event would flush the batch alone until the child is reaped.)
    const std::uint64_t covered =
        checkpoint_writer != 0 ? checkpoint_writing_seq : checkpointed_seq;
    if (config.checkpoint_every != 0 && state.last_seq() - covered >= config.checkpoint_every &&
        (next_checkpoint_try == 0 || clock() >= next_checkpoint_try)) {
        flush_batch();
        take_checkpoint();
    } else if (batch.size() >= kJournalBatch) {
        flush_batch();
    }
}

void IngestServer::Impl::answer_durable() {
    while (!pending_answers.empty() && pending_answers.front().seq <= published_seq) {
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
    receive(department, frames[2]);
    delivery.reset();
}

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
    if (!fix.incident.empty())
        unit.incident = state.find(department.config.code, fix.incident).value_or(0);
    if (!units.is_newer(unit))
        return reject(department, now,
                      {RejectReason::superseded, "a newer fix of unit '" + fix.id + "' came first"},
                      bytes);
    if (auto error = record_unit(std::move(unit), now, department.config.code); !error.empty())
        return reject(department, now, {RejectReason::journal_error, error}, bytes);
    health->accepted(department.config.code,
                     fix.time != 0 ? std::optional<TimeMs>(now - fix.time) : std::nullopt, now);
}

std::string IngestServer::Impl::record_unit(Unit unit, TimeMs now, const std::string& source) {
    if (!journal_failed.empty()) return journal_failed;
    unit.drill = config.drill;
    const wire::Message message = wire::UnitUpdate{state.next_seq(), std::move(unit)};
    const auto& update = std::get<wire::UnitUpdate>(message);
    if (auto error = enqueue(
            {update.seq, now, static_cast<std::uint16_t>(wire::Kind::unit), wire::encode(message)},
            source);
        !error.empty())
        return error;
    state.skip_to(update.seq);
    units.apply(update.unit);
    after_commit();
    return {};
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
        if (auto error = record(std::move(here), now, code); !error.empty()) {
            health->rejected(code, RejectReason::journal_error);
            continue;
        }
        health->accepted(code, std::nullopt, now);
    }
    for (auto replayed = upstream.link->replayed(); upstream.replayed_counted < replayed;
         ++upstream.replayed_counted)
        health->rejected(code, RejectReason::replayed_sequence);
}

void IngestServer::Impl::publish(const wire::Message& message) {
    auto bytes = wire::encode(message);
    updates.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
}

// The snapshot socket answers two requests: a snapshot, or one incident's case, each within
// its wall's rate. Anything else is counted and logged (throttled); the client gets no reply.
void IngestServer::Impl::serve_requests() {
    const TimeMs now = clock();
    while (auto request = walls->next(now)) {
        using Kind = WallRequests::Request::Kind;
        if (request->forbidden) {
            throttled.write("forbidden",
                            "snapshot endpoint: refused a request of '" + request->speaker +
                                "': its role does not allow it",
                            now);
            continue;
        }
        if (request->kind == Kind::unknown) {
            throttled.write("request",
                            "snapshot endpoint: refused an unknown request of " +
                                std::to_string(request->size) + " bytes",
                            now);
            continue;
        }
        // The state may hold events the journal does not: it is not shown.
        if (!journal_failed.empty()) continue;
        if (request->kind == Kind::incident_case) {
            walls->answer(request->peer, wire::encode(state.incident_case(request->incident)));
            continue;
        }
        // A snapshot is never ahead of what is published: what it holds is on disk.
        if (!settle()) continue;
        walls->stream(request->peer, snapshot_image(now), now);
    }
    walls->pump(now);
}

// The open incidents, the units and the feeds as the messages of a snapshot, built once for
// each published sequence number (and at most once a second for the feeds' sake): every wall
// that asks meanwhile gets the same image, and it is encoded one chunk at a time.
std::shared_ptr<const SnapshotImage> IngestServer::Impl::snapshot_image(TimeMs now) {
    if (image && image->seq == published_seq && now - image->built < 1000) return image;
    auto built = std::make_shared<SnapshotImage>();
    built->seq = published_seq;
    built->built = now;
    state.snapshot(kSnapshotChunk, health->report(now), [&](const wire::SnapshotChunk& chunk) {
        // The units ride in the same reply, just before the chunk that completes it.
        if (chunk.last)
            built->messages.push_back(
                wire::encode(wire::UnitRoster{chunk.seq, units.on_duty(now, kUnitMaxAgeMs)}));
        built->messages.push_back(wire::encode(chunk));
    });
    image = std::move(built);
    return image;
}

void IngestServer::Impl::watch_peers(Department& department) {
    const auto event = next_socket_event(department.monitor.handle());
    if (!event) return;
    const auto [id, value] = *event;
    if (id == ZMQ_EVENT_ACCEPTED || id == ZMQ_EVENT_CONNECTED)
        health->peers_changed(department.config.code, +1);
    if (id == ZMQ_EVENT_DISCONNECTED) health->peers_changed(department.config.code, -1);
    if (auto refusal = refusal_of_handshake_event(id, value))
        gate->count_refusal(department.config.code, *refusal);
}

void IngestServer::run(const std::atomic<bool>& stop) {
    auto& s = *impl_;
    std::vector<zmq::pollitem_t> items;
    for (auto& d : s.departments) {
        items.push_back({d.socket.handle(), 0, ZMQ_POLLIN, 0});
        items.push_back({d.monitor.handle(), 0, ZMQ_POLLIN, 0});
    }
    for (auto& u : s.upstreams) {
        items.push_back({u.link->updates().handle(), 0, ZMQ_POLLIN, 0});
        items.push_back({u.link->snapshots().handle(), 0, ZMQ_POLLIN, 0});
    }
    // The journal says when more of it is on disk: what it holds then is published.
    const std::size_t durable_item = items.size();
    items.push_back({nullptr, -1, ZMQ_POLLIN, 0});
    items.push_back({s.snapshots.handle(), 0, ZMQ_POLLIN, 0});
    TimeMs next_beat = s.clock();
    log("serving " + std::to_string(s.departments.size()) + " departments; updates on " +
        s.config.updates_endpoint + ", snapshots on " + s.config.snapshot_endpoint);
    while (!stop.load()) {
        // A reopened journal has a descriptor of its own; none while it cannot be opened.
        items[durable_item].fd = s.journal ? s.journal->durable_fd() : -1;
        items[durable_item].events = s.journal ? ZMQ_POLLIN : 0;
        // A snapshot being streamed goes on as soon as its wall has read some.
        TimeMs wait = std::clamp<TimeMs>(next_beat - s.clock(), 0, s.walls->busy() ? 2 : 100);
        // A centre silent past its heartbeat_s is connected to afresh (new sockets: new
        // handles to poll).
        for (std::size_t k = 0; k < s.upstreams.size(); ++k) {
            auto& link = *s.upstreams[k].link;
            if (!link.reconnect_if_silent(s.upstreams[k].config.heartbeat_s * 1000)) continue;
            s.throttled.write("upstream-" + s.upstreams[k].config.code,
                              "department " + s.upstreams[k].config.code + ": silent for " +
                                  std::to_string(s.upstreams[k].config.heartbeat_s) +
                                  " s, connecting afresh",
                              s.clock());
            items[2 * s.departments.size() + 2 * k].socket = link.updates().handle();
            items[2 * s.departments.size() + 2 * k + 1].socket = link.snapshots().handle();
        }
        // A department over its max_rate is not polled (its waiting messages would wake the
        // loop at once) until it may be read again.
        for (std::size_t k = 0; k < s.departments.size(); ++k) {
            const TimeMs until = s.departments[k].rate.wait_ms();
            items[2 * k].events = until > 0 ? 0 : ZMQ_POLLIN;
            if (until > 0) wait = std::min(wait, until);
        }
        // The loop wakes when the next escalation step falls due.
        if (auto step = s.escalations.next_at(); step && s.journal_failed.empty())
            wait = std::clamp<TimeMs>(*step - s.clock(), 0, wait);
        try {
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(wait));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;  // a signal: the loop condition decides
            throw;
        }
        // While the journal cannot be written nothing is taken from the departments: their
        // messages wait in the queues (and on their side), so none is lost to a full disk.
        const bool taking = s.journal_failed.empty();
        for (std::size_t k = 0; k < s.departments.size(); ++k) {
            auto& d = s.departments[k];
            const int budget = d.rate.budget(s.clock(), kDrainPerSocket);
            if (taking && budget > 0 && (items[2 * k].revents & ZMQ_POLLIN)) {
                zmq::message_t message;
                std::vector<zmq::message_t> frames;
                int n = 0;
                for (; n < budget && s.journal_failed.empty(); ++n) {
                    if (!d.acknowledged()) {
                        if (!d.socket.recv(message, zmq::recv_flags::dontwait)) break;
                        s.receive(d, message);
                        continue;
                    }
                    frames.clear();
                    if (!zmq::recv_multipart(d.socket, std::back_inserter(frames),
                                             zmq::recv_flags::dontwait))
                        break;
                    s.receive_acknowledged(k, frames);
                }
                d.rate.spend(n);
                // Its budget for the pass (or its rate) is spent with more waiting: the wall
                // shows it.
                if (n == budget && (d.socket.get(zmq::sockopt::events) & ZMQ_POLLIN))
                    s.health->held_back(d.config.code, s.clock());
            }
            if (items[2 * k + 1].revents & ZMQ_POLLIN) s.watch_peers(d);
        }
        const std::size_t first_upstream = 2 * s.departments.size();
        for (std::size_t k = 0; taking && k < s.upstreams.size(); ++k) {
            if ((items[first_upstream + 2 * k].revents |
                 items[first_upstream + 2 * k + 1].revents) &
                ZMQ_POLLIN)
                s.follow(s.upstreams[k]);
        }
        // Overdue incidents go up a level on the same path, after what the departments said.
        if (taking) s.escalate_overdue(s.clock());
        // Everything taken in this pass is journaled before the next wait; it is published
        // as soon as the disk has it.
        s.flush_batch();
        if (items[durable_item].revents & ZMQ_POLLIN) {
            std::uint64_t ticks = 0;
            (void)!::read(items[durable_item].fd, &ticks, sizeof ticks);
        }
        s.publish_durable();
        if ((items.back().revents & ZMQ_POLLIN) || s.walls->busy()) s.serve_requests();
        const TimeMs now = s.clock();
        if (s.gate->take_wall_departures() > 0)
            s.trim_at = now + 1000;  // once the wall's queue has been freed
        // The last snapshot image is let go a while after the last wall took it.
        if (s.image && !s.walls->busy() && now - s.image->built > kKeepSnapshotImageMs) {
            s.image.reset();
            s.trim_at = now;
        }
        if (s.trim_at != 0 && now >= s.trim_at) {
            malloc_trim(0);
            s.trim_at = 0;
        }
        s.reap_checkpoint(false);
        s.retry_journal(now);
        if (now >= next_beat) {
            // Heartbeats go on while the journal fails, saying why: a stopped ingest is not a
            // network cut. They carry the last published number, never one still on its way.
            s.publish(wire::Heartbeat{s.published_seq, now, s.config.drill, s.gate->keys_off(),
                                      s.journal_failed});
            s.publish(wire::FeedHealthReport{s.published_seq, now, s.health->report(now)});
            if (s.journal_failed.empty()) s.publish(s.day.report(s.published_seq, now));
            next_beat = now + s.config.heartbeat_ms;
        }
    }
    s.reap_checkpoint(true);
    if (s.settle() && s.config.checkpoint_every != 0) s.take_checkpoint(false);
    if (!s.journal_failed.empty())
        log("stopped with the journal failing: " + std::to_string(s.batch.size()) +
            " events taken in were never journaled or published");
    log("stopped after " + std::to_string(s.counters.accepted) + " accepted, " +
        std::to_string(s.counters.rejected) + " rejected");
}

IngestCounters IngestServer::counters() const {
    IngestCounters c = impl_->counters;
    const WallRequestCounters& walls = impl_->walls->counters();
    c.snapshots_served = walls.snapshots_completed;
    c.snapshots_cut_off = walls.snapshots_cut_off;
    c.cases_served = walls.cases_answered;
    c.requests_refused = walls.refused;
    c.requests_limited = walls.limited;
    c.requests_forbidden = walls.forbidden;
    const auto gate_counts = impl_->gate->counts();
    if (auto it = gate_counts.find(std::string(kWallDomain)); it != gate_counts.end())
        c.walls_refused = it->second.refused();
    return c;
}

}  // namespace citywall::ingest
