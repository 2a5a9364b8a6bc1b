// A time zone of the system's zone database (/usr/share/zoneinfo, Debian's tzdata), read through
// Howard Hinnant's date/tz library — the reference implementation of C++20's std::chrono zones,
// which GCC 12's libstdc++ does not have yet. Nothing here touches TZ or the C library's zone,
// so any thread may use a TimeZone while others do (docs/config.md, "Feed times").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "citywall/result.hpp"

namespace date {
class time_zone;
}

namespace citywall {

class TimeZone {
  public:
    // UTC, with no look-up in the database.
    TimeZone() = default;

    // An IANA name ("Asia/Shanghai", "America/Los_Angeles", "UTC"); ErrorKind::invalid when the
    // database has no such zone, ErrorKind::not_found when there is no database.
    static Result<TimeZone> find(std::string_view name);

    // The name of the machine's own zone: TZ when it names a zone of the database, else the
    // zone /etc/localtime points at, else (no such file) UTC, as the C library reads it.
    // ErrorKind::invalid when TZ holds something else (a POSIX rule such as "CST-8"),
    // ErrorKind::not_found when /etc/localtime names no zone.
    static Result<std::string> machine_zone_name();

    const std::string& name() const { return name_; }

    // The instant, in seconds since 1970 UTC, of a wall-clock time in this zone, given as
    // seconds since 1970-01-01 00:00 of the local calendar. At a change of offset the rule is
    // RFC 5545's (as java.time and Python's zoneinfo): a time that happens twice is the earlier
    // instant; a time that never happens (in the gap when clocks go forward) is read with the
    // offset in force before the gap, so 02:30 on a spring-forward night is 03:30 after it.
    std::int64_t to_utc(std::int64_t local_seconds) const;

    // The offset from UTC, in seconds, at an instant (seconds since 1970 UTC).
    std::int64_t offset_at(std::int64_t utc_seconds) const;

  private:
    const date::time_zone* zone_ = nullptr;  // nullptr: UTC
    std::string name_ = "UTC";
};

}  // namespace citywall
