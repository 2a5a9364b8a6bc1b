// Index: [JSON] [commands] [run_script]
#include "script_runner.hpp"

#include <imgui_internal.h>  // ImTextCharFromUtf8

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "citywall/geo.hpp"
#include "nearby_units.hpp"
#include "snapshot.hpp"
#include "unit_proposals.hpp"

namespace citywall::viewer {

namespace {

// ============================================================================== JSON ====

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", c);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string selection_json(const WallApp& app) {
    const Selection& s = app.selection();
    switch (s.kind) {
        case Selection::Kind::none:
            return "{\"kind\":\"none\"}";
        case Selection::Kind::incident: {
            std::string out = "{\"kind\":\"incident\",\"id\":" + std::to_string(s.incident);
            if (const auto incident = app.picture().incidents().find(s.incident)) {
                out += ",\"category\":" + json_string(incident->category);
                const AreaRef* place = app.areas().place_of(incident->areas);
                out += ",\"area\":" + json_string(place ? place->code : std::string());
                out += ",\"near\":[";
                bool first = true;
                for (const NearUnit& near :
                     nearest_units(app.picture(), incident->id, incident->location, 3)) {
                    out += std::string(first ? "" : ",") +
                           "{\"unit\":" + json_string(near.unit->id) + ",\"metres\":" +
                           std::to_string(static_cast<long>(std::lround(near.metres))) +
                           ",\"assigned\":" + (near.assigned ? "true" : "false") + "}";
                    first = false;
                }
                out += "]";
            }
            return out + "}";
        }
        case Selection::Kind::case_number:
            return "{\"kind\":\"case\",\"id\":" + std::to_string(s.incident) + "}";
        case Selection::Kind::area: {
            const AreaRef& ref = app.areas().ref(s.area);
            std::string out = "{\"kind\":\"area\",\"level\":" +
                              json_string(app.areas().level(s.area.level).config.level) +
                              ",\"code\":" + json_string(ref.code) +
                              ",\"name\":" + json_string(ref.name);
            out += ",\"open\":" + std::to_string(app.counts().count(s.area.level, s.area.area));
            return out + "}";
        }
        case Selection::Kind::unit: {
            std::string out = "{\"kind\":\"unit\"";
            const auto it = app.picture().units().find(s.unit);
            if (it != app.picture().units().end()) {
                out += ",\"department\":" + json_string(it->second.department);
                out += ",\"id\":" + json_string(it->second.id);
                out += ",\"status\":" + json_string(std::string(to_string(it->second.status)));
                out += ",\"incident\":" + std::to_string(it->second.incident);
            }
            return out + "}";
        }
    }
    return "{}";
}

std::string view_json(WallApp& app) {
    const Camera& c = app.camera();
    const LonLat p = geo::from_mercator({c.center.x, c.center.y});
    char text[256];
    std::snprintf(text, sizeof text,
                  "{\"lon\":%.7f,\"lat\":%.7f,\"metres_per_pixel\":%.4f,\"aggregated\":%s,"
                  "\"level\":\"%s\"}",
                  p.lon, p.lat, c.metres_per_pixel, app.aggregated() ? "true" : "false",
                  app.aggregated() ? app.areas().level(app.aggregate_level()).config.level.c_str()
                                   : "markers");
    return text;
}

// ========================================================================== commands ====

struct Outcome {
    bool ok = true;
    bool malformed = false;
    std::string fields;  // ,"key":value pairs added to the line
};

Outcome malformed(const std::string& why) {
    return {false, true, ",\"error\":" + json_string(why)};
}
Outcome failed(const std::string& why, const std::string& fields = "") {
    return {false, false, ",\"error\":" + json_string(why) + fields};
}

using Args = std::vector<std::string>;

Outcome expect_selected(WallApp& app, const Args& args) {
    const Selection& s = app.selection();
    const std::string got = ",\"selected\":" + selection_json(app);
    if (args.size() == 1 && args[0] == "none") {
        return s.kind == Selection::Kind::none ? Outcome{true, false, got}
                                               : failed("expected nothing selected", got);
    }
    if (args.size() != 2)
        return malformed("expect-selected incident ID | area CODE | unit ID | none");
    if (args[0] == "incident") {
        const bool match =
            s.kind == Selection::Kind::incident && std::to_string(s.incident) == args[1];
        return match ? Outcome{true, false, got} : failed("expected incident " + args[1], got);
    }
    if (args[0] == "area") {
        const bool match =
            s.kind == Selection::Kind::area && app.areas().ref(s.area).code == args[1];
        return match ? Outcome{true, false, got} : failed("expected area " + args[1], got);
    }
    if (args[0] == "unit") {
        const auto it = app.picture().units().find(s.unit);
        const bool match = s.kind == Selection::Kind::unit && it != app.picture().units().end() &&
                           it->second.id == args[1];
        return match ? Outcome{true, false, got} : failed("expected unit " + args[1], got);
    }
    return malformed("expect-selected incident ID | area CODE | unit ID | none");
}

std::string queue_json(WallApp& app) {
    app.refresh_ops(true);
    const IncidentQueue& q = app.queue();
    std::string out = ",\"queue\":{\"rows\":" + std::to_string(q.rows().size()) +
                      ",\"open\":" + std::to_string(q.open_total()) +
                      ",\"overdue\":" + std::to_string(q.overdue_total()) + ",\"first\":[";
    for (std::size_t i = 0; i < q.rows().size() && i < 3; ++i) {
        out += (i ? "," : "") + std::to_string(q.rows()[i].id);
    }
    return out + "]}";
}

// expect-kpi FIELD N [department CODE | district CODE]
Outcome expect_kpi(WallApp& app, const Args& a) {
    const char* usage =
        "expect-kpi received|dispatched|resolved|overdue|rate N [department CODE|district CODE]";
    if ((a.size() != 2 && a.size() != 4) || !parse_number(a[1])) return malformed(usage);
    app.refresh_ops(true);
    const DayStats& stats = app.day_stats();
    DayCounts counts = stats.total();
    if (a.size() == 4) {
        const auto& rows = a[2] == "department" ? stats.by_department()
                           : a[2] == "district" ? stats.by_district()
                                                : stats.by_department();
        if (a[2] != "department" && a[2] != "district") return malformed(usage);
        const auto it = rows.find(a[3]);
        counts = it == rows.end() ? DayCounts{} : it->second;
    }
    std::string got;
    if (a[0] == "received") {
        got = std::to_string(counts.received);
    } else if (a[0] == "dispatched") {
        got = std::to_string(counts.dispatched);
    } else if (a[0] == "resolved") {
        got = std::to_string(counts.resolved);
    } else if (a[0] == "overdue") {
        got = std::to_string(counts.overdue);
    } else if (a[0] == "rate") {  // percent, rounded
        got = std::to_string(static_cast<int>(std::lround(counts.resolution_rate() * 100)));
    } else {
        return malformed(usage);
    }
    const std::string fields = ",\"kpi\":{\"received\":" + std::to_string(counts.received) +
                               ",\"dispatched\":" + std::to_string(counts.dispatched) +
                               ",\"resolved\":" + std::to_string(counts.resolved) +
                               ",\"overdue\":" + std::to_string(counts.overdue) + "}";
    return got == a[1] ? Outcome{true, false, fields}
                       : failed("expected " + a[0] + " " + a[1] + ", got " + got, fields);
}

// A command that changes the wall state, with what the line reports after it.
Outcome run_wall_command(WallApp& app, const WallCommand& wall_command) {
    if (auto done = app.run(wall_command); !done) return failed(done.error());
    using namespace command;
    return std::visit(
        [&](const auto& c) -> Outcome {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, SetView> || std::is_same_v<C, SetAggregate>) {
                return Outcome{true, false, ",\"view\":" + view_json(app)};
            } else if constexpr (std::is_same_v<C, Click> || std::is_same_v<C, SelectIncident>) {
                return Outcome{true, false, ",\"selected\":" + selection_json(app)};
            } else if constexpr (std::is_same_v<C, ZoomTo>) {
                return Outcome{
                    true, false,
                    ",\"selected\":" + selection_json(app) + ",\"view\":" + view_json(app)};
            } else if constexpr (std::is_same_v<C, Search>) {
                return Outcome{true, false,
                               ",\"matches\":" + std::to_string(app.search_matches().size()) +
                                   ",\"selected\":" + selection_json(app)};
            } else if constexpr (std::is_same_v<C, FilterQueue> || std::is_same_v<C, SortQueue>) {
                return Outcome{true, false, queue_json(app)};
            } else if constexpr (std::is_same_v<C, ShowPanel>) {
                return c.panel == Panel::queue ? Outcome{true, false, queue_json(app)} : Outcome{};
            } else if constexpr (std::is_same_v<C, AdvanceClock>) {
                app.pump_stream();
                return Outcome{true, false,
                               ",\"clock\":" + std::to_string(app.clock().now()) +
                                   ",\"markers\":" + std::to_string(app.open_markers())};
            } else {
                return Outcome{};
            }
        },
        wall_command);
}

}  // namespace

