// A drill's scenario (docs/drills.md, "Scenarios"): the exercise's list of events that never
// happened — a high-rise fire and the calls that follow it, a rainstorm's waterlogging reports —
// each sent into the drill at its time by the department the row names, as that department's
// report. A CSV file a trainer keeps in a spreadsheet; every mistake is refused with its line
// before the drill starts.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

inline constexpr std::size_t kMaxScenarioBytes = std::size_t{8} << 20;
inline constexpr std::size_t kMaxScenarioMessageBytes = std::size_t{1} << 20;
inline constexpr TimeMs kMaxScenarioOffsetMs = 7LL * 24 * 3'600'000;  // a week

struct ScenarioEvent {
    std::size_t line = 0;  // in the scenario file
    TimeMs at_ms = 0;      // after the drill's start
    std::string department;
    std::string source_id;  // the department's own id: rows with the same one update one report
    // A report written in the row: where (a position, or an area's code, placed at the area), what.
    std::optional<LonLat> location;
    std::string area;
    std::string category;
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    std::string title;
    std::string description;
    // Or the department's own message (a CAP alert, a JSON report), read from the row's file.
    std::filesystem::path message_file;
    std::string message;
    bool written_in_row() const { return message_file.empty(); }
};

struct Scenario {
    std::string file;
    std::vector<ScenarioEvent> events;  // by time, then by line
    TimeMs length_ms() const { return events.empty() ? 0 : events.back().at_ms; }
};

// `read_message` gives the bytes of a row's `file` (a path as the row writes it).
Result<Scenario> parse_scenario(
    std::string_view text, std::string_view file,
    const std::function<Result<std::string>(const std::filesystem::path&)>& read_message);
// The file, with message files relative to its folder.
Result<Scenario> read_scenario(const std::filesystem::path& path);

// What the drill knows: a row's department must be one of the drill's, its category one of the
// taxonomy's and its area one of the city's, or the drill does not start (file:line).
struct ScenarioWorld {
    std::vector<std::string> departments;
    std::function<bool(std::string_view category)> category_known;
    std::function<bool(std::string_view code)> area_known;
};
Result<void> check_scenario(const Scenario& scenario, const ScenarioWorld& world);

// "1:05:00", "5:00" or "90" (seconds) after the start: the offset in ms; nothing when not one.
std::optional<TimeMs> parse_offset(std::string_view text);

}  // namespace citywall::ingest
