#include "ingest_server.hpp"

#include <ogr_spatialref.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <zmq.hpp>

#include "city_state.hpp"
#include "citywall/checkpoint.hpp"
#include "citywall/chinese_datum.hpp"
#include "citywall/journal.hpp"
#include "citywall/placement.hpp"
#include "citywall/wire.hpp"
#include "day_ledger.hpp"
#include "dead_letter.hpp"
#include "department_keys.hpp"
#include "feed_adapter.hpp"
#include "feed_health.hpp"
#include "report_merge.hpp"
#include "unit_roster.hpp"
#include "upstream_link.hpp"

namespace citywall::ingest {

namespace {

constexpr std::size_t kSnapshotChunk = 2000;
// A unit not heard from for this long is left out of snapshots (its receiver is off).
constexpr TimeMs kUnitMaxAgeMs = 15 * 60 * 1000;
constexpr int kDrainPerSocket = 1000;  // messages taken from one department before the next
// Events journaled with one write at most; a drain pass writes what it has at its end anyway.
constexpr std::size_t kJournalBatch = 256;
constexpr std::size_t kMaxJournalPayload = 64u << 20;  // the journal's limit (docs/journal.md)
#ifdef ZMQ_ZERO_COPY_RECV
constexpr int kZmqZeroCopyRecv = ZMQ_ZERO_COPY_RECV;
#else
constexpr int kZmqZeroCopyRecv = 10;  // zmq.h's draft context option, not compiled in there
#endif

TimeMs now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void log(const std::string& line) {
    std::fprintf(stderr, "citywall-ingest: %s\n", line.c_str());
}

// Converts a department's positions to WGS84; identity when it already sends WGS84.
class PositionTransform {
  public:
    static Result<PositionTransform> create(const std::string& crs) {
        PositionTransform t;
        if (crs == "EPSG:4326") return t;
        // GCJ-02 and BD-09 are not in PROJ; core converts them (docs/coordinates.md).
        if (auto datum = geo::parse_chinese_datum(crs)) {
            t.datum_ = *datum;
            return t;
        }
        OGRSpatialReference from, to;
        if (from.SetFromUserInput(crs.c_str()) != OGRERR_NONE)
            return Result<PositionTransform>::failure("unknown coordinate system '" + crs + "'");
        to.SetWellKnownGeogCS("WGS84");
        from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        to.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        t.transform_.reset(OGRCreateCoordinateTransformation(&from, &to));
        if (!t.transform_)
            return Result<PositionTransform>::failure("no transformation from '" + crs + "'");
        return t;
    }
    bool apply(LonLat& p) const {
        if (datum_) {
            p = geo::to_wgs84(*datum_, p);
            return true;
        }
        if (!transform_) return true;
        double x = p.lon, y = p.lat;
        if (!transform_->Transform(1, &x, &y)) return false;
        p = {x, y};
        return true;
    }
    // Converts to WGS84; false when the result is not a place on Earth.
    bool to_world(LonLat& p) const {
        return apply(p) && std::isfinite(p.lon) && std::isfinite(p.lat) && std::abs(p.lon) <= 180 &&
               std::abs(p.lat) <= 90;
    }

  private:
    std::shared_ptr<OGRCoordinateTransformation> transform_;
    std::optional<geo::ChineseDatum> datum_;
};

struct Department {
    DepartmentConfig config;
    std::unique_ptr<FeedAdapter> adapter;
    PositionTransform transform;
    zmq::socket_t socket;
    zmq::socket_t monitor;
};

}  // namespace

struct IngestServer::Impl {
    IngestConfig config;
    zmq::context_t context{1};
    std::unique_ptr<KeyGate> gate;  // after the context, before every socket it guards
    std::vector<Department> departments;
    zmq::socket_t updates{context, zmq::socket_type::pub};
    zmq::socket_t snapshots{context, zmq::socket_type::router};
    std::unique_ptr<JournalWriter> journal;
    std::unique_ptr<CityPlacement> placement;
    std::unique_ptr<DeadLetterFile> dead_letter;
    std::unique_ptr<FeedHealthBoard> health;
    CityState state;
    UnitRoster units;
    DayLedger day;
    std::uint64_t checkpointed_seq = 0;
    IngestCounters counters;
    FeedLimits limits;

