// citywall-fake-ingest: a deterministic stand-in for ingest, for render tests. It serves the
// viewer protocol (PUB updates + ROUTER snapshot, docs/protocol.md) with a fixed set of open
// incidents spread over a map area, heartbeats with a fixed clock, and one feed health report.
//
//   citywall-fake-ingest --updates EP --snapshot EP --area FILE --layer NAME --incidents N
//                        [--manifest FILE] [--drill] [--silent-after S] [--lifetime S]
//                        [--new N] [--close ID --close-after S] [--varied] [--resolve-every N]
//                        [--units N] [--refused] [--replay]
//
// --replay (with --drill): a replaying drill's clock with each heartbeat: a 90-minute window
// ending at the fixed clock, stood at two thirds of it, 8x, two bookmarks, a busy density.
// Incidents are placed in the area file's grids and police beats with core's CityPlacement
// (as ingest does), so the wall can count them per grid. Every Nth (--new N) was received a
// second before the fixed clock, so it pulses; --close sends an update closing one incident.
// --varied gives the incidents mixed statuses, ages (1 min to 4 h) and deadlines (every 5th is
// due 30 min after it was received, so the older ones are overdue), for the queue and KPIs.
// --resolve-every N: 1.5 s after the first snapshot was served (so the viewer is subscribed),
// every Nth incident (from the fourth) is resolved by an update (its case closed, when it has
// one), and leaves later snapshots.
//
// --units N: N units ("U1" to "UN", call signs 巡逻1 ...) in the snapshot's roster, unit k
// placed 90*k metres (Web Mercator) east of the first incident, heading 45*k degrees; U1 works
// the first incident. 1.5 s after the first snapshot each moves 40 m north (a trail).
//
// --refused: departments whose connections ingest's key gate refuses, side by side in the panel:
// 12319 never heard, refused for another department's key; 12345 heard an hour ago, refused
// for an unknown key now (after plain-text tries before); and iot down, refused only before it
// was last heard.
//
// A case request ("CASE <id>") is answered with the incident and a two-step history (case_of).
//
// It writes a line to stdout every 200 ms, so when it is the head of a pipeline (as in
// run_render_test.cmake) it ends by SIGPIPE as soon as the viewer after it has exited.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <CLI/CLI.hpp>

#include <toml++/toml.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <thread>
#include <zmq.hpp>

#include "area_leaders.hpp"
#include "area_levels.hpp"
#include "citywall/geo.hpp"
#include "citywall/placement.hpp"
#include "citywall/wire.hpp"

