// "Today" on a command centre's wall: the local calendar day of the machine's time zone (TZ).
#pragma once

#include "citywall/incident.hpp"

namespace citywall {

// Local midnight at or before `t`.
TimeMs local_day_start(TimeMs t);

}  // namespace citywall