    struct Upstream {
        DepartmentConfig config;
        std::unique_ptr<UpstreamLink> link;
        std::uint64_t replayed_counted = 0;
    };
    std::vector<Upstream> upstreams;

    // Events numbered and committed to the state in this drain pass, not yet journaled, hence
    // not yet published (docs/journal.md, "Batches"); who sent each, for the dead letter.
    std::vector<JournalRecord> batch;
    std::vector<std::string> batch_sources;
    // Set when a batch could not be journaled: from then on nothing is accepted or published
    // and no checkpoint is written; a restart rebuilds the state from the journal.
    std::string journal_failed;

    void receive(Department& department, const zmq::message_t& message);
    std::string record(Incident incident, TimeMs now, const std::string& source);
    std::string enqueue(JournalRecord record, const std::string& source);
    void flush_batch();
    void after_commit();
    void follow(Upstream& upstream);
    void handle(Department& department, std::string_view bytes);
    void handle_unit(Department& department, const FeedUnitFix& fix, std::string_view bytes,
                     TimeMs now);
    std::string record_unit(Unit unit, TimeMs now, const std::string& source);
    Result<bool> open_gate();
    void reject(const Department& department, TimeMs now, const FeedReject& why,
                std::string_view raw);
    void publish(const wire::Message& message);
    void serve_requests();
    void watch_peers(Department& department);
    void take_checkpoint();
    // The status an incident had before the event about to be committed; nothing if new.
    std::optional<IncidentStatus> status_before(std::uint64_t id) const {
        const OpenIncident* open = state.open_incident(id);
        return open ? std::optional<IncidentStatus>(open->status) : std::nullopt;
    }
    Result<bool> recover();
};

IngestServer::IngestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestServer::~IngestServer() = default;

Result<std::unique_ptr<IngestServer>> IngestServer::create(const IngestConfig& config) {
    using R = Result<std::unique_ptr<IngestServer>>;
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->limits.max_bytes = config.max_message_bytes;
    // Received messages get buffers of their own instead of pointing into the 8 KiB read
    // buffer they arrived in: a queued 250-byte report must not hold 8 KiB while ingest is busy.
    // (A draft option of libzmq 4.3; a library without it keeps zero-copy and says so here.)
    if (zmq_ctx_set(impl->context.handle(), kZmqZeroCopyRecv, 0) != 0)
        log("zeromq: receive buffers are shared (no ZMQ_ZERO_COPY_RECV in this libzmq)");

    impl->state.set_neighbour_radius(config.merge.distance_m);
    auto placement = CityPlacement::load(config.placement);
    if (!placement) return R::failure("map: " + placement.error());
    impl->placement = std::move(*placement);
    log("placement: " + std::to_string(impl->placement->grid_count()) + " grids, " +
        std::to_string(impl->placement->beat_count()) + " police beats");

    auto journal = JournalWriter::open({config.journal_dir, 64u << 20, config.fsync_interval_ms});
    if (!journal) return R::failure("journal: " + journal.error());
    impl->journal = std::move(*journal);
    if (auto recovered = impl->recover(); !recovered) return R::failure(recovered.error());

    auto dead_letter_path = config.dead_letter_file.empty()
                                ? config.journal_dir / "dead-letter.jsonl"
                                : config.dead_letter_file;
    impl->dead_letter = std::make_unique<DeadLetterFile>(dead_letter_path);
    if (!impl->dead_letter->ok())
        return R::failure("cannot open dead-letter file " + dead_letter_path.string());
    impl->health = std::make_unique<FeedHealthBoard>(config.departments, now_ms());

    if (auto gate = impl->open_gate(); !gate) return R::failure(gate.error());
    try {
        impl->updates.set(zmq::sockopt::sndhwm, config.publish_queue);
        impl->updates.bind(config.updates_endpoint);
        impl->snapshots.bind(config.snapshot_endpoint);
        for (const auto& d : config.departments) {
            if (d.format == FeedFormat::citywall) {
                impl->upstreams.push_back({d, std::make_unique<UpstreamLink>(d, impl->context)});
                continue;
            }
            auto transform = PositionTransform::create(d.crs);
            if (!transform) return R::failure("department " + d.code + ": " + transform.error());
            if (auto mapping = check_feed_mapping(d); !mapping.empty())
                return R::failure("department " + d.code + ": " + mapping);
            const bool subscribe = d.socket == FeedSocket::sub;
            Department department{d, make_feed_adapter(d, config.taxonomy, impl->limits),
                                  *transform,
                                  zmq::socket_t(impl->context, subscribe ? zmq::socket_type::sub
                                                                         : zmq::socket_type::pull),
                                  zmq::socket_t(impl->context, zmq::socket_type::pair)};
            department.socket.set(zmq::sockopt::maxmsgsize,
                                  static_cast<std::int64_t>(config.max_message_bytes) * 4);
            department.socket.set(zmq::sockopt::rcvhwm, 100000);
            if (auto guarded = impl->gate->guard(department.socket, d.code); !guarded)
                return R::failure("department " + d.code + ": " + guarded.error());
            std::string monitor = "inproc://peers-" + d.code;
            if (zmq_socket_monitor(department.socket.handle(), monitor.c_str(),
                                   ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED |
                                       ZMQ_EVENT_DISCONNECTED |
                                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0)
                return R::failure("cannot monitor department " + d.code);
            if (subscribe) {
                // The department publishes; ingest connects to it and takes everything.
                department.socket.set(zmq::sockopt::subscribe, "");
                department.socket.connect(d.endpoint);
            } else {
                department.socket.bind(d.endpoint);
            }
            department.monitor.connect(monitor);
            impl->departments.push_back(std::move(department));
        }
    } catch (const zmq::error_t& e) {
        return R::failure(std::string("socket: ") + e.what());
    }
    return std::unique_ptr<IngestServer>(new IngestServer(std::move(impl)));
}

// Keys are on unless the config says otherwise: every department socket is a CURVE server that
// admits only that department's key (docs/security.md).
Result<bool> IngestServer::Impl::open_gate() {
    KeyPair ingest_keys;
    // Another ingest's stream is not a department socket: it is not behind the gate.
    std::vector<DepartmentConfig> keyed;
    for (const auto& d : config.departments)
        if (d.format != FeedFormat::citywall) keyed.push_back(d);
    if (!config.keys_off) {
        if (config.ingest_key_file.empty())
            return Result<bool>::failure(
                "security: keys are on but no ingest_key_file is configured (or say keys = "
                "\"off\")");
        auto keys = load_secret_key_file(config.ingest_key_file);
        if (!keys) return Result<bool>::failure("security: " + keys.error());
        ingest_keys = *keys;
        for (auto& d : keyed) {
            if (!d.public_key.empty() || d.public_key_file.empty()) continue;
            auto key = load_public_key_file(d.public_key_file);
            if (!key) return Result<bool>::failure("department " + d.code + ": " + key.error());
            d.public_key = *key;
        }
    } else {
        log("security: KEYS OFF — department feeds are not authenticated (config says so)");
    }
    auto gate_config = KeyGateConfig::for_departments(keyed, ingest_keys, config.keys_off);
    if (!gate_config) return Result<bool>::failure("security: " + gate_config.error());
    gate_config->on_refusal = [](const RefusalEvent& e) {
        log("refused a connection to department " + e.domain + " from " + e.address + ": " +
            std::string(describe(e.reason)) +
            (e.key_owner.empty() ? std::string() : " (the key of " + e.key_owner + ")"));
    };
    auto opened = KeyGate::open(context, std::move(*gate_config));
    if (!opened) return Result<bool>::failure("security: " + opened.error());
    gate = std::move(*opened);
    return true;
}

// Rebuilds the state from the journal through the same commit() that live events take.
Result<bool> IngestServer::Impl::recover() {
    auto checkpoint = read_checkpoint(config.journal_dir);
    std::uint64_t after = 0;
    if (!checkpoint) {
        // A damaged checkpoint costs time, not data: the whole journal is replayed instead.
        log("checkpoint ignored (" + checkpoint.error() + "); replaying the whole journal");
    } else if (checkpoint->has_value()) {
        after = (*checkpoint)->seq;
        state.restore(std::move(**checkpoint));
        checkpointed_seq = after;
        if (auto loaded = units.load(config.journal_dir, after); !loaded) {
            log("unit roster ignored (" + loaded.error() + "); units return with their next fix");
        } else if (!*loaded) {
            log("no unit roster for this checkpoint; units return with their next fix");
        }
        auto ledger = day.load(config.journal_dir, after, now_ms());
        if (!ledger || !*ledger) {
            // Without it the day's counts restart from the incidents still open: those that
            // closed earlier today are missing from them (logged, so the gap is known).
            log(std::string("day ledger ") +
                (ledger ? "missing for this checkpoint" : "ignored (" + ledger.error() + ")") +
                "; today's counts restart from the open incidents");
            for (const auto& chunk : state.snapshot(kSnapshotChunk, {}))
                for (const auto& incident : chunk.incidents)
                    day.observe(std::nullopt, incident, now_ms());
        }
        log("checkpoint: " + std::to_string(state.open_count()) + " open incidents at seq " +
            std::to_string(after));
    }
    auto reader = JournalReader::open(config.journal_dir, after);
    if (!reader) return Result<bool>::failure("journal: " + reader.error());
    std::uint64_t undecodable = 0;
    while (auto record = (*reader)->next()) {
        auto message = wire::decode(record->payload);
        if (const auto* fix = message ? std::get_if<wire::UnitUpdate>(&*message) : nullptr;
            fix && fix->seq == record->seq) {
            // Units are not in checkpoints: the ones heard since the last one come back here,
            // the others with their next fix (docs/journal.md).
            if (fix->seq <= state.last_seq()) continue;
            units.apply(fix->unit);
            state.skip_to(fix->seq);
            ++counters.recovered_events;
            continue;
        }
        const auto* update = message ? std::get_if<wire::IncidentUpdate>(&*message) : nullptr;
        if (!update || update->seq != record->seq) {
            ++undecodable;
            continue;
        }
        if (update->seq <= state.last_seq()) continue;
        day.observe(status_before(update->incident.id), update->incident, record->time);
        state.commit(*update);
        ++counters.recovered_events;
    }
    // Numbering always goes on after the journal's last record, even one this build cannot read
    // (written by another version, or damaged inside an intact frame): never a reused number.
    if (journal->last_seq() > state.last_seq()) state.skip_to(journal->last_seq());
    if (undecodable != 0)
        log("journal: " + std::to_string(undecodable) +
            " records could not be decoded and were skipped (kept on disk)");
    const auto& stats = (*reader)->stats();
    const auto& repair = journal->recovery();
    log("journal: recovered " + std::to_string(counters.recovered_events) + " events up to seq " +
        std::to_string(state.last_seq()) + ", " + std::to_string(state.open_count()) +
        " open incidents" +
        (stats.corrupt_records ? ", " + std::to_string(stats.corrupt_records) + " corrupt records"
                               : std::string()) +
        (repair.truncated_bytes
             ? ", cut a torn tail of " + std::to_string(repair.truncated_bytes) + " bytes"
             : std::string()));
    return true;
}

void IngestServer::Impl::reject(const Department& department, TimeMs now, const FeedReject& why,
                                std::string_view raw) {
    ++counters.rejected;
    health->rejected(department.config.code, why.reason);
    dead_letter->write(now, department.config.code, why.reason, why.detail, raw);
}

// The key gate names who spoke; a message on a department's socket from anyone else is refused
// even if it got through (a second check on top of the handshake).
void IngestServer::Impl::receive(Department& department, const zmq::message_t& message) {
    const std::string_view speaker = speaker_of(message);
    if (!gate->keys_off() && speaker != department.config.code) {
        const TimeMs now = now_ms();
        health->heard(department.config.code, now);
        return reject(department, now,
                      {"wrong_speaker", "message from '" + std::string(speaker) + "'"},
                      message.to_string_view());
    }
    handle(department, message.to_string_view());
}

void IngestServer::Impl::handle(Department& department, std::string_view bytes) {
    const TimeMs now = now_ms();
    const std::string& code = department.config.code;
    health->heard(code, now);
    auto decoded = department.adapter->decode(bytes, now);
    if (const auto* why = std::get_if<FeedReject>(&decoded))
        return reject(department, now, *why, bytes);
    if (std::holds_alternative<FeedHeartbeat>(decoded)) return;
    if (const auto* fix = std::get_if<FeedUnitFix>(&decoded))
        return handle_unit(department, *fix, bytes, now);
    auto& report = std::get<FeedReport>(decoded);

    LonLat position = report.position;
    // A status-only report has no position: the incident stays where it is.
    if (!report.status_only && !department.transform.to_world(position))
        return reject(department, now, {"bad_location", "position outside the world"}, bytes);

    auto applied =
        apply_report(state, config.merge, *placement, {department.config, report, position}, now);
    if (const auto* why = std::get_if<FeedReject>(&applied))
        return reject(department, now, *why, bytes);
    if (auto error = record(std::move(std::get<Incident>(applied)), now, code); !error.empty())
        return reject(department, now, {"journal_error", error}, bytes);
    health->accepted(
        code, report.occurred != 0 ? std::optional<TimeMs>(now - report.occurred) : std::nullopt,
        now);
}

// Numbers an incident as it now stands and commits it; it is journaled and then published at the
// end of the drain pass (flush_batch): what is not in the journal is never published. Returns
// why it could not be taken, or nothing.
std::string IngestServer::Impl::record(Incident incident, TimeMs now, const std::string& source) {
    if (!journal_failed.empty()) return journal_failed;
    // Built in place as a wire message, so encoding it copies nothing; the state then takes the
    // incident's texts.
    wire::Message message = wire::IncidentUpdate{state.next_seq(), std::move(incident)};
    auto& update = std::get<wire::IncidentUpdate>(message);
    if (auto error = enqueue({update.seq, now, static_cast<std::uint16_t>(wire::Kind::incident),
                              wire::encode(message)},
                             source);
        !error.empty())
        return error;
    day.observe(status_before(update.incident.id), update.incident, now);
    state.commit(std::move(update));
    after_commit();
    return {};
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
    batch.push_back(std::move(record));
    batch_sources.push_back(source);
    return {};
}

// After an event is in the state: a due checkpoint first journals and publishes what is
// pending (a checkpoint is never ahead of the journal), and a full batch is written.
void IngestServer::Impl::after_commit() {
    if (config.checkpoint_every != 0 &&
        state.last_seq() - checkpointed_seq >= config.checkpoint_every) {
        flush_batch();
        take_checkpoint();
    } else if (batch.size() >= kJournalBatch) {
        flush_batch();
    }
}

// Writes the pending events to the journal with one write, then publishes them in order. If
// the write fails none of them is published, and ingest stops accepting and publishing
// (docs/journal.md, "Batches").
void IngestServer::Impl::flush_batch() {
    if (batch.empty()) return;
    if (auto written = journal->append_batch(batch); !written) {
        journal_failed = "journal write failed: " + written.error();
        log("JOURNAL FAILED: events " + std::to_string(batch.front().seq) + " to " +
            std::to_string(batch.back().seq) + " could not be journaled (" + written.error() +
            "); they are not published, and from now on nothing is accepted or published: "
            "restart ingest to recover from the journal");
        const TimeMs now = now_ms();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            ++counters.rejected;
            health->rejected(batch_sources[i], "journal_error");
            dead_letter->write(now, batch_sources[i], "journal_error", journal_failed,
                               batch[i].payload);
        }
    } else {
        counters.accepted += batch.size();
        for (const auto& record : batch) {
            updates.send(zmq::buffer(record.payload), zmq::send_flags::dontwait);
            ++counters.published;
        }
    }
    batch.clear();
    batch_sources.clear();
}

// A unit's position: converted like an incident's, ordered by the fix's own time, linked to the
// incident it serves, then numbered, journaled and published like any event.
void IngestServer::Impl::handle_unit(Department& department, const FeedUnitFix& fix,
                                     std::string_view bytes, TimeMs now) {
    LonLat position = fix.position;
    if (!department.transform.to_world(position))
        return reject(department, now, {"bad_location", "position outside the world"}, bytes);
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
                      {"superseded", "a newer fix of unit '" + fix.id + "' came first"}, bytes);
    if (auto error = record_unit(std::move(unit), now, department.config.code); !error.empty())
        return reject(department, now, {"journal_error", error}, bytes);
    health->accepted(department.config.code,
                     fix.time != 0 ? std::optional<TimeMs>(now - fix.time) : std::nullopt, now);
}

