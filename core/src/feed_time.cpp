#include "citywall/feed_time.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "citywall/utf8.hpp"

namespace citywall {

namespace {

// Year 9999's last millisecond: no department's clock is further out, and no product overflows.
constexpr std::int64_t kLastMs = 253'402'300'799'999;

constexpr std::string_view kDirectives = "%Y %m %b %d %H %I %M %S %f %p %z %%";

bool digit(char c) {
    return c >= '0' && c <= '9';
}

// Exactly `count` digits at `pos`.
int fixed_digits(std::string_view s, std::size_t pos, std::size_t count, bool& ok) {
    int value = 0;
    if (pos + count > s.size()) {
        ok = false;
        return 0;
    }
    for (std::size_t k = pos; k < pos + count; ++k) {
        if (!digit(s[k])) {
            ok = false;  // from_chars alone would take a sign: "T-1:00:00Z"
            return 0;
        }
        value = value * 10 + (s[k] - '0');
    }
    return value;
}

bool leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

// The bytes of the UTF-8 character that starts with `lead`.
std::size_t utf8_length(char lead) {
    const auto byte = static_cast<unsigned char>(lead);
    return byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t k = 0; k < prefix.size(); ++k)
        if (lower(text[k]) != lower(prefix[k])) return false;
    return true;
}

// An integer written as text: an optional '-' and 1..18 digits.
std::optional<std::int64_t> integer_text(std::string_view text) {
    const bool negative = !text.empty() && text.front() == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), digit))
        return std::nullopt;
    std::int64_t value = 0;
    for (char c : text)
        value = value * 10 + (c - '0');
    return negative ? -value : value;
}

// Seconds with an optional fraction ("1714564803", "1714564803.25"), as milliseconds.
std::optional<TimeMs> seconds_text(std::string_view text) {
    const auto dot = text.find('.');
    auto whole = integer_text(text.substr(0, dot));
    if (!whole || *whole > kLastMs / 1000 || *whole < -kLastMs / 1000) return std::nullopt;
    TimeMs ms = *whole * 1000;
    if (dot == std::string_view::npos) return ms;
    const std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 9 ||
        !std::all_of(fraction.begin(), fraction.end(), digit))
        return std::nullopt;
    int millis = 0;
    for (std::size_t k = 0; k < 3; ++k)
        millis = millis * 10 + (k < fraction.size() ? fraction[k] - '0' : 0);
    return text.front() == '-' ? ms - millis : ms + millis;
}

std::optional<TimeMs> within_range(std::optional<TimeMs> ms) {
    if (ms && (*ms > kLastMs || *ms < -kLastMs)) return std::nullopt;
    return ms;
}

}  // namespace

std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

