// The operations panels: the incident queue (bottom of the map) and the day's KPIs (top right).
// Dear ImGui only; the models are IncidentQueue (incident_queue.hpp) and DayStats
// (day_stats.hpp), the app decides when they are drawn.
#pragma once

#include <cstdint>

#include "camera.hpp"
#include "city_areas.hpp"
#include "console.hpp"
#include "day_stats.hpp"
#include "incident_queue.hpp"
#include "palette.hpp"
#include "panels.hpp"

namespace citywall::viewer {

// Characters the panels use beyond the common Chinese set, for the font atlas.
extern const char* const kOpsPanelGlyphs;

// What the operator did in the queue: clicked a row (its incident), or, on a console, chose a
// step from a row's right-click menu.
struct QueuePick {
    std::uint64_t clicked = 0;
    std::uint64_t step_on = 0;  // the incident the step is for; 0: none chosen
    CaseAction step = CaseAction::none;
};
// Along the bottom of the map from `left` to `right`, `height` tall. `console`: a row's
// right-click menu offers its steps (null: no menu).
QueuePick draw_queue_panel(IncidentQueue& queue, const CityPicture& picture, const CityAreas& areas,
                           const Palette& palette, const WallFonts& fonts, TimeMs now,
                           std::uint64_t selected, float left, float right, float bottom,
                           float height, const Console* console = nullptr);

// Top right, below `top`. Returns the panel's bottom edge, so what stacks below knows where
// to start.
// The words for the areas the day counts by: the city's first level (its districts), and the
// league table's (the level below, streets; the first when the city has one).
struct KpiLevels {
    std::string first;
    std::string league;
};
float draw_kpi_panel(const DayStats& stats, const KpiLevels& levels, const WallFonts& fonts,
                     const Camera& camera, float top);

}  // namespace citywall::viewer
