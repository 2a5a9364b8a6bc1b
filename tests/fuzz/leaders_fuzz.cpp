// Fuzz target: the leaders file of an escalation (a CSV the centre keeps, docs/config.md,
// "Leaders"), and whom an escalation reaches with what it read.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "area_leaders.hpp"
#include "citywall/utf8.hpp"

namespace {

using namespace citywall;
using namespace citywall::ingest;

const std::vector<AreaLevelConfig>& levels() {
    static const auto kLevels = [] {
        std::vector<AreaLevelConfig> out(3);
        out[0].level = "district";
        out[1].level = "street";
        out[2].level = "grid";
        for (auto& level : out)
            level.hierarchy = "admin";
        return out;
    }();
    return kLevels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto leaders = AreaLeaders::parse(text, "fuzz.csv", levels());
    if (!leaders) {
        if (leaders.error().empty()) std::abort();
        return 0;
    }
    Incident incident;
    incident.areas = {{"district", "1", "a"}, {"street", "11", "b"}, {"grid", "111", ""}};
    for (std::uint8_t steps = 1; steps <= 4; ++steps) {
        const auto reach = escalation_reach(incident, steps, levels(), *leaders);
        if (!is_valid_utf8(reach.note())) std::abort();
    }
    return 0;
}
