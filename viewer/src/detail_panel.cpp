// Index: [formatting] [detail panel] [search box]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

#include "map_panels.hpp"
#include "unit_layer.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

const ImVec4 kHeading(0.55f, 0.75f, 1.0f, 1.0f);
const ImVec4 kDim(0.62f, 0.68f, 0.76f, 1.0f);

// "label  value" rows, drawn as a two-column table whose labels are as wide as the widest, so
// no label is cut in either language.
class Rows {
  public:
    void add(std::string label, std::string value) {
        rows_.emplace_back(std::move(label), std::move(value));
    }
    void draw(const char* id, const WallFonts& fonts) const {
        float widest = 0;
        for (const auto& [label, value] : rows_) {
            fonts.want(label);
            fonts.want(value);
            widest = std::max(widest, ImGui::CalcTextSize(label.c_str()).x);
        }
        if (!ImGui::BeginTable(id, 2, ImGuiTableFlags_SizingStretchProp)) return;
        ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, widest + 4);
        ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
        for (const auto& [label, value] : rows_) {
            ImGui::TableNextColumn();
            ImGui::TextColored(kDim, "%s", label.c_str());
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", value.c_str());
        }
        ImGui::EndTable();
    }

  private:
    std::vector<std::pair<std::string, std::string>> rows_;
};

std::string area_text(const AreaRef& ref) {
    if (ref.empty()) return "—";
    return ref.name.empty() || ref.name == ref.code ? ref.code : ref.name + "  " + ref.code;
}

}  // namespace

// ======================================================================= formatting ====

