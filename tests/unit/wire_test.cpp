#include "citywall/wire.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <limits>

#include "sample_incidents.hpp"

namespace citywall::wire {
namespace {

using testing::sample_incident;

template <class T>
T round_trip(const T& message) {
    auto decoded = decode(encode(message));
    EXPECT_TRUE(decoded.ok()) << decoded.error();
    return std::get<T>(*decoded);
}

TEST(Wire, IncidentRoundTrip) {
    IncidentUpdate update{42, sample_incident(9)};
    update.incident.drill = true;
    update.incident.status = IncidentStatus::on_scene;
    EXPECT_EQ(round_trip(update), update);
}

TEST(Wire, EmptyStringsAndNoSourcesRoundTrip) {
    IncidentUpdate update{1, {}};
    EXPECT_EQ(round_trip(update), update);
}

TEST(Wire, FeedHealthRoundTrip) {
    FeedHealthReport report{7,
                            1795000000000,
                            {testing::feed_health("110", true, false, 1795000000000, 10, 2),
                             testing::feed_health("119", false, true, 0, 0, 0)}};
    EXPECT_EQ(round_trip(report), report);
}

TEST(Wire, HeartbeatRoundTrip) {
    Heartbeat beat{99, 1795000000123, true, true, {}};
    EXPECT_EQ(round_trip(beat), beat);
}

TEST(Wire, SnapshotChunkRoundTrip) {
    SnapshotChunk chunk{500, true, {}, {testing::feed_health("120", true, false, 5, 6, 7)}};
    for (std::uint64_t id = 1; id <= 50; ++id)
        chunk.incidents.push_back(sample_incident(id));
    EXPECT_EQ(round_trip(chunk), chunk);
}

TEST(Wire, UnitRoundTrip) {
    for (int n = 0; n < 12; ++n) {
        UnitUpdate update{40 + static_cast<std::uint64_t>(n), testing::sample_unit(n)};
        EXPECT_EQ(round_trip(update), update);
    }
}

TEST(Wire, UnitRosterRoundTrip) {
    UnitRoster roster{77, {testing::sample_unit(1), testing::sample_unit(2, "119")}};
    EXPECT_EQ(round_trip(roster), roster);
    EXPECT_EQ(round_trip(UnitRoster{78, {}}), (UnitRoster{78, {}}));
}

TEST(Wire, RejectsEveryUnitTruncationAndBadValues) {
    auto bytes = encode(UnitUpdate{5, testing::sample_unit(4)});
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(decode(std::string_view(bytes).substr(0, n)).ok()) << "length " << n;
    }
    auto with = [](auto change) {
        Unit u = testing::sample_unit(3);
        change(u);
        return decode(encode(UnitUpdate{1, u}));
    };
    EXPECT_FALSE(with([](Unit& u) { u.heading = 360.f; }).ok());
    EXPECT_FALSE(with([](Unit& u) { u.heading = std::numeric_limits<float>::quiet_NaN(); }).ok());
    EXPECT_FALSE(with([](Unit& u) { u.speed = -1.f; }).ok());
    EXPECT_FALSE(with([](Unit& u) { u.location.lat = 91; }).ok());
    EXPECT_FALSE(with([](Unit& u) { u.kind = static_cast<UnitKind>(kUnitKindCount); }).ok());
    EXPECT_FALSE(with([](Unit& u) { u.status = static_cast<UnitStatus>(kUnitStatusCount); }).ok());
    EXPECT_TRUE(with([](Unit& u) { u.heading = -1.f; }).ok());  // unknown heading
}

TEST(Wire, DayCountsRoundTripAndRejectImpossibleCounts) {
    DayCountsReport report{90, 1795000000000, 1794960000000, {}};
    report.counts.push_back({DayCount::Scope::total, "", "", 120, 80, 40, {}});
    report.counts.push_back(
        {DayCount::Scope::department, "110", "", 70, 50, 30, {12, 10, 9, 8, 6, 2, 3, 1, 1}});
    report.counts.push_back({DayCount::Scope::district, "449901", "东湖区", 20, 10, 5, {}});
    report.counts.push_back(
        {DayCount::Scope::street, "44990101", "东湖街道", 4, 2, 1, {3, 2, 2, 1, 0, 1, 0, 0, 1}});
    EXPECT_EQ(round_trip(report), report);
    report.counts[1].resolved = 71;  // more resolved than received
    EXPECT_FALSE(decode(encode(report)).ok());
    report.counts[1].resolved = 30;
    report.counts[1].cases.signed_on_time = 11;  // more on time than signed
    EXPECT_FALSE(decode(encode(report)).ok());
}

IncidentCase sample_case() {
    IncidentCase reply{88, 9, true, sample_incident(9), {}};
    reply.history.omitted = 3;
    reply.history.changes = {
        {1795000000000, "110", IncidentStatus::reported, IncidentStatus::reported},
        {1795000060000, "120", IncidentStatus::on_scene, IncidentStatus::on_scene}};
    reply.found = IncidentCase::Found::open;
    return reply;
}

// decode_into gives what decode gives, whatever the message it decodes into held before, and
// reuses that message's text when it is of the same kind.
TEST(Wire, DecodingIntoAMessageLeavesNothingOfWhatItHeld) {
    Incident bare;
    bare.id = 7;
    bare.category = "police.theft";
    const std::vector<Message> messages = {
        IncidentUpdate{5, sample_incident(3)},
        IncidentUpdate{6, bare},
        UnitUpdate{8, testing::sample_unit(2)},
        IncidentUpdate{9, sample_incident(8)},
        Heartbeat{10, 3, false, true, "journal write failed since 03:12"},
        SnapshotChunk{11, true, {sample_incident(1), sample_incident(2)}, {}},
        IncidentUpdate{12, sample_incident(5)},
    };
    Message reused = IncidentUpdate{1, sample_incident(4)};
    for (const Message& m : messages) {
        ASSERT_TRUE(decode_into(encode(m), reused).ok());
        EXPECT_EQ(reused, m);
        EXPECT_EQ(reused, *decode(encode(m)));
    }
    // The same kind again: the title's storage is the one it had.
    Message update = IncidentUpdate{1, sample_incident(6)};
    const char* storage = std::get<IncidentUpdate>(update).incident.title.data();
    ASSERT_TRUE(decode_into(encode(IncidentUpdate{2, sample_incident(3)}), update).ok());
    EXPECT_EQ(std::get<IncidentUpdate>(update).incident.title.data(), storage);
    EXPECT_EQ(update, Message(IncidentUpdate{2, sample_incident(3)}));
    // Old versions and refusals through the same door.
    ASSERT_TRUE(decode_into(encode_version2(IncidentUpdate{3, sample_incident(2)}), update).ok());
    EXPECT_EQ(update, Message(IncidentUpdate{3, sample_incident(2)}));
    EXPECT_FALSE(decode_into("CW\x03garbage", update).ok());
    EXPECT_FALSE(decode_into(std::string(), update).ok());
}

// What versions 1 and 2 could carry: a sample incident without the fields added since.
Incident as_old_versions_held(Incident incident) {
    incident.priority.clear();
    return incident;
}

TEST(Wire, IncidentCaseRoundTripAndRefusals) {
    const IncidentCase reply = sample_case();
    EXPECT_EQ(round_trip(reply), reply);
    const IncidentCase none{88, 12345, false, {}, {}};
    EXPECT_EQ(round_trip(none), none);
    EXPECT_LT(encode(none).size(), 20u);

    const std::string bytes = encode(reply);
    for (std::size_t n = 0; n < bytes.size(); ++n)
        EXPECT_FALSE(decode(bytes.substr(0, n)).ok()) << n;
    IncidentCase other = reply;
    other.id = 10;  // names one incident, carries another
    EXPECT_FALSE(decode(encode(other)).ok());
    IncidentCase long_history = reply;
    long_history.history.changes.resize(CaseHistory::kMaxCaseChanges + 1);
    EXPECT_FALSE(decode(encode(long_history)).ok());
    IncidentCase bad_status = reply;
    bad_status.history.changes.back().status = static_cast<IncidentStatus>(8);
    EXPECT_FALSE(decode(encode(bad_status)).ok());
    std::string version2 = encode_version2(bad_status);
    EXPECT_FALSE(decode(version2).ok());
    version2 = encode_version2(reply);
    IncidentCase as_version2 = reply;
    as_version2.incident = as_old_versions_held(reply.incident);
    EXPECT_EQ(std::get<IncidentCase>(*decode(version2)), as_version2);
    version2[2] = 1;  // version 1 had no cases
    EXPECT_FALSE(decode(version2).ok());

    // A closed case, kept or read from the journal, carries its incident; one being searched
    // for carries nothing. An ingest older than `found` says only `open`.
    using Found = IncidentCase::Found;
    for (Found where : {Found::kept, Found::journal}) {
        IncidentCase closed = reply;
        closed.open = false;
        closed.found = where;
        closed.incident.status = IncidentStatus::closed;
        EXPECT_EQ(round_trip(closed), closed);
        EXPECT_TRUE(closed.has_incident());
        closed.id = 10;
        EXPECT_FALSE(decode(encode(closed)).ok());
    }
    const IncidentCase searching{88, 12345, false, {}, {}, Found::searching};
    EXPECT_EQ(round_trip(searching), searching);
    EXPECT_FALSE(searching.has_incident());
    IncidentCase older = reply;
    older.found = Found::none;
    EXPECT_EQ(round_trip(older), older);
    EXPECT_TRUE(older.has_incident());
    IncidentCase twice_told = reply;
    twice_told.found = Found::kept;  // open, and closed and kept
    EXPECT_FALSE(decode(encode(twice_told)).ok());
    twice_told.open = false;
    twice_told.found = Found::open;
    EXPECT_FALSE(decode(encode(twice_told)).ok());
}

TEST(Wire, RequestsAreTypedAndVersioned) {
    for (const Request& r : {Request{SnapshotRequest{}}, Request{CaseRequest{42}},
                             Request{CaseRequest{18446744073709551615u}}}) {
        auto decoded = decode_request(encode_request(r));
        ASSERT_TRUE(decoded.ok()) << decoded.error();
        EXPECT_EQ(*decoded, r);
    }
    // The text requests of version 2, a case of no incident, a kind from the future, another
    // version, two requests at once and every truncation are refused.
    const std::string snapshot = encode_request(SnapshotRequest{});
    const std::string one = encode_request(CaseRequest{7});
    for (const std::string& bad :
         {std::string("SNAPSHOT"), std::string("CASE 42"), encode_request(CaseRequest{0}),
          std::string("CW\x03\x2a\x00", 5), std::string("CW\x02") + snapshot.substr(3),
          snapshot + one.substr(3), std::string()}) {
        EXPECT_FALSE(decode_request(bad).ok()) << bad;
    }
    for (std::size_t n = 0; n < one.size(); ++n)
        EXPECT_FALSE(decode_request(one.substr(0, n)).ok()) << n;
    // What a newer wall adds beside a known kind is skipped.
    auto newer = decode_request(one + std::string("\xa0\x01\x05", 3));
    ASSERT_TRUE(newer.ok()) << newer.error();
    EXPECT_EQ(*newer, Request{CaseRequest{7}});
}

TEST(Wire, DrillClockAndTrainersCommandsRoundTrip) {
    DrillClock clock;
    clock.seq = 77;
    clock.time = 1'700'000'100'000;
    clock.from = 1'700'000'000'000;
    clock.to = 1'700'003'600'000;
    clock.speed = 0.25;
    clock.paused = true;
    clock.loop = true;
    clock.recording_seq = 123'456;
    clock.recording = "暴雨夜-journal";
    clock.failure = "segment-00000000000000000001.cwj: gone";
    clock.bookmarks = {{1'700'000'060'000, "第一次派单"}, {1'700'000'120'000, ""}};
    clock.density = {0, 3, 17, 0, 4'000'000'000u};
    EXPECT_EQ(round_trip(clock), clock);
    EXPECT_FALSE(clock.event());
    DrillClock rewound;
    rewound.seq = 78;
    rewound.change = DrillClock::Change::rewound;
    rewound.time = clock.time;
    EXPECT_EQ(round_trip(rewound), rewound);
    EXPECT_TRUE(rewound.event());
    // A speed that is no speed is refused; version 2 has no drill clock.
    DrillClock bad = clock;
    bad.speed = -1;
    EXPECT_FALSE(decode(encode(bad)).ok());
    bad.speed = std::numeric_limits<double>::quiet_NaN();
    EXPECT_FALSE(decode(encode(bad)).ok());
    EXPECT_TRUE(encode_version2(clock).empty());

    auto command = [](std::string id, DrillAction action) {
        DrillCommand c;
        c.id = std::move(id);
        c.action = action;
        return c;
    };
    DrillCommand seek = command("t-1", DrillAction::seek);
    seek.at = clock.from + 5;
    DrillCommand step = command("t-2", DrillAction::step);
    step.count = 1;
    DrillCommand mark = command("t-3", DrillAction::bookmark);
    mark.note = "到场";
    for (const Request& r : {Request{seek}, Request{step}, Request{mark}}) {
        auto decoded = decode_request(encode_request(r));
        ASSERT_TRUE(decoded.ok()) << decoded.error();
        EXPECT_EQ(*decoded, r);
    }
    EXPECT_FALSE(decode_request(encode_request(command("t-4", DrillAction::none))).ok());
    DrillCommand long_id = command(std::string(65, 'x'), DrillAction::play);
    EXPECT_FALSE(decode_request(encode_request(long_id)).ok());
    for (auto action :
         {DrillAction::play, DrillAction::pause, DrillAction::speed, DrillAction::step,
          DrillAction::seek, DrillAction::loop, DrillAction::bookmark})
        EXPECT_EQ(parse_drill_action(to_string(action)), action);
    EXPECT_FALSE(parse_drill_action("none"));
    EXPECT_FALSE(parse_drill_action("rewind"));
}

TEST(Wire, Version1MessagesStillDecodeButHaveNoUnits) {
    auto incident = encode_version2(IncidentUpdate{9, sample_incident(9)});
    incident[2] = 1;  // as a journal recorded before version 2 holds it
    auto decoded = decode(incident);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(std::get<IncidentUpdate>(*decoded).incident,
              as_old_versions_held(sample_incident(9)));
    auto unit = encode_version2(UnitUpdate{10, testing::sample_unit(1)});
    unit[2] = 1;
    EXPECT_FALSE(decode(unit).ok());
    auto future = unit;
    future[2] = kVersion + 1;
    EXPECT_FALSE(decode(future).ok());
}

TEST(Wire, HeaderCarriesKindAndSequence) {
    auto header = peek_header(encode(Heartbeat{123456789, 0, false, false, {}}));
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->kind, Kind::heartbeat);
    EXPECT_EQ(header->seq, 123456789u);
}

TEST(Wire, RejectsBadMagicAndVersion) {
    auto bytes = encode(Heartbeat{1, 2, false, false, {}});
    auto bad_magic = bytes;
    bad_magic[0] = 'X';
    EXPECT_FALSE(decode(bad_magic).ok());
    auto bad_version = bytes;
    bad_version[2] = 9;
    auto result = decode(bad_version);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().find("version"), std::string::npos);
}

