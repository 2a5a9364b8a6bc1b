// citywall-feedsim: simulated departments for the demo and the tests. Each department gets its
// own socket to ingest, sends incidents with Chinese titles at places inside the city, moves
// them through their lifecycle, sends heartbeats, and (with --units) the positions of its
// units, which are sent to its incidents when they are dispatched. A department whose config says
// socket = "acknowledged" sends over an acknowledged feed; its delivery counters are printed at
// the end.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "citywall/config.hpp"
#include "citywall/keys.hpp"
#include "citywall/placement.hpp"
#include "citywall/road_graph.hpp"
#include "department_script.hpp"
#include "department_sender.hpp"
#include "duty_link.hpp"
#include "unit_fleet.hpp"

namespace {

using namespace citywall;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
    g_stop.store(true);
}

TimeMs now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct SimDepartment {
    DepartmentConfig config;
    feedsim::DepartmentScript script;
    feedsim::DepartmentSender sender;
    std::uint64_t sent = 0;
};

// The same event reported again by another department a little later and a few metres away.
struct CrossReport {
    std::size_t department;
    std::string id;
    const feedsim::CategoryScript* script;  // in cross_scripts: lives as long as the program
    int severity;
    LonLat position;
    Clock::time_point due;
};

struct OpenIncident {
    std::size_t department;
    std::string id;
    const feedsim::CategoryScript* category;
    int severity;
    IncidentStatus status;
    LonLat position;
    Clock::time_point next_step;
};

// Picks places inside the city: half around a few hotspots, half anywhere.
class PlacePicker {
  public:
    PlacePicker(std::vector<MapArea> areas, std::mt19937_64& rng) : rng_(rng) {
        for (auto& a : areas) {
            auto b = geo::bounds_of(a.shape);
            if (index_.size() == 0) extent_ = b;
            extent_.min_lon = std::min(extent_.min_lon, b.min_lon);
            extent_.min_lat = std::min(extent_.min_lat, b.min_lat);
            extent_.max_lon = std::max(extent_.max_lon, b.max_lon);
            extent_.max_lat = std::max(extent_.max_lat, b.max_lat);
            index_.add(std::move(a.shape));
        }
        index_.build();
        for (int k = 0; k < 6; ++k)
            hotspots_.push_back(anywhere());
    }
    bool empty() const { return index_.size() == 0; }
    LonLat pick() {
        std::uniform_real_distribution<double> coin(0, 1);
        if (coin(rng_) < 0.5) {
            std::normal_distribution<double> spread(0, (extent_.max_lon - extent_.min_lon) / 30);
            auto centre = hotspots_[rng_() % hotspots_.size()];
            for (int tries = 0; tries < 20; ++tries) {
                LonLat p{centre.lon + spread(rng_), centre.lat + spread(rng_)};
                if (index_.locate(p)) return p;
            }
        }
        return anywhere();
    }

  private:
    LonLat anywhere() {
        std::uniform_real_distribution<double> lon(extent_.min_lon, extent_.max_lon);
        std::uniform_real_distribution<double> lat(extent_.min_lat, extent_.max_lat);
        for (;;) {
            LonLat p{lon(rng_), lat(rng_)};
            if (index_.locate(p)) return p;
        }
    }
    std::mt19937_64& rng_;
    geo::AreaIndex index_;
    geo::Bounds extent_;
    std::vector<LonLat> hotspots_;
};

std::string incident_json(const OpenIncident& incident, TimeMs occurred) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto str = [&](std::string_view s) { w.String(s.data(), static_cast<unsigned>(s.size())); };
    w.StartObject();
    w.Key("type");
    str("incident");
    w.Key("id");
    str(incident.id);
    w.Key("category");
    str(incident.category->category);
    w.Key("severity");
    w.Int(incident.severity);
    w.Key("status");
    str(to_string(incident.status));
    w.Key("lon");
    w.Double(incident.position.lon);
    w.Key("lat");
    w.Double(incident.position.lat);
    w.Key("occurred");
    w.Int64(occurred);
    w.Key("title");
    str(incident.category->title);
    w.EndObject();
    return buffer.GetString();
}

