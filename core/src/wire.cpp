// Wire codec (docs/protocol.md). Version 3, which encode() writes, follows from the field tables
// in wire_schema.hpp. Versions 1 and 2, which older journals and checkpoints hold, are read by
// their own decoder below: every field little-endian, strings a u32 byte length and UTF-8 bytes.
#include "citywall/wire.hpp"

#include <bit>
#include <charconv>
#include <cmath>

#include "byte_io.hpp"
#include "citywall/utf8.hpp"
#include "field_proto.hpp"
#include "wire_schema.hpp"

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

// Versions 1 and 2 carried a fixed path of areas and a police beat, in this order.
constexpr const char* kLegacyLevels[] = {"district", "street", "community", "grid", "beat"};

void put_area(ByteWriter& w, std::string_view level, const AreaPath& path) {
    const AreaRef* area = area_at(path, level);
    w.put_string(area ? area->code : std::string());
    w.put_string(area ? area->name : std::string());
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
    for (const char* level : kLegacyLevels)
        put_area(w, level, i.areas);
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
    out.push_back(static_cast<char>(2));
    out.push_back(static_cast<char>(kind));
    ByteWriter(out).put(seq);
}

bool get_areas(ByteReader& r, AreaPath& path) {
    path.reserve(std::size(kLegacyLevels));
    for (const char* level : kLegacyLevels) {
        AreaRef area{level, {}, {}};
        if (!r.get_string(area.code, kMaxString) || !r.get_string(area.name, kMaxString))
            return false;
        if (!area.code.empty()) path.push_back(std::move(area));
    }
    return true;
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
        !r.get_string(i.source_crs, kMaxString) || !get_areas(r, i.areas) || !r.get(i.occurred) ||
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
        case Kind::command_reply:
        case Kind::drill_clock:
            break;  // version 3 only
        case Kind::incident_case: {
            if (version < 2) break;
            IncidentCase m{seq, 0, false, {}, {}};
            std::uint8_t open = 0;
            if (!r.get(m.id) || !r.get(open) || open > 1) return fail("bad incident case");
            m.open = open != 0;
            m.found = m.open ? IncidentCase::Found::open : IncidentCase::Found::none;
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

// ------------------------------------------------------------------------- version 3
// "CW", the version byte, then a WallMessage (schema/wall.proto): the sequence number as field
// 15 and the body as the field whose number is the message's Kind.

constexpr std::uint32_t kSeqField = 15;
constexpr std::uint64_t kSeqKey = (std::uint64_t{kSeqField} << 3) | table::kVarint;
constexpr std::size_t kPrefixSize = 3;
constexpr std::size_t kMaxRequestSize = 64u << 10;

// The kinds are the alternatives of Message in the order of their numbers, and the requests
// those of Request: the field number of each in its oneof is its place plus one, and these are
// the oneof's field names, declared once for the encoder, the decoder and the .proto.
constexpr std::string_view kKindNames[] = {
    "incident",    "feed_health", "heartbeat",     "snapshot_chunk", "unit",
    "unit_roster", "day_counts",  "incident_case", "command_reply",  "drill_clock"};
constexpr std::string_view kRequestNames[] = {"snapshot", "incident_case", "case_command",
                                              "drill_command"};
static_assert(std::size(kKindNames) == std::variant_size_v<Message>);
static_assert(std::size(kRequestNames) == std::variant_size_v<Request>);
static_assert(static_cast<std::size_t>(Kind::incident) == 1 &&
              std::is_same_v<std::variant_alternative_t<0, Message>, IncidentUpdate> &&
              static_cast<std::size_t>(Kind::unit) == 5 &&
              std::is_same_v<std::variant_alternative_t<4, Message>, UnitUpdate> &&
              static_cast<std::size_t>(Kind::drill_clock) == std::variant_size_v<Message>);

// Calls each.template operator()<I, T>() for every alternative T of the variant V, at index I.
template <class V, class Each>
void for_each_alternative(Each&& each) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (each.template operator()<I, std::variant_alternative_t<I, V>>(), ...);
    }
    (std::make_index_sequence<std::variant_size_v<V>>{});
}

