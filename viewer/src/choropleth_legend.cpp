// Index: [legend] [counts in areas]
#include <algorithm>
#include <cstdio>

#include "choropleth_layer.hpp"
#include "map_panels.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

// ============================================================================ legend ====

ImVec2 draw_choropleth_legend(std::string_view label, const ClassBreaks& breaks,
                              std::size_t unplaced, const WallFonts& fonts, const Camera& camera,
                              float bottom) {
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(camera.width) - 16, bottom), ImGuiCond_Always,
                            ImVec2(1, 1));
    ImGui::SetNextWindowBgAlpha(0.85f);
    ImGui::Begin("##legend", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize |
                     ImGuiWindowFlags_NoFocusOnAppearing);
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(ImVec4(0.55f, 0.75f, 1.0f, 1.0f), "%s / %.*s",
                       say_short("在办事件", "Open incidents").c_str(),
                       static_cast<int>(label.size()), label.data());
    ImGui::PopFont();
    auto* draw = ImGui::GetWindowDrawList();
    const float line = ImGui::GetTextLineHeight();
    const float row_left = ImGui::GetCursorPosX();
    float row_right = row_left;
    const float box = line * 1.5f;
    for (int c = 0; c < ClassBreaks::kClasses; ++c) {
        // One swatch per class, the range under it: "1", "2–3", …, "32+".
        char range[32];
        const std::uint32_t lo = breaks.lower[c];
        if (c + 1 == ClassBreaks::kClasses) {
            std::snprintf(range, sizeof range, "%u+", lo);
        } else if (breaks.lower[c + 1] - 1 == lo) {
            std::snprintf(range, sizeof range, "%u", lo);
        } else {
            std::snprintf(range, sizeof range, "%u–%u", lo, breaks.lower[c + 1] - 1);
        }
        const float width = std::max(box * 1.6f, ImGui::CalcTextSize(range).x + 8);
        row_right += width;
        const ImVec2 at = ImGui::GetCursorScreenPos();
        const Rgba color = choropleth_ramp()[c];
        draw->AddRectFilled(at, ImVec2(at.x + width - 4, at.y + box), color.packed_abgr(), 2);
        ImGui::BeginGroup();
        ImGui::Dummy(ImVec2(width, box));
        ImGui::SetCursorPosX(ImGui::GetCursorPosX() +
                             (width - 4 - ImGui::CalcTextSize(range).x) / 2);
        ImGui::TextUnformatted(range);
        ImGui::EndGroup();
        if (c + 1 < ClassBreaks::kClasses) ImGui::SameLine(0, 0);
    }
    // The notes keep to the swatches' width, wrapped between words.
    ImGui::PushTextWrapPos(std::max(row_right, row_left + line * 12));
    ImGui::TextColored(ImVec4(0.62f, 0.68f, 0.76f, 1.0f), "%s",
                       say_short("无色 = 0 · 危急事件仍以标记显示",
                                 "no colour = 0 · critical incidents stay markers")
                           .c_str());
    if (unplaced > 0) {
        const std::string n = std::to_string(unplaced), in(label);
        ImGui::TextColored(ImVec4(1.0f, 0.78f, 0.25f, 1.0f), "%s",
                           say(n + " 件不在任何" + in + "内", n + " outside every " + in,
                               n + " 件不在任何" + in + "内 outside")
                               .c_str());
    }
    ImGui::PopTextWrapPos();
    const ImVec2 corner = ImGui::GetWindowPos();
    ImGui::End();
    return corner;
}

// =================================================================== counts in areas ====

void draw_area_counts(const CityAreas& areas, const AreaCounts& counts, AreaLevel level,
                      const Camera& camera, const WallFonts& fonts, float left_edge) {
    const AreaSet& set = areas.level(level);
    if (!set.loaded()) return;
    auto* draw = ImGui::GetBackgroundDrawList();
    ImFont* font = fonts.body;
    const float size = font->FontSize;
    std::vector<ImVec4> placed;
    for (std::uint32_t a = 0; a < set.refs.size(); ++a) {
        const std::uint32_t n = counts.count(level, a);
        if (n == 0) continue;
        const MercatorBox& box = set.mesh.boxes[a];
        // Only in areas wide enough that the number plainly belongs to one of them.
        if ((box.max_x - box.min_x) / camera.metres_per_pixel < size * 4.5f) continue;
        const auto [sx, sy] = camera.to_screen(set.mesh.anchors[a]);
        if (sx < left_edge || sy < 0 || sx > camera.width || sy > camera.height) continue;
        const std::string text = std::to_string(n);
        const ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, 0, text.c_str());
        const float x = static_cast<float>(sx) - extent.x / 2;
        const float y = static_cast<float>(sy) - extent.y / 2;
        const ImVec4 r(x - 5, y - 1, x + extent.x + 5, y + extent.y + 1);
        const bool overlaps = std::any_of(placed.begin(), placed.end(), [&](const ImVec4& p) {
            return r.x < p.z && p.x < r.z && r.y < p.w && p.y < r.w;
        });
        if (overlaps || r.x < left_edge) continue;
        placed.push_back(r);
        draw->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.z, r.w), IM_COL32(5, 8, 12, 200), 4);
        draw->AddText(font, size, ImVec2(x, y), IM_COL32(255, 255, 255, 255), text.c_str());
    }
}

}  // namespace citywall::viewer