namespace {

using namespace citywall;

constexpr TimeMs kClock = 1767258000000;  // 2026-01-01 09:00 UTC: every time is fixed

struct Family {
    const char* category;
    const char* department;
    const char* english_name;  // --english: a department as an American city names it
};
constexpr Family kFamilies[] = {
    {"police.theft", "110", "San Francisco Police Department"},
    {"fire.building", "119", "San Francisco Fire Department"},
    {"medical.cardiac", "120", "Emergency Medical Services Agency"},
    {"traffic.crash", "122", "Municipal Transportation Agency"},
    {"city.road_damage", "12319", "Public Works"},
    {"hotline.noise", "12345", "311 Customer Service Center"},
    {"sensor.bridge_tilt", "iot", "Sensors"},
    {"grid.report", "grid", "Neighborhood Services"},
};

// Incident positions on a jittered lattice inside the area's polygons, reproducible.
std::vector<LonLat> spread(OGRLayer& layer, std::size_t count) {
    std::unique_ptr<OGRGeometry> area;
    for (auto& feature : layer) {
        const OGRGeometry* g = feature->GetGeometryRef();
        if (!g) continue;
        area.reset(area ? area->Union(g) : g->clone());
    }
    std::vector<LonLat> points;
    if (!area) return points;
    OGREnvelope box;
    area->getEnvelope(&box);
    std::uint32_t state = 12345;
    auto next = [&state] {  // xorshift: same numbers on every machine
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return static_cast<double>(state % 10000) / 10000.0;
    };
    // The coarsest lattice with enough points inside the area, then an even pick from it.
    std::vector<LonLat> candidates;
    for (int side = 4; candidates.size() < count && side < 4096; side *= 2) {
        candidates.clear();
        for (int row = 0; row < side; ++row) {
            for (int col = 0; col < side; ++col) {
                const double fx = (col + 0.2 + 0.6 * next()) / side;
                const double fy = (row + 0.2 + 0.6 * next()) / side;
                OGRPoint p(box.MinX + fx * (box.MaxX - box.MinX),
                           box.MinY + fy * (box.MaxY - box.MinY));
                if (area->Contains(&p)) candidates.push_back({p.getX(), p.getY()});
            }
        }
    }
    for (std::size_t i = 0; i < count && !candidates.empty(); ++i) {
        points.push_back(candidates[i * candidates.size() / count]);
    }
    return points;
}

constexpr IncidentStatus kOpenStatuses[] = {IncidentStatus::reported, IncidentStatus::accepted,
                                            IncidentStatus::dispatched, IncidentStatus::en_route,
                                            IncidentStatus::on_scene};

// The step an escalated incident's case took last, as ingest names it: the area its latest
// escalation reached, and a leader named for it.
CaseStep escalation_step(const Incident& incident, const std::vector<AreaLevelConfig>& levels,
                         bool english) {
    const auto nobody = ingest::AreaLeaders::parse("level,code,name\n", "leaders.csv", levels);
    auto reach = ingest::escalation_reach(incident, incident.escalation, levels, *nobody);
    const std::string name = english ? "Capt. Reyes" : "王建国";
    const auto named =
        ingest::AreaLeaders::parse("level,code,name,phone\n" + reach.level + "," + reach.area.code +
                                       "," + name + ",13800000001\n",
                                   "leaders.csv", levels);
    if (named) reach = ingest::escalation_reach(incident, incident.escalation, levels, *named);
    CaseStep step;
    step.number = incident.case_state.last.number + 1;
    step.time = incident.due + TimeMs{incident.escalation - 1} * 30 * 60000;
    step.action = CaseAction::escalate;
    step.actor = "@deadlines";
    step.reason = reach.level;
    step.note = reach.note();
    return step;
}

std::vector<Incident> make_incidents(const std::vector<LonLat>& points,
                                     const CityPlacement* placement,
                                     const std::vector<AreaLevelConfig>& levels, std::size_t fresh,
                                     bool varied, bool english) {
    std::vector<Incident> incidents;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const Family& family = kFamilies[i % std::size(kFamilies)];
        Incident incident;
        incident.id = 1000 + i;
        incident.sources = {{family.department, "T-" + std::to_string(i)}};
        incident.category = family.category;
        incident.severity = static_cast<Severity>(1 + (i / std::size(kFamilies)) % 4);
        incident.status = IncidentStatus::accepted;
        incident.location = points[i];
        incident.source_crs = "EPSG:4326";
        incident.occurred = incident.received = incident.updated = kClock - 60000;
        // Every Nth (from the second): received a second ago, so it pulses on the wall.
        if (varied) {
            // Not in step with the family (i % 8) or the severity, so filters combine.
            incident.status = kOpenStatuses[(i * 7 / 3) % std::size(kOpenStatuses)];
            const TimeMs age_min = static_cast<TimeMs>((i * 37) % 240 + 1);
            incident.occurred = incident.received = incident.updated = kClock - age_min * 60000;
            incident.due = incident.received + (i % 5 == 0 ? 30 : 240) * 60000;
            // Overdue ones have gone up the hierarchy as ingest takes them: a step at the
            // deadline and one each 30 minutes after, three at most.
            // Two in three are cases a leader ordered a minute after receipt: half of those
            // signed for two minutes later, a third of those with units on scene. The case is
            // held to the incident's deadline, to sign while it is assigned and to resolve
            // after, so the queue's order and counts are those of the deadlines above.
            if (i % 3 != 0) {
                CaseState& c = incident.case_state;
                c.department = family.department;
                c.order = "O-" + std::to_string(1000 + i);
                c.assigned = incident.received + 60000;
                c.sign_due = incident.due;
                c.resolve_due = incident.due;
                c.stage = i % 3 == 1   ? CaseStage::assigned
                          : i % 9 == 2 ? CaseStage::on_scene
                                       : CaseStage::signed_for;
                c.last = {
                    1,       c.assigned, CaseAction::order, "leader-li", c.department, "", "", "",
                    c.order, 0};
                if (c.stage != CaseStage::assigned) {
                    c.signed_at = c.assigned + 2 * 60000;
                    c.last = {2,
                              c.signed_at,
                              CaseAction::sign,
                              c.department,
                              c.department,
                              "",
                              "",
                              "",
                              c.order,
                              0};
                }
                if (c.stage == CaseStage::on_scene) {
                    c.arrived = c.signed_at + 5 * 60000;
                    c.last = {3,
                              c.arrived,
                              CaseAction::arrive,
                              c.department,
                              c.department,
                              "",
                              "",
                              "",
                              c.order,
                              0};
                }
            }
            if (const TimeMs late = kClock - incident.due; late >= 0)
                incident.escalation =
                    static_cast<std::uint8_t>(std::min<TimeMs>(3, 1 + late / (30 * 60000)));
        }
        if (fresh > 0 && i % fresh == 1) incident.received = incident.updated = kClock - 1000;
        if (placement) incident.areas = placement->place(incident.location);
        if (incident.escalation > 0)
            incident.case_state.last = escalation_step(incident, levels, english);
        incident.description = english ? "A deterministic incident for the picture tests."
                                       : "确定性测试事件，用于画面测试。 A deterministic incident.";
        incident.title = (english ? "Test incident " : "测试事件 ") + std::to_string(i);
        incidents.push_back(std::move(incident));
    }
    return incidents;
}