// What a kind's body is: the incident of an update, the unit of a fix, else the message itself.
template <class T>
auto& body_of(T& m) {
    if constexpr (std::is_same_v<std::remove_const_t<T>, IncidentUpdate>) {
        return m.incident;
    } else if constexpr (std::is_same_v<std::remove_const_t<T>, UnitUpdate>) {
        return m.unit;
    } else {
        return m;
    }
}

// Where the body of a version 3 message lies, without decoding it.
struct Envelope {
    Kind kind{};
    std::uint64_t seq = 0;
    std::string_view body;
};

Result<Envelope> open_envelope(std::string_view bytes) {
    using table::Byte;
    const auto* p = reinterpret_cast<const Byte*>(bytes.data()) + kPrefixSize;
    const auto* end = reinterpret_cast<const Byte*>(bytes.data()) + bytes.size();
    Envelope e;
    bool has_body = false;
    std::uint64_t key = 0;
    bool bad = false;
    auto fail = [](std::string why) { return Error{ErrorKind::invalid, std::move(why)}; };
    while (table::next_key(p, end, key, bad)) {
        if (key == kSeqKey) {
            if (!table::read_varint(p, end, e.seq)) return fail("truncated sequence number");
            continue;
        }
        const auto number = static_cast<std::uint32_t>(key >> 3);
        const auto* start = p;
        if (!table::skip_value(static_cast<std::uint32_t>(key & 7), p, end))
            return fail("truncated message");
        if (number > kSeqField || (key & 7) != table::kLength) continue;  // not ours: skipped
        if (number < 1 || number > static_cast<std::uint32_t>(Kind::drill_clock))
            return fail("unknown message kind " + std::to_string(number));
        if (has_body) return fail("two bodies in one message");
        has_body = true;
        e.kind = static_cast<Kind>(number);
        std::uint64_t length = 0;
        table::read_varint(start, end, length);
        e.body = std::string_view(reinterpret_cast<const char*>(start), length);
    }
    if (bad) return fail("malformed field key");
    if (!has_body) return fail("no body");
    return e;
}

// Decodes the body into `out`, reusing what it holds when it is already of kind T: its text
// keeps its capacity, so a reader that hands its messages back decodes without allocating.
template <class T>
Result<void> decode_body_into(const Envelope& e, Message& out) {
    T* m = std::get_if<T>(&out);
    if (!m) m = &out.template emplace<T>();
    m->seq = e.seq;
    auto& body = body_of(*m);
    table::zero(body);
    const auto* p = reinterpret_cast<const table::Byte*>(e.body.data());
    const char* why = nullptr;
    if (!table::decode_body(p, p + e.body.size(), body, why))
        return Result<void>::failure(
            ErrorKind::invalid,
            why ? std::string(why)
                : "malformed " + std::string(table::Schema<std::decay_t<decltype(body)>>::name));
    return {};
}

Result<void> decode_v3(std::string_view bytes, Message& out) {
    auto e = open_envelope(bytes);
    if (!e) return e.error_value();
    Result<void> decoded = Result<void>::failure(ErrorKind::invalid, "unknown message kind");
    for_each_alternative<Message>([&]<std::size_t I, class T>() {
        if (I + 1 == static_cast<std::size_t>(e->kind)) decoded = decode_body_into<T>(*e, out);
    });
    return decoded;
}

// The body of a variant's alternatives as the .proto's oneof: "    Type name = number;".
template <class V, std::size_t N>
std::string oneof_fields(const std::string_view (&names)[N], table::ProtoText& proto) {
    std::string fields;
    for_each_alternative<V>([&]<std::size_t I, class T>() {
        using Body = std::remove_reference_t<decltype(body_of(std::declval<T&>()))>;
        fields += "    " + std::string(table::Schema<Body>::name) + " " + std::string(names[I]) +
                  " = " + std::to_string(I + 1) + ";\n";
        proto.message<Body>();
    });
    return fields;
}

}  // namespace

