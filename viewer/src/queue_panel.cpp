// Index: [labels] [filters] [queue panel]
#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "map_panels.hpp"
#include "ops_panels.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

const char* const kOpsPanelGlyphs =
    "上报受理派遣在途到场办结取消关闭超时逾期特急紧急一般低全部部门类别级别状态区时长排序"
    "标题网格社区今日指标办结率自起所见事件队列热力分钟小时以上无≥%"
    "待已签收退单中处置审核结案撤销";

// ============================================================================ labels ====

namespace {

const ImVec4 kHeading(0.55f, 0.75f, 1.0f, 1.0f);
const ImVec4 kDim(0.62f, 0.68f, 0.76f, 1.0f);
const ImVec4 kCritical(1.0f, 0.36f, 0.32f, 1.0f);
const ImVec4 kMajor(1.0f, 0.78f, 0.25f, 1.0f);
constexpr ImU32 kOverdueBg = IM_COL32(210, 35, 35, 255);

ImVec4 band_color(CaseBand band) {
    if (band == CaseBand::fresh) return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    const auto c = case_band_color(band);
    return ImVec4(c[0], c[1], c[2], c[3]);
}

// "1 特急" / "1 critical": the number sorts, the word reads.
std::string severity_cell(Severity s) {
    return std::to_string(static_cast<int>(s)) + " " + severity_word_short(s);
}

// The widest of `labels` in the body font, plus a cell's padding: a column that always fits.
template <typename Labels>
float widest(const Labels& labels) {
    float width = 0;
    for (const auto& label : labels)
        width = std::max(width, ImGui::CalcTextSize(std::string(label).c_str()).x);
    return width + ImGui::GetStyle().CellPadding.x * 2;
}

std::string short_age(double seconds) {
    char text[32];
    const auto s = static_cast<long long>(std::max(0.0, seconds));
    if (s < 3600) {
        std::snprintf(text, sizeof text, "%lld min", s / 60);
    } else {
        std::snprintf(text, sizeof text, "%lld h %02lld", s / 3600, (s / 60) % 60);
    }
    return text;
}

// ============================================================================ filters ====

// A combo over `count` options, option 0 meaning "any"; returns true when changed.
template <typename Label>
bool filter_combo(const char* id, float width, int& current, int count, Label label) {
    ImGui::SetNextItemWidth(width);
    bool changed = false;
    // The choice shown in the box, shortened between words to the room beside the arrow.
    const float room = width - ImGui::GetFrameHeight() - ImGui::GetStyle().FramePadding.x * 2;
    const std::string shown = fitted(ImGui::GetFont(), label(current), room);
    if (ImGui::BeginCombo(id, shown.c_str())) {
        for (int i = 0; i < count; ++i) {
            if (ImGui::Selectable(label(i).c_str(), i == current)) {
                changed = current != i;
                current = i;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

void draw_filters(IncidentQueue& queue, const CityAreas& areas, const Palette& palette,
                  float unit) {
    QueueFilter& f = queue.filter();
    // department
    const auto& departments = queue.departments();
    int dep = 0;
    for (std::size_t i = 0; i < departments.size(); ++i) {
        if (departments[i] == f.department) dep = static_cast<int>(i) + 1;
    }
    if (filter_combo("##dep", unit, dep, static_cast<int>(departments.size()) + 1, [&](int i) {
            return i == 0 ? say_short("全部部门", "all depts") : departments[i - 1];
        })) {
        f.department = dep == 0 ? "" : departments[dep - 1];
    }
    // category family, in the palette's order
    ImGui::SameLine();
    const auto& families = palette.families();
    int fam = 0;
    for (std::size_t i = 0; i < families.size(); ++i) {
        if (families[i].first == f.family) fam = static_cast<int>(i) + 1;
    }
    if (filter_combo("##fam", unit * 1.2f, fam, static_cast<int>(families.size()) + 1, [&](int i) {
            return i == 0 ? say_short("全部类别", "all kinds")
                          : std::string(palette.family_label(families[i - 1].first));
        })) {
        f.family = fam == 0 ? "" : families[fam - 1].first;
    }
    // severity
    ImGui::SameLine();
    filter_combo("##sev", unit, f.severity, 5, [](int i) {
        return i == 0 ? say_short("全部级别", "all levels") : severity_cell(Severity(i));
    });
    // status (open ones)
    ImGui::SameLine();
    int st = f.status + 1;
    if (filter_combo("##st", unit * 1.3f, st, 6, [](int i) {
            return i == 0 ? say_short("全部状态", "all states")
                          : status_word(static_cast<IncidentStatus>(i - 1));
        })) {
        f.status = st - 1;
    }
    // the outermost area: the city's first level (its districts)
    ImGui::SameLine();
    const std::string outermost =
        areas.level_count() > 0
            ? say_short("全部", "all ") + level_word_short(areas.level(0).config)
            : say_short("全部区域", "all areas");
    const auto& districts = queue.districts();
    int dis = 0;
    for (std::size_t i = 0; i < districts.size(); ++i) {
        if (districts[i].code == f.district) dis = static_cast<int>(i) + 1;
    }
    if (filter_combo("##dis", unit, dis, static_cast<int>(districts.size()) + 1, [&](int i) {
            if (i == 0) return outermost;
            const AreaRef& d = districts[i - 1];
            return d.name.empty() ? d.code : d.name;
        })) {
        f.district = dis == 0 ? "" : districts[dis - 1].code;
    }
    // age
    ImGui::SameLine();
    constexpr double kAges[] = {0, 1800, 7200};
    int age = f.older_than_s >= 7200 ? 2 : f.older_than_s >= 1800 ? 1 : 0;
    if (filter_combo("##age", unit, age, 3, [](int i) {
            const std::string names[] = {say_short("全部时长", "any age"),
                                         say_short("≥ 30 分钟", "≥ 30 min"),
                                         say_short("≥ 2 小时", "≥ 2 h")};
            return names[i];
        })) {
        f.older_than_s = kAges[age];
    }
}

}  // namespace

// ======================================================================= queue panel ====

QueuePick draw_queue_panel(IncidentQueue& queue, const CityPicture& picture, const CityAreas& areas,
                           const Palette& palette, const WallFonts& fonts, TimeMs now,
                           std::uint64_t selected, float left, float right, float bottom,
                           float height, const Console* console) {
    ImGui::SetNextWindowPos(ImVec2(left, bottom - height));
    ImGui::SetNextWindowSize(ImVec2(right - left, height));
    ImGui::SetNextWindowBgAlpha(0.93f);
    ImGui::Begin("##queue", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollbar);
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(kHeading, "%s", say("事件队列", "Queue").c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    ImGui::Text("%zu / %zu", queue.rows().size(), queue.open_total());
    if (queue.overdue_total() > 0) {
        ImGui::SameLine();
        ImGui::TextColored(kCritical, "%s %zu", say("超时", "overdue").c_str(),
                           queue.overdue_total());
    }
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%s", say("排序", "sort").c_str());
    ImGui::SameLine();
    int sort = static_cast<int>(queue.filter().sort);
    filter_combo("##sort", fonts.body->FontSize * 6, sort, 3, [](int i) {
        const std::string names[] = {say("级别", "severity"), say("时长", "age"),
                                     say("部门", "department")};
        return names[i];
    });
    queue.filter().sort = static_cast<QueueSort>(sort);
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(4, 2));
    draw_filters(queue, areas, palette, fonts.body->FontSize * 5.2f);
    ImGui::PopStyleVar();

    QueuePick picked;
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("##rows", 8, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) {
        const float em = fonts.body->FontSize;
        ImGui::TableSetupScrollFreeze(0, 1);
        // Fixed columns as wide as their widest word in the wall's language: nothing is cut.
        const std::string severity_head = say_short("级别", "sev."),
                          overdue_head = say_short("超时", "late"),
                          status_head = say_short("状态", "status");
        std::vector<std::string> severities{severity_head}, states{status_head};
        for (int i = 1; i <= 4; ++i)
            severities.push_back(severity_cell(Severity(i)));
        for (int i = 0; i <= static_cast<int>(IncidentStatus::cancelled); ++i)
            states.push_back(status_word_short(static_cast<IncidentStatus>(i)));
        for (int i = 0; i < kCaseStageCount; ++i)
            states.push_back(stage_word_short(static_cast<CaseStage>(i)));
        ImGui::TableSetupColumn(severity_head.c_str(), ImGuiTableColumnFlags_WidthFixed,
                                widest(severities));
        ImGui::TableSetupColumn(overdue_head.c_str(), ImGuiTableColumnFlags_WidthFixed,
                                widest(std::array{overdue_head}));
        ImGui::TableSetupColumn(say("标题", "title").c_str(), ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableSetupColumn(say_short("部门", "dept").c_str(), ImGuiTableColumnFlags_WidthFixed,
                                em * 3.0f);
        std::vector<std::string> kinds{say_short("类别", "kind")};
        for (const auto& family : palette.families())
            kinds.push_back("● " + std::string(palette.family_label(family.first)));
        ImGui::TableSetupColumn(kinds.front().c_str(), ImGuiTableColumnFlags_WidthFixed,
                                std::min(widest(kinds), em * 7));
        ImGui::TableSetupColumn(status_head.c_str(), ImGuiTableColumnFlags_WidthFixed,
                                widest(states));
        // Where: the innermost level of the city's first hierarchy (its grids, or its beats).
        const std::vector<AreaLevel> first = areas.hierarchy("");
        const std::string place = first.empty()
                                      ? say_short("位置", "place")
                                      : level_word_short(areas.level(first.back()).config);
        ImGui::TableSetupColumn(place.c_str(), ImGuiTableColumnFlags_WidthFixed, em * 5.0f);
        ImGui::TableSetupColumn(say_short("时长", "age").c_str(), ImGuiTableColumnFlags_WidthFixed,
                                em * 3.8f);
        ImGui::TableHeadersRow();
        const auto& rows = queue.rows();
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(rows.size()));
        while (clipper.Step()) {
            for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
                const QueueRow& row = rows[static_cast<std::size_t>(r)];
                const auto found = picture.incidents().find(row.id);
                ImGui::TableNextRow();
                if (!found) {  // closed since the last rebuild
                    ImGui::TableNextColumn();
                    ImGui::TextColored(kDim, "—");
                    continue;
                }
                const IncidentView& incident = *found;
                ImGui::TableNextColumn();
                ImGui::PushID(r);
                const ImVec4 sev_color = incident.severity == Severity::critical ? kCritical
                                         : incident.severity == Severity::major
                                             ? kMajor
                                             : ImGui::GetStyleColorVec4(ImGuiCol_Text);
                ImGui::PushStyleColor(ImGuiCol_Text, sev_color);
                if (ImGui::Selectable(severity_cell(incident.severity).c_str(), row.id == selected,
                                      ImGuiSelectableFlags_SpanAllColumns)) {
                    picked.clicked = row.id;
                }
                ImGui::PopStyleColor();
                // A console's steps for the row, on a right click (the whole row is the item).
                if (console && ImGui::BeginPopupContextItem("##case-menu")) {
                    if (const auto full = picture.incidents().incident(row.id)) {
                        if (const auto step = case_menu_items(*console, *full, fonts)) {
                            picked.step_on = row.id;
                            picked.step = *step;
                        }
                    }
                    ImGui::EndPopup();
                }
                ImGui::PopID();
                // Overdue: a white-on-red cell of its own, so the rest of the row stays legible.
                ImGui::TableNextColumn();
                if (row.overdue) {
                    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, kOverdueBg);
                    ImGui::TextUnformatted(overdue_head.c_str());
                }
                ImGui::TableNextColumn();
                fonts.want(incident.title);
                if (incident.title.empty()) {
                    ImGui::TextUnformatted(say_short("(无标题)", "(untitled)").c_str());
                } else {
                    // Shortened between words to the column, never cut inside one.
                    const std::string title = fitted(ImGui::GetFont(), std::string(incident.title),
                                                     ImGui::GetContentRegionAvail().x);
                    ImGui::TextUnformatted(title.c_str());
                }
                ImGui::TableNextColumn();
                const std::string_view dep = incident.department();
                ImGui::Text("%.*s", static_cast<int>(dep.size()), dep.data());
                ImGui::TableNextColumn();
                ImGui::PushStyleColor(
                    ImGuiCol_Text,
                    palette.category_color(incident.category).with_alpha(1).packed_abgr());
                const std::string_view fam =
                    palette.family_label(category_family(incident.category));
                ImGui::Text("● %.*s", static_cast<int>(fam.size()), fam.data());
                ImGui::PopStyleColor();
                // Once the centre has the case: its stage in the case's colour; before, what
                // the departments say.
                ImGui::TableNextColumn();
                if (incident.stage != CaseStage::received)
                    ImGui::TextColored(band_color(case_band(incident, now)), "%s",
                                       stage_word_short(incident.stage).c_str());
                else
                    ImGui::TextUnformatted(status_word_short(incident.status).c_str());
                ImGui::TableNextColumn();
                const AreaRef* area = areas.place_of(incident.areas);
                if (incident.outside) {
                    ImGui::TextColored(kMajor, "%s", say_short("城外", "outside").c_str());
                } else {
                    ImGui::TextUnformatted(!area                ? "—"
                                           : area->name.empty() ? area->code.c_str()
                                                                : area->name.c_str());
                }
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(
                    short_age(static_cast<double>(now - incident.received) / 1000).c_str());
            }
        }
        ImGui::EndTable();
    }
    ImGui::End();
    return picked;
}

}  // namespace citywall::viewer
