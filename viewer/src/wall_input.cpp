// Index: [selection] [state and commands] [picking] [zoom-to] [mouse and keys] [view motion]
// Interaction with the wall: what a click picks, what the search box finds, and how the view
// moves (drag with inertia, wheel zoom, eased flights to a target).
#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "citywall/geo.hpp"
#include "network_client.hpp"
#include "wall_app.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

// ======================================================================== selection ====

void WallApp::select(const Selection& selection) {
    selection_ = selection;
    incidents_->set_selected(selection.kind == Selection::Kind::incident
                                 ? std::optional<std::uint64_t>(selection.incident)
                                 : std::nullopt);
    units_->set_selected(selection.kind == Selection::Kind::unit
                             ? std::optional<std::string>(selection.unit)
                             : std::nullopt);
    const bool has_case = selection.kind == Selection::Kind::incident ||
                          selection.kind == Selection::Kind::case_number;
    case_.select(has_case ? selection.incident : 0);
    ask_for_case();
}

// Close enough to see its street, but never further out than the operator already is.
void WallApp::fly_close_to(LonLat where) {
    const geo::Mercator m = geo::to_mercator(where);
    const double mpp = std::min(camera_.metres_per_pixel, 6.0);
    fly_to({m.x - mpp, m.y - mpp, m.x + mpp, m.y + mpp}, mpp);
}

bool WallApp::select_incident(std::uint64_t id, bool fly) {
    const auto incident = picture_.incidents().find(id);
    if (!incident) return false;
    Selection selection;
    selection.kind = Selection::Kind::incident;
    selection.incident = id;
    select(selection);
    if (fly) fly_close_to(incident->location);
    return true;
}

bool WallApp::select_unit(const std::string& key, bool fly) {
    const auto it = picture_.units().find(key);
    if (it == picture_.units().end()) return false;
    Selection selection;
    selection.kind = Selection::Kind::unit;
    selection.unit = key;
    select(selection);
    if (fly) fly_close_to(it->second.location);
    return true;
}

// =============================================================== state and commands ====

WallState WallApp::state() const {
    WallState s;
    s.center = camera_.center;
    s.metres_per_pixel = camera_.metres_per_pixel;
    s.aggregate = aggregate_mode_;
    for (const MapLayer& layer : layers_)
        s.layers.emplace_back(layer.style().name, layer.style().visible);
    s.selection = selection_;
    s.queue = show_queue;
    s.kpi = show_kpi;
    s.heat = heat_on;
    s.units = units_on;
    s.queue_filter = queue_.filter();
    s.clock = clock_.now();
    return s;
}

void WallApp::apply_state(const WallState& s) {
    flight_.reset();
    pan_velocity_ = {0, 0};
    camera_.center = s.center;
    camera_.metres_per_pixel = s.metres_per_pixel;
    aggregate_mode_ = s.aggregate;
    for (const auto& [name, shown] : s.layers) {
        for (MapLayer& layer : layers_) {
            if (layer.style().name == name) layer.style().visible = shown;
        }
    }
    Selection selection = s.selection;
    const bool gone =
        (selection.kind == Selection::Kind::incident &&
         !picture_.incidents().contains(selection.incident)) ||
        (selection.kind == Selection::Kind::unit && !picture_.units().contains(selection.unit)) ||
        (selection.kind == Selection::Kind::area &&
         selection.area.area >= areas_.level(selection.area.level).refs.size());
    select(gone ? Selection{} : selection);
    show_queue = s.queue;
    show_kpi = s.kpi;
    heat_on = s.heat;
    units_on = s.units;
    queue_.filter() = s.queue_filter;
    if (s.clock > clock_.now()) clock_.advance(static_cast<double>(s.clock - clock_.now()) / 1000);
}

Result<void> WallApp::run(const WallCommand& wall_command) {
    using namespace command;
    return std::visit(
        [&](const auto& c) -> Result<void> {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, SetView>) {
                const geo::Mercator m = geo::to_mercator(c.center);
                flight_.reset();
                camera_.center = {m.x, m.y};
                camera_.metres_per_pixel = c.metres_per_pixel;
            } else if constexpr (std::is_same_v<C, Click>) {
                click(c.x, c.y, c.beat);
            } else if constexpr (std::is_same_v<C, SelectIncident>) {
                if (!select_incident(c.id, true))
                    return Error{ErrorKind::not_found, "no open incident " + std::to_string(c.id)};
            } else if constexpr (std::is_same_v<C, ZoomTo>) {
                if (!zoom_to(c.target))
                    return Error{ErrorKind::not_found, "nothing called " + c.target};
            } else if constexpr (std::is_same_v<C, Search>) {
                search(c.text);
            } else if constexpr (std::is_same_v<C, ClearSelection>) {
                clear_selection();
            } else if constexpr (std::is_same_v<C, SetAggregate>) {
                aggregate_mode_ = c.mode;
            } else if constexpr (std::is_same_v<C, ShowPanel>) {
                bool* flag[] = {&show_queue, &show_kpi, &heat_on, &units_on};
                *flag[static_cast<int>(c.panel)] = c.on;
            } else if constexpr (std::is_same_v<C, FilterQueue>) {
                queue_.filter() = filtered(queue_.filter(), c);
            } else if constexpr (std::is_same_v<C, SortQueue>) {
                queue_.filter().sort = c.sort;
            } else {
                static_assert(std::is_same_v<C, AdvanceClock>);
                clock_.advance(c.seconds);
            }
            return {};
        },
        wall_command);
}

