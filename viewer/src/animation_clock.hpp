// The one clock every animation on the wall reads (new-incident pulses, fades of closed ones).
// It follows the stream's own clock — ingest's in live operation, the journal's in a drill —
// and is read once per frame, so everything drawn in one frame agrees on the time.
#pragma once

#include <algorithm>
#include <chrono>

#include "citywall/incident.hpp"

namespace citywall::viewer {

class AnimationClock {
  public:
    using Steady = std::chrono::steady_clock;

    // `follow_local` false: the clock moves only with the stream's times and advance() (for
    // reference pictures and scripted tests, where the local clock would make runs differ).
    explicit AnimationClock(bool follow_local = true) : follow_local_(follow_local) {}

    // A message stamped `stream_time` (ingest's or the journal's clock) has just arrived.
    void observe(TimeMs stream_time, Steady::time_point at = Steady::now()) {
        if (stream_time <= 0) return;
        // A drill rewound, or ingest restarted with another clock: follow it back.
        if (!started_ || stream_time + kRewindMs < now_) now_ = stream_time;
        started_ = true;
        anchor_time_ = stream_time;
        anchor_at_ = at;
    }
    // Moves the clock by hand (scripted tests: "let 5 seconds pass").
    void advance(double seconds) {
        offset_ms_ += static_cast<TimeMs>(seconds * 1000);
        now_ += static_cast<TimeMs>(seconds * 1000);
    }
    // Called once at the start of each frame; now() is then fixed for the frame. It never runs
    // backwards by less than a rewind, so a late heartbeat does not make a pulse stutter.
    void tick(Steady::time_point at = Steady::now()) {
        if (!started_) return;
        TimeMs t = anchor_time_ + offset_ms_;
        if (follow_local_) {
            t += std::chrono::duration_cast<std::chrono::milliseconds>(at - anchor_at_).count();
        }
        now_ = std::max(now_, t);
    }
    bool started() const { return started_; }
    TimeMs now() const { return now_; }

  private:
    static constexpr TimeMs kRewindMs = 5000;
    bool follow_local_;
    bool started_ = false;
    TimeMs now_ = 0;
    TimeMs anchor_time_ = 0;
    TimeMs offset_ms_ = 0;
    Steady::time_point anchor_at_{};
};

}  // namespace citywall::viewer
