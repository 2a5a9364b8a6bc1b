// Fuzz target: the decoder of department JSON messages (incident reports, heartbeats and unit
// position fixes), the first thing outside input meets; the JSON numbers read exactly; and a
// department's times (docs/config.md, "Feed times"): its patterns and zone, and the input itself
// as a pattern checked at config load.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "citywall/feed_time.hpp"
#include "feed_adapter.hpp"
#include "feed_invariants.hpp"
#include "feed_message.hpp"

namespace {

using namespace citywall;
using namespace citywall::ingest;

constexpr TimeMs kLastMs = 253'402'300'799'999;  // year 9999

TimeZone los_angeles() {
    static const TimeZone kZone = *TimeZone::find("America/Los_Angeles");
    return kZone;
}

// Every directive and word, in a zone with DST.
const FeedTimeFormat& every_format() {
    static const FeedTimeFormat kFormat = *FeedTimeFormat::make(
        {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%m/%d/%Y %I:%M:%S %p",
         "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日%p%I点%M分", "%b %d, %Y %I:%M %p",
         "%d.%m.%Y %H:%M %z", "%Y%m%d%H%M%S", "100%% %Y-%m-%d %H", "iso8601", "epoch_s"},
        los_angeles());
    return kFormat;
}

// A JSON department whose occurred and unit times are local, US style, or epoch seconds.
const FeedAdapter& local_department() {
    static const auto kAdapter = [] {
        DepartmentConfig d;
        d.code = "sfpd";
        d.time_zone = "America/Los_Angeles";
        d.time_formats = {"%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "epoch_s"};
        return make_feed_adapter(d, {}, {});
    }();
    return *kAdapter;
}

void check_time(std::optional<TimeMs> ms) {
    if (ms && (*ms > kLastMs || *ms < -kLastMs - 86'400'000)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const TimeMs now = 1795000000000;
    const FeedLimits limits;
    fuzz::check(decode_feed_message(bytes, now, limits), Taxonomy{}, now, limits);
    fuzz::check(local_department().decode(bytes, now), Taxonomy{}, now, limits);
    parse_iso8601(bytes);
    check_time(every_format().read_text(bytes));
    // The input as a department's time_format: refused with a reason, or a format that reads.
    if (size <= 256) {
        auto made = FeedTimeFormat::make({std::string(bytes)}, los_angeles());
        if (made) {
            check_time(made->read_text(bytes));
            check_time(made->read_text("2024-03-10 02:30:00"));
        } else if (made.error().empty() || !is_valid_utf8(made.error())) {
            std::abort();
        }
    }
    return 0;
}
