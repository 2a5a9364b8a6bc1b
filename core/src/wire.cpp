// Wire codec, versions 1 and 2 (docs/protocol.md). Every field is little-endian; strings are a u32
// byte length followed by UTF-8 bytes.
#include "citywall/wire.hpp"

#include <bit>
#include <charconv>
#include <cmath>

#include "byte_io.hpp"

namespace citywall::wire {

static_assert(std::endian::native == std::endian::little, "the codec assumes a little-endian host");

namespace {

using detail::ByteReader;
using detail::ByteWriter;

constexpr std::uint32_t kMaxString = 1u << 20;
// Heartbeat flags (docs/protocol.md); bit 2 says a reason follows.
constexpr std::uint8_t kHeartbeatDrill = 1;
constexpr std::uint8_t kHeartbeatKeysOff = 2;
constexpr std::uint8_t kHeartbeatStopped = 4;
constexpr std::uint32_t kMaxStoppedReason = 512;
constexpr std::uint16_t kMaxSources = 256;

void put_area(ByteWriter& w, const AreaRef& a) {
    w.put_string(a.code);
    w.put_string(a.name);
}

void put_incident(ByteWriter& w, const Incident& i) {
    w.put(i.id);
    w.put(static_cast<std::uint16_t>(i.sources.size()));
    for (const auto& s : i.sources) {
        w.put_string(s.department);
        w.put_string(s.source_id);
        w.put(static_cast<std::uint8_t>(s.status));
        w.put(s.reported);
    }
    w.put_string(i.category);
    w.put(static_cast<std::uint8_t>(i.severity));
    w.put(static_cast<std::uint8_t>(i.status));
    w.put(i.escalation);
    w.put(i.location.lon);
    w.put(i.location.lat);
    w.put_string(i.source_crs);
    put_area(w, i.grid.district);
    put_area(w, i.grid.street);
    put_area(w, i.grid.community);
    put_area(w, i.grid.grid);
    put_area(w, i.beat);
    w.put(i.occurred);
    w.put(i.received);
    w.put(i.updated);
    w.put(i.due);
    w.put_string(i.title);
    w.put_string(i.description);
    w.put(static_cast<std::uint8_t>(i.drill ? 1 : 0));
    w.put_string(i.provenance.centre);
    w.put(i.provenance.incident);
    w.put(i.provenance.seq);
}

void put_feed(ByteWriter& w, const FeedHealth& f) {
    w.put_string(f.department);
    w.put_string(f.name);
    w.put(static_cast<std::uint8_t>((f.connected ? 1 : 0) | (f.stale ? 2 : 0) |
                                    (f.flooding ? 4 : 0)));
    w.put(f.last_message);
    w.put(f.accepted);
    w.put(f.rejected);
    w.put(f.rate_per_s);
    w.put(f.lag_p50_ms);
    w.put(f.lag_p99_ms);
    w.put(static_cast<std::uint16_t>(f.rejects.size()));
    for (const auto& r : f.rejects) {
        w.put_string(r.reason);
        w.put(r.count);
    }
}

void put_unit(ByteWriter& w, const Unit& u) {
    w.put_string(u.department);
    w.put_string(u.id);
    w.put_string(u.callsign);
    w.put(static_cast<std::uint8_t>(u.kind));
    w.put(static_cast<std::uint8_t>(u.status));
    w.put(u.location.lon);
    w.put(u.location.lat);
    w.put(u.heading);
    w.put(u.speed);
    w.put(u.incident);
    w.put(u.reported);
    w.put(u.received);
    w.put(static_cast<std::uint8_t>(u.drill ? 1 : 0));
}

void put_day_count(ByteWriter& w, const DayCount& c) {
    w.put(static_cast<std::uint8_t>(c.scope));
    w.put_string(c.code);
    w.put_string(c.name);
    w.put(c.received);
    w.put(c.dispatched);
    w.put(c.resolved);
}

void put_case(ByteWriter& w, const IncidentCase& c) {
    w.put(c.id);
    w.put(static_cast<std::uint8_t>(c.open ? 1 : 0));
    if (!c.open) return;
    put_incident(w, c.incident);
    w.put(c.history.omitted);
    w.put(static_cast<std::uint32_t>(c.history.changes.size()));
    for (const auto& change : c.history.changes) {
        w.put(change.time);
        w.put_string(change.department);
        w.put(static_cast<std::uint8_t>(change.reported));
        w.put(static_cast<std::uint8_t>(change.status));
    }
}

void put_header(std::string& out, Kind kind, std::uint64_t seq) {
    out.push_back(static_cast<char>(kMagic0));
    out.push_back(static_cast<char>(kMagic1));
    out.push_back(static_cast<char>(kVersion));
    out.push_back(static_cast<char>(kind));
    ByteWriter(out).put(seq);
}

bool get_area(ByteReader& r, AreaRef& a) {
    return r.get_string(a.code, kMaxString) && r.get_string(a.name, kMaxString);
}

// Fills `i`; returns an empty string on success, else why it failed.
std::string get_incident(ByteReader& r, Incident& i) {
    std::uint16_t sources = 0;
    if (!r.get(i.id) || !r.get(sources)) return "truncated incident";
    if (sources > kMaxSources) return "too many sources";
    i.sources.resize(sources);
    for (auto& s : i.sources) {
        std::uint8_t status = 0;
        if (!r.get_string(s.department, kMaxString) || !r.get_string(s.source_id, kMaxString) ||
            !r.get(status) || !r.get(s.reported))
            return "truncated source";
        if (status >= kIncidentStatusCount) return "unknown source status";
        s.status = static_cast<IncidentStatus>(status);
    }
    std::uint8_t severity = 0, status = 0, drill = 0;
    if (!r.get_string(i.category, kMaxString) || !r.get(severity) || !r.get(status) ||
        !r.get(i.escalation) || !r.get(i.location.lon) || !r.get(i.location.lat) ||
        !r.get_string(i.source_crs, kMaxString) || !get_area(r, i.grid.district) ||
        !get_area(r, i.grid.street) || !get_area(r, i.grid.community) ||
        !get_area(r, i.grid.grid) || !get_area(r, i.beat) || !r.get(i.occurred) ||
        !r.get(i.received) || !r.get(i.updated) || !r.get(i.due) ||
        !r.get_string(i.title, kMaxString) || !r.get_string(i.description, kMaxString) ||
        !r.get(drill) || !r.get_string(i.provenance.centre, kMaxString) ||
        !r.get(i.provenance.incident) || !r.get(i.provenance.seq))
        return "truncated incident";
    if (severity < 1 || severity > 4) return "severity out of range";
    if (status >= kIncidentStatusCount) return "unknown status";
    if (drill > 1) return "bad drill flag";
    if (!std::isfinite(i.location.lon) || !std::isfinite(i.location.lat) ||
        std::abs(i.location.lon) > 180 || std::abs(i.location.lat) > 90)
        return "location out of range";
    i.severity = static_cast<Severity>(severity);
    i.status = static_cast<IncidentStatus>(status);
    i.drill = drill != 0;
    return {};
}

std::string get_unit(ByteReader& r, Unit& u) {
    std::uint8_t kind = 0, status = 0, drill = 0;
    if (!r.get_string(u.department, kMaxString) || !r.get_string(u.id, kMaxString) ||
        !r.get_string(u.callsign, kMaxString) || !r.get(kind) || !r.get(status) ||
        !r.get(u.location.lon) || !r.get(u.location.lat) || !r.get(u.heading) || !r.get(u.speed) ||
        !r.get(u.incident) || !r.get(u.reported) || !r.get(u.received) || !r.get(drill))
        return "truncated unit";
    if (kind >= kUnitKindCount) return "unknown unit kind";
    if (status >= kUnitStatusCount) return "unknown unit status";
    if (drill > 1) return "bad drill flag";
    if (!std::isfinite(u.location.lon) || !std::isfinite(u.location.lat) ||
        std::abs(u.location.lon) > 180 || std::abs(u.location.lat) > 90)
        return "location out of range";
    // Unknown heading is any negative number; a known one is a bearing.
    if (!std::isfinite(u.heading) || u.heading >= 360.f) return "heading out of range";
    if (!std::isfinite(u.speed) || u.speed < 0.f) return "speed out of range";
    u.kind = static_cast<UnitKind>(kind);
    u.status = static_cast<UnitStatus>(status);
    u.drill = drill != 0;
    return {};
}

std::string get_day_count(ByteReader& r, DayCount& c) {
    std::uint8_t scope = 0;
    if (!r.get(scope) || !r.get_string(c.code, kMaxString) || !r.get_string(c.name, kMaxString) ||
        !r.get(c.received) || !r.get(c.dispatched) || !r.get(c.resolved))
        return "truncated day count";
    if (scope > 2) return "unknown day count scope";
    if (c.dispatched > c.received || c.resolved > c.received) return "counts out of order";
    c.scope = static_cast<DayCount::Scope>(scope);
    return {};
}

std::string get_status_change(ByteReader& r, StatusChange& c) {
    std::uint8_t reported = 0, status = 0;
    if (!r.get(c.time) || !r.get_string(c.department, kMaxString) || !r.get(reported) ||
        !r.get(status))
        return "truncated status change";
    if (reported >= kIncidentStatusCount || status >= kIncidentStatusCount)
        return "unknown status in history";
    c.reported = static_cast<IncidentStatus>(reported);
    c.status = static_cast<IncidentStatus>(status);
    return {};
}

std::string get_feed(ByteReader& r, FeedHealth& f) {
    std::uint8_t flags = 0;
    std::uint16_t reasons = 0;
    if (!r.get_string(f.department, kMaxString) || !r.get_string(f.name, kMaxString) ||
        !r.get(flags) || !r.get(f.last_message) || !r.get(f.accepted) || !r.get(f.rejected) ||
        !r.get(f.rate_per_s) || !r.get(f.lag_p50_ms) || !r.get(f.lag_p99_ms) || !r.get(reasons))
        return "truncated feed health";
    // Bits this build does not know are ignored, as in a heartbeat: a newer ingest's health
    // report must not look like a broken stream.
    if (reasons > r.remaining() / 12) return "count exceeds message";
    f.connected = flags & 1;
    f.stale = flags & 2;
    f.flooding = flags & 4;
    f.rejects.resize(reasons);
    for (auto& reject : f.rejects) {
        if (!r.get_string(reject.reason, kMaxString) || !r.get(reject.count))
            return "truncated feed health";
    }
    return {};
}

// Counts read from the wire are checked against the bytes left, so a forged count cannot make
// the decoder reserve gigabytes.
template <class T>
std::string get_list(ByteReader& r, std::vector<T>& items, std::size_t min_item_bytes,
                     std::string (*get_item)(ByteReader&, T&)) {
    std::uint32_t count = 0;
    if (!r.get(count)) return "truncated count";
    if (count > r.remaining() / min_item_bytes) return "count exceeds message";
    items.resize(count);
    for (auto& item : items) {
        if (auto e = get_item(r, item); !e.empty()) return e;
    }
    return {};
}

constexpr std::size_t kMinIncidentBytes = 8 + 2 + 4 + 3 + 16 + 4 + 10 * 4 + 32 + 8 + 1 + 4 + 16;
constexpr std::size_t kMinUnitBytes = 3 * 4 + 2 + 16 + 8 + 8 + 16 + 1;
constexpr std::size_t kMinDayCountBytes = 1 + 4 + 4 + 12;
constexpr std::size_t kMinStatusChangeBytes = 8 + 4 + 2;
constexpr std::size_t kMinFeedBytes = 4 + 4 + 1 + 8 + 8 + 8 + 8 + 8 + 8 + 2;

// The body is complete only if it decoded without error and used every byte.
template <class T>
Result<Message> finish(std::string err, const ByteReader& r, T&& m) {
    if (!err.empty()) return Result<Message>::failure(ErrorKind::invalid, std::move(err));
    if (r.remaining() != 0)
        return Result<Message>::failure(ErrorKind::invalid, "trailing bytes after message");
    return Message(std::forward<T>(m));
}

// Version 2 is version 1 with the unit kinds; the layouts of kinds 1–4 are the same.
Result<Message> decode_v1_v2(std::uint8_t version, Kind kind, std::uint64_t seq, ByteReader& r) {
    auto fail = [](std::string why) {
        return Result<Message>::failure(ErrorKind::invalid, std::move(why));
    };
    switch (kind) {
        case Kind::incident: {
            IncidentUpdate m{seq, {}};
            auto err = get_incident(r, m.incident);
            return finish(std::move(err), r, std::move(m));
        }
        case Kind::feed_health: {
            FeedHealthReport m{seq, 0, {}};
            if (!r.get(m.time)) return fail("truncated feed health report");
            auto err = get_list(r, m.feeds, kMinFeedBytes, get_feed);
            return finish(std::move(err), r, std::move(m));
        }
        case Kind::heartbeat: {
            Heartbeat m{seq, 0, false, false, {}};
            std::uint8_t flags = 0;
            if (!r.get(m.time) || !r.get(flags)) return fail("truncated heartbeat");
            // Flags this build does not know, and what later ones add after the known fields,
            // are ignored: a newer ingest's heartbeat must not look like a broken stream.
            m.drill = flags & kHeartbeatDrill;
            m.keys_off = flags & kHeartbeatKeysOff;
            if ((flags & kHeartbeatStopped) && !r.get_string(m.stopped, kMaxStoppedReason))
                return fail("truncated heartbeat reason");
            if (m.stopped.empty() && (flags & kHeartbeatStopped)) m.stopped = "stopped";
            return Message(std::move(m));
        }
        case Kind::snapshot_chunk: {
            SnapshotChunk m{seq, false, {}, {}};
            std::uint8_t last = 0;
            if (!r.get(last) || last > 1) return fail("bad snapshot chunk");
            m.last = last != 0;
            auto err = get_list(r, m.incidents, kMinIncidentBytes, get_incident);
            if (err.empty()) err = get_list(r, m.feeds, kMinFeedBytes, get_feed);
            return finish(std::move(err), r, std::move(m));
        }
        case Kind::unit: {
            if (version < 2) break;
            UnitUpdate m{seq, {}};
            auto err = get_unit(r, m.unit);
            return finish(std::move(err), r, std::move(m));
        }
        case Kind::unit_roster: {
            if (version < 2) break;
            UnitRoster m{seq, {}};
            auto err = get_list(r, m.units, kMinUnitBytes, get_unit);
            return finish(std::move(err), r, std::move(m));
        }
        case Kind::day_counts: {
            if (version < 2) break;
            DayCountsReport m{seq, 0, 0, {}};
            if (!r.get(m.time) || !r.get(m.day_start)) return fail("truncated day counts");
            auto err = get_list(r, m.counts, kMinDayCountBytes, get_day_count);
            return finish(std::move(err), r, std::move(m));
        }
        case Kind::incident_case: {
            if (version < 2) break;
            IncidentCase m{seq, 0, false, {}, {}};
            std::uint8_t open = 0;
            if (!r.get(m.id) || !r.get(open) || open > 1) return fail("bad incident case");
            m.open = open != 0;
            std::string err;
            if (m.open) {
                err = get_incident(r, m.incident);
                if (err.empty() && m.incident.id != m.id) err = "case names another incident";
                if (err.empty() && !r.get(m.history.omitted)) err = "truncated incident case";
                if (err.empty())
                    err = get_list(r, m.history.changes, kMinStatusChangeBytes, get_status_change);
                if (err.empty() && m.history.changes.size() > CaseHistory::kMaxCaseChanges)
                    err = "history too long";
            }
            return finish(std::move(err), r, std::move(m));
        }
    }
    return fail("unknown message kind " + std::to_string(static_cast<int>(kind)));
}

}  // namespace

std::string encode(const Message& message) {
    std::string out;
    out.reserve(256);
    ByteWriter w(out);
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, IncidentUpdate>) {
                put_header(out, Kind::incident, m.seq);
                put_incident(w, m.incident);
            } else if constexpr (std::is_same_v<T, FeedHealthReport>) {
                put_header(out, Kind::feed_health, m.seq);
                w.put(m.time);
                w.put(static_cast<std::uint32_t>(m.feeds.size()));
                for (const auto& f : m.feeds)
                    put_feed(w, f);
            } else if constexpr (std::is_same_v<T, Heartbeat>) {
                put_header(out, Kind::heartbeat, m.seq);
                w.put(m.time);
                w.put(static_cast<std::uint8_t>((m.drill ? kHeartbeatDrill : 0) |
                                                (m.keys_off ? kHeartbeatKeysOff : 0) |
                                                (m.stopped.empty() ? 0 : kHeartbeatStopped)));
                if (!m.stopped.empty())
                    w.put_string(std::string_view(m.stopped).substr(0, kMaxStoppedReason));
            } else if constexpr (std::is_same_v<T, UnitUpdate>) {
                put_header(out, Kind::unit, m.seq);
                put_unit(w, m.unit);
            } else if constexpr (std::is_same_v<T, DayCountsReport>) {
                put_header(out, Kind::day_counts, m.seq);
                w.put(m.time);
                w.put(m.day_start);
                w.put(static_cast<std::uint32_t>(m.counts.size()));
                for (const auto& c : m.counts)
                    put_day_count(w, c);
            } else if constexpr (std::is_same_v<T, IncidentCase>) {
                put_header(out, Kind::incident_case, m.seq);
                put_case(w, m);
            } else if constexpr (std::is_same_v<T, UnitRoster>) {
                put_header(out, Kind::unit_roster, m.seq);
                w.put(static_cast<std::uint32_t>(m.units.size()));
                for (const auto& u : m.units)
                    put_unit(w, u);
            } else {
                static_assert(std::is_same_v<T, SnapshotChunk>);
                put_header(out, Kind::snapshot_chunk, m.seq);
                w.put(static_cast<std::uint8_t>(m.last ? 1 : 0));
                w.put(static_cast<std::uint32_t>(m.incidents.size()));
                for (const auto& i : m.incidents)
                    put_incident(w, i);
                w.put(static_cast<std::uint32_t>(m.feeds.size()));
                for (const auto& f : m.feeds)
                    put_feed(w, f);
            }
        },
        message);
    return out;
}

