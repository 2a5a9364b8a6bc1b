#include "citywall/local_day.hpp"

#include <ctime>

namespace citywall {

TimeMs local_day_start(TimeMs t) {
    // The second `t` falls in, rounded down: before 1970 division rounds towards zero, up.
    std::time_t seconds = static_cast<std::time_t>(t / 1000 - (t % 1000 < 0 ? 1 : 0));
    std::tm local{};
    localtime_r(&seconds, &local);
    local.tm_hour = local.tm_min = local.tm_sec = 0;
    local.tm_isdst = -1;
    return static_cast<TimeMs>(std::mktime(&local)) * 1000;
}

TimeMs local_day_start(TimeMs t, const TimeZone& zone) {
    constexpr std::int64_t kDay = 86'400;
    const std::int64_t seconds = t / 1000 - (t % 1000 < 0 ? 1 : 0);
    const std::int64_t local = seconds + zone.offset_at(seconds);
    const std::int64_t midnight = local / kDay * kDay - (local % kDay < 0 ? kDay : 0);
    return zone.to_utc(midnight) * 1000;
}

}  // namespace citywall
