// How a department writes its times, and reading them (docs/config.md, "Feed times"): a list of
// formats tried in order — strptime-like patterns ("%m/%d/%Y %I:%M:%S %p", "%Y年%m月%d日 %H时%M分")
// read in the department's time zone, and the words iso8601, epoch_s and epoch_ms. Checked
// when the configuration is loaded; reading never throws and never touches TZ.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"
#include "citywall/time_zone.hpp"

namespace citywall {

// "2026-11-22T03:12:00.5+08:00", "…Z" (or a space for the T); nothing when it is not such a
// time: a time without a zone is not ISO-8601 enough to know its instant.
std::optional<TimeMs> parse_iso8601(std::string_view text);
// "2026-11-22T03:12:00.500Z": what parse_iso8601 reads back to the same instant.
std::string format_iso8601_utc(TimeMs time);
// A moment a person types on a command line (a window's start, a seek): ISO 8601 with a zone,
// or epoch milliseconds; a time without a zone is refused, saying so.
Result<TimeMs> parse_moment(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int year, int month, int day);

class FeedTimeFormat {
  public:
    // What a department reads unless it says otherwise: iso8601 with a zone, then epoch_ms.
    FeedTimeFormat();

    // The department's `time_format` (empty: the default) and the zone its patterns are read
    // in. ErrorKind::invalid, naming the format and what is wrong with it.
    static Result<FeedTimeFormat> make(const std::vector<std::string>& formats, TimeZone zone);

    // A time written as text, as an integer, or as a number with a fraction (or too large for
    // an integer): the instant (ms since 1970 UTC) of the first format that reads it.
    std::optional<TimeMs> read_text(std::string_view text) const;
    std::optional<TimeMs> read_integer(std::int64_t value) const;
    std::optional<TimeMs> read_number(double value) const;

    // The formats, in the order they are tried, for a reject's detail:
    // "'%Y-%m-%d %H:%M:%S' (Asia/Shanghai), iso8601".
    const std::string& tried() const { return tried_; }
    const TimeZone& zone() const { return zone_; }

  private:
    struct Token {
        enum class Kind : std::uint8_t {
            literal,     // these bytes exactly
            space,       // one or more spaces
            year,        // %Y: four digits
            month,       // %m
            month_name,  // %b: Jan … Dec, or the whole English name
            day,         // %d
            hour,        // %H: 0..23
            hour12,      // %I: 1..12, with %p
            minute,      // %M
            second,      // %S: 0..60
            fraction,    // %f: 1..9 digits of a second
            am_pm,       // %p: AM or PM (any case), 上午 or 下午
            offset,      // %z: Z, ±HH, ±HHMM or ±HH:MM
        };
        Kind kind;
        std::string text;  // literal
    };
    struct Pattern {
        enum class Kind : std::uint8_t { iso8601, epoch_s, epoch_ms, pattern };
        Kind kind = Kind::pattern;
        std::vector<Token> tokens;
    };

    std::optional<TimeMs> read_pattern(const Pattern& pattern, std::string_view text) const;
    static Result<Pattern> compile(std::string_view format);

    std::vector<Pattern> patterns_;
    TimeZone zone_;
    std::string tried_;
};

}  // namespace citywall