std::string case_request(std::uint64_t id) {
    return std::string(kCaseRequest) + std::to_string(id);
}

std::optional<std::uint64_t> parse_case_request(std::string_view request) {
    if (!request.starts_with(kCaseRequest)) return std::nullopt;
    request.remove_prefix(kCaseRequest.size());
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(request.data(), request.data() + request.size(), id);
    if (error != std::errc() || end != request.data() + request.size() || id == 0)
        return std::nullopt;
    return id;
}

Result<Header> peek_header(std::string_view bytes) {
    if (bytes.size() < kHeaderSize)
        return Result<Header>::failure(ErrorKind::invalid, "shorter than a header");
    if (static_cast<std::uint8_t>(bytes[0]) != kMagic0 ||
        static_cast<std::uint8_t>(bytes[1]) != kMagic1)
        return Result<Header>::failure(ErrorKind::invalid, "bad magic");
    const auto version = static_cast<std::uint8_t>(bytes[2]);
    if (version < kOldestVersion || version > kVersion)
        return Result<Header>::failure(ErrorKind::unsupported,
                                       "unsupported version " + std::to_string(version));
    ByteReader r(bytes.substr(4, 8));
    Header h{static_cast<Kind>(bytes[3]), 0, version};
    r.get(h.seq);
    return h;
}

Result<Message> decode(std::string_view bytes) {
    if (bytes.size() > kMaxMessageSize)
        return Result<Message>::failure(ErrorKind::invalid, "message too large");
    auto header = peek_header(bytes);
    if (!header) return Result<Message>::failure(header.error_kind(), header.error());
    // One decoder per layout, chosen here: versions 1 and 2 share theirs.
    ByteReader r(bytes.substr(kHeaderSize));
    return decode_v1_v2(header->version, header->kind, header->seq, r);
}

}  // namespace citywall::wire
