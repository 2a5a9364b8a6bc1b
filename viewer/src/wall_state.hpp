// Everything a wall shows that is not the city — the view, the layers, the selection, the
// panels, the queue's filter, the aggregation choice, the animation clock — as one value that
// can be copied, compared, sent and applied, and the commands that change it, typed. A script
// line, a key on the wall, and later a console or another tile of a video wall all speak these
// (docs/viewer.md, "Wall state and commands").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "camera.hpp"
#include "city_areas.hpp"
#include "citywall/incident.hpp"
#include "citywall/result.hpp"
#include "incident_queue.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

// What the operator has picked.
struct Selection {
    // case_number: a case opened by its number that is not on the map (closed): ingest's
    // answer is all the wall has of it
    enum class Kind { none, incident, area, unit, case_number } kind = Kind::none;
    std::uint64_t incident = 0;  // kinds incident and case_number
    AreaHit area;
    std::string unit;  // its unit_key()
    friend bool operator==(const Selection&, const Selection&) = default;
};

enum class Panel { queue, kpi, heat, units };

struct WallState {
    MercatorPoint center;
    double metres_per_pixel = 10.0;
    AggregateMode aggregate = AggregateMode::automatic;
    std::vector<std::pair<std::string, bool>> layers;  // each map layer, by name: shown
    Selection selection;
    bool queue = false, kpi = false, heat = false, units = true;
    QueueFilter queue_filter;
    TimeMs clock = 0;  // the animation clock (stream time)
    friend bool operator==(const WallState&, const WallState&) = default;
};

// The commands. Each is a value; WallApp::run() carries it out.
namespace command {
struct SetView {
    LonLat center;
    double metres_per_pixel = 0;
};
struct Click {  // the incident at a pixel, else the area, else a beat (`beat`: the beat)
    double x = 0, y = 0;
    bool beat = false;
};
struct SelectIncident {
    std::uint64_t id = 0;
};
struct ZoomTo {  // the first of what the search box finds for `target`
    std::string target;
};
struct Search {  // as Enter in the search box: one match is gone to, several listed under it
    std::string text;
};
struct ClearSelection {};
struct SetAggregate {
    AggregateMode mode = AggregateMode::automatic;
};
struct ShowPanel {
    Panel panel = Panel::queue;
    bool on = true;
};
struct FilterQueue {  // one facet of the filter; `clear` clears them all (not the sort)
    enum class Facet { clear, department, family, district, severity, status, older_than };
    Facet facet = Facet::clear;
    std::string text;    // department, family, district; "" = any
    int number = 0;      // severity (0 = any) or status (-1 = any)
    double seconds = 0;  // older_than
};
struct SortQueue {
    QueueSort sort = QueueSort::severity;
};
struct AdvanceClock {
    double seconds = 0;
};
}  // namespace command

using WallCommand = std::variant<command::SetView, command::Click, command::SelectIncident,
                                 command::ZoomTo, command::Search, command::ClearSelection,
                                 command::SetAggregate, command::ShowPanel, command::FilterQueue,
                                 command::SortQueue, command::AdvanceClock>;

// A command from its words, as a script line writes it ("view 114.05 22.6 10",
// "queue-filter department 119"). not_found: the name is no wall command; invalid: the words
// are wrong, and the message is the command's usage.
Result<WallCommand> parse_wall_command(std::string_view name, const std::vector<std::string>& args);

// A finite decimal number, the whole word ("12.5", "-3", "1e3"); nothing for anything else.
std::optional<double> parse_number(std::string_view word);

// The queue's filter after one FilterQueue command.
QueueFilter filtered(QueueFilter filter, const command::FilterQueue& change);

}  // namespace citywall::viewer
