// Log lines that can repeat at the rate of the input (a garbage frame, a failing checkpoint):
// at most one line per kind in each interval, and the next one says how many were held back,
// so a flood of bad input cannot fill the disk with the same sentence.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "citywall/incident.hpp"

namespace citywall::ingest {

class LogThrottle {
  public:
    using Sink = std::function<void(const std::string&)>;
    LogThrottle(Sink sink, TimeMs interval_ms) : sink_(std::move(sink)), interval_(interval_ms) {}

    // Writes `line` unless a line of the same kind went out less than the interval before
    // `now`; then it is counted and the count rides on the next line of that kind.
    void write(const std::string& kind, const std::string& line, TimeMs now);
    std::uint64_t held_back() const { return held_back_; }

  private:
    struct Kind {
        TimeMs last = 0;
        bool written = false;
        std::uint64_t held = 0;
    };
    Sink sink_;
    TimeMs interval_;
    std::map<std::string, Kind, std::less<>> kinds_;
    std::uint64_t held_back_ = 0;
};

}  // namespace citywall::ingest