TEST(Wire, RejectsEveryTruncation) {
    auto bytes = encode(IncidentUpdate{5, sample_incident(3)});
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(decode(std::string_view(bytes).substr(0, n)).ok()) << "length " << n;
    }
}

TEST(Wire, RejectsTrailingBytes) {
    auto bytes = encode(IncidentUpdate{5, sample_incident(3)}) + "x";
    EXPECT_FALSE(decode(bytes).ok());
}

// A newer ingest may set heartbeat flags and add fields this build does not know: the
// heartbeat still decodes, or every wall would see a broken stream twice a second.
TEST(Wire, FieldsFromANewerWriterAreSkipped) {
    // Version 3 written by hand: sequence 7, then a heartbeat (kind 3) of time 2, drill, and two
    // fields this build does not know; after it, an envelope field it does not know either.
    const std::string body = std::string("\x09\x02\0\0\0\0\0\0\0\x10\x01", 11) + "\xa0\x01\x09" +
                             "\xaa\x01\x03"
                             "abc";
    std::string bytes = std::string("CW\x03\x78\x07\x1a", 6) + static_cast<char>(body.size()) +
                        body + "\xb0\x01\x01";
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(std::get<Heartbeat>(*decoded), (Heartbeat{7, 2, true, false, {}}));
    auto header = peek_header(bytes);
    ASSERT_TRUE(header.ok()) << header.error();
    EXPECT_EQ(header->kind, Kind::heartbeat);
    EXPECT_EQ(header->seq, 7u);
    // A kind this build does not know is refused, not taken for another.
    EXPECT_FALSE(decode(std::string("CW\x03\x78\x01\x72\x00", 7)).ok());
    // Two bodies in one message are refused.
    EXPECT_FALSE(decode(bytes + "\x1a" + static_cast<char>(body.size()) + body).ok());
}