std::string encode_version2(const Message& message) {
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
            } else if constexpr (std::is_same_v<T, CommandReply> || std::is_same_v<T, DrillClock>) {
                return;  // version 3 only: nothing
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

std::string encode(const Message& message) {
    std::string out;
    out.reserve(256);
    out.push_back(static_cast<char>(kMagic0));
    out.push_back(static_cast<char>(kMagic1));
    out.push_back(static_cast<char>(kVersion));
    std::visit(
        [&](const auto& m) {
            table::append_varint_field(out, kSeqField, m.seq);
            table::append_field(out, static_cast<std::uint32_t>(message.index() + 1), body_of(m));
        },
        message);
    return out;
}

std::string schema_proto() {
    table::ProtoText proto;
    const std::string body = oneof_fields<Message>(kKindNames, proto);
    table::ProtoText requests;
    requests.written = proto.written;
    const std::string request_body = oneof_fields<Request>(kRequestNames, requests);
    return "// The wall stream of citywall-ingest, version 3 (docs/protocol.md).\n"
           "// Printed from the field tables (core/src/wire_schema.hpp) by citywall-schema; a\n"
           "// test keeps this file equal to them. Each message on the stream is the bytes "
           "\"CW\",\n"
           "// the version byte 3, then one WallMessage.\n"
           "syntax = \"proto3\";\n\npackage citywall.wall;\n\n"
           "message WallMessage {\n"
           "  // The message's place in the stream (docs/protocol.md, \"Sequence numbers\").\n"
           "  uint64 seq = " +
           std::to_string(kSeqField) +
           ";\n"
           "  // The field number is the message's kind.\n"
           "  oneof body {\n" +
           body + "  }\n}\n\n" + proto.text +
           "// What a wall sends on the snapshot socket: \"CW\", the version byte 3, then one\n"
           "// WallRequest. Ingest answers each as the role of the wall's key allows.\n"
           "message WallRequest {\n"
           "  oneof request {\n" +
           request_body + "  }\n}\n\n" + requests.text;
}

bool repair_text(Message& message) {
    return std::visit([](auto& m) { return table::repair_text(body_of(m)); }, message);
}

std::string encode_request(const Request& request) {
    std::string out = {static_cast<char>(kMagic0), static_cast<char>(kMagic1),
                       static_cast<char>(kVersion)};
    std::visit(
        [&](const auto& r) {
            table::append_field(out, static_cast<std::uint32_t>(request.index() + 1), r);
        },
        request);
    return out;
}

Result<Request> decode_request(std::string_view bytes) {
    auto fail = [](std::string why) { return Error{ErrorKind::invalid, std::move(why)}; };
    if (bytes.size() > kMaxRequestSize) return fail("request too large");
    if (bytes.size() < kPrefixSize || static_cast<std::uint8_t>(bytes[0]) != kMagic0 ||
        static_cast<std::uint8_t>(bytes[1]) != kMagic1)
        return fail("not a request");
    if (static_cast<std::uint8_t>(bytes[2]) != kVersion)
        return Error{
            ErrorKind::unsupported,
            "unsupported request version " + std::to_string(static_cast<std::uint8_t>(bytes[2]))};
    const auto* p = reinterpret_cast<const table::Byte*>(bytes.data()) + kPrefixSize;
    const auto* end = reinterpret_cast<const table::Byte*>(bytes.data()) + bytes.size();
    std::optional<Request> request;
    std::uint64_t key = 0;
    bool bad = false;
    const char* why = nullptr;
    while (table::next_key(p, end, key, bad)) {
        const auto number = static_cast<std::uint32_t>(key >> 3);
        if ((key & 7) != table::kLength || number > std::variant_size_v<Request>) {
            if (!table::skip_value(static_cast<std::uint32_t>(key & 7), p, end))
                return fail("truncated request");
            if ((key & 7) == table::kLength && number <= 15)
                return fail("unknown request kind " + std::to_string(number));
            continue;  // a field of a newer version, not a kind: skipped
        }
        if (request) return fail("two requests in one message");
        std::uint64_t length = 0;
        if (!table::read_varint(p, end, length) || length > static_cast<std::uint64_t>(end - p))
            return fail("truncated request");
        const auto* body_end = p + length;
        bool ok = false;
        for_each_alternative<Request>([&]<std::size_t I, class T>() {
            if (I + 1 != number) return;
            T r{};
            ok = table::decode_body(p, body_end, r, why);
            request = r;
        });
        if (!ok || p != body_end) return fail(why ? why : "malformed request");
    }
    if (bad) return fail("malformed field key");
    if (!request) return fail("no request");
    return *request;
}

Result<Header> peek_header(std::string_view bytes) {
    if (bytes.size() < kPrefixSize)
        return Result<Header>::failure(ErrorKind::invalid, "shorter than a header");
    if (static_cast<std::uint8_t>(bytes[2]) < 3 && bytes.size() < kHeaderSize)
        return Result<Header>::failure(ErrorKind::invalid, "shorter than a header");
    if (static_cast<std::uint8_t>(bytes[0]) != kMagic0 ||
        static_cast<std::uint8_t>(bytes[1]) != kMagic1)
        return Result<Header>::failure(ErrorKind::invalid, "bad magic");
    const auto version = static_cast<std::uint8_t>(bytes[2]);
    if (version < kOldestVersion || version > kVersion)
        return Result<Header>::failure(ErrorKind::unsupported,
                                       "unsupported version " + std::to_string(version));
    if (version >= 3) {
        auto e = open_envelope(bytes);
        if (!e) return e.error_value();
        return Header{e->kind, e->seq, version};
    }
    ByteReader r(bytes.substr(4, 8));
    Header h{static_cast<Kind>(bytes[3]), 0, version};
    r.get(h.seq);
    return h;
}

namespace {

bool is_version3(std::string_view bytes) {
    return bytes.size() >= kPrefixSize && static_cast<std::uint8_t>(bytes[0]) == kMagic0 &&
           static_cast<std::uint8_t>(bytes[1]) == kMagic1 && bytes[2] == 3;
}

}  // namespace

Result<void> decode_into(std::string_view bytes, Message& out) {
    if (bytes.size() <= kMaxMessageSize && is_version3(bytes)) return decode_v3(bytes, out);
    auto decoded = decode(bytes);
    if (!decoded) return decoded.error_value();
    out = std::move(*decoded);
    return {};
}

Result<Message> decode(std::string_view bytes) {
    if (bytes.size() > kMaxMessageSize)
        return Result<Message>::failure(ErrorKind::invalid, "message too large");
    // One decoder per layout, chosen here: versions 1 and 2 share theirs.
    if (is_version3(bytes)) {
        Message message;
        if (auto decoded = decode_v3(bytes, message); !decoded) return decoded.error_value();
        return message;
    }
    auto header = peek_header(bytes);
    if (!header) return header.error_value();
    ByteReader r(bytes.substr(kHeaderSize));
    auto message = decode_v1_v2(header->version, header->kind, header->seq, r);
    // Versions 1 and 2 did not check text; what they hold is published again as version 3,
    // which every reader refuses unless its text is UTF-8.
    if (message) repair_text(*message);
    return message;
}

namespace {
constexpr std::string_view kDrillActions[] = {"none", "play", "pause", "speed",
                                              "step", "seek", "loop",  "bookmark"};
}  // namespace

std::string_view to_string(DrillAction action) {
    const auto k = static_cast<std::size_t>(action);
    return k < std::size(kDrillActions) ? kDrillActions[k] : "none";
}

std::optional<DrillAction> parse_drill_action(std::string_view code) {
    for (std::size_t k = 1; k < std::size(kDrillActions); ++k)
        if (kDrillActions[k] == code) return static_cast<DrillAction>(k);
    return std::nullopt;
}

}  // namespace citywall::wire
