// Index: [selection] [picking] [zoom-to] [mouse and keys] [view motion]
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
#include "wall_app.hpp"

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
    case_.select(selection.kind == Selection::Kind::incident ? selection.incident : 0);
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

// ========================================================================== picking ====

Selection WallApp::click(double px, double py, bool beat) {
    const bool aggregate = aggregated();
    if (!beat) {
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
    const AreaLevel level = aggregate ? aggregate_level() : AreaLevel::grid;
    std::optional<std::uint32_t> area;
    if (!beat && (area = areas_.locate(level, p))) {
        selection = {Selection::Kind::area, 0, {level, *area}, {}};
    } else if ((area = areas_.locate(AreaLevel::beat, p))) {
        selection = {Selection::Kind::area, 0, {AreaLevel::beat, *area}, {}};
    }
    select(selection);
    return selection_;
}

// ========================================================================== zoom-to ====

bool WallApp::zoom_to(const std::string& text) {
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error == std::errc() && end == text.data() + text.size() && select_incident(id, true)) {
        return true;
    }
    const auto hit = areas_.find(text);
    if (!hit) {
        // A unit by its id or call sign ("巡逻12", "沪A1234").
        for (const auto& [key, unit] : picture_.units()) {
            if (unit.id == text || unit.callsign == text) return select_unit(key, true);
        }
        return false;
    }
    select({Selection::Kind::area, 0, *hit, {}});
    const AreaSet& set = areas_.level(hit->level);
    fly_to(set.mesh.boxes[hit->area], 3.0, set.mesh.anchors[hit->area]);
    return true;
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
        if (ImGui::IsKeyPressed(GLFW_KEY_Q, false)) show_queue = !show_queue;
        if (ImGui::IsKeyPressed(GLFW_KEY_K, false)) show_kpi = !show_kpi;
        if (ImGui::IsKeyPressed(GLFW_KEY_H, false)) heat_on = !heat_on;
        if (ImGui::IsKeyPressed(GLFW_KEY_U, false)) units_on = !units_on;
    }
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