std::string IngestServer::Impl::record_unit(Unit unit, TimeMs now, const std::string& source) {
    if (!journal_failed.empty()) return journal_failed;
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
    const TimeMs now = now_ms();
    auto changes = upstream.link->receive();
    health->heard(code, now);
    for (const auto& change : changes) {
        Incident incident = federated_incident(state, *placement, code, change, now);
        if (!incident.open() && !state.open_incident(incident.id)) continue;  // never opened here
        if (auto error = record(std::move(incident), now, code); !error.empty()) {
            health->rejected(code, "journal_error");
            continue;
        }
        health->accepted(code, std::nullopt, now);
    }
    for (auto replayed = upstream.link->replayed(); upstream.replayed_counted < replayed;
         ++upstream.replayed_counted)
        health->rejected(code, "replayed_sequence");
}

// Syncs the journal first, so a checkpoint never gets ahead of what is durable there.
void IngestServer::Impl::take_checkpoint() {
    if (state.last_seq() == checkpointed_seq || !journal_failed.empty()) return;
    if (auto synced = journal->sync(); !synced) {
        log("checkpoint skipped, journal sync failed: " + synced.error());
        return;
    }
    // Streamed from the state: a checkpoint never holds a second copy of the city.
    if (auto written = state.write_checkpoint(config.journal_dir); !written) {
        log("checkpoint failed: " + written.error());
        return;
    }
    checkpointed_seq = state.last_seq();
    // After the checkpoint: a roster never names a checkpoint that is not there.
    if (auto saved = units.save(config.journal_dir, checkpointed_seq); !saved)
        log("unit roster not saved: " + saved.error());
    if (auto saved = day.save(config.journal_dir, checkpointed_seq); !saved)
        log("day ledger not saved: " + saved.error());
}

