// Index: [formatting] [detail panel] [search box]
#include <cmath>
#include <cstdio>
#include <ctime>

#include "map_panels.hpp"

namespace citywall::viewer {

namespace {

const ImVec4 kHeading(0.55f, 0.75f, 1.0f, 1.0f);
const ImVec4 kDim(0.62f, 0.68f, 0.76f, 1.0f);

const char* severity_label(Severity s) {
    switch (s) {
        case Severity::critical:
            return "1 特急 critical";
        case Severity::major:
            return "2 紧急 major";
        case Severity::moderate:
            return "3 一般 moderate";
        case Severity::low:
            return "4 低 low";
    }
    return "?";
}

// One "label  value" row of a two-column table.
void row(const char* label, const std::string& value) {
    ImGui::TableNextColumn();
    ImGui::TextColored(kDim, "%s", label);
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", value.c_str());
}

std::string area_text(const AreaRef& ref) {
    if (ref.empty()) return "—";
    return ref.name.empty() ? ref.code : ref.name + "  " + ref.code;
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

// ===================================================================== detail panel ====

std::uint64_t draw_detail_panel(const DetailView& view, const Palette& palette,
                                const WallFonts& fonts, const Camera& camera, bool& closed) {
    const float width = std::clamp(camera.width * 0.26f, 340.0f, 520.0f);
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(camera.width) - 16, view.top),
                            ImGuiCond_Always, ImVec2(1, 0));
    ImGui::SetNextWindowSizeConstraints(ImVec2(width, 0), ImVec2(width, camera.height * 0.62f));
    ImGui::SetNextWindowBgAlpha(0.92f);
    ImGui::Begin("##detail", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    std::uint64_t picked = 0;
    // A close button at the top right, before the heading takes the line.
    const float close_x = ImGui::GetWindowContentRegionMax().x - ImGui::CalcTextSize("×").x - 8;
    if (view.incident) {
        const Incident& incident = *view.incident;
        const Rgba color = palette.category_color(incident.category);
        ImGui::PushFont(fonts.heading);
        ImGui::TextColored(ImVec4(color.r, color.g, color.b, 1), "●");
        ImGui::SameLine();
        ImGui::TextWrapped("%s",
                           incident.title.empty() ? "(无标题 untitled)" : incident.title.c_str());
        ImGui::PopFont();
        ImGui::TextColored(kDim, "事件 incident #%llu%s",
                           static_cast<unsigned long long>(incident.id),
                           incident.drill ? "   演练 DRILL" : "");
        ImGui::Separator();
        if (ImGui::BeginTable("incident", 2, ImGuiTableFlags_SizingStretchProp)) {
            ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, 96);
            ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
            const std::string_view family = category_family(incident.category);
            row("类别 category",
                std::string(palette.family_label(family)) + "  " + incident.category);
            row("等级 severity", severity_label(incident.severity));
            std::string status(to_string(incident.status));
            if (incident.escalation > 0) {
                status += "  ↑ 升级 escalated ×" + std::to_string(incident.escalation);
            }
            row("状态 status", status);
            std::string sources;
            for (const SourceRef& source : incident.sources) {
                if (!sources.empty()) sources += "\n";
                sources += source.department + "  " + source.source_id;
            }
            row("来源 sources", sources.empty() ? "—" : sources);
            row("区 district", area_text(incident.grid.district));
            row("街道 street", area_text(incident.grid.street));
            row("社区 community", area_text(incident.grid.community));
            row("网格 grid", incident.grid.outside() ? "不在网格内 outside every grid"
                                                     : area_text(incident.grid.grid));
            row("警格 beat", area_text(incident.beat));
            char where[64];
            std::snprintf(where, sizeof where, "%.5f, %.5f", incident.location.lon,
                          incident.location.lat);
            row("位置 lon, lat", where);
            row("发生 occurred", format_time(incident.occurred));
            row("接报 received", format_time(incident.received));
            if (view.now > 0) {
                row("历时 open for",
                    format_duration(static_cast<double>(view.now - incident.received) / 1000));
            }
            if (incident.due > 0) row("时限 due", format_time(incident.due));
            ImGui::EndTable();
        }
        if (!incident.description.empty()) {
            ImGui::Separator();
            ImGui::TextWrapped("%s", incident.description.c_str());
        }
    } else if (view.area) {
        ImGui::PushFont(fonts.heading);
        ImGui::TextWrapped(
            "%s", view.area->name.empty() ? view.area->code.c_str() : view.area->name.c_str());
        ImGui::PopFont();
        const std::string_view level = level_label(view.level);
        ImGui::TextColored(kDim, "%.*s  %s", static_cast<int>(level.size()), level.data(),
                           view.area->code.c_str());
        ImGui::Separator();
        ImGui::PushFont(fonts.heading);
        ImGui::Text("在办事件 open: %zu", view.area_open);
        ImGui::PopFont();
        if (view.area_incidents) {
            for (const Incident* incident : *view.area_incidents) {
                const Rgba color = palette.category_color(incident->category);
                ImGui::TextColored(ImVec4(color.r, color.g, color.b, 1), "●");
                ImGui::SameLine();
                char label[160];
                std::snprintf(label, sizeof label, "#%llu  %s",
                              static_cast<unsigned long long>(incident->id),
                              incident->title.c_str());
                if (ImGui::Selectable(label)) picked = incident->id;
            }
        }
    }
    ImGui::SetCursorPos(ImVec2(close_x, ImGui::GetStyle().WindowPadding.y));
    if (ImGui::SmallButton("×")) closed = true;
    ImGui::End();
    return picked;
}

// ======================================================================= search box ====

bool draw_search_box(std::string& text, const std::string& feedback, const WallFonts& fonts,
                     const Camera& camera, float top) {
    ImGui::SetNextWindowPos(ImVec2(side_panel_width(camera) + 16, top + 16));
    ImGui::SetNextWindowBgAlpha(0.85f);
    ImGui::Begin("##search", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "%s", text.c_str());
    ImGui::SetNextItemWidth(fonts.body->FontSize * 14);
    const bool entered =
        ImGui::InputTextWithHint("##q", "搜索 区/街道/社区/网格/事件号 search", buffer,
                                 sizeof buffer, ImGuiInputTextFlags_EnterReturnsTrue);
    text = buffer;
    if (!feedback.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(1.0f, 0.78f, 0.25f, 1.0f), "%s", feedback.c_str());
    }
    ImGui::End();
    return entered;
}

}  // namespace citywall::viewer