IncidentStatus next_status(IncidentStatus s) {
    switch (s) {
        case IncidentStatus::reported:
            return IncidentStatus::accepted;
        case IncidentStatus::accepted:
            return IncidentStatus::dispatched;
        case IncidentStatus::dispatched:
            return IncidentStatus::on_scene;
        default:
            return IncidentStatus::resolved;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-feedsim: simulated departments sending to citywall-ingest"};
    std::string config_path, only, points_path;
    double rate = 5.0;
    std::uint64_t count = 0, seed = 1;
    double lifetime_s = 60.0;
    bool lifecycle = true;
    app.add_option("-c,--config", config_path, "the ingest configuration (departments, map)")
        ->required();
    app.add_option("--rate", rate, "new incidents per second, all departments together");
    app.add_option("--count", count, "stop after this many new incidents (0: run until stopped)");
    app.add_option("--seed", seed, "random seed");
    app.add_option("--departments", only, "comma-separated department codes (default: all)");
    app.add_option("--lifetime", lifetime_s, "mean seconds from report to resolution");
    app.add_flag("!--no-lifecycle", lifecycle, "send only new incidents, never status changes");
    app.add_option("--points", points_path, "write each new incident's id,lon,lat to this CSV");
    int units_per_department = 0;
    double fix_interval_s = 2.0;
    app.add_option("--units", units_per_department,
                   "units per department that has them (police cars, fire engines, ambulances, "
                   "patrols, grid workers); 0: no unit positions");
    app.add_option("--fix-interval", fix_interval_s, "seconds between a unit's position fixes");
    std::string keys_dir;
    app.add_option("--keys", keys_dir,
                   "folder with ingest.pub and CODE.key per department (default: the folder of "
                   "the config's ingest_key_file)");
    std::string duty_key;
    app.add_option("--duty-leader", duty_key,
                   "play the centre's duty leader too, with this wall key (NAME.key, a [[wall]] "
                   "of role leader): order new cases, review, call back, close (docs/dispatch.md)");
    std::string roads_source, roads_layer, roads_junctions = "shared_vertices";
    double road_reach_m = 1500;
    app.add_option("--roads", roads_source,
                   "a map file whose line layer is the city's roads: units drive along them");
    app.add_option("--road-layer", roads_layer, "the layer of --roads (default: its first)");
    app.add_option("--road-junctions", roads_junctions,
                   "how its lines join: shared_vertices (a routing network) or crossings (drawn "
                   "lines), as the viewer's road_network")
        ->check(CLI::IsMember({"shared_vertices", "crossings"}));
    app.add_option("--road-reach", road_reach_m,
                   "metres a unit goes straight to reach a road; further: straight all the way");
    CLI11_PARSE(app, argc, argv);

    auto config = load_ingest_config(config_path);
    if (!config) {
        std::fprintf(stderr, "citywall-feedsim: %s\n", config.error().c_str());
        return 2;
    }
    // Incidents happen in the innermost areas of the city's first hierarchy (its grids).
    if (config->areas.empty()) {
        std::fprintf(stderr,
                     "citywall-feedsim: the config has no [[area]] to place incidents in\n");
        return 2;
    }
    const AreaLevelConfig* innermost = &config->areas.front();
    for (const AreaLevelConfig& level : config->areas)
        if (level.hierarchy == innermost->hierarchy) innermost = &level;
    auto areas = load_map_areas(innermost->source, innermost->layer, innermost->code_field,
                                innermost->name_field);
    if (!areas || areas->empty()) {
        std::fprintf(stderr, "citywall-feedsim: no areas to place incidents in: %s\n",
                     areas ? "empty layer" : areas.error().c_str());
        return 2;
    }
    std::mt19937_64 rng(seed);
    PlacePicker places(std::move(*areas), rng);

    std::string ingest_public_key;
    if (!config->keys_off) {
        std::filesystem::path dir = keys_dir.empty() ? config->ingest_key_file.parent_path()
                                                     : std::filesystem::path(keys_dir);
        auto key = load_public_key_file(dir / "ingest.pub");
        if (!key) {
            std::fprintf(stderr, "citywall-feedsim: %s\n", key.error().c_str());
            return 2;
        }
        ingest_public_key = *key;
        keys_dir = dir.string();
    }
    zmq::context_t context(1);
    std::vector<SimDepartment> departments;
    double total_share = 0;
    for (const auto& d : config->departments) {
        if (!only.empty() && ("," + only + ",").find("," + d.code + ",") == std::string::npos)
            continue;
        std::optional<KeyPair> keys;
        if (!ingest_public_key.empty()) {
            auto loaded = load_secret_key_file(std::filesystem::path(keys_dir) / (d.code + ".key"));
            if (!loaded) {
                std::fprintf(stderr, "citywall-feedsim: %s\n", loaded.error().c_str());
                return 2;
            }
            keys = *loaded;
        }
        auto sender = feedsim::DepartmentSender::open(context, d, keys, ingest_public_key,
                                                      config->max_message_bytes);
        if (!sender) {
            std::fprintf(stderr, "citywall-feedsim: %s\n", sender.error().c_str());
            return 2;
        }
        SimDepartment sim{d, feedsim::script_for(d.code), std::move(*sender)};
        total_share += sim.script.share;
        departments.push_back(std::move(sim));
    }
    if (departments.empty()) {
        std::fprintf(stderr, "citywall-feedsim: no department selected\n");
        return 2;
    }
    std::ofstream points;
    if (!points_path.empty()) {
        points.open(points_path);
        points.precision(17);  // the exact doubles that were sent
    }

    // The duty leader: each kind of case to the department that handles it (the demo city's
    // departments); the hotline's cases to the grid workers, sensors' alarms and a case
    // handed back to city management.
    std::unique_ptr<feedsim::DutyLink> duty;
    if (!duty_key.empty()) {
        feedsim::DutyRules rules;
        rules.family_to_department = {{"police", "110"},  {"traffic", "110"},  {"fire", "119"},
                                      {"medical", "120"}, {"hotline", "grid"}, {"city", "12319"},
                                      {"grid", "grid"},   {"sensor", "12319"}};
        for (const auto& d : config->departments)
            if (feedsim::uses_acknowledged_feed(d)) rules.can_take_orders.insert(d.code);
        rules.fallback_department = "12319";
        std::optional<WallKeys> wall_keys;
        if (!ingest_public_key.empty()) {
            auto own = load_secret_key_file(duty_key);
            if (!own) {
                std::fprintf(stderr, "citywall-feedsim: %s\n", own.error().c_str());
                return 2;
            }
            wall_keys = WallKeys{*own, ingest_public_key};
        }
        auto link = feedsim::DutyLink::open(
            context, config->updates_endpoint, config->snapshot_endpoint, wall_keys,
            feedsim::DutyDesk(std::move(rules), "duty" + std::to_string(now_ms()), seed));
        if (!link) {
            std::fprintf(stderr, "citywall-feedsim: %s\n", link.error().c_str());
            return 2;
        }
        duty = std::move(*link);
    }

    RoadGraph roads;
    if (!roads_source.empty()) {
        auto read =
            read_road_graph(roads_source, roads_layer,
                            roads_junctions == "crossings" ? RoadJunctions::crossings
                                                           : RoadJunctions::shared_vertices);
        if (!read) {
            std::fprintf(stderr, "citywall-feedsim: --roads: %s\n", read.error().c_str());
            return 2;
        }
        roads = std::move(*read);
        std::fprintf(stderr, "citywall-feedsim: roads: %zu junctions and ends, %zu stretches\n",
                     roads.nodes(), roads.edges());
    }
    feedsim::UnitFleet fleet(
        [&] { return places.pick(); },
        [&](LonLat from, LonLat to) { return roads.route(from, to, road_reach_m); });
    for (std::size_t k = 0; k < departments.size(); ++k) {
        const auto& script = departments[k].script;
        if (script.unit_kind.empty()) continue;
        for (int n = 1; n <= units_per_department; ++n)
            fleet.add(k, departments[k].config.code + "-U" + std::to_string(n),
                      script.unit_prefix + std::to_string(n), script.unit_kind, script.unit_speed);
    }
    auto next_fix = Clock::now();

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::uniform_real_distribution<double> unit(0, 1);
    std::exponential_distribution<double> step_wait(4.0 / lifetime_s);
    std::deque<OpenIncident> open;
    std::deque<CrossReport> cross;
    // The second department's words for an event, one entry per category; std::map keeps each
    // entry where it is, so open incidents can point at it.
    std::map<std::string, feedsim::CategoryScript> cross_scripts;
    std::normal_distribution<double> metres(0.0, 25.0);
    std::uint64_t created = 0;
    double owed = 0;
    auto last_tick = Clock::now(), next_heartbeat = Clock::now();
    // Connections take a moment; sending before them would only queue.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    while (!g_stop.load()) {
        for (auto& d : departments)
            d.sender.pump();
        if (duty) duty->pump(now_ms());
        auto now = Clock::now();
        if (now >= next_heartbeat) {
            for (auto& d : departments)
                d.sender.send_status(R"({"type":"heartbeat"})");
            next_heartbeat = now + std::chrono::seconds(2);
        }
        const double elapsed = std::chrono::duration<double>(now - last_tick).count();
        owed += rate * elapsed;
        last_tick = now;
        // The centre's orders that named a unit: it drives there; done, it patrols again.
        for (std::size_t k = 0; k < departments.size(); ++k)
            for (const auto& call : departments[k].sender.take_unit_calls()) {
                if (call.released)
                    fleet.release_order(call.order);
                else
                    (void)fleet.send(k, call.unit, call.order, call.where);
            }
        fleet.advance(elapsed);
        if (!fleet.empty() && now >= next_fix) {
            for (const auto& [k, fix] : fleet.fixes(now_ms()))
                departments[k].sender.send_status(fix);
            next_fix = now + std::chrono::milliseconds(static_cast<int>(1000 * fix_interval_s));
        }
        while (owed >= 1.0 && (count == 0 || created < count)) {
            owed -= 1.0;
            double pick = unit(rng) * total_share;
            std::size_t k = 0;
            while (k + 1 < departments.size() && pick > departments[k].script.share) {
                pick -= departments[k].script.share;
                ++k;
            }
            auto& d = departments[k];
            const auto& category = d.script.categories[rng() % d.script.categories.size()];
            int severity = std::clamp(category.severity + static_cast<int>(rng() % 3) - 1, 1, 4);
            OpenIncident incident{
                k,
                d.config.code + "-" + std::to_string(seed) + "-" + std::to_string(++d.sent),
                &category,
                severity,
                IncidentStatus::reported,
                places.pick(),
                now + std::chrono::milliseconds(static_cast<int>(1000 * step_wait(rng)))};
            if (!d.sender.send_report(incident_json(incident, now_ms()), g_stop)) break;
            if (points.is_open())
                points << incident.id << ',' << incident.position.lon << ','
                       << incident.position.lat << '\n'
                       << std::flush;
            ++created;
            if (lifecycle) open.push_back(incident);
            // About a third of such events reach a second department too.
            if (!category.also_department.empty() && unit(rng) < 0.35) {
                for (std::size_t j = 0; j < departments.size(); ++j) {
                    auto& other = departments[j];
                    if (other.config.code != category.also_department) continue;
                    LonLat near{incident.position.lon + metres(rng) / 103'000,
                                incident.position.lat + metres(rng) / 111'000};
                    cross.push_back(
                        {j,
                         other.config.code + "-" + std::to_string(seed) + "-" +
                             std::to_string(++other.sent),
                         &cross_scripts
                              .try_emplace(
                                  category.also_category,
                                  feedsim::CategoryScript{category.also_category,
                                                          category.also_title, category.severity})
                              .first->second,
                         severity, near, now + std::chrono::milliseconds(2000 + rng() % 20000)});
                }
            }
        }
        while (!cross.empty() && cross.front().due <= now) {
            auto& c = cross.front();
            OpenIncident report{c.department, c.id, c.script, c.severity, IncidentStatus::reported,
                                c.position,   now};
            if (!departments[c.department].sender.send_report(incident_json(report, now_ms()),
                                                              g_stop))
                break;
            if (lifecycle) {
                report.next_step =
                    now + std::chrono::milliseconds(static_cast<int>(1000 * step_wait(rng)));
                open.push_back(report);
            }
            cross.pop_front();
        }
        for (auto it = open.begin(); it != open.end();) {
            if (now < it->next_step) {
                ++it;
                continue;
            }
            it->status = next_status(it->status);
            if (!departments[it->department].sender.send_report(incident_json(*it, now_ms()),
                                                                g_stop))
                break;
            if (it->status == IncidentStatus::dispatched)
                fleet.dispatch(it->department, it->id, it->position);
            if (is_terminal(it->status)) fleet.release(it->department, it->id);
            it->next_step =
                now + std::chrono::milliseconds(static_cast<int>(1000 * step_wait(rng)));
            it = is_terminal(it->status) ? open.erase(it) : std::next(it);
        }
        if (count != 0 && created >= count && open.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "citywall-feedsim: sent %llu incidents\n",
                 static_cast<unsigned long long>(created));
    // Answers for the last messages are still on their way; a few seconds for all of them.
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    for (auto& d : departments)
        d.sender.finish(deadline);
    for (const auto& d : departments)
        d.sender.print_counters(stderr);
    return 0;
}
