// The simulated departments' units: each drives (or walks) between patrol points, is sent to
// its department's incidents when they are dispatched, stays on scene until the incident is
// resolved, and reports a position fix every couple of seconds. With the city's roads (a route
// function) it goes along them: onto the nearest road, along the shortest way, off at the end.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "citywall/incident.hpp"

namespace citywall::feedsim {

struct SimUnit {
    std::size_t department = 0;  // index into the simulator's departments
    std::string id;
    std::string callsign;
    std::string kind;
    double speed = 0;  // metres per second when moving
    LonLat at;
    LonLat target;
    std::vector<LonLat> way;  // the points still to pass, the last one `target`
    std::string status = "available";
    std::string incident;  // the department's own incident id while working one
    std::string order;     // the centre's order it was named in while working that
    double heading = -1;
    double moving_speed = 0;
};

// Metres between two places of a city (an equirectangular approximation: city distances).
double metres_between(LonLat a, LonLat b);

class UnitFleet {
  public:
    using PickPlace = std::function<LonLat()>;
    // The points to pass from one place to another, the last one the other (along the roads);
    // empty: straight there.
    using Route = std::function<std::vector<LonLat>(LonLat from, LonLat to)>;
    explicit UnitFleet(PickPlace pick, Route route = {})
        : pick_(std::move(pick)), route_(std::move(route)) {}

    void add(std::size_t department, std::string id, std::string callsign, std::string kind,
             double speed);
    bool empty() const { return units_.empty(); }

    // Sends the nearest available unit of the department; false when none is free.
    bool dispatch(std::size_t department, const std::string& incident, LonLat where);
    // The incident is over: its units go back to patrol.
    void release(std::size_t department, const std::string& incident);
    // The centre named this unit in an order: it drives to the case, its fixes naming no
    // incident of the department's own (ingest keeps it on the case). False: no such unit.
    bool send(std::size_t department, const std::string& unit, const std::string& order,
              LonLat where);
    // That order's work is over: its unit goes back to patrol.
    void release_order(const std::string& order);
    // Moves every unit by `seconds`, along its way.
    void advance(double seconds);
    const std::vector<SimUnit>& units() const { return units_; }

    // One message per unit: the fix as the department sends it (type "unit").
    std::vector<std::pair<std::size_t, std::string>> fixes(TimeMs now) const;

  private:
    // Sets off for `where`, along the roads when there is a route.
    void head_for(SimUnit& unit, LonLat where) const;

    PickPlace pick_;
    Route route_;
    std::vector<SimUnit> units_;
};

}  // namespace citywall::feedsim
