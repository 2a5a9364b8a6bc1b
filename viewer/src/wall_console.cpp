// The console's side of the wall (docs/dispatch.md, docs/viewer.md "The console"): choosing a
// step for the selected case, the units proposed for an order, the map's right-click menu of a
// case's steps, and what scripts do in their place (console-unit, console-send, case-menu).
#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>

#include "citywall/geo.hpp"
#include "map_panels.hpp"
#include "network_client.hpp"
#include "wall_app.hpp"

namespace citywall::viewer {

bool WallApp::console_choose(CaseAction action) {
    const bool has_case = selection_.kind == Selection::Kind::incident ||
                          selection_.kind == Selection::Kind::case_number;
    if (!console_ || !has_case) return false;
    console_->choose(selection_.incident, action);
    return true;
}

// A console's shortcuts: a letter chooses its step for the selected case, when the console
// offers that step there (the form opens as a click on the button would).
void WallApp::console_keys() {
    if (!console_) return;
    // Most frames press nothing: the incident is looked up only when a step's letter is.
    std::optional<CaseAction> pressed;
    for (char letter = 'A'; letter <= 'Z' && !pressed; ++letter)
        if (ImGui::IsKeyPressed(GLFW_KEY_A + (letter - 'A'), false))
            pressed = action_of_shortcut(letter);
    if (!pressed) return;
    const auto incident = selected_case_incident();
    if (!incident) return;
    const auto offered = offered_actions(incident->case_standing(), console_->role());
    if (std::find(offered.begin(), offered.end(), *pressed) != offered.end())
        (void)console_choose(*pressed);
}

std::optional<Incident> WallApp::selected_case_incident() const {
    if (selection_.kind == Selection::Kind::incident)
        return picture_.incidents().incident(selection_.incident);
    if (selection_.kind == Selection::Kind::case_number && case_.reply() &&
        case_.reply()->has_incident())
        return case_.reply()->incident;
    return std::nullopt;
}

std::vector<UnitProposal> WallApp::proposals() const {
    const auto incident = selected_case_incident();
    if (!incident) return {};
    return propose_units(picture_, *incident, &roads_, clock_.now(), kProposedUnits);
}

bool WallApp::console_unit(std::size_t rank) {
    if (!console_) return false;
    ConsoleForm& form = console_->form();
    const bool orders = form.action == CaseAction::order || form.action == CaseAction::reopen;
    if (!orders || form.incident != selection_.incident) return false;
    const auto listed = proposals();
    if (rank == 0) {
        form.unit.clear();
        form.passed_over.clear();
        return true;
    }
    if (rank > listed.size()) return false;
    choose_proposal(listed, rank - 1, form);
    return true;
}

// An order of `incident` being filled in: the units proposed for it, routed at most once a
// second; null when no order is.
const std::vector<UnitProposal>* WallApp::order_proposals(const Incident& incident) {
    if (!console_ || console_->form().incident != incident.id) return nullptr;
    const CaseAction action = console_->form().action;
    if (action != CaseAction::order && action != CaseAction::reopen) return nullptr;
    const TimeMs now = clock_.now();
    if (proposals_for_ != incident.id || now - proposals_at_ >= 1000 || now < proposals_at_) {
        proposals_ = propose_units(picture_, incident, &roads_, now, kProposedUnits);
        proposals_for_ = incident.id;
        proposals_at_ = now;
    }
    return &proposals_;
}

Result<std::string> WallApp::console_send(const std::string& note) {
    using R = Result<std::string>;
    if (!console_ || !network_) return R::failure(ErrorKind::invalid, "no console");
    if (!note.empty()) console_->form().note = note;
    if (const std::string lacking = console_->missing(); !lacking.empty())
        return R::failure(ErrorKind::invalid, "needs " + lacking);
    auto command = console_->take_command();
    if (!command) return R::failure(ErrorKind::invalid, "nothing to send");
    std::string id = command->id;
    network_->send_command(std::move(*command));
    return id;
}

void WallApp::place_case_menu(LonLat beside) {
    // Beside the marker (where a right click on it is); the framebuffer's pixels are ImGui's
    // here but for the window's scale.
    const geo::Mercator m = geo::to_mercator(beside);
    const auto px = camera_.to_screen({m.x, m.y});
    const float scale = ImGui::GetIO().DisplayFramebufferScale.x > 0
                            ? ImGui::GetIO().DisplayFramebufferScale.x
                            : 1.0f;
    case_menu_at_ = {static_cast<float>(px[0]) / scale + 8, static_cast<float>(px[1]) / scale + 8};
}

bool WallApp::open_case_menu(std::uint64_t incident) {
    const auto found = picture_.incidents().find(incident);
    if (!console_ || !found) return false;
    case_menu_for_ = incident;
    case_menu_unit_for_.clear();
    place_case_menu(found->location);
    return true;
}

bool WallApp::open_unit_menu(const std::string& unit) {
    const auto it = picture_.units().find(unit);
    if (!console_ || selection_.kind != Selection::Kind::incident || it == picture_.units().end() ||
        !it->second.free() || !picture_.incidents().contains(selection_.incident))
        return false;
    case_menu_for_ = selection_.incident;
    case_menu_unit_for_ = unit;
    place_case_menu(it->second.location);
    return true;
}

// A console's right click: on an incident (or a unit on a case), its case's steps; on a free
// unit while a case is selected, an order of that unit to the case, which stays selected.
void WallApp::right_click(double px, double py) {
    if (selection_.kind == Selection::Kind::incident &&
        !incidents_->pick(camera_, px, py, aggregated()))
        if (const auto unit = units_on ? units_->pick(camera_, px, py) : std::nullopt)
            if (open_unit_menu(*unit)) return;
    const Selection picked = click(px, py, false);
    std::uint64_t incident = picked.kind == Selection::Kind::incident ? picked.incident : 0;
    if (picked.kind == Selection::Kind::unit) {
        const auto it = picture_.units().find(picked.unit);
        if (it != picture_.units().end()) incident = it->second.incident;
    }
    if (incident != 0) (void)open_case_menu(incident);
}

// The map's right-click menu (right_click opens it): the steps of the case clicked, or the
// order of the free unit clicked to the selected case.
void WallApp::draw_case_menu() {
    if (!console_) return;
    if (case_menu_for_ != 0) {
        case_menu_open_ = case_menu_for_;
        case_menu_unit_ = case_menu_unit_for_;
        case_menu_for_ = 0;
        ImGui::OpenPopup("##map-case-menu");
        ImGui::SetNextWindowPos(ImVec2(case_menu_at_[0], case_menu_at_[1]));
    }
    if (!ImGui::BeginPopup("##map-case-menu")) return;
    const auto incident = picture_.incidents().incident(case_menu_open_);
    if (!incident) {
        ImGui::CloseCurrentPopup();  // closed meanwhile
    } else if (!case_menu_unit_.empty()) {
        draw_unit_order_item(*incident);
    } else if (const auto step = case_menu_items(*console_, *incident, fonts_)) {
        if (select_incident(case_menu_open_, false)) (void)console_choose(*step);
    }
    ImGui::EndPopup();
}

// The free unit's menu (unit_menu_items); choosing its order is console_order_unit.
void WallApp::draw_unit_order_item(const Incident& incident) {
    const auto it = picture_.units().find(case_menu_unit_);
    if (it == picture_.units().end() || !it->second.free()) {
        ImGui::CloseCurrentPopup();  // gone, or taken meanwhile
        return;
    }
    if (unit_menu_items(*console_, it->second, incident, fonts_))
        (void)console_order_unit(case_menu_unit_);
}

bool WallApp::console_order_unit(const std::string& unit) {
    const auto incident = selection_.kind == Selection::Kind::incident
                              ? picture_.incidents().incident(selection_.incident)
                              : std::nullopt;
    const auto it = picture_.units().find(unit);
    if (!console_ || !incident || it == picture_.units().end() || !it->second.free() ||
        it->second.drill != incident->drill)
        return false;
    const auto step = unit_order_step(incident->case_standing(), console_->role());
    if (!step || !console_choose(*step)) return false;
    choose_unit(proposals(), it->second, console_->form());
    return true;
}

}  // namespace citywall::viewer
