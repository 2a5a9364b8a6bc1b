#include "citywall/picture.hpp"

#include <gtest/gtest.h>

#include "sample_incidents.hpp"

namespace citywall {
namespace {

using testing::sample_incident;
using Outcome = CityPicture::Outcome;

wire::SnapshotChunk snapshot(std::uint64_t seq, std::vector<std::uint64_t> ids, bool last = true) {
    wire::SnapshotChunk chunk{seq, last, {}, {testing::feed_health("110", true, false, 1, 2, 3)}};
    for (auto id : ids)
        chunk.incidents.push_back(sample_incident(id));
    return chunk;
}

wire::IncidentUpdate update(std::uint64_t seq, std::uint64_t id,
                            IncidentStatus status = IncidentStatus::reported) {
    wire::IncidentUpdate u{seq, sample_incident(id)};
    u.incident.status = status;
    return u;
}

TEST(CityPicture, SnapshotThenUpdatesInOrder) {
    CityPicture picture;
    EXPECT_EQ(picture.apply(snapshot(10, {1, 2})), Outcome::applied);
    EXPECT_TRUE(picture.take_replaced());
    EXPECT_EQ(picture.apply(update(11, 3)), Outcome::applied);
    EXPECT_EQ(picture.apply(update(12, 1, IncidentStatus::closed)), Outcome::applied);
    EXPECT_EQ(picture.incidents().size(), 2u);
    EXPECT_FALSE(picture.incidents().contains(1));
    const auto changes = picture.take_changes();
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].id, 3u);
    EXPECT_FALSE(changes[0].before);
    EXPECT_EQ(changes[1].id, 1u);
    EXPECT_TRUE(changes[1].before);
    EXPECT_EQ(picture.seq(), 12u);
}

