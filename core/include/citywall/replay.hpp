// Playing a recording (docs/drills.md): where a replay stands in the recording's time, moved on
// by the wall clock at the trainer's speed (ReplayClock), and the recording's records due by
// then, in the journal's order, from any moment sought (RecordingCursor). A drill ingest drives
// both; neither touches a socket or the city's state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/journal.hpp"
#include "citywall/journal_index.hpp"
#include "citywall/result.hpp"

namespace citywall {

// Speeds a trainer may choose, as multiples of real time; "as fast as possible" is its own.
inline constexpr double kSlowestReplay = 0.25;
inline constexpr double kFastestReplay = 64;

// The recording's time as the wall clock runs: position(now) moves on at `speed` from where it
// was last set, stands still while paused, and stops at the window's end (or, looping, starts
// the window again: `wrapped` says so, for the player to seek back). Times are ms; `now` is the
// player's clock, injectable in tests.
class ReplayClock {
  public:
    ReplayClock(TimeMs from, TimeMs to, TimeMs now);

    TimeMs position(TimeMs now) const;
    // Refused outside kSlowestReplay..kFastestReplay; the position stays where it is.
    Result<void> set_speed(double speed, TimeMs now);
    double speed() const { return speed_; }
    // As fast as possible: the player plays what it can each pass; the position is the last
    // record played (seek() sets it).
    void set_as_fast_as_possible(TimeMs now);
    bool as_fast_as_possible() const { return max_speed_; }
    void pause(TimeMs now);
    void resume(TimeMs now);
    bool paused() const { return paused_; }
    // Moves the position (clamped to the window), keeping speed and pause.
    void seek(TimeMs position, TimeMs now);
    void set_loop(bool loop) { loop_ = loop; }
    bool loop() const { return loop_; }
    // With loop on and the position past the window's end: back to its start, true (the player
    // seeks its cursor back); false otherwise.
    bool wrapped(TimeMs now);
    TimeMs from() const { return from_; }
    TimeMs to() const { return to_; }
    bool at_end(TimeMs now) const { return position(now) >= to_; }

  private:
    TimeMs from_, to_;
    TimeMs anchor_position_;  // the position at anchor_now_
    TimeMs anchor_now_;
    double speed_ = 1;
    bool max_speed_ = false;
    bool paused_ = false;
    bool loop_ = false;
};

// A recording's records from any moment on. A record is due at the latest time recorded up to
// it (the clock may have stepped back: a record written after a later one plays right after
// it), so playing in the journal's order never goes back in time.
class RecordingCursor {
  public:
    static Result<RecordingCursor> open(const std::filesystem::path& journal);
    RecordingCursor(RecordingCursor&&) noexcept;
    RecordingCursor& operator=(RecordingCursor&&) noexcept;
    ~RecordingCursor();

    const JournalIndex& index() const { return *index_; }
    // Positions the cursor at the first record due at or after `time` (nothing is played).
    Result<void> seek(TimeMs time);
    // Positions it just after record `seq` (the next to play is the first above it).
    Result<void> seek_after(std::uint64_t seq);
    // When the next record is due; nothing at the end of the recording.
    std::optional<TimeMs> next_due();
    // Plays the records due at or before `position`, in order, at most `limit` of them; each
    // with the time it is due. Returns how many it played.
    std::size_t play_until(TimeMs position, std::size_t limit,
                           const std::function<void(JournalRecord&&, TimeMs due)>& play);
    // The last record played (0: none since the last seek to the start).
    std::uint64_t last_seq() const { return last_seq_; }
    // Stretches of damage read past (since the cursor was opened).
    std::uint64_t damaged() const { return damaged_; }

  private:
    RecordingCursor() = default;
    // Reads span `mark` of segment `segment` into the buffer, from its first record on.
    Result<void> load(std::size_t segment, std::size_t mark);
    // The next record in the buffer, loading the next span when it is used up; nothing at the
    // end of the recording.
    JournalRecord* upcoming();

    std::unique_ptr<JournalIndex> index_;
    std::size_t segment_ = 0, mark_ = 0;  // the span in the buffer
    std::vector<JournalRecord> span_;
    std::size_t at_ = 0;  // the next record in span_
    TimeMs latest_ = 0;   // the latest time played or skipped: the next is due no earlier
    std::uint64_t last_seq_ = 0;
    std::uint64_t damaged_ = 0;
    bool failed_ = false;  // a span could not be read: the recording ends there
};

}  // namespace citywall
