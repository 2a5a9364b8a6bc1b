// The operations panels: the incident queue (bottom of the map) and the day's KPIs (top right).
// Dear ImGui only; the models are IncidentQueue (incident_queue.hpp) and DayStats
// (day_stats.hpp), the app decides when they are drawn.
#pragma once

#include <cstdint>

#include "camera.hpp"
#include "city_areas.hpp"
#include "day_stats.hpp"
#include "incident_queue.hpp"
#include "palette.hpp"
#include "panels.hpp"

namespace citywall::viewer {

// Characters the panels use beyond the common Chinese set, for the font atlas.
extern const char* const kOpsPanelGlyphs;

// Along the bottom of the map from `left` to `right`, `height` tall. Returns the id of the
// incident the operator clicked, or 0.
std::uint64_t draw_queue_panel(IncidentQueue& queue, const CityPicture& picture,
                               const CityAreas& areas, const Palette& palette,
                               const WallFonts& fonts, TimeMs now, std::uint64_t selected,
                               float left, float right, float bottom, float height);

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
