// The units ingest knows, each by its department and id: the latest fix by the fix's own time
// (ingest's receipt when the department gave none), off-duty units leaving without a late fix
// bringing them back, silent units left out of a snapshot, and the roster kept beside a
// checkpoint and restored only for that checkpoint. Ordering is also tested with the unit feed
// (feed_unit_test.cpp, UnitRosterTest).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "citywall/wire.hpp"
#include "sample_incidents.hpp"
#include "scratch_dir.hpp"
#include "unit_roster.hpp"

namespace citywall::ingest {
namespace {

Unit fix(const std::string& department, const std::string& id, TimeMs reported,
         UnitStatus status = UnitStatus::available) {
    Unit u;
    u.department = department;
    u.id = id;
    u.status = status;
    u.reported = reported;
    u.received = reported + 100;
    return u;
}

std::vector<std::string> ids(std::vector<Unit> units) {
    std::vector<std::string> out;
    for (const Unit& u : units)
        out.push_back(u.department + "/" + u.id);
    std::sort(out.begin(), out.end());
    return out;
}

TEST(UnitRoster, AUnitIsItsDepartmentAndItsId) {
    UnitRoster roster;
    roster.apply(fix("110", "沪A1234", 5000));
    roster.apply(fix("120", "沪A1234", 1000));  // another department's unit of the same id
    EXPECT_EQ(roster.size(), 2u);
    EXPECT_TRUE(roster.is_newer(fix("120", "沪A1234", 2000)));
    EXPECT_FALSE(roster.is_newer(fix("110", "沪A1234", 2000)));
    // The separator keeps "11"+"0沪A" apart from "110"+"沪A".
    roster.apply(fix("11", "0沪A1234", 1));
    EXPECT_EQ(roster.size(), 3u);
}

TEST(UnitRoster, TheLatestFixIsKeptWithEverythingItSaid) {
    UnitRoster roster;
    Unit first = testing::sample_unit(1);
    roster.apply(first);
    Unit moved = first;
    moved.location = {114.2, 22.7};
    moved.status = UnitStatus::on_scene;
    moved.incident = 42;
    moved.reported += 5000;
    moved.received += 5000;
    ASSERT_TRUE(roster.is_newer(moved));
    roster.apply(moved);
    const auto units = roster.on_duty(moved.received, 1000);
    ASSERT_EQ(units.size(), 1u);
    EXPECT_EQ(units[0], moved);
}

TEST(UnitRoster, WithoutItsOwnTimeAFixIsOrderedByWhenIngestReceivedIt) {
    UnitRoster roster;
    Unit untimed = fix("110", "a", 0);
    untimed.received = 10'000;
    roster.apply(untimed);
    Unit earlier = fix("110", "a", 9'000);  // its own time, before the first one's receipt
    EXPECT_FALSE(roster.is_newer(earlier));
    Unit later = fix("110", "a", 0);
    later.received = 10'001;
    EXPECT_TRUE(roster.is_newer(later));
    // Off duty without a time: gone as of its receipt.
    Unit off = fix("110", "a", 0, UnitStatus::off_duty);
    off.received = 20'000;
    roster.apply(off);
    EXPECT_EQ(roster.size(), 0u);
    EXPECT_FALSE(roster.is_newer(fix("110", "a", 20'000)));  // the same time does not return it
    EXPECT_TRUE(roster.is_newer(fix("110", "a", 20'001)));
}

TEST(UnitRoster, AUnitBackOnDutyIsForgottenAsGone) {
    UnitRoster roster;
    roster.apply(fix("110", "a", 1000, UnitStatus::off_duty));  // never seen on duty
    EXPECT_EQ(roster.size(), 0u);
    EXPECT_FALSE(roster.is_newer(fix("110", "a", 900)));
    roster.apply(fix("110", "a", 2000));
    EXPECT_EQ(roster.size(), 1u);
    // Now ordered against its fix on duty, not against when it went off duty.
    EXPECT_TRUE(roster.is_newer(fix("110", "a", 2000)));
    EXPECT_FALSE(roster.is_newer(fix("110", "a", 1500)));
}

TEST(UnitRoster, ASnapshotHasTheUnitsHeardFromWithinTheAge) {
    UnitRoster roster;
    roster.apply(fix("110", "old", 1'000));      // received at 1,100
    roster.apply(fix("110", "edge", 40'000));    // received at 40,100
    roster.apply(fix("119", "fresh", 100'000));  // received at 100,100
    EXPECT_EQ(ids(roster.on_duty(100'100, 60'000)),
              (std::vector<std::string>{"110/edge", "119/fresh"}));  // 60 s exactly is in
    EXPECT_EQ(ids(roster.on_duty(100'101, 60'000)), (std::vector<std::string>{"119/fresh"}));
    EXPECT_EQ(roster.on_duty(100'100, 200'000).size(), 3u);
    EXPECT_TRUE(UnitRoster().on_duty(0, 60'000).empty());
}

TEST(UnitRoster, KeptBesideACheckpointAndRestoredForThatCheckpointOnly) {
    testing::ScratchDir dir("citywall-unit-roster");
    UnitRoster roster;
    for (int n = 0; n < 5; ++n)
        roster.apply(testing::sample_unit(n, n % 2 ? "110" : "119"));
    ASSERT_TRUE(roster.save(dir.path(), 41));

    UnitRoster restored;
    auto loaded = restored.load(dir.path(), 41);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ(*loaded, Restored::yes);
    EXPECT_EQ(restored.size(), 5u);
    auto original = roster.on_duty(1'795'000'100'000, 1'000'000);
    auto again = restored.on_duty(1'795'000'100'000, 1'000'000);
    const auto by_key = [](const Unit& a, const Unit& b) { return unit_key(a) < unit_key(b); };
    std::sort(original.begin(), original.end(), by_key);
    std::sort(again.begin(), again.end(), by_key);
    EXPECT_EQ(again, original);
    // Ordering carries on from the restored fixes.
    Unit stale = testing::sample_unit(2, "119");
    stale.reported -= 1;
    EXPECT_FALSE(restored.is_newer(stale));

    // Another checkpoint's roster, or none, changes nothing.
    UnitRoster other;
    auto wrong_seq = other.load(dir.path(), 40);
    ASSERT_TRUE(wrong_seq) << wrong_seq.error();
    EXPECT_EQ(*wrong_seq, Restored::absent);
    EXPECT_EQ(other.size(), 0u);
    testing::ScratchDir empty("citywall-unit-roster-empty");
    auto none = other.load(empty.path(), 41);
    ASSERT_TRUE(none) << none.error();
    EXPECT_EQ(*none, Restored::absent);

    // Saving again replaces the file: an empty roster restores as empty.
    ASSERT_TRUE(UnitRoster().save(dir.path(), 42));
    UnitRoster emptied;
    EXPECT_EQ(*emptied.load(dir.path(), 42), Restored::yes);
    EXPECT_EQ(emptied.size(), 0u);
}

TEST(UnitRoster, ADamagedOrForeignRosterFileIsAnError) {
    testing::ScratchDir dir("citywall-unit-roster");
    UnitRoster roster;
    roster.apply(testing::sample_unit(1));
    ASSERT_TRUE(roster.save(dir.path(), 7));
    const auto file = dir / "units.roster";
    auto bytes = read_whole_file(file);
    ASSERT_TRUE(bytes);

    ASSERT_TRUE(replace_file(file, bytes->substr(0, bytes->size() / 2)));  // cut short
    UnitRoster cut;
    auto damaged = cut.load(dir.path(), 7);
    ASSERT_FALSE(damaged);
    EXPECT_NE(damaged.error().find("units.roster"), std::string::npos) << damaged.error();
    EXPECT_EQ(cut.size(), 0u);

    ASSERT_TRUE(replace_file(file, "not a wire message at all"));
    EXPECT_FALSE(UnitRoster().load(dir.path(), 7));

    // A well-formed message of another kind is not a roster.
    wire::Heartbeat heartbeat;
    heartbeat.seq = 7;
    ASSERT_TRUE(replace_file(file, wire::encode(heartbeat)));
    auto foreign = UnitRoster().load(dir.path(), 7);
    ASSERT_FALSE(foreign);
    EXPECT_EQ(foreign.error_kind(), ErrorKind::invalid);
    EXPECT_NE(foreign.error().find("not a unit roster"), std::string::npos) << foreign.error();

    std::filesystem::remove(file);
    std::filesystem::create_directory(file);  // there, but cannot be read
    auto unreadable = UnitRoster().load(dir.path(), 7);
    ASSERT_FALSE(unreadable);
    EXPECT_EQ(unreadable.error_kind(), ErrorKind::io);
}

}  // namespace
}  // namespace citywall::ingest