// ======================================================================== run_script ====

int run_script(WallApp& app, const RunOptions& options) {
    std::ifstream file(options.script);
    if (!file) {
        std::fprintf(stderr, "citywall-viewer: cannot read script %s\n", options.script.c_str());
        return 2;
    }
    using Command = std::function<Outcome(const Args&)>;
    std::map<std::string, WallState> saved_states;
    // A unit named in a script: its key, or its own id (the first unit with that id).
    auto key_of_unit = [&](const std::string& named) {
        if (app.picture().units().contains(named)) return named;
        for (const auto& [key, unit] : app.picture().units())
            if (unit.id == named) return key;
        return named;
    };
    const std::map<std::string, Command> commands = {
        {"wait-incidents",
         [&](const Args& a) {
             const auto n = !a.empty() && a.size() <= 2 ? parse_number(a[0]) : std::nullopt;
             const auto timeout = a.size() == 2 ? parse_number(a[1]) : options.timeout_s;
             if (!n || !timeout || *n < 0) return malformed("wait-incidents N [TIMEOUT_S]");
             const bool ok =
                 app.live() && wait_for_incidents(app, static_cast<std::size_t>(*n), *timeout);
             const std::string open = ",\"open\":" + std::to_string(app.open_markers());
             return ok ? Outcome{true, false, open}
                       : failed("timed out: " + app.waiting_report(), open);
         }},
        {"expect-queue-count",
         [&](const Args& a) {
             const auto n = a.size() == 1 ? parse_number(a[0]) : std::nullopt;
             if (!n) return malformed("expect-queue-count N");
             const std::string fields = queue_json(app);
             return std::to_string(app.queue().rows().size()) == a[0]
                        ? Outcome{true, false, fields}
                        : failed("expected " + a[0] + " rows", fields);
         }},
        {"expect-queue-row",
         [&](const Args& a) {
             const auto row = a.size() == 2 ? parse_number(a[0]) : std::nullopt;
             if (!row || *row < 0 || !parse_number(a[1]))
                 return malformed("expect-queue-row ROW ID");
             const std::string fields = queue_json(app);
             const auto& rows = app.queue().rows();
             const auto r = static_cast<std::size_t>(*row);
             const bool match = r < rows.size() && std::to_string(rows[r].id) == a[1];
             return match ? Outcome{true, false, fields}
                          : failed("expected incident " + a[1] + " in row " + a[0], fields);
         }},
        {"queue-click",
         [&](const Args& a) {
             const auto row = a.size() == 1 ? parse_number(a[0]) : std::nullopt;
             if (!row || *row < 0) return malformed("queue-click ROW");
             app.refresh_ops(true);
             if (!app.queue_click(static_cast<std::size_t>(*row))) {
                 return failed("no row " + a[0], queue_json(app));
             }
             return Outcome{true, false,
                            ",\"selected\":" + selection_json(app) + ",\"view\":" + view_json(app)};
         }},
        {"console",
         [&](const Args& a) {
             const auto action = a.size() == 1 ? parse_case_action(a[0]) : std::nullopt;
             if (!action) return malformed("console ACTION (order, close, …)");
             if (!app.console_choose(*action))
                 return failed("no console, or no incident or case selected", "");
             return Outcome{};
         }},
        {"console-send",
         [&](const Args& a) {
             std::string note;
             for (const std::string& word : a)
                 note += (note.empty() ? "" : " ") + word;
             const auto sent = app.console_send(note);
             if (!sent) return failed(sent.error(), "");
             return Outcome{true, false, ",\"command\":" + json_string(*sent)};
         }},
        {"case-menu",
         [&](const Args& a) {
             const auto id = a.size() == 1 ? parse_number(a[0]) : std::nullopt;
             if (!id || *id <= 0) return malformed("case-menu INCIDENT");
             return app.open_case_menu(static_cast<std::uint64_t>(*id))
                        ? Outcome{}
                        : failed("no console, or no incident " + a[0], "");
         }},
        {"unit-menu",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("unit-menu UNIT");
             return app.open_unit_menu(key_of_unit(a[0]))
                        ? Outcome{}
                        : failed("no console, no incident selected, or " + a[0] +
                                     " is not a free unit here",
                                 "");
         }},
        {"console-order-unit",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("console-order-unit UNIT");
             if (!app.console_order_unit(key_of_unit(a[0])))
                 return failed("the selected case takes no order of " + a[0] + " now", "");
             const ConsoleForm& form = app.console()->form();
             return Outcome{true, false,
                            ",\"unit\":" + json_string(form.unit) +
                                ",\"department\":" + json_string(form.department) +
                                ",\"passed_over\":" + json_string(form.passed_over)};
         }},
        {"console-unit",
         [&](const Args& a) {
             const auto rank = a.size() == 1 ? parse_number(a[0]) : std::nullopt;
             if (!rank || *rank < 0) return malformed("console-unit RANK (1 the first; 0 none)");
             std::string listed = ",\"proposals\":[";
             for (const UnitProposal& p : app.proposals())
                 listed += std::string(listed.back() == '[' ? "" : ",") +
                           "{\"unit\":" + json_string(p.unit.id) +
                           ",\"department\":" + json_string(p.unit.department) +
                           ",\"basis\":" + std::to_string(static_cast<int>(p.basis)) +
                           ",\"metres\":" + std::to_string(std::lround(p.metres)) +
                           ",\"eta_s\":" + std::to_string(std::lround(p.eta_s)) + "}";
             listed += "]";
             if (!app.console_unit(static_cast<std::size_t>(*rank)))
                 return failed("no order being filled in, or no proposal " + a[0], listed);
             return Outcome{true, false, listed};
         }},
        {"expect-kpi", [&](const Args& a) { return expect_kpi(app, a); }},
        {"state-save",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("state-save NAME");
             saved_states[a[0]] = app.state();
             return Outcome{};
         }},
        {"state-apply",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("state-apply NAME");
             const auto it = saved_states.find(a[0]);
             if (it == saved_states.end()) return failed("no state saved as " + a[0]);
             app.apply_state(it->second);
             return Outcome{true, false,
                            ",\"selected\":" + selection_json(app) + ",\"view\":" + view_json(app)};
         }},
        {"expect-state",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("expect-state NAME");
             const auto it = saved_states.find(a[0]);
             if (it == saved_states.end()) return failed("no state saved as " + a[0]);
             return app.state() == it->second ? Outcome{}
                                              : failed("the wall state differs from " + a[0],
                                                       ",\"view\":" + view_json(app));
         }},
        {"wait-seq",
         [&](const Args& a) {
             const auto n = !a.empty() && a.size() <= 2 ? parse_number(a[0]) : std::nullopt;
             const auto timeout = a.size() == 2 ? parse_number(a[1]) : options.timeout_s;
             if (!n || !timeout || *n < 0) return malformed("wait-seq N [TIMEOUT_S]");
             const auto start = std::chrono::steady_clock::now();
             while (app.picture().seq() < static_cast<std::uint64_t>(*n) &&
                    std::chrono::steady_clock::now() - start <
                        std::chrono::duration<double>(*timeout)) {
                 std::this_thread::sleep_for(std::chrono::milliseconds(20));
                 app.pump_stream();
             }
             const std::string seq = ",\"seq\":" + std::to_string(app.picture().seq());
             return app.picture().seq() >= static_cast<std::uint64_t>(*n)
                        ? Outcome{true, false, seq}
                        : failed("timed out", seq);
         }},
        {"expect-selected", [&](const Args& a) { return expect_selected(app, a); }},
        {"expect-near-unit",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("expect-near-unit ID");
             const Selection& s = app.selection();
             const auto incident = app.picture().incidents().find(s.incident);
             const std::string got = ",\"selected\":" + selection_json(app);
             if (s.kind != Selection::Kind::incident || !incident)
                 return failed("no incident selected", got);
             const auto near = nearest_units(app.picture(), incident->id, incident->location, 1);
             return !near.empty() && near.front().unit->id == a[0]
                        ? Outcome{true, false, got}
                        : failed("expected unit " + a[0] + " first", got);
         }},
        {"wait-units",
         [&](const Args& a) {
             const auto n = !a.empty() && a.size() <= 2 ? parse_number(a[0]) : std::nullopt;
             const auto timeout = a.size() == 2 ? parse_number(a[1]) : options.timeout_s;
             if (!n || !timeout || *n < 0) return malformed("wait-units N [TIMEOUT_S]");
             const auto start = std::chrono::steady_clock::now();
             while (app.units().size() < static_cast<std::size_t>(*n) &&
                    std::chrono::steady_clock::now() - start <
                        std::chrono::duration<double>(*timeout)) {
                 std::this_thread::sleep_for(std::chrono::milliseconds(20));
                 app.pump_stream();
             }
             const std::string units = ",\"units\":" + std::to_string(app.units().size());
             return app.units().size() >= static_cast<std::size_t>(*n) ? Outcome{true, false, units}
                                                                       : failed("timed out", units);
         }},
        {"expect-aggregated",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("expect-aggregated LEVEL|off");
             const std::string got = app.aggregated()
                                         ? app.areas().level(app.aggregate_level()).config.level
                                         : std::string("off");
             const std::string fields = ",\"aggregated\":" + json_string(got);
             return got == a[0] ? Outcome{true, false, fields} : failed("expected " + a[0], fields);
         }},
        {"expect-count",
         [&](const Args& a) {
             if (a.size() != 2 || !parse_number(a[1])) return malformed("expect-count CODE N");
             const auto hits = app.areas().find_all(a[0], 2);
             if (hits.empty()) return failed("no area " + a[0]);
             if (hits.size() > 1) return failed("more than one area is called " + a[0]);
             const auto n = app.counts().count(hits[0].level, hits[0].area);
             const std::string fields = ",\"open\":" + std::to_string(n);
             return std::to_string(n) == a[1] ? Outcome{true, false, fields}
                                              : failed("expected " + a[1], fields);
         }},
        {"wait-case",
         [&](const Args& a) {
             // The selected incident's case from ingest: its history must have N changes.
             const auto n = !a.empty() && a.size() <= 2 ? parse_number(a[0]) : std::nullopt;
             const auto timeout = a.size() == 2 ? parse_number(a[1]) : options.timeout_s;
             if (!n || !timeout || *n < 0) return malformed("wait-case N [TIMEOUT_S]");
             if (app.selection().kind != Selection::Kind::incident &&
                 app.selection().kind != Selection::Kind::case_number)
                 return failed("no incident or case selected");
             const auto start = std::chrono::steady_clock::now();
             const SelectedCase& selected = app.selected_case();
             const auto answered = [&] {
                 const auto state = selected.state(SelectedCase::Clock::now());
                 return state == SelectedCase::State::current ||
                        state == SelectedCase::State::not_found;
             };
             while (!answered()) {
                 if (std::chrono::steady_clock::now() - start >
                     std::chrono::duration<double>(*timeout))
                     return failed("timed out waiting for the case of the selected incident");
                 std::this_thread::sleep_for(std::chrono::milliseconds(20));
                 app.pump_stream();
             }
             const wire::IncidentCase& reply = *selected.reply();
             static constexpr const char* kFound[] = {"none", "open", "kept", "journal",
                                                      "searching"};
             const std::string fields =
                 ",\"open\":" + std::string(reply.open ? "true" : "false") + ",\"found\":\"" +
                 kFound[static_cast<int>(reply.found)] + "\"" +
                 ",\"changes\":" + std::to_string(reply.history.changes.size()) +
                 ",\"description\":" + json_string(reply.incident.description);
             if (reply.history.changes.size() != static_cast<std::size_t>(*n))
                 return failed(
                     "the case has " + std::to_string(reply.history.changes.size()) + " changes",
                     fields);
             return Outcome{true, false, fields};
         }},
        {"expect-glyphs",
         [&](const Args& a) {
             // As drawing TEXT would: characters the atlas lacks are added before the next
             // frame. Then every character of TEXT must be in the panel font.
             if (a.size() != 1) return malformed("expect-glyphs TEXT");
             app.fonts().want(a[0]);
             auto target = OffscreenTarget::create(64, 64);
             if (!target) return failed(target.error());
             app.render_frame(64, 64, target->framebuffer(), true);
             std::string lacking;
             const char* at = a[0].data();
             const char* end = at + a[0].size();
             while (at < end) {
                 unsigned c = 0;
                 const int length = ImTextCharFromUtf8(&c, at, end);
                 if (length <= 0) break;
                 if (!app.fonts().body ||
                     !app.fonts().body->FindGlyphNoFallback(static_cast<ImWchar>(c)))
                     lacking.append(at, static_cast<std::size_t>(length));
                 at += length;
             }
             const std::string fields = ",\"lacking\":" + json_string(lacking);
             return lacking.empty() ? Outcome{true, false, fields}
                                    : failed("characters not in the atlas", fields);
         }},
        {"snapshot",
         [&](const Args& a) {
             if (a.size() != 1) return malformed("snapshot OUT.png");
             if (auto taken =
                     take_picture(app, a[0], options.snapshot_width, options.snapshot_height);
                 !taken) {
                 return failed(taken.error());
             }
             return Outcome{true, false, ",\"file\":" + json_string(a[0])};
         }},
    };

    int exit_code = 0;
    std::string line;
    for (int number_ = 1; std::getline(file, line); ++number_) {
        std::istringstream words(line);
        std::string name;
        if (!(words >> name) || name[0] == '#') continue;
        Args args;
        for (std::string word; words >> word;)
            args.push_back(word);
        app.pump_stream();
        auto wall_command = parse_wall_command(name, args);
        Outcome outcome;
        if (wall_command) {
            outcome = run_wall_command(app, *wall_command);
        } else if (wall_command.error_kind() != ErrorKind::not_found) {
            outcome = malformed(wall_command.error());
        } else {
            const auto it = commands.find(name);
            outcome = it == commands.end() ? malformed("unknown command") : it->second(args);
        }
        std::printf("{\"line\":%d,\"command\":%s,\"ok\":%s%s}\n", number_,
                    json_string(name).c_str(), outcome.ok ? "true" : "false",
                    outcome.fields.c_str());
        std::fflush(stdout);
        if (outcome.malformed) return 2;
        if (!outcome.ok) exit_code = 4;
    }
    return exit_code;
}

}  // namespace citywall::viewer