// ========================================================================== picking ====

Selection WallApp::click(double px, double py, bool other) {
    const bool aggregate = aggregated();
    if (!other) {
        if (auto id = incidents_->pick(camera_, px, py, aggregate)) {
            select_incident(*id, false);
            return selection_;
        }
        if (auto key = units_on ? units_->pick(camera_, px, py) : std::nullopt) {
            select_unit(*key, false);
            return selection_;
        }
    }
    const MercatorPoint world = camera_.to_world(px, py);
    const LonLat p = geo::from_mercator({world.x, world.y});
    Selection selection;
    // The area shown (aggregated), else the innermost of the choropleth's hierarchy that holds
    // the point; `other` (a right click's second choice): the innermost of another hierarchy
    // (the police beat under a grid).
    const std::vector<AreaLevel> shown = areas_.hierarchy(config_.aggregate.hierarchy);
    std::vector<AreaLevel> order;
    if (!other) {
        if (aggregate) order.push_back(aggregate_level());
        order.insert(order.end(), shown.rbegin(), shown.rend());
    }
    for (std::size_t i = areas_.level_count(); i-- > 0;)
        if (std::find(shown.begin(), shown.end(), i) == shown.end())
            order.push_back(static_cast<AreaLevel>(i));
    for (const AreaLevel level : order) {
        if (auto area = areas_.locate(level, p)) {
            selection = {Selection::Kind::area, 0, {level, *area}, {}};
            break;
        }
    }
    select(selection);
    return selection_;
}

// ========================================================================== zoom-to ====

bool WallApp::zoom_to(const std::string& text) {
    const auto matches = find_matches(text, picture_, areas_);
    if (matches.empty()) return false;
    if (matches.size() > 1)
        std::fprintf(stderr, "citywall-viewer: '%s' names %zu things; going to the first, %s\n",
                     text.c_str(), matches.size(), matches.front().label.c_str());
    go_to(matches.front());
    return true;
}

void WallApp::search(const std::string& text) {
    search_text_ = text;
    search_matched_ = text;
    search_matches_ = find_matches(text, picture_, areas_);
    search_feedback_.clear();
    if (search_matches_.empty()) {
        search_feedback_ = say("未找到", "not found");
    } else if (search_matches_.size() == 1) {
        go_to(search_matches_.front());
        search_matches_.clear();
    } else {
        const std::string n = std::to_string(search_matches_.size());
        search_feedback_ = say(n + " 个结果", n + " matches", n + " 个结果 matches");
    }
}

void WallApp::go_to(const SearchMatch& match) {
    switch (match.kind) {
        case SearchMatch::Kind::incident:
            (void)select_incident(match.incident, true);
            return;
        case SearchMatch::Kind::unit:
            (void)select_unit(match.unit, true);
            return;
        case SearchMatch::Kind::case_number:
            // Open meanwhile: the incident on the map; else whatever ingest has of it.
            if (!select_incident(match.incident, true))
                select({Selection::Kind::case_number, match.incident, {}, {}});
            return;
        case SearchMatch::Kind::area: {
            select({Selection::Kind::area, 0, match.area, {}});
            const AreaSet& set = areas_.level(match.area.level);
            fly_to(set.mesh.boxes[match.area.area], 3.0, set.mesh.anchors[match.area.area]);
            return;
        }
    }
}

void WallApp::fly_to(const MercatorBox& box, double min_mpp, std::optional<MercatorPoint> inside) {
    Camera target = camera_;
    const double left = options_.hide_panels ? 0.0 : side_panel_width(camera_);
    target.fit(box, left, camera_.width, 48.0);
    target.metres_per_pixel = std::max(target.metres_per_pixel, min_mpp);
    if (inside) {
        // Centred on the inner point: a little further out, so the whole area stays in view.
        target.metres_per_pixel *= 1.25;
        const double mid = (left + camera_.width) / 2.0;
        target.center = {inside->x - (mid - camera_.width / 2.0) * target.metres_per_pixel,
                         inside->y};
    }
    if (box.max_x - box.min_x < 4 * min_mpp) target.center = box.center();
    pan_velocity_ = {0, 0};
    const bool headless = !options_.script.empty() || !options_.snapshot_out.empty();
    if (headless) {  // scripts and pictures land at once: no frames between commands
        camera_.center = target.center;
        camera_.metres_per_pixel = target.metres_per_pixel;
        flight_.reset();
        return;
    }
    flight_ = Flight{camera_.center, target.center, camera_.metres_per_pixel,
                     target.metres_per_pixel, 0.0};
}

