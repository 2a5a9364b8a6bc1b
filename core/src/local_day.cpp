#include "citywall/local_day.hpp"

#include <ctime>

namespace citywall {

TimeMs local_day_start(TimeMs t) {
    std::time_t seconds = static_cast<std::time_t>(t / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    local.tm_hour = local.tm_min = local.tm_sec = 0;
    local.tm_isdst = -1;
    return static_cast<TimeMs>(std::mktime(&local)) * 1000;
}

}  // namespace citywall
