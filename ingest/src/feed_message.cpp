#include "feed_message.hpp"

#include <optional>

#include "json_feed.hpp"

namespace citywall::ingest {

namespace {

int digits(std::string_view s, std::size_t pos, std::size_t count, bool& ok) {
    int value = 0;
    if (pos + count > s.size()) {
        ok = false;
        return 0;
    }
    for (std::size_t k = pos; k < pos + count; ++k) {
        if (s[k] < '0' || s[k] > '9') {
            ok = false;  // from_chars alone would take a sign: "T-1:00:00Z"
            return 0;
        }
        value = value * 10 + (s[k] - '0');
    }
    return value;
}

int days_in_month(int year, int month) {
    constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

std::optional<TimeMs> parse_iso8601(std::string_view s) {
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    bool ok = true;
    int year = digits(s, 0, 4, ok), month = digits(s, 5, 2, ok), day = digits(s, 8, 2, ok);
    int hour = digits(s, 11, 2, ok), minute = digits(s, 14, 2, ok), second = digits(s, 17, 2, ok);
    // A day the month lacks (02-30) is no time, not some day of the next month.
    if (!ok || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        std::size_t start = ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
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
        const bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
        const int oh = digits(s, pos + 1, 2, ok);
        const int om = digits(s, pos + (colon ? 4 : 3), 2, ok);
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

FeedMessage decode_feed_message(std::string_view bytes, TimeMs now, const FeedLimits& limits) {
    // The native format is the JSON reader with the default mapping and no vocabulary maps.
    static const JsonFieldPaths kNativePaths = [] {
        std::string unused;
        return *JsonFieldPaths::compile(FieldMapping{}, unused);
    }();
    return JsonReportReader(kNativePaths, FeedVocabulary{}, limits).decode(bytes, now);
}

}  // namespace citywall::ingest
