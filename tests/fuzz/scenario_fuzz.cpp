// Fuzz target: a drill's scenario file (docs/drills.md, "Scenarios"), a CSV a trainer keeps:
// any bytes are read or refused with a line, never a crash, and what is read is in time order
// with every row's place and content as the format says.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace citywall;
    using namespace citywall::ingest;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto scenario = parse_scenario(text, "fuzz.csv", [](const std::filesystem::path& named) {
        return Result<std::string>(named.string());
    });
    if (!scenario) {
        if (scenario.error().rfind("fuzz.csv:", 0) != 0) std::abort();  // always with its line
        return 0;
    }
    TimeMs before = 0;
    for (const ScenarioEvent& event : scenario->events) {
        if (event.at_ms < before || event.at_ms > kMaxScenarioOffsetMs) std::abort();
        before = event.at_ms;
        if (event.department.empty() || event.line < 2) std::abort();
        if (event.written_in_row() &&
            (event.location.has_value() == !event.area.empty() || event.title.empty()))
            std::abort();
    }
    return 0;
}