// A case as ingest keeps it: the department's first report when it was received, then (for an
// incident past "reported") the department's word that took it there, 30 s later.
wire::IncidentCase case_of(const std::vector<Incident>& incidents, std::uint64_t id,
                           std::uint64_t seq) {
    wire::IncidentCase reply{seq, id, false, {}, {}};
    for (const Incident& incident : incidents) {
        if (incident.id != id) continue;
        reply.open = true;
        reply.incident = incident;
        const std::string& department = incident.sources.front().department;
        reply.history.changes.push_back(
            {incident.received, department, IncidentStatus::reported, IncidentStatus::reported});
        if (incident.status != IncidentStatus::reported) {
            reply.history.changes.push_back({std::min(incident.received + 30000, kClock),
                                             department, incident.status, incident.status});
        }
        // The case's steps up to the one the incident carries, as ingest keeps them.
        const CaseState& c = incident.case_state;
        if (c.taken_up()) {
            CaseStep order{
                1,       c.assigned, CaseAction::order, "leader-li", c.department, "", "", "",
                c.order, 0};
            order.note = "请尽快处置";
            reply.history.steps.push_back(order);
            if (c.signed_at > 0)
                reply.history.steps.push_back({2, c.signed_at, CaseAction::sign, department,
                                               department, "", "", "", c.order, 0});
            if (c.arrived > 0) reply.history.steps.push_back(c.last);
        }
    }
    return reply;
}