std::string format_time(TimeMs t) {
    if (t <= 0) return "—";
    const std::time_t seconds = static_cast<std::time_t>(t / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

std::string format_duration(double seconds) {
    char text[32];
    if (seconds < 0) seconds = 0;
    const auto s = static_cast<long long>(seconds);
    if (s < 3600) {
        std::snprintf(text, sizeof text, "%lld min %02lld s", s / 60, s % 60);
    } else if (s < 86400) {
        std::snprintf(text, sizeof text, "%lld h %02lld min", s / 3600, (s / 60) % 60);
    } else {
        std::snprintf(text, sizeof text, "%lld d %lld h", s / 86400, (s / 3600) % 24);
    }
    return text;
}

namespace {

std::string unit_kind_label(UnitKind kind) {
    switch (kind) {
        case UnitKind::police_car:
            return say("警车", "police car");
        case UnitKind::fire_engine:
            return say("消防车", "fire engine");
        case UnitKind::ambulance:
            return say("救护车", "ambulance");
        case UnitKind::patrol:
            return say("巡逻", "patrol");
        case UnitKind::grid_worker:
            return say("网格员", "grid worker");
        case UnitKind::other:
            break;
    }
    return say("其他", "other");
}

std::string unit_status_label(UnitStatus status) {
    switch (status) {
        case UnitStatus::available:
            return say("待命", "available");
        case UnitStatus::dispatched:
            return say("已派", "dispatched");
        case UnitStatus::en_route:
            return say("途中", "en route");
        case UnitStatus::on_scene:
            return say("到场", "on scene");
        case UnitStatus::returning:
            return say("返回", "returning");
        case UnitStatus::off_duty:
            return say("下班", "off duty");
        case UnitStatus::transporting:
            return say("转运", "transporting");
        case UnitStatus::cleared:
            return say("已完毕", "cleared");
        case UnitStatus::out_of_service:
            return say("停用", "out of service");
    }
    return "?";
}

// "2026-01-01 08:59:00" → "08:59:00"; a missing time stays "—".
std::string clock_time(TimeMs time) {
    const std::string when = format_time(time);
    return when.size() > 11 ? when.substr(11) : when;
}

std::string lines_text(std::vector<std::pair<TimeMs, std::string>> lines) {
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text;
    for (const auto& [time, what] : lines) {
        if (!text.empty()) text += "\n";
        text += clock_time(time) + "  " + what;
    }
    return text;
}

// Which departments reported it, each with its own id when the case has come.
std::string sources_text(const Incident& incident) {
    std::string text;
    for (const SourceRef& source : incident.sources) {
        if (!text.empty()) text += "\n";
        text += source.department;
        if (!source.source_id.empty()) text += "  " + source.source_id;
    }
    return text.empty() ? "—" : text;
}

// When it happened, when the centre heard of it, then every status change ingest recorded: who
// said what, and the incident's status after it where that differs. Without the case (not yet
// answered), each department's latest word, which is all the stream carries.
std::string timeline_text(const Incident& incident, const wire::IncidentCase* reply) {
    std::vector<std::pair<TimeMs, std::string>> lines;
    lines.emplace_back(incident.occurred, say("发生", "occurred"));
    lines.emplace_back(incident.received, say("接报", "received"));
    if (!reply || !reply->has_incident()) {
        for (const SourceRef& source : incident.sources) {
            // The wall keeps no department's own id or report time (they come with the case).
            std::string who = source.department;
            if (!source.source_id.empty()) who += " " + source.source_id;
            lines.emplace_back(source.reported, who + "  " + std::string(to_string(source.status)));
        }
        return lines_text(std::move(lines));
    }
    const CaseHistory& history = reply->history;
    // The centre's steps, each with who took it and what it said (docs/dispatch.md).
    for (std::size_t k = 0; k < history.steps.size(); ++k) {
        const CaseStep& step = history.steps[k];
        std::string what = step.actor + "  " + action_word(step.action);
        const bool to_department =
            step.action == CaseAction::order || step.action == CaseAction::reopen ||
            step.action == CaseAction::transfer || step.action == CaseAction::return_agree;
        if (to_department && !step.department.empty()) what += " → " + step.department;
        if (!step.unit.empty()) what += " (" + step.unit + ")";
        if (!step.reason.empty()) what += "  [" + step.reason + "]";
        if (!step.note.empty()) what += "  " + step.note;
        lines.emplace_back(step.time, std::move(what));
        if (k == 0 && history.steps_omitted > 0) {
            const std::string n = std::to_string(history.steps_omitted);
            lines.emplace_back(step.time,
                               "… " + say("省略 " + n + " 步", n + " earlier steps omitted"));
        }
    }
    for (std::size_t k = 0; k < history.changes.size(); ++k) {
        const StatusChange& change = history.changes[k];
        std::string what = change.department + "  " + std::string(to_string(change.reported));
        if (change.status != change.reported)
            what += "  → " + std::string(to_string(change.status));
        lines.emplace_back(change.time, std::move(what));
        if (k == 0 && history.omitted > 0) {
            // Kept in its place in time: just after the first change.
            const std::string n = std::to_string(history.omitted);
            lines.emplace_back(change.time,
                               "… " + say("省略 " + n + " 条", n + " earlier changes omitted"));
        }
    }
    return lines_text(std::move(lines));
}

// Whom an overdue incident has reached: each step goes one level up the city's first hierarchy
// from its innermost level (grid → community → street → district), past the top to the centre
// itself. "升级至 街道 escalated to Street (2)".
std::string escalation_text(std::uint8_t steps, const CityAreas* areas) {
    const std::vector<AreaLevel> first = areas ? areas->hierarchy("") : std::vector<AreaLevel>{};
    const std::string to = steps < first.size() ? areas->label(first[first.size() - 1 - steps])
                                                : say("指挥中心", "the centre");
    return say("升级至 " + to, "escalated to " + to, "升级至 escalated to " + to) + " (" +
           std::to_string(steps) + ")";
}

// The units nearest an incident: one selectable line each (call sign, status, distance).
void near_units_section(const DetailView& view, const Palette& palette, const WallFonts& fonts,
                        DetailPick& picked) {
    ImGui::Separator();
    ImGui::TextColored(kDim, "%s", say("附近单位", "nearest units").c_str());
    if (view.near_units.empty()) {
        ImGui::TextColored(kDim, "  %s", say("无位置数据", "no unit positions").c_str());
        return;
    }
    for (const NearUnit& near : view.near_units) {
        const Unit& unit = *near.unit;
        fonts.want(unit.label());
        const Rgba color = unit_color(palette, unit.kind);
        ImGui::TextColored(ImVec4(color.r, color.g, color.b, 1), "■");
        ImGui::SameLine();
        const bool stale = view.now > 0 && view.now - unit.reported > kUnitStaleMs;
        char label[200];
        std::snprintf(label, sizeof label, "%s%.*s  %s  %s%s", near.assigned ? "▶ " : "",
                      static_cast<int>(unit.label().size()), unit.label().data(),
                      unit_status_label(unit.status).c_str(), distance_text(near.metres).c_str(),
                      stale ? ("  (" + say("位置过时", "old fix") + ")").c_str() : "");
        ImGui::PushID(&unit);
        if (ImGui::Selectable(label)) picked.unit = unit_key(unit);
        ImGui::PopID();
    }
}

void unit_detail(const DetailView& view, const Palette& palette, const WallFonts& fonts,
                 DetailPick& picked) {
    const Unit& unit = *view.unit;
    fonts.want(unit.label());
    const Rgba color = unit_color(palette, unit.kind);
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(ImVec4(color.r, color.g, color.b, 1), "■");
    ImGui::SameLine();
    ImGui::TextWrapped("%.*s", static_cast<int>(unit.label().size()), unit.label().data());
    ImGui::PopFont();
    ImGui::TextColored(kDim, "%s %s  ·  %s%s", say("单位", "unit").c_str(), unit.id.c_str(),
                       unit.department.c_str(),
                       unit.drill ? ("   " + say("演练", "DRILL")).c_str() : "");
    ImGui::Separator();
    Rows rows;
    rows.add(say("类型", "kind"), unit_kind_label(unit.kind));
    rows.add(say("状态", "status"), unit_status_label(unit.status));
    char text[64];
    if (unit.heading >= 0) {
        std::snprintf(text, sizeof text, "%.0f°  %.0f km/h", unit.heading, unit.speed * 3.6);
    } else {
        std::snprintf(text, sizeof text, "—  %.0f km/h", unit.speed * 3.6);
    }
    rows.add(say("航向", "heading"), text);
    std::snprintf(text, sizeof text, "%.5f, %.5f", unit.location.lon, unit.location.lat);
    rows.add(say("位置", "lon, lat"), text);
    rows.add(say("定位", "fix at"), format_time(unit.reported));
    if (view.now > 0) {
        const double age = static_cast<double>(view.now - unit.reported) / 1000;
        rows.add(say("已过", "age"), format_duration(age) + (view.now - unit.reported > kUnitStaleMs
                                                                 ? "  " + say("位置过时", "old")
                                                                 : std::string()));
    }
    rows.draw("unit", fonts);
    if (unit.incident != 0) {
        ImGui::Separator();
        char label[128];
        std::snprintf(label, sizeof label, "▶ %s #%llu",
                      say("处置事件", "working incident").c_str(),
                      static_cast<unsigned long long>(unit.incident));
        if (ImGui::Selectable(label)) picked.incident = unit.incident;
    }
}

// The description from the case, and a line when the case is not (or no longer) current: an
// operator must not take a stale or missing history for the whole story.
void case_section(const DetailView& view, const WallFonts& fonts) {
    using State = SelectedCase::State;
    const wire::IncidentCase* reply = view.incident_case;
    const std::string* description =
        reply && reply->has_incident() && !reply->incident.description.empty()
            ? &reply->incident.description
            : nullptr;
    std::string note;
    switch (view.case_state) {
        case State::waiting:
            note = say("载入中", "loading history and description…");
            break;
        case State::updating:
            note = say("更新中", "updating…");
            break;
        case State::unavailable:
            note = say("无法获取历史与描述：汇聚服务未回复",
                       "history and description unavailable: ingest did not answer",
                       "无法获取 history and description unavailable: ingest did not answer");
            break;
        case State::searching:
            note = say("正在查阅日志…", "reading ingest's journal for this case…");
            break;
        case State::not_found:
            note = say("汇聚服务没有此编号的案件", "ingest has no case of this number");
            break;
        case State::none:
        case State::current:
            break;
    }
    if (!description && note.empty()) return;
    ImGui::Separator();
    if (description) {
        fonts.want(*description);
        ImGui::TextWrapped("%s", description->c_str());
    }
    if (!note.empty()) {
        const bool alarm =
            view.case_state == State::unavailable || view.case_state == State::not_found;
        fonts.want(note);
        ImGui::TextColored(alarm ? ImVec4(1.0f, 0.78f, 0.25f, 1.0f) : kDim, "%s", note.c_str());
    }
}

// A button that goes on the line when it fits, else on the next.
bool flowing_button(const std::string& label, bool& first) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float width = ImGui::CalcTextSize(label.c_str()).x + style.FramePadding.x * 2;
    if (!first) {
        const float right = ImGui::GetItemRectMax().x + style.ItemSpacing.x + width;
        if (right <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x)
            ImGui::SameLine();
    }
    first = false;
    return ImGui::SmallButton(label.c_str());
}

// An order's unit: the free units quickest to the incident, first the one proposed, each with
// what its place rests on. Choosing one names its department too; choosing one below the
// first asks the note to say why (Console::missing), and the journal keeps whom it passed over.
void unit_choice(const std::vector<UnitProposal>& proposals, ConsoleForm& form,
                 const WallFonts& fonts) {
    ImGui::TextColored(kDim, "%s",
                       say("建议单位（按到达时间）", "units proposed, quickest first").c_str());
    if (proposals.empty()) {
        ImGui::TextColored(kDim, "  %s", say("无空闲单位", "no free unit heard from").c_str());
        return;
    }
    if (ImGui::Selectable(
            ("  " + say("不指定单位，仅派部门", "no unit: the department decides")).c_str(),
            form.unit.empty())) {
        form.unit.clear();
        form.passed_over.clear();
    }
    const UnitProposal& first = proposals.front();
    for (std::size_t k = 0; k < proposals.size(); ++k) {
        const UnitProposal& p = proposals[k];
        // The unit on the line one clicks, what its place rests on wrapped under it.
        const std::string line = std::to_string(k + 1) + ". " + std::string(p.unit.label()) + " (" +
                                 p.unit.department + ")  " + unit_status_label(p.unit.status);
        const std::string why = proposal_reason(p, first);
        fonts.want(line);
        fonts.want(why);
        const bool chosen = form.unit == p.unit.id && form.department == p.unit.department;
        ImGui::PushID(static_cast<int>(k));
        if (ImGui::Selectable(line.c_str(), chosen)) choose_proposal(proposals, k, form);
        ImGui::PopID();
        ImGui::Indent();
        ImGui::PushStyleColor(ImGuiCol_Text, kDim);
        ImGui::TextWrapped("%s", why.c_str());
        ImGui::PopStyleColor();
        ImGui::Unindent();
    }
}

// The console's steps for the selected case (docs/dispatch.md): the ones its role may take from
// where the case stands, the fields the chosen one needs, and what ingest said to the last.
void console_section(const DetailView& view, const Incident& incident, const WallFonts& fonts,
                     DetailPick& picked) {
    Console* console = view.console;
    if (!console) return;
    ImGui::Separator();
    const auto offered = offered_actions(incident.case_standing(), console->role());
    if (offered.empty())
        ImGui::TextColored(kDim, "%s", say("无可用操作", "nothing this console may do").c_str());
    bool first = true;
    for (CaseAction action : offered) {
        ImGui::PushID(static_cast<int>(action));
        // Its shortcut beside it: a leader learns the keys from the buttons.
        std::string label = action_word(action);
        if (const char key = shortcut_of(action)) label += std::string("  ") + key;
        if (flowing_button(label, first)) console->choose(incident.id, action);
        ImGui::PopID();
    }
    ConsoleForm& form = console->form();
    if (form.incident == incident.id && form.action != CaseAction::none) {
        const CaseActionRule& rule = rule_of(form.action);
        ImGui::TextColored(kHeading, "%s", action_word(form.action).c_str());
        if (has(rule.needs, Needs::department) && view.departments) {
            const std::string preview =
                form.department.empty() ? say("选择部门", "choose a department") : form.department;
            if (ImGui::BeginCombo("##department", preview.c_str())) {
                for (const FeedHealth& feed : *view.departments) {
                    // Moving a case elsewhere lists the others; reopening, the one that had it
                    // too.
                    const bool moves = form.action == CaseAction::transfer ||
                                       form.action == CaseAction::return_agree;
                    if (moves && feed.department == incident.case_state.department) continue;
                    const std::string name = department_name(feed);
                    fonts.want(name);
                    const std::string label = feed.department + "  " + name;
                    if (ImGui::Selectable(label.c_str(), feed.department == form.department) &&
                        feed.department != form.department) {
                        form.department = feed.department;
                        form.unit.clear();  // a unit is of its own department
                        form.passed_over.clear();
                    }
                }
                ImGui::EndCombo();
            }
        }
        const bool orders = form.action == CaseAction::order || form.action == CaseAction::reopen;
        if (orders && view.proposals) unit_choice(*view.proposals, form, fonts);
        if (has(rule.needs, Needs::reason)) {
            const std::string preview =
                form.reason.empty() ? say("选择原因", "choose a reason") : form.reason;
            if (ImGui::BeginCombo("##reason", preview.c_str())) {
                for (std::string_view listed : reason_codes(rule)) {
                    const std::string code(listed);
                    if (ImGui::Selectable(code.c_str(), code == form.reason)) form.reason = code;
                }
                ImGui::EndCombo();
            }
        }
        char note[1024];
        std::snprintf(note, sizeof note, "%s", form.note.c_str());
        const std::string hint = has(rule.needs, Needs::note) ? say("说明（必填）", "note (needed)")
                                                              : say("说明", "note");
        ImGui::SetNextItemWidth(-1);
        if (ImGui::InputTextWithHint("##note", hint.c_str(), note, sizeof note)) form.note = note;
        const std::string lacking = console->missing();
        ImGui::BeginDisabled(!lacking.empty());
        if (ImGui::Button(say("发送", "send").c_str())) picked.command = console->take_command();
        ImGui::EndDisabled();
        if (!lacking.empty()) {
            ImGui::SameLine();
            const std::string needs = say("缺少 ", "needs ") + lacking;
            fonts.want(needs);
            ImGui::PushStyleColor(ImGuiCol_Text, kDim);
            ImGui::TextWrapped("%s", needs.c_str());
            ImGui::PopStyleColor();
        }
    }
    if (const auto& last = console->last(); last && last->incident == incident.id) {
        const std::string what = action_word(last->action) + "  ";
        if (!last->answered) {
            ImGui::TextColored(kDim, "%s", (what + say("等待回复", "waiting for ingest…")).c_str());
        } else if (last->accepted) {
            ImGui::TextColored(ImVec4(0.45f, 0.85f, 0.5f, 1), "%s",
                               (what + say("已受理", "done")).c_str());
        } else {
            const std::string refused =
                what + say("被拒绝", "refused") + ": " + last->refusal + " — " + last->detail;
            fonts.want(refused);
            ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1));
            ImGui::TextWrapped("%s", refused.c_str());
            ImGui::PopStyleColor();
        }
    }
}

}  // namespace

