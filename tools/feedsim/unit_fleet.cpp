#include "unit_fleet.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <numbers>

namespace citywall::feedsim {

namespace {

constexpr double kMetresPerDegreeLat = 111'320.0;
// Closer than this to a point of its way, a unit is there (the arithmetic's rounding).
constexpr double kArrivedM = 0.01;

// East and north metres from a to b (an equirectangular approximation: city distances).
std::pair<double, double> offset_m(LonLat a, LonLat b) {
    const double east =
        (b.lon - a.lon) * kMetresPerDegreeLat * std::cos(a.lat * std::numbers::pi / 180.0);
    const double north = (b.lat - a.lat) * kMetresPerDegreeLat;
    return {east, north};
}

}  // namespace

double metres_between(LonLat a, LonLat b) {
    const auto [east, north] = offset_m(a, b);
    return std::hypot(east, north);
}

void UnitFleet::add(std::size_t department, std::string id, std::string callsign, std::string kind,
                    double speed) {
    SimUnit unit;
    unit.department = department;
    unit.id = std::move(id);
    unit.callsign = std::move(callsign);
    unit.kind = std::move(kind);
    unit.speed = speed;
    unit.at = pick_();
    head_for(unit, pick_());
    units_.push_back(std::move(unit));
}

bool UnitFleet::dispatch(std::size_t department, const std::string& incident, LonLat where) {
    SimUnit* best = nullptr;
    double best_d = 0;
    for (auto& unit : units_) {
        if (unit.department != department || unit.status != "available") continue;
        const double d = metres_between(unit.at, where);
        if (!best || d < best_d) {
            best = &unit;
            best_d = d;
        }
    }
    if (!best) return false;
    best->status = "en_route";
    best->incident = incident;
    head_for(*best, where);
    return true;
}

void UnitFleet::release(std::size_t department, const std::string& incident) {
    for (auto& unit : units_) {
        if (unit.department != department || unit.incident != incident) continue;
        unit.status = "available";
        unit.incident.clear();
        head_for(unit, pick_());
    }
}

bool UnitFleet::send(std::size_t department, const std::string& unit, const std::string& order,
                     LonLat where) {
    for (auto& u : units_) {
        if (u.department != department || u.id != unit) continue;
        u.status = "en_route";
        u.incident.clear();
        u.order = order;
        head_for(u, where);
        return true;
    }
    return false;
}

void UnitFleet::release_order(const std::string& order) {
    for (auto& unit : units_) {
        if (unit.order != order) continue;
        unit.status = "available";
        unit.order.clear();
        head_for(unit, pick_());
    }
}

void UnitFleet::head_for(SimUnit& unit, LonLat where) const {
    unit.target = where;
    unit.way = route_ ? route_(unit.at, where) : std::vector<LonLat>{};
    if (unit.way.empty()) unit.way = {where};
}

void UnitFleet::advance(double seconds) {
    for (auto& unit : units_) {
        unit.moving_speed = 0;
        if (unit.status == "on_scene") continue;
        double step = unit.speed * seconds;
        while (step > 0 && !unit.way.empty()) {
            const LonLat next = unit.way.front();
            const auto [east, north] = offset_m(unit.at, next);
            const double distance = std::hypot(east, north);
            if (distance > 0) {
                double heading = std::atan2(east, north) * 180.0 / std::numbers::pi;
                if (heading < 0) heading += 360.0;
                unit.heading = heading >= 360.0 ? 0.0 : heading;
            }
            unit.moving_speed = unit.speed;
            if (distance > step + kArrivedM) {
                const double f = step / distance;
                unit.at.lon += (next.lon - unit.at.lon) * f;
                unit.at.lat += (next.lat - unit.at.lat) * f;
                break;
            }
            unit.at = next;
            step -= distance;
            unit.way.erase(unit.way.begin());
        }
        if (!unit.way.empty()) continue;
        // There: on scene, or on to the next patrol point.
        unit.at = unit.target;
        if (unit.status == "en_route") {
            unit.status = "on_scene";
            unit.moving_speed = 0;
        } else {
            head_for(unit, pick_());
        }
    }
}

std::vector<std::pair<std::size_t, std::string>> UnitFleet::fixes(TimeMs now) const {
    std::vector<std::pair<std::size_t, std::string>> out;
    out.reserve(units_.size());
    for (const auto& unit : units_) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        auto str = [&](std::string_view s) { w.String(s.data(), static_cast<unsigned>(s.size())); };
        w.StartObject();
        w.Key("type");
        str("unit");
        w.Key("id");
        str(unit.id);
        w.Key("callsign");
        str(unit.callsign);
        w.Key("kind");
        str(unit.kind);
        w.Key("status");
        str(unit.status);
        w.Key("lon");
        w.Double(unit.at.lon);
        w.Key("lat");
        w.Double(unit.at.lat);
        if (unit.heading >= 0) {
            w.Key("heading");
            w.Double(std::round(unit.heading * 10) / 10);
        }
        w.Key("speed");
        w.Double(unit.moving_speed);
        if (!unit.incident.empty()) {
            w.Key("incident");
            str(unit.incident);
        }
        w.Key("time");
        w.Int64(now);
        w.EndObject();
        out.emplace_back(unit.department, buffer.GetString());
    }
    return out;
}

}  // namespace citywall::feedsim
