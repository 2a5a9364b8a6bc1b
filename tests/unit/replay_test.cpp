// Playing a recording (citywall/replay.hpp): the replay's clock at every speed, paused, sought
// and looping; the cursor gives from any moment exactly the records a full read gives from
// there, the same again after seeking back, in due order even where the clock stepped back.
#include "citywall/replay.hpp"

#include <gtest/gtest.h>

#include "citywall/wire.hpp"
#include "journal_testing.hpp"
#include "sample_incidents.hpp"

namespace citywall {
namespace {

using namespace journal_testing;
using RecordingTest = JournalTest;

constexpr TimeMs kNow = 5'000'000;

TEST(ReplayClock, MovesAtItsSpeedStandsStillPausedAndStopsAtTheEnd) {
    ReplayClock clock(1'000'000, 1'600'000, kNow);
    EXPECT_EQ(clock.position(kNow), 1'000'000);
    EXPECT_EQ(clock.position(kNow + 10'000), 1'010'000);
    ASSERT_TRUE(clock.set_speed(4, kNow + 10'000));
    EXPECT_EQ(clock.position(kNow + 20'000), 1'050'000) << "10 s at 1× then 10 s at 4×";
    clock.pause(kNow + 20'000);
    EXPECT_EQ(clock.position(kNow + 90'000), 1'050'000);
    clock.resume(kNow + 90'000);
    EXPECT_EQ(clock.position(kNow + 91'000), 1'054'000);
    ASSERT_TRUE(clock.set_speed(0.25, kNow + 91'000));
    EXPECT_EQ(clock.position(kNow + 95'000), 1'055'000);
    EXPECT_FALSE(clock.set_speed(0.1, kNow + 95'000));
    EXPECT_FALSE(clock.set_speed(128, kNow + 95'000));
    EXPECT_EQ(clock.speed(), 0.25) << "a refused speed changes nothing";
    clock.seek(1'590'000, kNow + 100'000);
    EXPECT_EQ(clock.position(kNow + 100'000), 1'590'000);
    EXPECT_EQ(clock.position(kNow + 10'000'000), 1'600'000) << "stops at the window's end";
    EXPECT_TRUE(clock.at_end(kNow + 10'000'000));
    clock.seek(0, kNow);
    EXPECT_EQ(clock.position(kNow), 1'000'000) << "a seek stays in the window";
    clock.set_as_fast_as_possible(kNow);
    EXPECT_EQ(clock.position(kNow + 60'000), 1'000'000) << "the player moves it, record by record";
}

TEST(ReplayClock, ALoopStartsTheWindowAgain) {
    ReplayClock clock(0, 60'000, kNow);
    clock.set_loop(true);
    ASSERT_TRUE(clock.set_speed(2, kNow));
    EXPECT_FALSE(clock.wrapped(kNow + 20'000));
    EXPECT_EQ(clock.position(kNow + 31'000), 62'000);
    EXPECT_TRUE(clock.wrapped(kNow + 31'000));
    EXPECT_EQ(clock.position(kNow + 31'000), 0);
    EXPECT_EQ(clock.position(kNow + 32'000), 2'000);
}

// Ten thousand records in small segments; the clock steps back a minute at record 4,000.
std::vector<JournalRecord> recording() {
    std::vector<JournalRecord> records;
    for (std::uint64_t seq = 1; seq <= 10'000; ++seq) {
        JournalRecord r = make_record(seq, 30 + seq % 50);
        if (seq >= 4'000) r.time -= 60'000;
        records.push_back(std::move(r));
    }
    return records;
}

// What a full read plays from `time` on, up to `until`: each record with when it is due.
std::vector<std::pair<std::uint64_t, TimeMs>> by_reading(const std::vector<JournalRecord>& records,
                                                         TimeMs time, TimeMs until) {
    std::vector<std::pair<std::uint64_t, TimeMs>> out;
    TimeMs latest = std::numeric_limits<TimeMs>::min();
    for (const JournalRecord& r : records) {
        latest = std::max(latest, r.time);
        if (latest >= time && latest <= until) out.emplace_back(r.seq, latest);
    }
    return out;
}

std::vector<std::pair<std::uint64_t, TimeMs>> played(RecordingCursor& cursor, TimeMs until) {
    std::vector<std::pair<std::uint64_t, TimeMs>> out;
    cursor.play_until(until, std::numeric_limits<std::size_t>::max(),
                      [&](JournalRecord&& r, TimeMs due) { out.emplace_back(r.seq, due); });
    return out;
}

TEST_F(RecordingTest, FromAnyMomentItPlaysWhatAFullReadPlaysAndTheSameAfterSeekingBack) {
    const auto records = recording();
    write_records(records, options(64u << 10));
    auto cursor = RecordingCursor::open(dir_);
    ASSERT_TRUE(cursor) << cursor.error();
    const TimeMs first = records.front().time;
    for (TimeMs at : {first - 5'000, first + 100'000, first + 940'000, first + 999'000,
                      first + 1'000'000, first + 2'400'000, first + 5'000'000}) {
        SCOPED_TRACE(at - first);
        ASSERT_TRUE(cursor->seek(at));
        const auto got = played(*cursor, at + 300'000);
        EXPECT_EQ(got, by_reading(records, at, at + 300'000));
        // Seeking back and playing again gives the same, record for record.
        ASSERT_TRUE(cursor->seek(at));
        EXPECT_EQ(played(*cursor, at + 300'000), got);
    }
    // Played in steps of a minute, the whole recording comes once, in order.
    ASSERT_TRUE(cursor->seek(first));
    std::vector<std::pair<std::uint64_t, TimeMs>> all;
    for (TimeMs t = first; cursor->next_due(); t += 60'000) {
        const auto step = played(*cursor, t);
        all.insert(all.end(), step.begin(), step.end());
    }
    EXPECT_EQ(all, by_reading(records, first, std::numeric_limits<TimeMs>::max()));
    EXPECT_EQ(cursor->last_seq(), 10'000u);
}

TEST_F(RecordingTest, ItResumesAfterARecordAndPlaysOneAtATime) {
    const auto records = recording();
    write_records(records, options(64u << 10));
    auto cursor = RecordingCursor::open(dir_);
    ASSERT_TRUE(cursor) << cursor.error();
    // After record 4,500 (past the step back): the next is due at the latest time before it.
    ASSERT_TRUE(cursor->seek_after(4'500));
    const auto expected =
        by_reading(records, std::numeric_limits<TimeMs>::min(), std::numeric_limits<TimeMs>::max());
    std::vector<std::pair<std::uint64_t, TimeMs>> one;
    EXPECT_EQ(
        cursor->play_until(std::numeric_limits<TimeMs>::max(), 1,
                           [&](JournalRecord&& r, TimeMs due) { one.emplace_back(r.seq, due); }),
        1u);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0], expected[4'500]);
    EXPECT_EQ(cursor->last_seq(), 4'501u);
    // Past the end: nothing is due.
    ASSERT_TRUE(cursor->seek(records.back().time + 1));
    EXPECT_FALSE(cursor->next_due());
    EXPECT_TRUE(cursor->failure().empty());
}

TEST_F(RecordingTest, AStretchThatCannotBeReadEndsThePlayAndSaysWhy) {
    const auto records = recording();
    write_records(records, options(64u << 10));
    auto cursor = RecordingCursor::open(dir_);
    ASSERT_TRUE(cursor) << cursor.error();
    // A segment taken away after the recording was opened (a disk unmounted mid-drill).
    const auto files = segment_files(dir_);
    ASSERT_GE(files.size(), 4u);
    const std::uint64_t gone_from = cursor->index().segments()[2].first_seq;
    fs::remove(files[2]);
    std::uint64_t last = 0;
    cursor->play_until(std::numeric_limits<TimeMs>::max(), std::numeric_limits<std::size_t>::max(),
                       [&](JournalRecord&& r, TimeMs) { last = r.seq; });
    EXPECT_EQ(last, gone_from - 1) << "everything before the missing stretch, nothing after";
    EXPECT_NE(cursor->failure().find("recording: "), std::string::npos) << cursor->failure();
    EXPECT_FALSE(cursor->next_due());
    // A seek to a stretch that can be read plays again.
    ASSERT_TRUE(cursor->seek(records.front().time));
    EXPECT_TRUE(cursor->failure().empty());
    EXPECT_EQ(cursor->next_due(), records.front().time);
}

// A recording of what walls see: incidents opened, changed and closed, units moving, numbers
// skipped (a restart's reservation) and a record no wall reads; the clock steps back once.
std::vector<JournalRecord> city_recording() {
    std::vector<JournalRecord> records;
    std::uint64_t seq = 0;
    TimeMs time = 1'780'000'000'000;
    for (int k = 0; k < 6'000; ++k) {
        seq += k % 997 == 0 ? 5 : 1;
        time += k == 3'000 ? -30'000 : 400;
        wire::Message message;
        if (k % 3 == 2) {
            Unit unit = testing::sample_unit(k % 40);
            unit.location = {114.1 + (k % 100) * 1e-4, 22.6};
            unit.reported = time;
            message = wire::UnitUpdate{seq, unit};
        } else {
            Incident incident = testing::sample_incident(1 + (k * 7) % 900);
            incident.status = k % 11 == 0 ? IncidentStatus::closed : IncidentStatus::reported;
            incident.title = "事件 " + std::to_string(k);
            incident.updated = time;
            message = wire::IncidentUpdate{seq, incident};
        }
        std::string payload =
            k % 1'000 == 500 ? std::string("not a wall's event") : wire::encode(message);
        records.push_back({seq, time, static_cast<std::uint16_t>(wire::kind_of(message)), payload});
    }
    return records;
}

TEST_F(RecordingTest, TheSameSeekGivesTheSamePictureWhateverWayItWasReached) {
    const auto records = city_recording();
    write_records(records, options(128u << 10));
    // Played from the start each time: the reference.
    auto reference = [&](auto seek) {
        auto fresh = RecordedPicture::open(dir_, std::numeric_limits<std::uint64_t>::max());
        EXPECT_TRUE(fresh) << fresh.error();
        EXPECT_TRUE(seek(*fresh));
        EXPECT_EQ(fresh->copies_kept(), 0u);
        return fresh->digest();
    };
    auto replay = RecordedPicture::open(dir_, 500);
    ASSERT_TRUE(replay) << replay.error();
    // Played through once: copies kept on the way, every 500 records of the recording.
    while (replay->play_until(std::numeric_limits<TimeMs>::max(), 4'096) != 0) {
    }
    EXPECT_GE(replay->copies_kept(), 10u);
    EXPECT_EQ(replay->skipped(), 6u);
    EXPECT_GT(replay->picture().incidents().size(), 100u);
    EXPECT_GT(replay->picture().units().size(), 30u);

    const TimeMs first = records.front().time;
    for (TimeMs at : {first + 900'000, first + 100'000, first + 1'500'000, first + 1'190'000,
                      first + 2'000'000, first}) {
        SCOPED_TRACE(at - first);
        ASSERT_TRUE(replay->seek(at));
        const auto expected = reference([&](RecordedPicture& p) { return bool(p.seek(at)); });
        EXPECT_EQ(replay->digest(), expected);
        // And again, from wherever it stands.
        ASSERT_TRUE(replay->seek(at));
        EXPECT_EQ(replay->digest(), expected);
    }
    for (std::uint64_t seq : {std::uint64_t{4'321}, std::uint64_t{17}, std::uint64_t{5'999}}) {
        SCOPED_TRACE(seq);
        ASSERT_TRUE(replay->seek_after(seq));
        EXPECT_LE(replay->recording_seq(), seq);
        EXPECT_EQ(replay->digest(),
                  reference([&](RecordedPicture& p) { return bool(p.seek_after(seq)); }));
    }
    // Different moments give different pictures (the digest sees the difference).
    ASSERT_TRUE(replay->seek(first + 900'000));
    const auto one = replay->digest();
    ASSERT_TRUE(replay->seek(first + 901'000));
    EXPECT_NE(replay->digest(), one);
}

// Recovery reserves numbers a crash may have used: a recording skips them. A seek to after such a
// number stands before the next record, which plays next.
TEST_F(RecordingTest, ASeekToANumberTheRecordingSkippedLosesNoRecordAfterIt) {
    auto records = city_recording();
    // Three numbers in a row; the middle one is taken out.
    std::size_t k = 200;
    while (records.at(k + 2).seq != records.at(k).seq + 2)
        ++k;
    const std::uint64_t before = records[k].seq, gap = before + 1;
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    write_records(records, options(128u << 10));
    auto replay = RecordedPicture::open(dir_, 100);
    ASSERT_TRUE(replay) << replay.error();
    ASSERT_TRUE(replay->seek_after(gap));
    EXPECT_EQ(replay->recording_seq(), before);
    EXPECT_EQ(replay->cursor().next_seq(), gap + 1);
    ASSERT_EQ(replay->play_until(std::numeric_limits<TimeMs>::max(), 1), 1u);
    EXPECT_EQ(replay->recording_seq(), gap + 1);
}

}  // namespace
}  // namespace citywall