TEST(Wire, Version2HeartbeatIgnoresUnknownFlagsAndWhatFollows) {
    auto bytes = encode_version2(Heartbeat{7, 2, true, false, {}});
    bytes.back() = static_cast<char>(0xF8 | 1);  // drill plus five bits from the future
    bytes += "later fields";
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    const auto& beat = std::get<Heartbeat>(*decoded);
    EXPECT_EQ(beat.seq, 7u);
    EXPECT_TRUE(beat.drill);
    EXPECT_FALSE(beat.keys_off);
    EXPECT_TRUE(beat.stopped.empty());
}

TEST(Wire, FeedHealthSaysWhichDepartmentFloodsAndIgnoresUnknownFlags) {
    FeedHealth feed;
    feed.department = "110";
    feed.connected = true;
    feed.flooding = true;
    const FeedHealthReport report{3, 4, {feed}};
    auto decoded = decode(encode(report));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(std::get<FeedHealthReport>(*decoded), report);
    // Version 2: the flags byte follows the header (12 bytes), the time and the count, and
    // two strings.
    std::string bytes = encode_version2(report);
    const std::size_t flags_at = 12 + 8 + 4 + (4 + 3) + (4 + 0);
    ASSERT_EQ(static_cast<unsigned char>(bytes[flags_at]), 1u | 4u);
    bytes[flags_at] = static_cast<char>(0xF0 | 1);
    decoded = decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_TRUE(std::get<FeedHealthReport>(*decoded).feeds[0].connected);
    EXPECT_FALSE(std::get<FeedHealthReport>(*decoded).feeds[0].flooding);
}

