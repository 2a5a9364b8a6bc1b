// Fuzz target: the decoder of OASIS CAP 1.2 alerts (XML), with a department's category map.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cap_alert.hpp"
#include "feed_adapter.hpp"
#include "feed_invariants.hpp"

namespace {

using namespace citywall;
using namespace citywall::ingest;

const Taxonomy& taxonomy() {
    static const Taxonomy kTaxonomy{{"fire.building", "weather.rainstorm", "geo.earthquake"}};
    return kTaxonomy;
}

const FeedAdapter& bureau() {
    static const auto kAdapter = [] {
        DepartmentConfig d;
        d.code = "yjj";
        d.format = FeedFormat::cap;
        d.categories = {{"高层建筑火灾", "fire.building"},
                        {"Met", "weather.rainstorm"},
                        {"Geo", "geo.earthquake"}};
        d.severities = {{"Unknown", "4"}};
        return make_feed_adapter(d, taxonomy(), {});
    }();
    return *kAdapter;
}

void check_position(const std::optional<LonLat>& p) {
    if (!p) return;
    if (!std::isfinite(p->lon) || !std::isfinite(p->lat) || std::abs(p->lon) > 180 ||
        std::abs(p->lat) > 90)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const TimeMs now = 1795000000000;
    fuzz::check(bureau().decode(bytes, now), taxonomy(), now, {});
    std::string why;
    check_position(cap_circle_centre(bytes, why));
    check_position(cap_polygon_centroid(bytes, why));
    return 0;
}
