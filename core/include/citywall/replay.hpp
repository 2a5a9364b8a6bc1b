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
#include <string>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/journal.hpp"
#include "citywall/journal_index.hpp"
#include "citywall/picture.hpp"
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
    // The next record's number; nothing at the end of the recording.
    std::optional<std::uint64_t> next_seq();
    // Plays the records due at or before `position`, in order, at most `limit` of them; each
    // with the time it is due. Returns how many it played.
    std::size_t play_until(TimeMs position, std::size_t limit,
                           const std::function<void(JournalRecord&&, TimeMs due)>& play);
    // The last record played (0: none since the last seek to the start).
    std::uint64_t last_seq() const { return last_seq_; }
    // The latest time played or passed by a seek: where the replay stands in the recording.
    TimeMs position() const { return latest_; }
    // Stretches of damage read past (since the cursor was opened).
    std::uint64_t damaged() const { return damaged_; }
    // Why the recording ended early: a stretch of it could not be read (a file gone, an I/O
    // error); empty while it plays, and again after a seek that reads. Nothing after the stretch
    // is played, so the player must say so rather than show an end that is not the recording's.
    const std::string& failure() const { return failure_; }

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
    std::string failure_;  // why a span could not be read: the recording ends there
};

// What walls saw at any point of a recording: its records applied to a wall's picture
// (CityPicture) in order, numbered by the replay (a recording may skip numbers). The picture is
// kept every `keep_every` records of the recording as play passes them (encoded as the snapshot
// a wall would be sent), so a seek starts from the nearest one before it and plays a short tail.
// The same recording and the same seek give the same picture, byte for byte (digest()).
class RecordedPicture {
  public:
    static Result<RecordedPicture> open(const std::filesystem::path& journal,
                                        std::uint64_t keep_every = 50'000);
    // The recording as a drill's walls are shown it: every incident and unit marked drill. Set
    // before anything is played.
    void show_as_drill(bool on) { as_drill_ = on; }

    // The picture with every record due before `time` applied.
    Result<void> seek(TimeMs time);
    // The picture with every record up to `seq` applied.
    Result<void> seek_after(std::uint64_t seq);
    // Plays on: the records due at or before `position`, at most `limit`. Each record applied
    // is also handed to `onward` (a drill ingest takes it as its own event), decoded, with the
    // time it is due and its number in the recording.
    using Onward = std::function<void(wire::Message& message, TimeMs due, std::uint64_t seq)>;
    std::size_t play_until(TimeMs position, std::size_t limit, const Onward& onward = {});
    // The records up to the window's end played once, so that every seek in it finds a copy
    // kept near it (a drill does this when it opens its recording); the picture is then at the
    // end, to be sought back.
    void play_through(TimeMs to);

    const CityPicture& picture() const { return picture_; }
    // The last record of the recording applied (0: none).
    std::uint64_t recording_seq() const { return cursor_.last_seq(); }
    RecordingCursor& cursor() { return cursor_; }
    const RecordingCursor& cursor() const { return cursor_; }
    // Records that are not a wall's events (or that this build cannot decode): skipped.
    std::uint64_t skipped() const { return skipped_; }
    std::size_t copies_kept() const { return kept_.size(); }
    // The largest incident number the recording's records played so far hold: a drill numbers
    // its own incidents after it.
    std::uint64_t largest_incident_id() const { return largest_id_; }

    // A digest of a picture's incidents and units (each as the wall stream encodes it, by id
    // and key), the same for the same picture whatever way it was reached.
    static std::uint64_t digest(const CityPicture& picture);
    std::uint64_t digest() const { return digest(picture_); }

  private:
    explicit RecordedPicture(RecordingCursor cursor, std::uint64_t keep_every);
    void start_empty();
    void apply(const JournalRecord& record, TimeMs due, const Onward* onward = nullptr);
    struct Kept {
        std::uint64_t seq = 0;  // the last record applied
        TimeMs due = 0;         // when it was due
        std::uint64_t picture_seq = 0;
        std::string roster;  // the units and the incidents then, as a wall's snapshot is sent
        std::string incidents;
    };
    // The copy to start a seek from: the last one at or before the target.
    const Kept* kept_before(const std::function<bool(const Kept&)>& at_or_before) const;
    Result<void> start_from(const Kept* kept);

    RecordingCursor cursor_;
    std::uint64_t keep_every_;
    CityPicture picture_;
    std::uint64_t picture_seq_ = 0;  // the replay's numbering of what it applied
    std::uint64_t skipped_ = 0;
    std::uint64_t largest_id_ = 0;
    bool as_drill_ = false;
    std::vector<Kept> kept_;  // by seq
};

}  // namespace citywall