// Key refusals are fields 13-15 of FeedHealth, added to version 3: a report written before
// them reads as none, and version 2, which has no place for them, still decodes without them.
TEST(Wire, FeedHealthCarriesKeyRefusals) {
    FeedHealth feed = testing::feed_health("119", false, true, 0, 0, 0);
    feed.refusals = {{"other_department_key", 12}, {"wrong_mechanism", 3}};
    feed.last_refused = 1795000000000;
    feed.last_refusal_reason = "other_department_key";
    const FeedHealthReport report{7, 1795000001000, {feed}};
    EXPECT_EQ(round_trip(report), report);

    std::ifstream in(CITYWALL_TEST_DATA "/../fuzz/corpus/wire/feed_health_v3", std::ios::binary);
    const std::string written_before((std::istreambuf_iterator<char>(in)), {});
    auto decoded = decode(written_before);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    ASSERT_FALSE(std::get<FeedHealthReport>(*decoded).feeds.empty());
    for (const auto& old : std::get<FeedHealthReport>(*decoded).feeds) {
        EXPECT_TRUE(old.refusals.empty());
        EXPECT_EQ(old.last_refused, 0);
        EXPECT_EQ(old.last_refusal_reason, "");
    }

    decoded = decode(encode_version2(report));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    FeedHealth without = feed;
    without.refusals.clear();
    without.last_refused = 0;
    without.last_refusal_reason.clear();
    EXPECT_EQ(std::get<FeedHealthReport>(*decoded).feeds.at(0), without);
}