void IngestServer::Impl::publish(const wire::Message& message) {
    auto bytes = wire::encode(message);
    updates.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
}

// The snapshot socket answers two requests: a snapshot, or one incident's case. Anything else
// is counted and logged; the client gets no reply.
void IngestServer::Impl::serve_requests() {
    zmq::message_t identity, request;
    if (!snapshots.recv(identity, zmq::recv_flags::dontwait)) return;
    bool more = identity.more();
    while (more && snapshots.recv(request, zmq::recv_flags::dontwait))
        more = request.more();
    auto reply = [&](const std::string& bytes) {
        snapshots.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore);
        snapshots.send(zmq::buffer(bytes), zmq::send_flags::none);
    };
    const std::string_view text = request.to_string_view();
    const bool snapshot = text == wire::kSnapshotRequest;
    const auto case_id = snapshot ? std::nullopt : wire::parse_case_request(text);
    if (!snapshot && !case_id) {
        ++counters.requests_refused;
        log("snapshot endpoint: refused an unknown request of " + std::to_string(text.size()) +
            " bytes");
        return;
    }
    // The state may hold events the journal does not: it is not shown.
    if (!journal_failed.empty()) return;
    if (case_id) {
        reply(wire::encode(state.incident_case(*case_id)));
        ++counters.cases_served;
        return;
    }
    const TimeMs now = now_ms();
    for (const auto& chunk : state.snapshot(kSnapshotChunk, health->report(now))) {
        // The units ride in the same reply, just before the chunk that completes it.
        if (chunk.last)
            reply(wire::encode(wire::UnitRoster{chunk.seq, units.on_duty(now, kUnitMaxAgeMs)}));
        reply(wire::encode(chunk));
    }
    ++counters.snapshots_served;
}

