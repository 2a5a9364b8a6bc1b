// Fuzz target: the decoder of GeoJSON Features, read through a department's field mapping and
// through the default one.
#include <cstdint>
#include <string_view>

#include "feed_adapter.hpp"
#include "feed_invariants.hpp"

namespace {

using namespace citywall;
using namespace citywall::ingest;

const Taxonomy& taxonomy() {
    static const Taxonomy kTaxonomy{{"sensor.bridge_tilt", "city.road_damage"}};
    return kTaxonomy;
}

const FeedAdapter& sensors() {
    static const auto kAdapter = [] {
        DepartmentConfig d;
        d.code = "iot";
        d.format = FeedFormat::geojson;
        d.fields.id = "alarmId";
        d.fields.category = "alarm.kind";
        d.fields.severity = "alarm.level";
        d.fields.status = "alarm.state[0]";
        d.fields.occurred = "observedAt";
        d.fields.title = "name";
        d.fields.description = "remark";
        d.categories = {{"TILT", "sensor.bridge_tilt"}, {"7", "city.road_damage"}};
        d.severities = {{"2", "2"}, {"高", "1"}};
        d.statuses = {{"处理中", "accepted"}, {"1", "resolved"}};
        return make_feed_adapter(d, taxonomy(), {});
    }();
    return *kAdapter;
}

const FeedAdapter& plain() {
    static const auto kAdapter = [] {
        DepartmentConfig d;
        d.format = FeedFormat::geojson;
        return make_feed_adapter(d, taxonomy(), {});
    }();
    return *kAdapter;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const TimeMs now = 1795000000000;
    fuzz::check(sensors().decode(bytes, now), taxonomy(), now, {});
    fuzz::check(plain().decode(bytes, now), taxonomy(), now, {});
    return 0;
}