TEST(Wire, HeartbeatCarriesWhyIngestStopped) {
    const Heartbeat stopped{9, 3, false, true, "journal write failed since 03:12"};
    auto decoded = decode(encode(stopped));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(std::get<Heartbeat>(*decoded), stopped);
    const std::string bytes = encode(stopped);
    EXPECT_FALSE(decode(std::string_view(bytes).substr(0, bytes.size() - 1)).ok());
}

TEST(Wire, RejectsUnknownKind) {
    auto bytes = encode_version2(Heartbeat{1, 2, false, false, {}});
    bytes[3] = 77;
    EXPECT_FALSE(decode(bytes).ok());
}

TEST(Wire, RejectsOutOfRangeFields) {
    auto bytes = encode(IncidentUpdate{5, sample_incident(3)});
    // Flip every byte in turn: the decoder either rejects or returns a well-formed incident.
    for (std::size_t k = 0; k < bytes.size(); ++k) {
        auto mutated = bytes;
        mutated[k] = static_cast<char>(mutated[k] ^ 0xff);
        auto result = decode(mutated);
        if (!result.ok()) continue;
        const auto& incident = std::get<IncidentUpdate>(*result).incident;
        EXPECT_GE(static_cast<int>(incident.severity), 1);
        EXPECT_LE(static_cast<int>(incident.severity), 4);
        EXPECT_LE(std::abs(incident.location.lon), 180.0);
    }
}