std::string format_iso8601_utc(TimeMs time) {
    const TimeMs day_ms = 86'400'000;
    TimeMs days = time / day_ms, in_day = time % day_ms;
    if (in_day < 0) {
        in_day += day_ms;
        --days;
    }
    // civil_from_days (Howard Hinnant's algorithm), the inverse of days_from_civil.
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char out[96];
    std::snprintf(
        out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
        static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
        static_cast<long long>(in_day / 3'600'000), static_cast<long long>(in_day / 60'000 % 60),
        static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
    return out;
}

std::optional<TimeMs> parse_iso8601(std::string_view s) {
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    bool ok = true;
    int year = fixed_digits(s, 0, 4, ok), month = fixed_digits(s, 5, 2, ok);
    int day = fixed_digits(s, 8, 2, ok), hour = fixed_digits(s, 11, 2, ok);
    int minute = fixed_digits(s, 14, 2, ok), second = fixed_digits(s, 17, 2, ok);
    // A day the month lacks (02-30) is no time, not some day of the next month.
    if (!ok || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        std::size_t start = ++pos;
        while (pos < s.size() && digit(s[pos]))
            ++pos;
        if (pos == start) return std::nullopt;
        for (std::size_t k = start; k < start + 3; ++k)
            millis = millis * 10 + (k < pos ? s[k] - '0' : 0);
    }
    int offset_minutes = 0;
    if (pos < s.size() && s[pos] == 'Z') {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int sign = s[pos] == '-' ? -1 : 1;
        const int oh = fixed_digits(s, pos + 1, 2, ok);
        const bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
        const int om = fixed_digits(s, pos + (colon ? 4 : 3), 2, ok);
        offset_minutes = sign * (oh * 60 + om);
        pos += colon ? 6 : 5;
        if (!ok || oh > 23 || om > 59) return std::nullopt;
    } else {
        return std::nullopt;  // a time without a zone is ambiguous
    }
    if (pos != s.size()) return std::nullopt;
    std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                           second - offset_minutes * 60;
    return seconds * 1000 + millis;
}

FeedTimeFormat::FeedTimeFormat() : tried_("iso8601, epoch_ms") {
    patterns_.push_back({Pattern::Kind::iso8601, {}});
    patterns_.push_back({Pattern::Kind::epoch_ms, {}});
}

Result<FeedTimeFormat::Pattern> FeedTimeFormat::compile(std::string_view format) {
    const auto fail = [&](const std::string& what) {
        return Error{ErrorKind::invalid, "\"" + utf8_prefix(format, 64) + "\": " + what};
    };
    if (format == "iso8601") return Pattern{Pattern::Kind::iso8601, {}};
    if (format == "epoch_s") return Pattern{Pattern::Kind::epoch_s, {}};
    if (format == "epoch_ms") return Pattern{Pattern::Kind::epoch_ms, {}};
    if (format.find('%') == std::string_view::npos)
        return fail("neither a pattern (with %Y, %m, %d, %H …) nor iso8601, epoch_s or epoch_ms");
    if (format.size() > 128) return fail("longer than 128 bytes");
    if (!is_valid_utf8(format)) return fail("not UTF-8");

    using Kind = Token::Kind;
    Pattern pattern;
    std::vector<Kind> seen;
    for (std::size_t k = 0; k < format.size(); ++k) {
        const char c = format[k];
        if (c == ' ') {
            if (pattern.tokens.empty() || pattern.tokens.back().kind != Kind::space)
                pattern.tokens.push_back({Kind::space, {}});
            continue;
        }
        if (c != '%' || (k + 1 < format.size() && format[k + 1] == '%')) {
            if (c == '%') ++k;  // "%%": a literal '%'
            if (pattern.tokens.empty() || pattern.tokens.back().kind != Kind::literal)
                pattern.tokens.push_back({Kind::literal, {}});
            pattern.tokens.back().text += c;
            continue;
        }
        if (k + 1 == format.size()) return fail("ends with a lone %");
        Kind kind;
        switch (format[++k]) {
            case 'Y':
                kind = Kind::year;
                break;
            case 'm':
                kind = Kind::month;
                break;
            case 'b':
                kind = Kind::month_name;
                break;
            case 'd':
                kind = Kind::day;
                break;
            case 'H':
                kind = Kind::hour;
                break;
            case 'I':
                kind = Kind::hour12;
                break;
            case 'M':
                kind = Kind::minute;
                break;
            case 'S':
                kind = Kind::second;
                break;
            case 'f':
                kind = Kind::fraction;
                break;
            case 'p':
                kind = Kind::am_pm;
                break;
            case 'z':
                kind = Kind::offset;
                break;
            default:
                return fail("%" + utf8_prefix(format.substr(k, utf8_length(format[k])), 4) +
                            " is not one of the directives " + std::string(kDirectives));
        }
        if (std::find(seen.begin(), seen.end(), kind) != seen.end())
            return fail(std::string("%") + format[k] + " appears twice");
        seen.push_back(kind);
        pattern.tokens.push_back({kind, {}});
    }
    const auto has = [&](Kind kind) {
        return std::find(seen.begin(), seen.end(), kind) != seen.end();
    };
    if (!has(Kind::year)) return fail("has no %Y (the year, four digits)");
    if (!has(Kind::month) && !has(Kind::month_name)) return fail("has no %m or %b (the month)");
    if (has(Kind::month) && has(Kind::month_name)) return fail("has both %m and %b");
    if (!has(Kind::day)) return fail("has no %d (the day)");
    if (!has(Kind::hour) && !has(Kind::hour12)) return fail("has no %H or %I (the hour)");
    if (has(Kind::hour) && has(Kind::hour12)) return fail("has both %H and %I");
    if (has(Kind::hour12) != has(Kind::am_pm))
        return fail("%I (1..12) and %p (AM or PM) go together");
    if (has(Kind::second) && !has(Kind::minute)) return fail("has %S but no %M");
    if (has(Kind::fraction) && !has(Kind::second)) return fail("has %f but no %S");
    return pattern;
}

Result<FeedTimeFormat> FeedTimeFormat::make(const std::vector<std::string>& formats,
                                            TimeZone zone) {
    FeedTimeFormat format;
    if (formats.empty()) {
        format.zone_ = std::move(zone);
        return format;
    }
    if (formats.size() > 16) return Error{ErrorKind::invalid, "more than 16 formats"};
    format.patterns_.clear();
    format.tried_.clear();
    bool local = false;
    for (std::size_t k = 0; k < formats.size(); ++k) {
        auto pattern = compile(formats[k]);
        if (!pattern) return pattern.error_value();
        if (std::find(formats.begin(), formats.begin() + static_cast<std::ptrdiff_t>(k),
                      formats[k]) != formats.begin() + static_cast<std::ptrdiff_t>(k))
            return Error{ErrorKind::invalid, "\"" + formats[k] + "\" is listed twice"};
        const auto kind = pattern->kind;
        const auto other = kind == Pattern::Kind::epoch_s    ? Pattern::Kind::epoch_ms
                           : kind == Pattern::Kind::epoch_ms ? Pattern::Kind::epoch_s
                                                             : kind;
        if (other != kind && std::any_of(format.patterns_.begin(), format.patterns_.end(),
                                         [&](const Pattern& p) { return p.kind == other; }))
            return Error{ErrorKind::invalid,
                         "epoch_s and epoch_ms both: a number would always be read by the first"};
        if (kind == Pattern::Kind::pattern) {
            const bool offset =
                std::any_of(pattern->tokens.begin(), pattern->tokens.end(),
                            [](const Token& t) { return t.kind == Token::Kind::offset; });
            local = local || !offset;
        }
        if (!format.tried_.empty()) format.tried_ += ", ";
        format.tried_ += kind == Pattern::Kind::pattern ? "'" + formats[k] + "'" : formats[k];
        format.patterns_.push_back(std::move(*pattern));
    }
    format.zone_ = std::move(zone);
    if (local) format.tried_ += " (in " + format.zone_.name() + ")";
    return format;
}

std::optional<TimeMs> FeedTimeFormat::read_text(std::string_view text) const {
    for (const Pattern& pattern : patterns_) {
        std::optional<TimeMs> ms;
        switch (pattern.kind) {
            case Pattern::Kind::iso8601:
                ms = parse_iso8601(text);
                break;
            case Pattern::Kind::epoch_s:
                ms = seconds_text(text);
                break;
            case Pattern::Kind::epoch_ms:
                ms = integer_text(text);
                break;
            case Pattern::Kind::pattern:
                ms = read_pattern(pattern, text);
                break;
        }
        if ((ms = within_range(ms))) return ms;
    }
    return std::nullopt;
}

std::optional<TimeMs> FeedTimeFormat::read_integer(std::int64_t value) const {
    for (const Pattern& pattern : patterns_) {
        if (pattern.kind == Pattern::Kind::epoch_ms) return within_range(value);
        if (pattern.kind == Pattern::Kind::epoch_s) {
            if (value > kLastMs / 1000 || value < -kLastMs / 1000) return std::nullopt;
            return value * 1000;
        }
    }
    return std::nullopt;
}

std::optional<TimeMs> FeedTimeFormat::read_number(double value) const {
    if (!std::isfinite(value)) return std::nullopt;
    for (const Pattern& pattern : patterns_) {
        // A fraction of a second is a time in seconds; a fraction of a millisecond is no time.
        if (pattern.kind == Pattern::Kind::epoch_s) {
            const double ms = std::floor(value * 1000);
            if (ms > static_cast<double>(kLastMs) || ms < -static_cast<double>(kLastMs))
                return std::nullopt;
            return static_cast<TimeMs>(ms);
        }
        if (pattern.kind == Pattern::Kind::epoch_ms) return std::nullopt;
    }
    return std::nullopt;
}

std::optional<TimeMs> FeedTimeFormat::read_pattern(const Pattern& pattern,
                                                   std::string_view s) const {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
    int pm = -1, offset_minutes = 0;
    bool has_offset = false;
    std::size_t pos = 0;
    // One or two digits (two when two are there): "5" and "05" are May.
    const auto number = [&](int low, int high, int& out) {
        if (pos >= s.size() || !digit(s[pos])) return false;
        out = s[pos++] - '0';
        if (pos < s.size() && digit(s[pos])) out = out * 10 + (s[pos++] - '0');
        return out >= low && out <= high;
    };
    for (const Token& token : pattern.tokens) {
        bool ok = true;
        switch (token.kind) {
            case Token::Kind::literal:
                ok = s.substr(pos).starts_with(token.text);
                pos += token.text.size();
                break;
            case Token::Kind::space:
                ok = pos < s.size() && s[pos] == ' ';
                while (pos < s.size() && s[pos] == ' ')
                    ++pos;
                break;
            case Token::Kind::year:
                year = fixed_digits(s, pos, 4, ok);
                pos += 4;
                break;
            case Token::Kind::month:
                ok = number(1, 12, month);
                break;
            case Token::Kind::month_name: {
                static constexpr std::string_view kMonths[] = {
                    "january", "february", "march",     "april",   "may",      "june",
                    "july",    "august",   "september", "october", "november", "december"};
                ok = false;
                for (int m = 0; m < 12 && !ok; ++m) {
                    for (auto name : {kMonths[m], kMonths[m].substr(0, 3)}) {
                        if (starts_with_ignoring_case(s.substr(pos), name)) {
                            month = m + 1;
                            pos += name.size();
                            ok = true;
                            break;
                        }
                    }
                }
                break;
            }
            case Token::Kind::day:
                ok = number(1, 31, day);
                break;
            case Token::Kind::hour:
                ok = number(0, 23, hour);
                break;
            case Token::Kind::hour12:
                ok = number(1, 12, hour);
                break;
            case Token::Kind::minute:
                ok = number(0, 59, minute);
                break;
            case Token::Kind::second:
                ok = number(0, 60, second);  // 60: a leap second, read as the next minute's 0
                break;
            case Token::Kind::fraction: {
                const std::size_t start = pos;
                while (pos < s.size() && digit(s[pos]) && pos - start < 9)
                    ++pos;
                ok = pos > start && (pos == s.size() || !digit(s[pos]));
                for (std::size_t k = start; k < start + 3; ++k)
                    millis = millis * 10 + (k < pos ? s[k] - '0' : 0);
                break;
            }
            case Token::Kind::am_pm: {
                const std::string_view rest = s.substr(pos);
                if (starts_with_ignoring_case(rest, "am") ||
                    starts_with_ignoring_case(rest, "pm")) {
                    pm = lower(rest[0]) == 'p';
                    pos += 2;
                } else if (rest.starts_with("上午") || rest.starts_with("下午")) {
                    pm = rest.starts_with("下午");
                    pos += std::string_view("上午").size();
                } else {
                    ok = false;
                }
                break;
            }
            case Token::Kind::offset: {
                has_offset = true;
                if (pos < s.size() && s[pos] == 'Z') {
                    ++pos;
                    break;
                }
                if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) {
                    ok = false;
                    break;
                }
                const int sign = s[pos++] == '-' ? -1 : 1;
                const int hours = fixed_digits(s, pos, 2, ok);
                if (!ok) break;
                pos += 2;
                int minutes = 0;
                const bool colon = pos < s.size() && s[pos] == ':';
                if (colon) ++pos;
                if (colon || (pos + 1 < s.size() && digit(s[pos]) && digit(s[pos + 1]))) {
                    minutes = fixed_digits(s, pos, 2, ok);
                    pos += 2;
                }
                ok = ok && hours <= 23 && minutes <= 59;
                offset_minutes = sign * (hours * 60 + minutes);
                break;
            }
        }
        if (!ok || pos > s.size()) return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;  // the whole value, nothing after it
    if (day > days_in_month(year, month)) return std::nullopt;
    if (pm >= 0) hour = hour % 12 + (pm ? 12 : 0);  // 12 AM is midnight, 12 PM noon
    const std::int64_t local =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    const std::int64_t utc = has_offset ? local - offset_minutes * 60 : zone_.to_utc(local);
    return utc * 1000 + millis;
}

Result<TimeMs> parse_moment(std::string_view text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
        TimeMs ms = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (error == std::errc() && end == text.data() + text.size()) return ms;
    }
    if (auto ms = parse_iso8601(text)) return *ms;
    const std::string copy(text);
    if (parse_iso8601(copy + "Z"))
        return Error{ErrorKind::invalid,
                     "'" + copy + "' has no zone: say whose time it is (Z, +08:00, -07:00)"};
    return Error{ErrorKind::invalid, "'" + copy +
                                         "' is not a time (ISO 8601 with a zone, e.g. "
                                         "2024-05-01T08:00:00+08:00, or epoch milliseconds)"};
}

}  // namespace citywall