// A drill replaying the 90 minutes before the fixed clock, stood at the hour.
wire::DrillClock replay_clock(std::uint64_t seq) {
    wire::DrillClock c;
    c.seq = seq;
    c.from = kClock - 90 * 60'000;
    c.to = kClock;
    c.time = c.from + 60 * 60'000;
    c.speed = 8;
    c.recording = "journal-2026-01-01";
    c.bookmarks = {{c.from + 20 * 60'000, "第一次派单"}, {c.from + 75 * 60'000, "increase"}};
    for (int k = 0; k < 240; ++k)  // an evening's rise and a burst at two thirds
        c.density.push_back(static_cast<std::uint32_t>(40 + k / 2 + (k > 150 && k < 175 ? 240 : 0) +
                                                       (k * 37 % 23)));
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"citywall-fake-ingest: a deterministic ingest for render tests"};
    std::string updates_ep, snapshot_ep, area_path, layer_name = "city_boundary", manifest;
    std::string levels_config;
    std::size_t count = 64;
    bool drill = false;
    double silent_after = -1, lifetime = 60, close_after = -1;
    std::size_t fresh = 0;
    std::uint64_t close_id = 0;
    bool varied = false, refused = false, english = false;
    std::size_t resolve_every = 0, unit_count = 0;
    app.add_option("--updates", updates_ep)->required();
    app.add_option("--snapshot", snapshot_ep)->required();
    app.add_option("--area", area_path, "OGR source whose polygons hold the incidents")->required();
    app.add_option("--layer", layer_name);
    app.add_option("--levels", levels_config, "a config whose [[area]] tables place incidents");
    app.add_option("--incidents", count);
    app.add_option("--manifest", manifest, "write 'lon lat r g b' of the first incident here");
    app.add_flag("--drill", drill);
    bool replay = false;
    app.add_flag("--replay", replay, "a replaying drill's clock with each heartbeat");
    app.add_option("--silent-after", silent_after, "stop heartbeats after S seconds");
    app.add_option("--lifetime", lifetime, "exit after S seconds");
    app.add_option("--new", fresh, "every Nth incident was received 1 s ago (it pulses)");
    app.add_option("--close", close_id, "close this incident ...");
    app.add_option("--close-after", close_after, "... this many seconds after start");
    app.add_flag("--varied", varied, "mixed statuses, ages and deadlines");
    app.add_option("--resolve-every", resolve_every,
                   "resolve every Nth incident 1.5 s after the first snapshot was served");
    app.add_option("--units", unit_count, "units near the first incident; they move once");
    app.add_flag("--refused", refused, "departments whose keys ingest refuses");
    app.add_flag("--english", english, "English titles and departments' long English names");
    CLI11_PARSE(app, argc, argv);

    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(area_path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    OGRLayer* layer = ds ? ds->GetLayerByName(layer_name.c_str()) : nullptr;
    if (!layer) {
        std::fprintf(stderr, "fake-ingest: cannot read layer %s of %s\n", layer_name.c_str(),
                     area_path.c_str());
        return 2;
    }
    // The city's levels from a config's [[area]] tables; without one, the demo city's layers.
    std::vector<AreaLevelConfig> levels;
    if (!levels_config.empty()) {
        try {
            const toml::table root = toml::parse_file(levels_config);
            auto read = read_area_levels(root, levels_config,
                                         std::filesystem::path(levels_config).parent_path());
            if (!read) {
                std::fprintf(stderr, "fake-ingest: %s\n", read.error().c_str());
                return 2;
            }
            levels = std::move(*read);
        } catch (const toml::parse_error& e) {
            std::fprintf(stderr, "fake-ingest: %s: %s\n", levels_config.c_str(), e.what());
            return 2;
        }
    } else {
        levels = testing::demo_levels(area_path);
    }
    auto placement = CityPlacement::load(levels);
    if (!placement) {
        std::fprintf(stderr, "fake-ingest: no grids in %s (%s): incidents are not placed\n",
                     area_path.c_str(), placement.error().c_str());
    }
    std::vector<Incident> incidents =
        make_incidents(spread(*layer, count), placement ? placement->get() : nullptr, levels, fresh,
                       varied, english);
    if (!manifest.empty() && !incidents.empty()) {
        std::ofstream(manifest) << std::setprecision(12) << incidents[0].location.lon << ' '
                                << incidents[0].location.lat << '\n';
    }
    std::uint64_t seq = incidents.size();
    std::vector<Unit> units;
    if (!incidents.empty()) {
        const geo::Mercator at = geo::to_mercator(incidents[0].location);
        for (std::size_t k = 1; k <= unit_count; ++k) {
            Unit u;
            u.department = "110";
            u.id = "U" + std::to_string(k);
            u.callsign = "巡逻" + std::to_string(k);
            u.kind = static_cast<UnitKind>((k - 1) % kUnitKindCount);
            u.status = k == 1 ? UnitStatus::en_route : UnitStatus::available;
            u.incident = k == 1 ? incidents[0].id : 0;
            u.location = geo::from_mercator({at.x + 90.0 * static_cast<double>(k), at.y});
            u.heading = static_cast<float>((45 * k) % 360);
            u.speed = 8;
            u.reported = u.received = kClock - 1000;
            units.push_back(u);
        }
    }
    bool units_moved = units.empty();

    zmq::context_t context(1);
    zmq::socket_t pub(context, zmq::socket_type::pub);
    zmq::socket_t router(context, zmq::socket_type::router);
    pub.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::linger, 0);
    pub.bind(updates_ep);
    router.bind(snapshot_ep);

    std::vector<FeedHealth> feeds;
    for (const Family& f : kFamilies) {
        FeedHealth health;
        health.department = f.department;
        if (english) health.name = health.name_en = f.english_name;
        health.connected = true;
        health.last_message = kClock - 2000;
        health.accepted = 100;
        health.rate_per_s = 1.5;
        feeds.push_back(health);
    }
    feeds[3].stale = true;  // one feed gone quiet, so the panel shows its red row
    feeds[3].last_message = kClock - 95000;
    if (refused) {
        auto refuse = [&](FeedHealth& feed, TimeMs last_message, std::vector<RejectCount> counts,
                          std::string latest, TimeMs when) {
            feed.connected = false;
            feed.stale = true;
            feed.last_message = last_message;
            feed.refusals = std::move(counts);
            feed.last_refusal_reason = std::move(latest);
            feed.last_refused = when;
        };
        refuse(feeds[4], 0, {{"other_department_key", 12}}, "other_department_key", kClock - 1000);
        refuse(feeds[5], kClock - 3'600'000, {{"unknown_key", 12}, {"wrong_mechanism", 3000}},
               "unknown_key", kClock - 1000);
        refuse(feeds[6], kClock - 600'000, {{"wrong_mechanism", 5}}, "wrong_mechanism",
               kClock - 7'200'000);
    }

    const auto start = std::chrono::steady_clock::now();
    auto last_beat = start - std::chrono::seconds(1);
    double first_snapshot_at = -1;  // age when the first snapshot was served
    while (true) {
        const double age =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (age > lifetime) break;
        zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 1, std::chrono::milliseconds(50));
        if (items[0].revents & ZMQ_POLLIN) {
            zmq::message_t identity, request;
            const bool received = router.recv(identity) && router.recv(request);
            auto asked = received ? wire::decode_request(request.to_string_view())
                                  : Result<wire::Request>(Error{ErrorKind::invalid, ""});
            if (const auto* one = asked ? std::get_if<wire::CaseRequest>(&*asked) : nullptr) {
                router.send(zmq::buffer(identity.to_string()), zmq::send_flags::sndmore);
                router.send(zmq::buffer(wire::encode(case_of(incidents, one->id, seq))),
                            zmq::send_flags::none);
            } else if (asked) {
                if (first_snapshot_at < 0) first_snapshot_at = age;
                constexpr std::size_t kChunk = 50;  // several chunks, as a real ingest sends
                for (std::size_t i = 0; i == 0 || i < incidents.size(); i += kChunk) {
                    wire::SnapshotChunk chunk;
                    chunk.seq = seq;
                    const auto end = std::min(incidents.size(), i + kChunk);
                    chunk.incidents.assign(incidents.begin() + static_cast<std::ptrdiff_t>(i),
                                           incidents.begin() + static_cast<std::ptrdiff_t>(end));
                    chunk.last = end >= incidents.size();
                    if (chunk.last) chunk.feeds = feeds;
                    if (chunk.last && !units.empty()) {
                        router.send(zmq::buffer(identity.to_string()), zmq::send_flags::sndmore);
                        router.send(zmq::buffer(wire::encode(wire::UnitRoster{seq, units})),
                                    zmq::send_flags::none);
                    }
                    router.send(zmq::buffer(identity.to_string()), zmq::send_flags::sndmore);
                    router.send(zmq::buffer(wire::encode(chunk)), zmq::send_flags::none);
                }
            }
        }
        if (close_after >= 0 && age > close_after) {
            close_after = -1;
            for (const Incident& incident : incidents) {
                if (incident.id != close_id) continue;
                wire::IncidentUpdate update{++seq, incident};
                update.incident.status = IncidentStatus::closed;
                update.incident.updated = kClock;
                pub.send(zmq::buffer(wire::encode(update)), zmq::send_flags::none);
            }
        }
        if (resolve_every > 0 && first_snapshot_at >= 0 && age > first_snapshot_at + 1.5) {
            std::vector<Incident> still_open;
            for (Incident& incident : incidents) {
                if ((incident.id - 1000) % resolve_every != 3) {
                    still_open.push_back(std::move(incident));
                    continue;
                }
                wire::IncidentUpdate update{++seq, incident};
                update.incident.status = IncidentStatus::resolved;
                update.incident.updated = kClock;
                // An ordered case leaves the wall when the centre closes it, not before.
                if (update.incident.case_state.taken_up()) {
                    CaseState& c = update.incident.case_state;
                    c.stage = CaseStage::closed;
                    c.last = {c.last.number + 1,
                              kClock,
                              CaseAction::close,
                              "leader-li",
                              "",
                              "",
                              "resolved",
                              "",
                              c.order,
                              0};
                    update.incident.status = IncidentStatus::closed;
                }
                pub.send(zmq::buffer(wire::encode(update)), zmq::send_flags::none);
            }
            incidents = std::move(still_open);
            resolve_every = 0;
        }
        if (!units_moved && first_snapshot_at >= 0 && age > first_snapshot_at + 1.5) {
            units_moved = true;
            for (Unit& unit : units) {
                geo::Mercator m = geo::to_mercator(unit.location);
                m.y += 40;
                unit.location = geo::from_mercator(m);
                unit.reported = unit.received = kClock;
                pub.send(zmq::buffer(wire::encode(wire::UnitUpdate{++seq, unit})),
                         zmq::send_flags::none);
            }
        }
        if (std::chrono::steady_clock::now() - last_beat > std::chrono::milliseconds(200)) {
            last_beat = std::chrono::steady_clock::now();
            if (silent_after < 0 || age < silent_after) {
                pub.send(zmq::buffer(wire::encode(wire::Heartbeat{seq, kClock, drill, false, {}})),
                         zmq::send_flags::none);
                if (replay)
                    pub.send(zmq::buffer(wire::encode(replay_clock(seq))), zmq::send_flags::none);
            }
            // Dies by SIGPIPE here once the viewer reading this pipe is gone.
            if (std::printf("fake-ingest: serving %zu incidents\n", incidents.size()) < 0 ||
                std::fflush(stdout) != 0) {
                break;
            }
        }
    }
    return 0;
}