// =================================================================== mouse and keys ====

void WallApp::handle_input() {
    ImGuiIO& io = ImGui::GetIO();
    if (!io.WantCaptureKeyboard && ImGui::IsKeyPressed(ImGuiKey_Escape)) select({});
    if (!io.WantTextInput) {  // Q queue, K KPIs, H heat (not while typing in the search box)
        // The keys are commands like a script's: the same values change the same state.
        const std::pair<int, Panel> keys[] = {{GLFW_KEY_Q, Panel::queue},
                                              {GLFW_KEY_K, Panel::kpi},
                                              {GLFW_KEY_H, Panel::heat},
                                              {GLFW_KEY_U, Panel::units}};
        const bool shown[] = {show_queue, show_kpi, heat_on, units_on};
        for (const auto& [key, panel] : keys) {
            if (ImGui::IsKeyPressed(key, false))
                (void)run(command::ShowPanel{panel, !shown[static_cast<int>(panel)]});
        }
    }
    if (!io.WantTextInput) console_keys();
    if (!io.WantTextInput && trainer() && timeline_box_ && network_)
        if (auto asked = timeline_.keys(*picture_.drill_clock()))
            network_->send_command(std::move(*asked));
    if (io.WantCaptureMouse) return;
    int window_w = 1, window_h = 1;
    glfwGetWindowSize(window_, &window_w, &window_h);
    // Window coordinates to framebuffer pixels (they differ on HiDPI screens).
    const double sx = static_cast<double>(camera_.width) / std::max(1, window_w);
    const double sy = static_cast<double>(camera_.height) / std::max(1, window_h);
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left, 4.0f)) {
        camera_.pan_pixels(io.MouseDelta.x * sx, io.MouseDelta.y * sy);
        flight_.reset();
        // The velocity a release leaves behind: smoothed over the last few frames.
        const double dt = std::max(1e-3, static_cast<double>(io.DeltaTime));
        pan_velocity_[0] = 0.6 * pan_velocity_[0] + 0.4 * io.MouseDelta.x * sx / dt;
        pan_velocity_[1] = 0.6 * pan_velocity_[1] + 0.4 * io.MouseDelta.y * sy / dt;
    } else if (ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
        pan_velocity_ = {0, 0};
    }
    if (ImGui::IsMouseReleased(ImGuiMouseButton_Left)) {
        if (io.MouseDragMaxDistanceSqr[ImGuiMouseButton_Left] <= 16) {  // a click, not a drag
            pan_velocity_ = {0, 0};
            click(io.MousePos.x * sx, io.MousePos.y * sy, io.KeyShift);
        }
    }
    if (ImGui::IsMouseReleased(ImGuiMouseButton_Right) &&
        io.MouseDragMaxDistanceSqr[ImGuiMouseButton_Right] <= 16 && console_)
        right_click(io.MousePos.x * sx, io.MousePos.y * sy);
    if (io.MouseWheel != 0) {
        flight_.reset();
        camera_.zoom_at(io.MousePos.x * sx, io.MousePos.y * sy, std::pow(1.25, io.MouseWheel));
    }
}

// ====================================================================== view motion ====

void WallApp::animate_view(double dt) {
    dt = std::clamp(dt, 0.0, 0.1);
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left) &&
        std::hypot(pan_velocity_[0], pan_velocity_[1]) > 5.0) {
        camera_.pan_pixels(pan_velocity_[0] * dt, pan_velocity_[1] * dt);
        const double decay = std::exp(-4.0 * dt);  // about a quarter of a second to settle
        pan_velocity_[0] *= decay;
        pan_velocity_[1] *= decay;
    } else if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
        pan_velocity_ = {0, 0};
    }
    if (!flight_) return;
    flight_->t = std::min(1.0, flight_->t + dt / 0.8);
    const double s = flight_->t * flight_->t * (3 - 2 * flight_->t);  // ease in and out
    // Zoom moves on a log scale, so the flight does not rush through the close end.
    camera_.metres_per_pixel =
        std::exp(std::log(flight_->from_mpp) * (1 - s) + std::log(flight_->to_mpp) * s);
    camera_.center = {flight_->from.x + (flight_->to.x - flight_->from.x) * s,
                      flight_->from.y + (flight_->to.y - flight_->from.y) * s};
    if (flight_->t >= 1.0) flight_.reset();
}

}  // namespace citywall::viewer