void IngestServer::Impl::watch_peers(Department& department) {
    zmq::message_t event, endpoint;
    if (!department.monitor.recv(event, zmq::recv_flags::dontwait)) return;
    if (event.more()) (void)department.monitor.recv(endpoint, zmq::recv_flags::dontwait);
    if (event.size() < 6) return;
    std::uint16_t id = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::int32_t value = 0;
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof value);
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
    items.push_back({s.snapshots.handle(), 0, ZMQ_POLLIN, 0});
    TimeMs next_beat = now_ms();
    log("serving " + std::to_string(s.departments.size()) + " departments; updates on " +
        s.config.updates_endpoint + ", snapshots on " + s.config.snapshot_endpoint);
    while (!stop.load()) {
        TimeMs wait = std::clamp<TimeMs>(next_beat - now_ms(), 0, 100);
        try {
            zmq::poll(items.data(), items.size(), std::chrono::milliseconds(wait));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;  // a signal: the loop condition decides
            throw;
        }
        for (std::size_t k = 0; k < s.departments.size(); ++k) {
            auto& d = s.departments[k];
            if (items[2 * k].revents & ZMQ_POLLIN) {
                zmq::message_t message;
                for (int n = 0; n < kDrainPerSocket; ++n) {
                    if (!d.socket.recv(message, zmq::recv_flags::dontwait)) break;
                    s.receive(d, message);
                }
            }
            if (items[2 * k + 1].revents & ZMQ_POLLIN) s.watch_peers(d);
        }
        const std::size_t first_upstream = 2 * s.departments.size();
        for (std::size_t k = 0; k < s.upstreams.size(); ++k) {
            if ((items[first_upstream + 2 * k].revents |
                 items[first_upstream + 2 * k + 1].revents) &
                ZMQ_POLLIN)
                s.follow(s.upstreams[k]);
        }
        // Everything taken in this pass is journaled and published before the next wait (and
        // before a snapshot, which must not be ahead of the journal).
        s.flush_batch();
        if (items.back().revents & ZMQ_POLLIN) s.serve_requests();
        if (TimeMs now = now_ms(); now >= next_beat && !s.journal_failed.empty()) {
            log("JOURNAL FAILED, nothing is accepted or published: " + s.journal_failed);
            next_beat = now + s.config.heartbeat_ms;
        } else if (now >= next_beat) {
            s.publish(wire::Heartbeat{s.state.last_seq(), now, false, s.gate->keys_off()});
            s.publish(wire::FeedHealthReport{s.state.last_seq(), now, s.health->report(now)});
            s.publish(s.day.report(s.state.last_seq(), now));
            next_beat = now + s.config.heartbeat_ms;
        }
    }
    s.flush_batch();
    if (auto synced = s.journal->sync(); !synced) log("journal sync failed: " + synced.error());
    if (s.config.checkpoint_every != 0) s.take_checkpoint();
    log("stopped after " + std::to_string(s.counters.accepted) + " accepted, " +
        std::to_string(s.counters.rejected) + " rejected");
}

IngestCounters IngestServer::counters() const {
    return impl_->counters;
}

}  // namespace citywall::ingest
