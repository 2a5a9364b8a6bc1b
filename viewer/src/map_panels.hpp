// What sits on the map beside the side panel: the choropleth's legend and its counts in the
// areas, the detail panel of the selection, the search box. Dear ImGui only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "area_counts.hpp"
#include "camera.hpp"
#include "city_areas.hpp"
#include "citywall/picture.hpp"
#include "console.hpp"
#include "nearby_units.hpp"
#include "palette.hpp"
#include "panels.hpp"
#include "selected_case.hpp"
#include "unit_proposals.hpp"

namespace citywall::viewer {

// At the right edge, its bottom at `bottom` (above the layer box), away from the city's middle:
// the level shown, one swatch and count range per class. Returns its top left corner.
ImVec2 draw_choropleth_legend(std::string_view level, const ClassBreaks& breaks,
                              std::size_t unplaced, const WallFonts& fonts, const Camera& camera,
                              float bottom);
// The count in each area wide enough to hold it, with a dark plate so it reads on any class.
void draw_area_counts(const CityAreas& areas, const AreaCounts& counts, AreaLevel level,
                      const Camera& camera, const WallFonts& fonts, float left_edge);

// The detail panel's view of the selection; the app fills it.
struct DetailView {
    const Incident* incident = nullptr;  // an incident is selected (without its description)
    // Its case from ingest (description, status history) and how current that is.
    const wire::IncidentCase* incident_case = nullptr;
    SelectedCase::State case_state = SelectedCase::State::none;
    // The incident is a closed case opened by its number (from incident_case, not the map);
    // else, with no incident, the number asked for while ingest has not answered with one.
    bool closed_case = false;
    std::uint64_t case_number = 0;
    std::vector<NearUnit> near_units;  // with the incident: the units nearest it
    const Unit* unit = nullptr;        // else a unit is
    const AreaRef* area = nullptr;     // else an area is
    AreaLevel level = 0;
    const CityAreas* areas = nullptr;  // the wall's levels, for their names
    std::size_t area_open = 0;
    const std::vector<IncidentView>* area_incidents = nullptr;  // a few, newest first
    TimeMs now = 0;    // the animation clock: "open for …"
    float top = 16;    // below the KPI panel when it shows
    float bottom = 0;  // above the layer box; 0: 62% down the screen
    // A console's (docs/dispatch.md): the steps it offers and what came of the last; the
    // departments it may name.
    Console* console = nullptr;
    const std::vector<FeedHealth>* departments = nullptr;
    // While an order is being filled in: the free units quickest to the incident.
    const std::vector<UnitProposal>* proposals = nullptr;
};
// What the operator clicked inside the detail panel: an incident (in an area's list, or a
// unit's case) or a unit (among an incident's nearest).
struct DetailPick {
    std::uint64_t incident = 0;
    std::string unit;                          // unit_key()
    std::optional<wire::CaseCommand> command;  // a console's step to send
};
// Top right; `closed` set when the operator closes the panel.
DetailPick draw_detail_panel(const DetailView& view, const Palette& palette, const WallFonts& fonts,
                             const Camera& camera, bool& closed);

// A console's steps for one incident as a right-click menu (a queue row, a marker, a unit on a
// case): the steps it offers from where the case stands, each with its letter, under the
// incident's number and title. Draws the items of an open popup; returns the step clicked.
std::optional<CaseAction> case_menu_items(const Console& console, const Incident& incident,
                                          const WallFonts& fonts);
// A free unit's right-click menu (the selected case is `incident`): its order to the case, when
// the console may order the case now and the unit is of the case's drill or reality; else why
// not. The step chosen, when one is.
std::optional<CaseAction> unit_menu_items(const Console& console, const Unit& unit,
                                          const Incident& incident, const WallFonts& fonts);

// Top left of the map: type an area's name or code, an incident's number or a unit's call sign.
// `choices`: what the last search found when it found several, listed under the box by kind.
struct SearchBoxAction {
    bool entered = false;               // Enter was pressed: the text is in `text`
    std::optional<std::size_t> picked;  // one of the choices was clicked
};
SearchBoxAction draw_search_box(std::string& text, const std::string& feedback,
                                const std::vector<std::string>& choices, const WallFonts& fonts,
                                const Camera& camera, float top);

std::string format_time(TimeMs t);  // "2026-01-01 17:00:00" local time
std::string format_duration(double seconds);

}  // namespace citywall::viewer