std::optional<CaseAction> case_menu_items(const Console& console, const Incident& incident,
                                          const WallFonts& fonts) {
    const std::string heading = "#" + std::to_string(incident.id) + "  " + incident.title;
    fonts.want(heading);
    ImGui::TextColored(kDim, "%s", heading.c_str());
    ImGui::Separator();
    const auto offered = offered_actions(incident.case_standing(), console.role());
    if (offered.empty())
        ImGui::TextColored(kDim, "%s", say("无可用操作", "nothing this console may do").c_str());
    std::optional<CaseAction> chosen;
    for (CaseAction action : offered) {
        const char key[2] = {shortcut_of(action), 0};
        if (ImGui::MenuItem(action_word(action).c_str(), key)) chosen = action;
    }
    return chosen;
}

std::optional<CaseAction> unit_menu_items(const Console& console, const Unit& unit,
                                          const Incident& incident, const WallFonts& fonts) {
    const std::string heading = std::string(unit.label()) + " (" + unit.department + ")";
    fonts.want(heading);
    ImGui::TextColored(kDim, "%s", heading.c_str());
    ImGui::Separator();
    const auto action = unit_order_step(incident.case_standing(), console.role());
    std::string why_not;
    if (!action)
        why_not = say("此案件现在不能派单", "this case takes no order now");
    else if (unit.drill != incident.drill)
        why_not = unit.drill
                      ? say("演练单位不派往真实案件", "a drill unit is not sent to a real case")
                      : say("真实单位不派往演练案件", "a real unit is not sent to a drill case");
    if (!why_not.empty()) {
        fonts.want(why_not);
        ImGui::TextColored(kDim, "%s", why_not.c_str());
        return std::nullopt;
    }
    const std::string item =
        action_word(*action) + " → #" + std::to_string(incident.id) + "  " + incident.title;
    fonts.want(item);
    const char key[2] = {shortcut_of(*action), 0};
    return ImGui::MenuItem(item.c_str(), key) ? action : std::nullopt;
}

