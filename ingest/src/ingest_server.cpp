#include "ingest_server_impl.hpp"

#include "citywall/socket_events.hpp"

namespace citywall::ingest {

namespace {

std::string describe_deadlines(const DeadlineConfig& deadlines) {
    constexpr const char* kNames[] = {"critical", "major", "moderate", "low", "signing for orders"};
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

IngestServer::Impl::Impl(const IngestConfig& config_, const StartOptions& options_)
    : config(config_),
      options(options_),
      events({config.journal_dir, 64u << 20, config.fsync_interval_ms},
             {.publish =
                  [this](std::string_view bytes) {
                      updates.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
                  },
              .published =
                  [this](std::uint64_t seq) {
                      answer_published(seq);
                      case_published(seq);
                  },
              .rebuild =
                  [this](std::vector<UnjournaledEvent> dropped) {
                      return rebuild(std::move(dropped));
                  },
              .say = [](const std::string& line) { log(line); },
              .clock = [this] { return clock(); }}) {}

IngestServer::IngestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestServer::~IngestServer() = default;

Result<std::unique_ptr<IngestServer>> IngestServer::create(const IngestConfig& config,
                                                           const StartOptions& options) {
    using R = Result<std::unique_ptr<IngestServer>>;
    auto impl = std::make_unique<Impl>(config, options);
    impl->limits.max_bytes = config.max_message_bytes;
    impl->limits.exercise = config.drill;
    // Received messages get buffers of their own instead of pointing into the 8 KiB read
    // buffer they arrived in: a queued 250-byte report must not hold 8 KiB while ingest is busy.
    // (A draft option of libzmq 4.3; a library without it keeps zero-copy and says so here.)
    if (zmq_ctx_set(impl->context.handle(), kZmqZeroCopyRecv, 0) != 0)
        log("zeromq: receive buffers are shared (no ZMQ_ZERO_COPY_RECV in this libzmq)");

    impl->state.set_neighbour_radius(config.merge.distance_m);
    // The loaded config always names the centre's zone (the machine's when the file does not).
    if (!config.centre.time_zone.empty()) {
        auto zone = TimeZone::find(config.centre.time_zone);
        if (!zone) return zone.because("[centre] time_zone: ");
        impl->centre_zone = std::move(*zone);
    }
    if (!config.centre.name.empty()) log("centre: " + config.centre.name);
    if (config.drill)
        log("DRILL: this ingest is a drill; every incident, unit and heartbeat it publishes says "
            "drill, and so does its journal");
    log(describe_deadlines(config.deadlines));
    if (!config.deadlines.leaders.empty()) {
        auto leaders = AreaLeaders::read(config.deadlines.leaders, config.areas);
        if (!leaders) return leaders.because("[deadlines] leaders: ");
        impl->leaders = std::move(*leaders);
        log("leaders: " + std::to_string(impl->leaders.size()) + " named (" +
            config.deadlines.leaders.string() + ")");
    }
    AreaReport areas;
    auto placement = CityPlacement::load(config.areas, &areas);
    if (!placement) return placement.because("map: ");
    impl->placement = std::move(*placement);
    impl->placement->set_far_after(config.centre.outside_km * 1000);
    if (config.areas.empty()) log("areas: none configured; incidents are not placed in areas");
    for (const std::string& line : areas.lines())
        log("areas: " + line);
    impl->start_day_ledger();
    if (auto played = impl->open_scenario(); !played) return played.error_value();

    // Keys, coordinate systems and endpoints are checked before the journal is touched: a
    // mistake in them must not leave a new or recovered journal behind.
    if (auto allowed = drill_allowed(config, options); !allowed) return allowed.error_value();
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
        const WallRole keyless = config.role_without_keys;
        impl->walls = std::make_unique<WallRequests>(
            impl->snapshots, WallRequestLimits{},
            [roles = std::move(roles), open_stream, keyless](std::string_view speaker) {
                if (open_stream) return std::optional<WallRole>(keyless);
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
            if (zmq_socket_monitor(
                    socket.handle(), kWallMonitors[k],
                    ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | kHandshakeRefusalEvents) != 0)
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
            Department department{d,
                                  make_feed_adapter(d, config.taxonomy, impl->limits),
                                  *transform,
                                  zmq::socket_t(impl->context, type),
                                  zmq::socket_t(impl->context, zmq::socket_type::pair),
                                  IntakeRate(d.max_rate),
                                  {},
                                  0,
                                  {}};
            department.socket.set(zmq::sockopt::maxmsgsize,
                                  static_cast<std::int64_t>(config.max_message_bytes) * 4);
            department.socket.set(zmq::sockopt::rcvhwm, 100000);
            department.socket.set(zmq::sockopt::linger, 0);
            if (auto guarded = impl->gate->guard(department.socket, d.code); !guarded)
                return guarded.because("department " + d.code + ": ");
            std::string monitor = "inproc://peers-" + d.code;
            if (zmq_socket_monitor(department.socket.handle(), monitor.c_str(),
                                   ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED |
                                       ZMQ_EVENT_DISCONNECTED | kHandshakeRefusalEvents) != 0)
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

    if (auto opened = impl->events.open(); !opened) return opened.error_value();
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
    if (auto replaying = impl->open_replay(); !replaying) return replaying.error_value();
    if (impl->scenario && !impl->replay) impl->scenario->start = impl->clock();
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

// Numbers an event's change through the event log and commits it; it is journaled and then
// published at the end of the drain pass: what is not in the journal is never published.
Result<void> IngestServer::Impl::record(IncidentChange change, TimeMs now,
                                        const std::string& source, bool as_recorded) {
    if (events.failing()) return Error{ErrorKind::io, events.failure()};
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
    // Once the centre has ordered it, the case's deadlines are its deadline: they run from the
    // first order (docs/dispatch.md, "Deadlines").
    if (as_recorded) {
        // The recording's own deadline, and its own escalation steps.
    } else if (incident.case_state.taken_up()) {
        incident.due = incident.case_state.due();
        if (change.before && change.before->due != incident.due)
            change.moved.add(IncidentField::due);
    } else if (incident.provenance.empty() && incident.open() &&
               (change.opened() || change.moved.has(IncidentField::severity) ||
                change.moved.has(IncidentField::category))) {
        incident.due = config.deadlines.due(incident);
        if (change.before && change.before->due != incident.due)
            change.moved.add(IncidentField::due);
    }
    // Encoded in place as a wire message, so encoding it copies nothing.
    wire::Message message = wire::IncidentUpdate{0, std::move(incident)};
    auto seq = append(message, now, source);
    if (!seq) return seq.error_value();
    change.after = std::move(std::get<wire::IncidentUpdate>(message).incident);
    day.observe(change, now, is_case_step(change));
    state.commit(*seq, change);
    if (!as_recorded) escalations.changed(state, change);
    after_commit();
    return {};
}

// One level up for each open incident whose next step is due, each step an event of its own on
// the one path (numbered, journaled, published), so a restart finds every step in the journal.
void IngestServer::Impl::escalate_overdue(TimeMs now) {
    for (int steps = 0; steps < kMaxEscalationsPerPass && !events.failing(); ++steps) {
        const auto id = escalations.take_due(state, now);
        if (!id) return;
        Incident incident = *state.incident(*id);
        ++incident.escalation;
        incident.updated = now;
        // A step of the case, naming the area it reached and its leader (docs/dispatch.md).
        const EscalationReach reach =
            escalation_reach(incident, incident.escalation, config.areas, leaders);
        CaseStep step;
        step.time = now;
        step.action = CaseAction::escalate;
        step.actor = kEscalationSource;
        step.reason = reach.level;
        step.note = reach.note();
        const CaseState before = incident.case_state;
        incident.case_state = apply_step(before, std::move(step), {});
        auto notice = notice_of(before, incident.case_state, *id);
        if (!record(state.change(std::move(incident)), now, kEscalationSource)) {
            // Not taken: still due, and taken once the journal can be written again.
            escalations.retry(state, *id);
            return;
        }
        ++counters.escalations;
        counters.escalations_unnamed += reach.leader ? 0 : 1;
        if (notice) {
            notice->seq = state.last_seq();
            pending_notices.push_back(std::move(*notice));
        }
    }
}

Result<std::uint64_t> IngestServer::Impl::append(wire::Message& message, TimeMs now,
                                                 const std::string& source) {
    auto seq = events.append(message, now, source);
    if (seq && delivery) pending_answers.push_back({*seq, *delivery, "ok"});
    return seq;
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
        events.flush();
        take_checkpoint();
    } else if (events.batch_full()) {
        events.flush();
    }
}

Result<void> IngestServer::Impl::record_unit(Unit unit, TimeMs now, const std::string& source) {
    unit.drill = config.drill;
    wire::Message message = wire::UnitUpdate{0, std::move(unit)};
    auto seq = append(message, now, source);
    if (!seq) return seq.error_value();
    state.skip_to(*seq);
    units.apply(std::get<wire::UnitUpdate>(message).unit);
    after_commit();
    return {};
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
        if (request->kind == Kind::command) {
            if (request->drill) {
                take_drill_command(*request, now);
            } else {
                take_command(*request, event_time());
            }
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
        if (events.failing()) continue;
        if (request->kind == Kind::incident_case) {
            answer_case(*request);
            continue;
        }
        // A snapshot is never ahead of what is published: what it holds is on disk.
        if (!events.settle()) continue;
        walls->stream(request->peer, snapshot_image(now), now);
    }
    walls->pump(now);
}

// An open case, or a closed one the state keeps, is answered at once. Any other number ingest
// has given is looked for in the journal: the wall is told so, and answered when it is read.
void IngestServer::Impl::answer_case(const WallRequests::Request& request) {
    using Found = wire::IncidentCase::Found;
    wire::IncidentCase found = state.incident_case(request.incident);
    if (found.found == Found::none && request.incident != 0 && request.incident < state.next_id()) {
        if (!case_search) case_search = std::make_unique<JournalCaseSearch>(config.journal_dir);
        if (auto recalled = case_search->recall(request.incident)) {
            recalled->seq = found.seq;
            found = std::move(*recalled);
        } else if (case_search->ask(request.incident, request.peer)) {
            found.found = Found::searching;
        } else {
            ++counters.case_searches_refused;
        }
    }
    walls->answer(request.peer, wire::encode(found));
}

void IngestServer::Impl::answer_searched_cases() {
    if (!case_search) return;
    for (auto& answer : case_search->take()) {
        if (answer.found.has_incident()) ++counters.cases_from_journal;
        const std::string bytes = wire::encode(answer.found);
        for (const std::string& peer : answer.peers)
            walls->answer(peer, bytes);
    }
}

// The open incidents, the units and the feeds as the messages of a snapshot, built once for
// each published sequence number (and at most once a second for the feeds' sake): every wall
// that asks meanwhile gets the same image, and it is encoded one chunk at a time.
std::shared_ptr<const SnapshotImage> IngestServer::Impl::snapshot_image(TimeMs now) {
    if (image && image->seq == events.published_seq() && now - image->built < 1000) return image;
    auto built = std::make_shared<SnapshotImage>();
    built->seq = events.published_seq();
    built->built = now;
    state.snapshot(kSnapshotChunk, health->report(now), [&](const wire::SnapshotChunk& chunk) {
        // The units ride in the same reply, just before the chunk that completes it.
        if (chunk.last)
            built->messages.push_back(wire::encode(
                wire::UnitRoster{chunk.seq, units.on_duty(event_time(), kUnitMaxAgeMs)}));
        built->messages.push_back(wire::encode(chunk));
    });
    image = std::move(built);
    return image;
}

// What the loop does each pass after the sockets: memory handed back, a checkpoint reaped, a
// failing journal tried again, and the heartbeats.
void IngestServer::Impl::on_timers(TimeMs now) {
    if (gate->take_wall_departures() > 0) trim_at = now + 1000;  // once its queue is freed
    // The last snapshot image is let go a while after the last wall took it.
    if (image && !walls->busy() && now - image->built > kKeepSnapshotImageMs) {
        image.reset();
        trim_at = now;
    }
    if (trim_at != 0 && now >= trim_at) {
        malloc_trim(0);
        trim_at = 0;
    }
    reap_checkpoint(false);
    answer_searched_cases();
    events.retry(now);
    if (now < next_beat) return;
    // Heartbeats go on while the journal fails, saying why: a stopped ingest is not a network
    // cut. They carry the last published number, never one still on its way.
    // A replaying drill stamps them with its time, where the replay stands, and says where.
    const std::uint64_t seq = events.published_seq();
    const TimeMs at = event_time();
    publish(wire::Heartbeat{seq, at, config.drill, gate->keys_off(), events.failure()});
    publish(wire::FeedHealthReport{seq, at, health->report(now)});
    if (!events.failing()) publish(day.report(seq, at));
    if (replay) publish(drill_clock(seq));
    next_beat = now + config.heartbeat_ms;
}

void IngestServer::Impl::start_day_ledger() {
    day = config.centre.time_zone.empty() ? DayLedger{} : DayLedger{centre_zone};
    if (config.areas.empty()) return;
    day.count_areas_of(config.areas.front().level);
    // Streets: the level below the districts; a city of one level ranks that one.
    day.count_league_of(config.areas[std::min<std::size_t>(1, config.areas.size() - 1)].level);
}

bool IngestServer::Impl::is_case_step(const IncidentChange& change) const {
    const CaseStep& last = change.after.case_state.last;
    if (last.number == 0) return false;
    if (!change.before) return true;
    if (!change.moved.has(IncidentField::other)) return false;
    const auto before = state.incident(change.after.id);
    return !before || before->case_state.last.number != last.number;
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
    s.next_beat = s.clock();
    log("serving " + std::to_string(s.departments.size()) + " departments; updates on " +
        s.config.updates_endpoint + ", snapshots on " + s.config.snapshot_endpoint);
    while (!stop.load()) {
        // A reopened journal has a descriptor of its own; none while it cannot be opened.
        items[durable_item].fd = s.events.durable_fd();
        items[durable_item].events = items[durable_item].fd >= 0 ? ZMQ_POLLIN : 0;
        // A snapshot being streamed goes on as soon as its wall has read some.
        TimeMs wait = std::clamp<TimeMs>(s.next_beat - s.clock(), 0, s.walls->busy() ? 2 : 100);
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
        if (auto step = s.escalations.next_at(); step && !s.events.failing())
            wait = std::clamp<TimeMs>(*step - s.event_time(), 0, wait);
        // A replay that plays looks for what is due every few ms (at once, as fast as possible).
        if (s.replay && !s.replay->clock.paused())
            wait = std::min<TimeMs>(wait, s.replay->clock.as_fast_as_possible() ? 0 : 10);
        try {
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(wait));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;  // a signal: the loop condition decides
            throw;
        }
        // A stop signal (the only one with a handler) can also interrupt a socket call of the
        // pass, a department's message read or an answer sent, which then threw instead of
        // returning: the loop ends as it does after a wait, and what was taken is journaled
        // and published by settle(); an answer not sent is asked for again by the department.
        try {
            // While the journal cannot be written nothing is taken from the departments: their
            // messages wait in the queues (and on their side), so none is lost to a full disk.
            const bool taking = !s.events.failing();
            // The walls' requests first: a leader's command is journaled with this pass, not
            // after the traffic that came with it.
            if ((items.back().revents & ZMQ_POLLIN) || s.walls->busy()) s.serve_requests();
            const std::size_t count = s.departments.size();
            const auto until = std::chrono::steady_clock::now() + kPassBudget;
            for (std::size_t i = 0; i < count; ++i) {
                const std::size_t k = (s.first_to_drain + i) % count;
                if (s.drain(k, taking && (items[2 * k].revents & ZMQ_POLLIN), until)) continue;
                s.first_to_drain = (k + 1) % count;
                break;
            }
            for (std::size_t k = 0; k < count; ++k)
                if (items[2 * k + 1].revents & ZMQ_POLLIN) s.watch_peers(s.departments[k]);
            const std::size_t first_upstream = 2 * s.departments.size();
            for (std::size_t k = 0; taking && k < s.upstreams.size(); ++k) {
                if ((items[first_upstream + 2 * k].revents |
                     items[first_upstream + 2 * k + 1].revents) &
                    ZMQ_POLLIN)
                    s.follow(s.upstreams[k]);
            }
            // The recording's records due now, then overdue incidents go up a level on the same
            // path, after what the departments said.
            if (taking) s.play_recording(s.clock());
            if (taking) s.play_scenario(s.event_time());
            if (taking) s.escalate_overdue(s.event_time());
            if (taking) s.resend_orders(s.clock());
            // Everything taken in this pass is journaled before the next wait; it is published
            // as soon as the disk has it.
            s.events.flush();
            if (items[durable_item].revents & ZMQ_POLLIN) {
                std::uint64_t ticks = 0;
                (void)!::read(items[durable_item].fd, &ticks, sizeof ticks);
            }
            s.events.publish_durable();
            s.on_timers(s.clock());
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;
            throw;
        }
    }
    s.reap_checkpoint(true);
    if (s.events.settle() && s.config.checkpoint_every != 0) s.take_checkpoint(false);
    if (s.events.failing())
        log("stopped with the journal failing: " + std::to_string(s.events.queued()) +
            " events taken in were never journaled or published");
    log("stopped after " + std::to_string(s.events.counters().journaled) + " accepted, " +
        std::to_string(s.counters.rejected) + " rejected");
}

IngestCounters IngestServer::counters() const {
    IngestCounters c = impl_->counters;
    const EventLogCounters& events = impl_->events.counters();
    c.accepted = events.journaled;
    c.published = events.published;
    c.journal_failures = events.journal_failures;
    c.journal_retries = events.journal_retries;
    const WallRequestCounters& walls = impl_->walls->counters();
    c.snapshots_served = walls.snapshots_completed;
    c.snapshots_cut_off = walls.snapshots_cut_off;
    c.cases_served = walls.cases_answered;
    c.answers_dropped = walls.answers_dropped;
    c.requests_refused = walls.refused;
    c.requests_limited = walls.limited;
    c.requests_forbidden = walls.forbidden;
    const auto gate_counts = impl_->gate->counts();
    if (auto it = gate_counts.find(std::string(kWallDomain)); it != gate_counts.end())
        c.walls_refused = it->second.refused();
    return c;
}

}  // namespace citywall::ingest
