// A drill's scenario (docs/drills.md, "Scenarios"): each row sent in at its time after the
// drill's start as the report of the department it names — a report written in the row, or the
// department's own message read from a file — through the same merging as any report.
#include <limits>

#include "citywall/feed_time.hpp"
#include "ingest_server_impl.hpp"

namespace citywall::ingest {

Result<void> IngestServer::Impl::open_scenario() {
    if (options.scenario.empty()) return {};
    if (!config.drill)
        return Result<void>::failure(ErrorKind::refused,
                                     "a scenario is played only in a drill: set [ingest] drill "
                                     "= true, with a journal_dir and ports of the drill's own");
    auto read = read_scenario(options.scenario);
    if (!read) return read.error_value();
    ScenarioWorld world;
    for (const auto& d : config.departments)
        if (d.format != FeedFormat::citywall) world.departments.push_back(d.code);
    world.category_known = [&](std::string_view category) {
        return config.taxonomy.accepts(category);
    };
    world.area_known = [&](std::string_view code) { return placement->point_in(code).has_value(); };
    if (auto checked = check_scenario(*read, world); !checked) return checked;
    log("scenario: " + options.scenario.string() + ", " + std::to_string(read->events.size()) +
        " rows over " + std::to_string(read->length_ms() / 60'000) + " min");
    scenario = ScenarioPlay{std::move(*read), 0, 0};
    return {};
}

void IngestServer::Impl::play_scenario(TimeMs at) {
    if (!scenario || events.failing()) return;
    auto& rows = scenario->scenario.events;
    while (scenario->next < rows.size()) {
        const ScenarioEvent& row = rows[scenario->next];
        const TimeMs due = scenario->start + row.at_ms;
        if (due > at) break;
        ++scenario->next;
        inject(row, due);
    }
}

void IngestServer::Impl::restart_scenario(TimeMs at) {
    if (!scenario) return;
    scenario->next = 0;
    play_scenario(at - 1);
}

// A row as its department's report. A row's place is WGS84 (or an area's point); a file is the
// department's own message, read by its adapter. Either happens at the row's time, whatever
// time the file says, so a canned alert fits any recording it is played over.
void IngestServer::Impl::inject(const ScenarioEvent& row, TimeMs at) {
    const auto k = department_index(row.department);
    const std::string where = scenario->scenario.file + ":" + std::to_string(row.line);
    if (!k) {
        throttled.write("scenario", "scenario: " + where + ": no department " + row.department,
                        clock());
        return;
    }
    Department& department = departments[*k];
    // The department has spoken, as far as the wall's feed health goes: its report is here.
    health->heard(department.config.code, clock());
    if (!row.written_in_row()) {
        // No clock check: the file's own times are not the drill's; it happens at the row's.
        auto decoded =
            department.adapter->decode(row.message, std::numeric_limits<TimeMs>::max() / 4);
        if (auto* report = std::get_if<FeedReport>(&decoded)) report->occurred = at;
        if (const auto* why = std::get_if<FeedReject>(&decoded))
            log("scenario: " + where + ": " + department.config.code + " refused its message (" +
                std::string(to_string(why->reason)) + ": " + why->detail + ")");
        return take_decoded(department, decoded, row.message, at);
    }
    FeedReport report;
    report.source_id = row.source_id;
    report.category = row.category;
    report.severity = row.severity;
    report.status = row.status;
    report.occurred = at;
    report.title = row.title;
    report.description = row.description;
    const std::optional<LonLat> position =
        row.location ? row.location : placement->point_in(row.area);
    if (!position) {
        log("scenario: " + where + ": no area " + row.area + " in the city");
        return;
    }
    take_report(department, report, *position, where, at);
}

}  // namespace citywall::ingest