TEST(Wire, ForgedCountDoesNotAllocate) {
    auto bytes = encode_version2(SnapshotChunk{1, true, {}, {}});
    // Claim four billion incidents in a message of a few bytes.
    bytes[kHeaderSize + 1] = bytes[kHeaderSize + 2] = bytes[kHeaderSize + 3] =
        bytes[kHeaderSize + 4] = static_cast<char>(0xff);
    auto result = decode(bytes);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().find("count"), std::string::npos);
}

TEST(Wire, ALongRunOfTinyElementsIsRefused) {
    // Version 3 has no counts: a chunk of 5,000 feeds of two bytes each is cut off at 4,096.
    std::string chunk = "\x08\x01";
    for (int i = 0; i < 5000; ++i)
        chunk += std::string("\x1a\x00", 2);
    std::string bytes = std::string("CW\x03\x78\x01\x22", 6);
    for (std::size_t n = chunk.size();; n >>= 7) {
        bytes += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
        if (n < 0x80) break;
    }
    bytes += chunk;
    auto result = decode(bytes);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().find("too many"), std::string::npos) << result.error();
}

TEST(Wire, Version2OfEveryKindStillDecodes) {
    const std::vector<Message> messages = {
        IncidentUpdate{5, as_old_versions_held(sample_incident(3))},
        Heartbeat{9, 3, false, true, "journal write failed since 03:12"},
        SnapshotChunk{4,
                      true,
                      {as_old_versions_held(sample_incident(1)), sample_incident(2)},
                      {testing::feed_health("110", true, false, 5, 6, 2)}},
        UnitUpdate{6, testing::sample_unit(2)},
        UnitRoster{7, {testing::sample_unit(1), testing::sample_unit(3)}},
        FeedHealthReport{8, 9, {testing::feed_health("119", false, true, 5, 6, 0)}},
    };
    for (const auto& m : messages) {
        auto decoded = decode(encode_version2(m));
        ASSERT_TRUE(decoded.ok()) << decoded.error();
        EXPECT_EQ(*decoded, m);
        EXPECT_EQ(encode(*decoded), encode(m));
    }
}

}  // namespace
}  // namespace citywall::wire
