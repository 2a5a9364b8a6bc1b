// Whom to send (docs/dispatch.md, "Units"): the free units nearest an incident in time, by road
// along the city's road layer where the viewer has one, by straight line otherwise, each with
// what its place in the list rests on. The console proposes; the leader chooses.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "citywall/picture.hpp"
#include "citywall/road_graph.hpp"
#include "console.hpp"

namespace citywall::viewer {

inline constexpr std::size_t kProposedUnits = 5;
// A unit further than this from any road is measured by straight line.
inline constexpr double kRoadReachM = 400;
// A straight line is shorter than any road: an estimate by it takes roads this much longer.
inline constexpr double kDetour = 1.3;

// What a proposal's distance was measured by.
enum class ProposalBasis : std::uint8_t {
    road,        // the shortest way along the road layer
    no_roads,    // the viewer has no road layer: straight line
    off_road,    // the unit or the incident is more than kRoadReachM from any road
    not_joined,  // no road of the layer joins them
};

struct UnitProposal {
    Unit unit;  // a copy: a proposal outlives the frame it was made in
    ProposalBasis basis = ProposalBasis::no_roads;
    double metres = 0;  // by road (with the stretches to and from it), or straight line
    double straight_m = 0;
    double speed_mps = 0;  // the speed the estimate assumes for this kind of unit
    double eta_s = 0;
};

// A unit's assumed speed on city streets, by kind, in metres per second: an emergency vehicle
// 40 km/h, a patrol 30, a grid worker on foot or e-bike 12.
double assumed_speed(UnitKind kind);

// The free units (Unit::free) heard from in the last kUnitStaleMs, of the incident's drill or
// reality, quickest first; at most `count`. `roads` may be null or empty.
std::vector<UnitProposal> propose_units(const CityPicture& picture, const Incident& incident,
                                        const RoadGraph* roads, TimeMs now, std::size_t count);

// What a proposal rests on, for the person choosing: "by road 2.4 km · 4 min",
// "straight line 1.1 km ×1.3 · 2 min (no road layer)", and, below the first, how far behind it.
std::string proposal_reason(const UnitProposal& proposal, const UnitProposal& first);

// The leader chose proposals[k] for the order in `form`: its unit and department, and, below
// the first, the first as the one passed over (the note must then say why).
void choose_proposal(const std::vector<UnitProposal>& proposals, std::size_t k, ConsoleForm& form);
// The leader chose `unit` on the map (a right click on a free unit) for the order in `form`: as
// choose_proposal when it is one of the proposals, otherwise the unit with the first proposal
// passed over, so the note must say why all the same.
void choose_unit(const std::vector<UnitProposal>& proposals, const Unit& unit, ConsoleForm& form);

}  // namespace citywall::viewer
