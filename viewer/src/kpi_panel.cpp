// Index: [cells] [kpi panel]
#include <imgui.h>
#include <imgui_internal.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "ops_panels.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

const ImVec4 kHeading(0.55f, 0.75f, 1.0f, 1.0f);
const ImVec4 kDim(0.62f, 0.68f, 0.76f, 1.0f);
const ImVec4 kGood(0.35f, 0.85f, 0.55f, 1.0f);
const ImVec4 kBad(1.0f, 0.36f, 0.32f, 1.0f);

std::string percent(const DayCounts& c) {
    if (c.received == 0) return "—";
    char text[16];
    std::snprintf(text, sizeof text, "%.0f%%", c.resolution_rate() * 100);
    return text;
}

std::string clock_text(TimeMs t) {
    const std::time_t seconds = static_cast<std::time_t>(t / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M", &local);
    return text;
}

// ============================================================================== cells ====

// One big number with its label under it, for reading across the room.
void big_cell(const WallFonts& fonts, const std::string& label, const std::string& value,
              const ImVec4& color) {
    ImGui::TableNextColumn();
    ImGui::PushFont(fonts.banner);
    ImGui::TextColored(color, "%s", value.c_str());
    ImGui::PopFont();
    ImGui::TextColored(kDim, "%s", label.c_str());
}

void count_cell(std::size_t n, const ImVec4* color = nullptr) {
    ImGui::TableNextColumn();
    const std::string text = std::to_string(n);
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x -
                         ImGui::CalcTextSize(text.c_str()).x);
    if (color) {
        ImGui::TextColored(*color, "%s", text.c_str());
    } else {
        ImGui::TextUnformatted(text.c_str());
    }
}

void text_cell_right(const std::string& text) {
    ImGui::TableNextColumn();
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x -
                         ImGui::CalcTextSize(text.c_str()).x);
    ImGui::TextUnformatted(text.c_str());
}

// Name, received, dispatched, resolved, rate, overdue: one row per department or district.
template <typename Name>
void breakdown(const char* id, const std::string& first,
               const std::map<std::string, DayCounts>& rows, Name name) {
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable(id, 5, flags)) return;
    ImGui::TableSetupColumn(first.c_str(), ImGuiTableColumnFlags_WidthStretch, 1.5f);
    for (const std::string& h : {say_short("受理", "recv."), say_short("派遣", "disp."),
                                 say_short("办结率", "rate"), say_short("超时", "late")})
        ImGui::TableSetupColumn(h.c_str(), ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableHeadersRow();
    for (const auto& [key, c] : rows) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(name(key).c_str());
        count_cell(c.received);
        count_cell(c.dispatched);
        text_cell_right(percent(c));
        if (c.overdue > 0) {
            ImGui::TableNextColumn();
            ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, IM_COL32(150, 20, 20, 255));
            const std::string text = std::to_string(c.overdue);
            ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x -
                                 ImGui::CalcTextSize(text.c_str()).x);
            ImGui::TextUnformatted(text.c_str());
        } else {
            count_cell(0, &kDim);
        }
    }
    ImGui::EndTable();
}

std::string rate_text(std::optional<double> rate) {
    if (!rate) return "—";
    char text[16];
    std::snprintf(text, sizeof text, "%.0f%%", *rate * 100);
    return text;
}

// The league table: rank, name, orders, on-time signing, on-time resolution, returns and
// satisfaction, one row per department or street, best first. A long list shows its first
// and last `ends` rows: the best, and those that need the leader's attention.
template <typename Name>
void league(const char* id, const std::string& first, const std::vector<wire::DayCount>& rows,
            Name name, std::size_t ends) {
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable(id, 7, flags)) return;
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthStretch, 0.4f);
    ImGui::TableSetupColumn(first.c_str(), ImGuiTableColumnFlags_WidthStretch, 1.6f);
    for (const std::string& h :
         {say_short("派单", "orders"), say_short("按时签收", "signed on time"),
          say_short("按时办结", "resolved on time"), say_short("退单率", "returns"),
          say_short("满意率", "satisfied")})
        ImGui::TableSetupColumn(h.c_str(), ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableHeadersRow();
    const std::size_t n = rows.size();
    for (std::size_t k = 0; k < n; ++k) {
        if (n > 2 * ends && k == ends) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TableNextColumn();
            ImGui::TextColored(kDim, "… %zu", n - 2 * ends);
            k = n - ends - 1;
            continue;
        }
        const CaseCounts& c = rows[k].cases;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(kDim, "%zu", k + 1);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(name(rows[k]).c_str());
        count_cell(c.ordered);
        text_cell_right(rate_text(c.sign_on_time_rate()));
        text_cell_right(rate_text(c.resolve_on_time_rate()));
        text_cell_right(rate_text(c.return_rate()));
        text_cell_right(rate_text(c.satisfaction_rate()));
    }
    ImGui::EndTable();
}

}  // namespace