// ===================================================================== detail panel ====

DetailPick draw_detail_panel(const DetailView& view, const Palette& palette, const WallFonts& fonts,
                             const Camera& camera, bool& closed) {
    const float width = std::clamp(camera.width * 0.26f, 340.0f, 520.0f);
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(camera.width) - 16, view.top),
                            ImGuiCond_Always, ImVec2(1, 0));
    // Down to the layer box; what does not fit scrolls, never silently cut.
    const float bottom = view.bottom > view.top + 120 ? view.bottom : camera.height * 0.62f;
    ImGui::SetNextWindowSizeConstraints(ImVec2(width, 0), ImVec2(width, bottom - view.top));
    ImGui::SetNextWindowBgAlpha(0.92f);
    ImGui::Begin("##detail", nullptr,
                 ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize |
                     ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    DetailPick picked;
    // A close button at the top right, before the heading takes the line.
    const float close_x = ImGui::GetWindowContentRegionMax().x - ImGui::CalcTextSize("×").x - 8;
    if (view.incident) {
        const Incident& incident = *view.incident;
        const Rgba color = palette.category_color(incident.category);
        ImGui::PushFont(fonts.heading);
        ImGui::TextColored(ImVec4(color.r, color.g, color.b, 1), "●");
        ImGui::SameLine();
        fonts.want(incident.title);
        ImGui::TextWrapped("%s", incident.title.empty()
                                     ? ("(" + say("无标题", "untitled") + ")").c_str()
                                     : incident.title.c_str());
        ImGui::PopFont();
        ImGui::TextColored(kDim, "%s #%llu%s", say("事件", "incident").c_str(),
                           static_cast<unsigned long long>(incident.id),
                           incident.drill ? ("   " + say("演练", "DRILL")).c_str() : "");
        if (view.closed_case) {
            // Not on the map: what ingest kept of it, or read back from its journal.
            const bool from_journal = view.incident_case && view.incident_case->found ==
                                                                wire::IncidentCase::Found::journal;
            const std::string where =
                from_journal ? say("已结案件，取自日志", "closed case, read from the journal")
                             : say("已结案件，取自汇聚服务", "closed case, as ingest keeps it");
            fonts.want(where);
            ImGui::TextColored(kHeading, "%s", where.c_str());
        }
        // On a console, whom to send and what to do come first, like a toolbar: what a leader
        // came to do is never scrolled away under the timeline.
        if (view.console) {
            // An order being filled in lists the units proposed instead (console_section).
            if (!view.closed_case && !view.proposals)
                near_units_section(view, palette, fonts, picked);
            console_section(view, incident, fonts, picked);
        }
        ImGui::Separator();
        Rows rows;
        const std::string_view family = category_family(incident.category);
        rows.add(say("类别", "category"),
                 std::string(palette.family_label(family)) + "  " + incident.category);
        rows.add(say("等级", "severity"), std::to_string(static_cast<int>(incident.severity)) +
                                              " " + severity_word(incident.severity));
        if (!incident.priority.empty()) {
            fonts.want(incident.priority);
            rows.add(say("部门等级", "priority"), incident.priority);
        }
        std::string status = status_word(incident.status);
        if (incident.escalation > 0) {
            status += "  ↑ " + escalation_text(incident.escalation, view.areas);
            // Whom the latest step reached, as ingest named them (docs/dispatch.md).
            const CaseStep& last = incident.case_state.last;
            if (last.action == CaseAction::escalate && !last.note.empty()) {
                fonts.want(last.note);
                status += "\n" + last.note;
            }
        }
        rows.add(say("状态", "status"), status);
        // The case at the centre: its stage, with whom, and by when.
        const CaseState& c = incident.case_state;
        if (c.taken_up()) {
            std::string line = stage_word(c.stage);
            if (!c.department.empty() && !is_final(c.stage)) line += " → " + c.department;
            if (!c.unit.empty()) line += " (" + c.unit + ")";
            if (c.stage == CaseStage::assigned && c.signed_at == 0 && c.sign_due > 0 &&
                view.now > c.sign_due)
                line += "  " + say("超时未签收", "not signed for in time");
            if (c.supervised) line += "  " + say("督办", "supervised");
            if (c.extension_asked > 0)
                line += "  " + say("申请延期至 ", "extension asked to ") +
                        format_time(c.extension_asked);
            rows.add(say("案件", "case"), line);
            if (!c.order.empty()) rows.add(say("派单号", "order"), c.order);
            if (c.sign_due > 0 && c.signed_at == 0)
                rows.add(say("签收时限", "sign by"), format_time(c.sign_due));
            if (c.resolve_due > 0 && c.resolved_at == 0)
                rows.add(say("办结时限", "resolve by"), format_time(c.resolve_due));
            std::string counts;
            if (c.returns > 0) counts += say("退单 ", "returned ") + std::to_string(c.returns);
            if (c.redos > 0)
                counts += (counts.empty() ? "" : "  ") + say("返工 ", "redone ") +
                          std::to_string(c.redos);
            if (c.satisfaction != Satisfaction::none)
                counts += (counts.empty() ? "" : "  ") + say("回访 ", "feedback ") +
                          std::string(to_string(c.satisfaction));
            if (!counts.empty()) rows.add(say("考核", "record"), counts);
        }
        rows.add(say("来源", "sources"),
                 sources_text(view.incident_case && view.incident_case->has_incident()
                                  ? view.incident_case->incident
                                  : incident));
        rows.add(say("时间线", "timeline"), timeline_text(incident, view.incident_case));
        // Every level the city has that holds it, with the city's own names for them.
        if (incident.far_m > 0) {
            char km[32];
            std::snprintf(km, sizeof km, "%.1f km", incident.far_m / 1000.0);
            rows.add(say("区域", "area"),
                     say(std::string("城外，距最近区域 ") + km,
                         std::string("outside the city, ") + km + " beyond its areas",
                         std::string("城外 outside the city, ") + km + " beyond its areas"));
        } else if (incident.areas.empty()) {
            rows.add(say("区域", "area"), say("不在任何区域内", "outside every area"));
        }
        for (const AreaRef& area : incident.areas) {
            fonts.want(area.name);
            rows.add(view.areas ? view.areas->label(area.level) : area.level, area_text(area));
        }
        char where[64];
        std::snprintf(where, sizeof where, "%.5f, %.5f", incident.location.lon,
                      incident.location.lat);
        rows.add(say("位置", "lon, lat"), where);
        if (view.closed_case && incident.updated > incident.received) {
            rows.add(
                say("历时", "took"),
                format_duration(static_cast<double>(incident.updated - incident.received) / 1000));
        } else if (view.now > 0 && !view.closed_case) {
            rows.add(say("历时", "open for"),
                     format_duration(static_cast<double>(view.now - incident.received) / 1000));
        }
        if (incident.due > 0) rows.add(say("时限", "due"), format_time(incident.due));
        rows.draw("incident", fonts);
        // Whom to send comes before the description: the panel may be cut on a small screen.
        if (!view.console && !view.closed_case) near_units_section(view, palette, fonts, picked);
        case_section(view, fonts);
    } else if (view.case_number != 0) {
        // Asked for by its number; nothing of it yet but what ingest says.
        ImGui::PushFont(fonts.heading);
        ImGui::Text("%s #%llu", say("案件", "case").c_str(),
                    static_cast<unsigned long long>(view.case_number));
        ImGui::PopFont();
        case_section(view, fonts);
    } else if (view.unit) {
        unit_detail(view, palette, fonts, picked);
    } else if (view.area) {
        ImGui::PushFont(fonts.heading);
        ImGui::TextWrapped(
            "%s", view.area->name.empty() ? view.area->code.c_str() : view.area->name.c_str());
        ImGui::PopFont();
        const std::string level = view.areas ? view.areas->label(view.level) : std::string();
        ImGui::TextColored(kDim, "%.*s  %s", static_cast<int>(level.size()), level.data(),
                           view.area->code.c_str());
        ImGui::Separator();
        ImGui::PushFont(fonts.heading);
        ImGui::Text("%s: %zu", say("在办事件", "open").c_str(), view.area_open);
        ImGui::PopFont();
        if (view.area_incidents) {
            for (const IncidentView& incident : *view.area_incidents) {
                const Rgba color = palette.category_color(incident.category);
                ImGui::TextColored(ImVec4(color.r, color.g, color.b, 1), "●");
                ImGui::SameLine();
                char label[160];
                std::snprintf(label, sizeof label, "#%llu  %.*s",
                              static_cast<unsigned long long>(incident.id),
                              static_cast<int>(incident.title.size()), incident.title.data());
                if (ImGui::Selectable(label)) picked.incident = incident.id;
            }
        }
    }
    ImGui::SetCursorPos(ImVec2(close_x, ImGui::GetStyle().WindowPadding.y));
    if (ImGui::SmallButton("×")) closed = true;
    ImGui::End();
    return picked;
}

// ======================================================================= search box ====

SearchBoxAction draw_search_box(std::string& text, const std::string& feedback,
                                const std::vector<std::string>& choices, const WallFonts& fonts,
                                const Camera& camera, float top) {
    ImGui::SetNextWindowPos(ImVec2(side_panel_width(camera) + 16, top + 16));
    ImGui::SetNextWindowBgAlpha(0.85f);
    ImGui::Begin("##search", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "%s", text.c_str());
    ImGui::SetNextItemWidth(fonts.body->FontSize * 14);
    SearchBoxAction action;
    const std::string hint = say("搜索 区域/事件号/单位", "search areas, incidents, units",
                                 "搜索 区域/事件号/单位 search");
    action.entered = ImGui::InputTextWithHint("##q", hint.c_str(), buffer, sizeof buffer,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
    text = buffer;
    if (!feedback.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(1.0f, 0.78f, 0.25f, 1.0f), "%s", feedback.c_str());
    }
    for (std::size_t i = 0; i < choices.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::Selectable(choices[i].c_str())) action.picked = i;
        ImGui::PopID();
    }
    ImGui::End();
    return action;
}

}  // namespace citywall::viewer
