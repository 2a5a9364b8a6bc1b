#include "scenario.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "citywall/csv_table.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

namespace {

std::optional<double> number(std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

}  // namespace

std::optional<TimeMs> parse_offset(std::string_view text) {
    // Up to three parts, H:MM:SS, M:SS or S; the first any size, the others two digits.
    TimeMs total = 0;
    int parts = 0;
    while (true) {
        const std::size_t colon = text.find(':');
        const std::string_view part = text.substr(0, colon);
        if (part.empty() || part.size() > 9 || (parts > 0 && part.size() != 2) ||
            part.find_first_not_of("0123456789") != std::string_view::npos)
            return std::nullopt;
        TimeMs value = 0;
        const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (error != std::errc() || end != part.data() + part.size()) return std::nullopt;
        if (parts > 0 && value >= 60) return std::nullopt;
        total = total * 60 + value;
        if (++parts > 3) return std::nullopt;
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
    }
    if (total * 1000 > kMaxScenarioOffsetMs) return std::nullopt;
    return total * 1000;
}

Result<Scenario> parse_scenario(
    std::string_view text, std::string_view file,
    const std::function<Result<std::string>(const std::filesystem::path&)>& read_message) {
    auto table = CsvTable::parse(text, file,
                                 {"at", "department", "id", "lon", "lat", "area", "category",
                                  "severity", "status", "title", "description", "file"},
                                 {"at", "department"}, kMaxScenarioBytes);
    if (!table) return table.error_value();
    if (table->column("file") < 0 && (table->column("category") < 0 || table->column("title") < 0))
        return Error{ErrorKind::invalid,
                     std::string(file) +
                         ":1: a scenario needs the columns category, severity and title (or file)"};
    Scenario scenario;
    scenario.file = file;
    for (const CsvTable::Row& row : table->rows()) {
        auto refuse = [&](const std::string& why) { return table->error_at(row, why); };
        auto field = [&](std::string_view column) -> const std::string& {
            return table->field(row, column);
        };
        ScenarioEvent event;
        event.line = row.line;
        const auto at = parse_offset(field("at"));
        if (!at)
            return refuse("at '" + field("at") +
                          "' is not a time after the start (H:MM:SS, M:SS or seconds, at most a "
                          "week)");
        event.at_ms = *at;
        event.department = field("department");
        if (event.department.empty()) return refuse("no department");
        event.source_id =
            field("id").empty() ? "scenario-" + std::to_string(row.line) : field("id");
        if (!field("status").empty()) {
            const auto status = parse_incident_status(field("status"));
            if (!status) return refuse("status '" + field("status") + "' is not a status");
            event.status = *status;
        }
        const bool place = !field("lon").empty() || !field("lat").empty() || !field("area").empty();
        const bool what = !field("category").empty() || !field("severity").empty() ||
                          !field("title").empty() || !field("description").empty();
        if (!field("file").empty()) {
            if (place || what)
                return refuse(
                    "a row with a file takes its place and content from the file; "
                    "leave lon, lat, area, category, severity, title and description "
                    "empty");
            event.message_file = field("file");
            auto bytes = read_message(event.message_file);
            if (!bytes) return refuse(bytes.error());
            if (bytes->size() > kMaxScenarioMessageBytes)
                return refuse(event.message_file.string() + " is larger than 1 MiB");
            event.message = std::move(*bytes);
            scenario.events.push_back(std::move(event));
            continue;
        }
        const bool at_point = !field("lon").empty() || !field("lat").empty();
        if (at_point == !field("area").empty())
            return refuse("give the place as lon and lat, or as an area's code, not both");
        if (at_point) {
            const auto lon = number(field("lon"));
            const auto lat = number(field("lat"));
            if (!lon || !lat || *lon < -180 || *lon > 180 || *lat < -90 || *lat > 90)
                return refuse("lon '" + field("lon") + "', lat '" + field("lat") +
                              "' is not a WGS84 position");
            event.location = LonLat{*lon, *lat};
        }
        event.area = field("area");
        event.category = field("category");
        if (event.category.empty()) return refuse("no category");
        const auto severity = parse_severity(field("severity"));
        if (!severity)
            return refuse("severity '" + field("severity") +
                          "' is not one (critical, major, moderate, low)");
        event.severity = *severity;
        event.title = field("title");
        if (event.title.empty()) return refuse("no title");
        event.description = field("description");
        scenario.events.push_back(std::move(event));
    }
    std::stable_sort(
        scenario.events.begin(), scenario.events.end(),
        [](const ScenarioEvent& a, const ScenarioEvent& b) { return a.at_ms < b.at_ms; });
    return scenario;
}

Result<Scenario> read_scenario(const std::filesystem::path& path) {
    auto bytes = read_whole_file(path);
    if (!bytes) return bytes.because("scenario: ");
    const std::filesystem::path folder = path.parent_path();
    return parse_scenario(
        *bytes, path.string(), [&](const std::filesystem::path& named) -> Result<std::string> {
            auto message = read_whole_file(named.is_absolute() ? named : folder / named);
            if (!message) return message.because("file " + named.string() + ": ");
            return message;
        });
}

Result<void> check_scenario(const Scenario& scenario, const ScenarioWorld& world) {
    auto refuse = [&](const ScenarioEvent& event, const std::string& why) {
        return Result<void>::failure(ErrorKind::invalid,
                                     scenario.file + ":" + std::to_string(event.line) + ": " + why);
    };
    for (const ScenarioEvent& event : scenario.events) {
        const auto& known = world.departments;
        if (std::find(known.begin(), known.end(), event.department) == known.end())
            return refuse(event, "department '" + event.department + "' is not one of the drill's");
        if (!event.category.empty() && !world.category_known(event.category))
            return refuse(event, "category '" + event.category + "' is not in the taxonomy");
        if (!event.area.empty() && !world.area_known(event.area))
            return refuse(event, "area '" + event.area + "' is not one of the city's");
    }
    return {};
}

}  // namespace citywall::ingest