// ========================================================================= kpi panel ====

float draw_kpi_panel(const DayStats& stats, const KpiLevels& levels, const WallFonts& fonts,
                     const Camera& camera, float top) {
    const float width = std::clamp(camera.width * 0.5f, 560.0f, 900.0f);
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(camera.width) - 16, top), ImGuiCond_Always,
                            ImVec2(1, 0));
    ImGui::SetNextWindowSizeConstraints(ImVec2(width, 0), ImVec2(width, camera.height * 0.8f));
    ImGui::SetNextWindowBgAlpha(1.0f);  // opaque: it may cover the layer box on a small wall
    ImGui::Begin("##kpi", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(kHeading, "%s", say("今日指标", "Today").c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    // Ingest's count of the whole day, or what this viewer saw: say which, and from when.
    const TimeMs from =
        stats.from_ingest() ? stats.day_start() : std::max(stats.day_start(), stats.joined());
    if (from > 0 && stats.from_ingest()) {
        ImGui::AlignTextToFramePadding();
        const std::string at = clock_text(from);
        ImGui::TextColored(
            kDim, "%s",
            say("自 " + at + " 起", "since " + at, "自 " + at + " 起 since " + at).c_str());
    } else if (from > 0) {
        ImGui::AlignTextToFramePadding();
        const std::string at = clock_text(from);
        ImGui::TextColored(
            kDim, "%s",
            say("自 " + at + " 起所见", "seen since " + at, "自 " + at + " 起所见 seen since " + at)
                .c_str());
    }
    const DayCounts& t = stats.total();
    if (ImGui::BeginTable("##big", 5, ImGuiTableFlags_SizingStretchSame)) {
        big_cell(fonts, say_short("受理", "received"), std::to_string(t.received),
                 ImVec4(1, 1, 1, 1));
        big_cell(fonts, say_short("派遣", "dispatched"), std::to_string(t.dispatched),
                 ImVec4(1, 1, 1, 1));
        big_cell(fonts, say_short("办结", "resolved"), std::to_string(t.resolved), kGood);
        big_cell(fonts, say_short("办结率", "rate"), percent(t), kGood);
        big_cell(fonts, say_short("超时", "overdue"), std::to_string(t.overdue),
                 t.overdue > 0 ? kBad : ImVec4(1, 1, 1, 1));
        ImGui::EndTable();
    }
    // Both languages: the English words under the Chinese cells, in one line.
    if (wall_language() == Language::zh_en)
        ImGui::TextColored(kDim, "received · dispatched · resolved · resolution rate · overdue");
    ImGui::Spacing();
    // Departments and districts side by side: the panel stays short enough for a 720p wall.
    if (ImGui::BeginTable("##split", 2, ImGuiTableFlags_SizingStretchSame)) {
        ImGui::TableNextColumn();
        breakdown("##dep", say_short("部门", "dept"), stats.by_department(),
                  [](const std::string& d) { return d.empty() ? std::string("?") : d; });
        ImGui::TableNextColumn();
        breakdown("##dis", levels.first, stats.by_district(),
                  [&](const std::string& code) { return stats.district_name(code); });
        ImGui::EndTable();
    }
    // The league table, once ingest counts case steps: departments, then streets.
    if (!stats.league_departments().empty() || !stats.league_streets().empty()) {
        ImGui::Spacing();
        ImGui::PushFont(fonts.heading);
        ImGui::TextColored(kHeading, "%s", say("今日考核", "League today").c_str());
        ImGui::PopFont();
        league(
            "##league-dep", say_short("部门", "dept"), stats.league_departments(),
            [](const wire::DayCount& r) { return r.code; }, 5);
        if (!stats.league_streets().empty()) {
            ImGui::Spacing();
            league(
                "##league-street", say_short("街道", "street"), stats.league_streets(),
                [](const wire::DayCount& r) { return r.name.empty() ? r.code : r.name; }, 3);
        }
    }
    // Opaque and in front: with the league it reaches down past the map's legend.
    ImGui::BringWindowToDisplayFront(ImGui::GetCurrentWindow());
    const float bottom = ImGui::GetWindowPos().y + ImGui::GetWindowSize().y;
    ImGui::End();
    return bottom;
}

}  // namespace citywall::viewer