TEST(CityPicture, UpdatesBeforeSnapshotAreBufferedAndOldOnesDropped) {
    CityPicture picture;
    EXPECT_EQ(picture.apply(update(9, 5)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(update(11, 6)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(snapshot(10, {5})), Outcome::applied);
    EXPECT_EQ(picture.seq(), 11u);
    EXPECT_TRUE(picture.incidents().contains(6));
}

TEST(CityPicture, GapIsReported) {
    CityPicture picture;
    picture.apply(snapshot(10, {}));
    EXPECT_EQ(picture.apply(update(12, 1)), Outcome::gap);
    EXPECT_EQ(picture.apply(update(10, 1)), Outcome::already_seen);
}

TEST(CityPicture, HeartbeatAheadOfPictureIsAGap) {
    CityPicture picture;
    picture.apply(snapshot(10, {}));
    EXPECT_EQ(picture.apply(wire::Heartbeat{10, 5, false, false, {}}), Outcome::applied);
    EXPECT_EQ(picture.apply(wire::Heartbeat{11, 6, true, false, {}}), Outcome::gap);
    EXPECT_TRUE(picture.drill());
    EXPECT_FALSE(picture.keys_off());
    picture.apply(wire::Heartbeat{11, 7, false, true, {}});
    EXPECT_TRUE(picture.keys_off());
}

TEST(CityPicture, HeartbeatSaysWhenIngestHasStoppedAndWhenItRunsAgain) {
    CityPicture picture;
    picture.apply(snapshot(10, {}));
    EXPECT_EQ(picture.apply(wire::Heartbeat{10, 5, false, false, "journal write failed"}),
              Outcome::applied);
    EXPECT_EQ(picture.ingest_stopped(), "journal write failed");
    picture.apply(wire::Heartbeat{10, 6, false, false, {}});
    EXPECT_TRUE(picture.ingest_stopped().empty());
}

TEST(CityPicture, SnapshotInChunks) {
    CityPicture picture;
    EXPECT_EQ(picture.apply(snapshot(20, {1, 2}, false)), Outcome::awaiting_snapshot);
    EXPECT_FALSE(picture.has_snapshot());
    EXPECT_EQ(picture.apply(snapshot(20, {3}, true)), Outcome::applied);
    EXPECT_EQ(picture.incidents().size(), 3u);
    EXPECT_EQ(picture.feeds().size(), 1u);
}

// A wall keeps no case details (it asks ingest for the one incident it shows) through every
// snapshot and update; everything else of the incident is kept.
TEST(CityPicture, WithoutCaseDetailsEverythingElseIsKept) {
    CityPicture picture;
    picture.keep_case_details(false);
    for (int round = 0; round < 2; ++round) {
        picture.reset();
        wire::SnapshotChunk chunk{10, true, {sample_incident(1), sample_incident(2)}, {}};
        picture.apply(chunk);
        picture.apply(wire::IncidentUpdate{11, sample_incident(3)});
        for (std::uint64_t id = 1; id <= 3; ++id) {
            Incident expected = sample_incident(id);
            ASSERT_FALSE(expected.description.empty());
            expected.description.clear();
            for (SourceRef& source : expected.sources) {
                source.source_id.clear();
                source.reported = 0;
            }
            EXPECT_EQ(picture.incidents().incident(id), expected) << round << " " << id;
        }
    }
    // An incident case is not part of the picture.
    EXPECT_EQ(picture.apply(wire::IncidentCase{11, 1, false, {}, {}}),
              CityPicture::Outcome::not_held);
    EXPECT_EQ(picture.seq(), 11u);
}

TEST(CityPicture, ResetKeepsPictureUntilNextSnapshot) {
    CityPicture picture;
    picture.apply(snapshot(5, {1}));
    picture.reset();
    EXPECT_EQ(picture.incidents().size(), 1u);
    EXPECT_EQ(picture.apply(update(7, 2)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(snapshot(6, {1, 3})), Outcome::applied);
    EXPECT_EQ(picture.incidents().size(), 3u);
}

wire::UnitUpdate unit_update(std::uint64_t seq, int n, UnitStatus status = UnitStatus::en_route) {
    wire::UnitUpdate u{seq, testing::sample_unit(n)};
    u.unit.status = status;
    return u;
}

TEST(CityPicture, UnitsFollowTheSequenceAndLeaveWhenOffDuty) {
    CityPicture picture;
    ASSERT_EQ(picture.apply(snapshot(10, {1})), Outcome::applied);
    EXPECT_EQ(picture.apply(unit_update(11, 1)), Outcome::applied);
    EXPECT_EQ(picture.apply(unit_update(12, 2)), Outcome::applied);
    auto moved = unit_update(13, 1);
    moved.unit.location.lon += 0.01;
    EXPECT_EQ(picture.apply(moved), Outcome::applied);
    ASSERT_EQ(picture.units().size(), 2u);
    EXPECT_EQ(picture.units().at(unit_key(moved.unit)).location, moved.unit.location);
    EXPECT_EQ(picture.apply(unit_update(14, 2, UnitStatus::off_duty)), Outcome::applied);
    EXPECT_EQ(picture.units().size(), 1u);
    const auto key1 = unit_key(testing::sample_unit(1)), key2 = unit_key(testing::sample_unit(2));
    EXPECT_EQ(picture.take_changed_units(), (std::vector<std::string>{key1, key2, key1, key2}));
    EXPECT_TRUE(picture.take_changes().empty());
    // Units and incidents share one sequence: a missed unit fix is a gap like any other.
    EXPECT_EQ(picture.apply(unit_update(16, 3)), Outcome::gap);
}

TEST(CityPicture, SnapshotBringsItsRosterAndBufferedUnitFixes) {
    CityPicture picture;
    EXPECT_EQ(picture.apply(unit_update(21, 5)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(unit_update(19, 6)), Outcome::awaiting_snapshot);  // older: dropped
    auto on_duty = testing::sample_unit(6), off = testing::sample_unit(7);
    off.status = UnitStatus::off_duty;
    EXPECT_EQ(picture.apply(wire::UnitRoster{20, {on_duty, off}}), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(snapshot(20, {1})), Outcome::applied);
    EXPECT_EQ(picture.seq(), 21u);
    EXPECT_EQ(picture.units().size(), 2u);  // 6 from the roster, 5 from the buffered fix
    EXPECT_TRUE(picture.units().contains(unit_key(on_duty)));
    EXPECT_FALSE(picture.units().contains(unit_key(off)));

    // A roster of another snapshot is not mixed into this one.
    picture.reset();
    EXPECT_EQ(picture.apply(wire::UnitRoster{30, {on_duty}}), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(snapshot(31, {1})), Outcome::applied);
    EXPECT_TRUE(picture.units().empty());
}

wire::DrillClock drill_clock(std::uint64_t seq, wire::DrillClock::Change change = {}) {
    wire::DrillClock c;
    c.seq = seq;
    c.change = change;
    c.time = 1'700'000'000'000 + static_cast<TimeMs>(seq);
    c.speed = 4;
    return c;
}

TEST(CityPicture, ADrillsRewindDropsThePictureAndWhatFollowsBuildsTheNewOne) {
    using Change = wire::DrillClock::Change;
    CityPicture picture;
    EXPECT_FALSE(picture.drill_clock());
    ASSERT_EQ(picture.apply(snapshot(10, {1, 2})), Outcome::applied);
    (void)picture.take_replaced();
    Unit car;
    car.department = "110";
    car.id = "car-1";
    ASSERT_EQ(picture.apply(wire::UnitUpdate{11, car}), Outcome::applied);
    // As status it is kept for the timeline and takes no number.
    EXPECT_EQ(picture.apply(drill_clock(11)), Outcome::applied);
    ASSERT_TRUE(picture.drill_clock());
    EXPECT_EQ(picture.drill_clock()->speed, 4);
    EXPECT_EQ(picture.apply(drill_clock(13)), Outcome::gap);  // ahead of the picture
    // The rewind is an event: everything before it goes.
    EXPECT_EQ(picture.apply(drill_clock(12, Change::rewound)), Outcome::applied);
    EXPECT_EQ(picture.seq(), 12u);
    EXPECT_EQ(picture.incidents().size(), 0u);
    EXPECT_TRUE(picture.units().empty());
    EXPECT_TRUE(picture.take_replaced());
    EXPECT_EQ(picture.apply(update(13, 7)), Outcome::applied);
    EXPECT_EQ(picture.apply(drill_clock(14, Change::bookmarked)), Outcome::applied);
    EXPECT_EQ(picture.apply(update(15, 8)), Outcome::applied);
    EXPECT_EQ(picture.incidents().size(), 2u);
    EXPECT_EQ(picture.apply(drill_clock(17, Change::rewound)), Outcome::gap);
}

TEST(CityPicture, ARewindWhileASnapshotIsDueDropsWhatCameBeforeIt) {
    using Change = wire::DrillClock::Change;
    CityPicture picture;
    // Updates buffered, then a rewind, then the picture after it: the snapshot asked for
    // earlier comes at 20, before the rewind at 22.
    EXPECT_EQ(picture.apply(update(21, 5)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(drill_clock(22, Change::rewound)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(update(23, 6)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(snapshot(20, {1, 2, 3})), Outcome::applied);
    EXPECT_EQ(picture.seq(), 23u);
    ASSERT_EQ(picture.incidents().size(), 1u);
    EXPECT_TRUE(picture.incidents().contains(6));
    // A snapshot taken after the rewind holds it already: nothing is dropped.
    picture.reset();
    EXPECT_EQ(picture.apply(drill_clock(22, Change::rewound)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(update(25, 9)), Outcome::awaiting_snapshot);
    EXPECT_EQ(picture.apply(snapshot(24, {6, 7})), Outcome::applied);
    EXPECT_EQ(picture.incidents().size(), 3u);
}

}  // namespace
}  // namespace citywall
