// "Today" on a command centre's wall: a local calendar day.
#pragma once

#include "citywall/incident.hpp"
#include "citywall/time_zone.hpp"

namespace citywall {

// Local midnight at or before `t`, in the machine's time zone (TZ).
TimeMs local_day_start(TimeMs t);
// The same in `zone` (ingest's day: the centre's zone, [centre] time_zone). A midnight the zone
// skips (a change of offset at 00:00) is read by TimeZone::to_utc's rule: the day starts when
// the clocks say 01:00.
TimeMs local_day_start(TimeMs t, const TimeZone& zone);

}  // namespace citywall
