#include "unit_proposals.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nearby_units.hpp"
#include "unit_layer.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

// Routed are only the nearest by straight line, this many times the list: a unit three times
// further away in a straight line does not arrive first by road in a city.
constexpr std::size_t kRouted = 4;

std::string eta_text(double seconds) {
    char text[32];
    if (seconds < 60)
        std::snprintf(text, sizeof text, "%.0f s", seconds);
    else
        std::snprintf(text, sizeof text, "%.0f min", std::ceil(seconds / 60));
    return text;
}

}  // namespace

double assumed_speed(UnitKind kind) {
    switch (kind) {
        case UnitKind::police_car:
        case UnitKind::fire_engine:
        case UnitKind::ambulance:
        case UnitKind::other:
            return 40 / 3.6;
        case UnitKind::patrol:
            return 30 / 3.6;
        case UnitKind::grid_worker:
            return 12 / 3.6;
    }
    return 40 / 3.6;
}

std::vector<UnitProposal> propose_units(const CityPicture& picture, const Incident& incident,
                                        const RoadGraph* roads, TimeMs now, std::size_t count) {
    std::vector<UnitProposal> all;
    for (const auto& [key, unit] : picture.units()) {
        if (!unit.free() || unit.drill != incident.drill) continue;
        if (now > 0 && now - unit.reported > kUnitStaleMs) continue;
        UnitProposal p;
        p.unit = unit;
        p.straight_m = ground_metres(incident.location, unit.location);
        p.speed_mps = assumed_speed(unit.kind);
        all.push_back(p);
    }
    auto nearer = [](const UnitProposal& a, const UnitProposal& b) {
        return a.straight_m < b.straight_m;
    };
    const std::size_t routed = std::min(all.size(), count * kRouted);
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(routed), all.end(),
                      nearer);
    all.resize(routed);

    std::vector<RoadGraph::Way> ways;
    if (roads && !roads->empty()) {
        std::vector<LonLat> from;
        for (const UnitProposal& p : all)
            from.push_back(p.unit.location);
        ways = roads->ways(incident.location, from, kRoadReachM);
    }
    for (std::size_t k = 0; k < all.size(); ++k) {
        UnitProposal& p = all[k];
        if (ways.empty()) {
            p.basis = ProposalBasis::no_roads;
        } else if (ways[k].reached) {
            p.basis = ProposalBasis::road;
            p.metres = ways[k].road_m + ways[k].off_road_m;
        } else {
            p.basis = ways[k].off_road_m < 0 ? ProposalBasis::off_road : ProposalBasis::not_joined;
        }
        if (p.basis != ProposalBasis::road) p.metres = p.straight_m * kDetour;
        p.eta_s = p.metres / p.speed_mps;
    }
    std::stable_sort(all.begin(), all.end(), [](const UnitProposal& a, const UnitProposal& b) {
        if (a.eta_s != b.eta_s) return a.eta_s < b.eta_s;
        return unit_key(a.unit) < unit_key(b.unit);
    });
    if (all.size() > count) all.resize(count);
    return all;
}

std::string proposal_reason(const UnitProposal& p, const UnitProposal& first) {
    std::string text;
    switch (p.basis) {
        case ProposalBasis::road:
            text = say("沿道路 ", "by road ") + distance_text(p.metres);
            break;
        case ProposalBasis::no_roads:
            text = say("直线 ", "straight line ") + distance_text(p.straight_m) + " ×1.3 (" +
                   say("未配置道路图层", "no road layer") + ")";
            break;
        case ProposalBasis::off_road:
            text = say("直线 ", "straight line ") + distance_text(p.straight_m) + " ×1.3 (" +
                   say("距道路过远", "off the roads") + ")";
            break;
        case ProposalBasis::not_joined:
            text = say("直线 ", "straight line ") + distance_text(p.straight_m) + " ×1.3 (" +
                   say("无道路相连", "no road joins them") + ")";
            break;
    }
    char speed[32];
    std::snprintf(speed, sizeof speed, " @%.0f km/h", p.speed_mps * 3.6);
    text += " · " + eta_text(p.eta_s) + speed;
    if (&p != &first)
        text += " · +" + eta_text(p.eta_s - first.eta_s) + " " + say("晚于首选", "after the first");
    return text;
}

void choose_proposal(const std::vector<UnitProposal>& proposals, std::size_t k, ConsoleForm& form) {
    if (k >= proposals.size()) return;
    const UnitProposal& p = proposals[k];
    const UnitProposal& first = proposals.front();
    form.unit = p.unit.id;
    form.department = p.unit.department;
    form.passed_over = k == 0 ? std::string()
                              : std::string(first.unit.label()) + " (" + first.unit.department +
                                    "), " + proposal_reason(first, first);
}

void choose_unit(const std::vector<UnitProposal>& proposals, const Unit& unit, ConsoleForm& form) {
    for (std::size_t k = 0; k < proposals.size(); ++k)
        if (proposals[k].unit.id == unit.id) return choose_proposal(proposals, k, form);
    form.unit = unit.id;
    form.department = unit.department;
    form.passed_over.clear();
    if (proposals.empty()) return;
    const UnitProposal& first = proposals.front();
    form.passed_over = std::string(first.unit.label()) + " (" + first.unit.department + "), " +
                       proposal_reason(first, first);
}

}  // namespace citywall::viewer
