#include "drill_timeline.hpp"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "map_panels.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

constexpr double kSpeeds[] = {0.25, 0.5, 1, 2, 4, 8, 16, 32, 64};
constexpr ImU32 kMagenta = IM_COL32(214, 0, 132, 255);
constexpr ImU32 kBookmark = IM_COL32(255, 200, 40, 255);

std::string clock_text(TimeMs t) {
    return format_time(t);  // the wall's local time, to the second
}

}  // namespace

TimelineBox timeline_box(const Camera& camera, float left, float bottom_margin, float line,
                         bool steer) {
    TimelineBox box;
    box.left = left + 12;
    box.right = static_cast<float>(camera.width) - 12;
    box.bottom = static_cast<float>(camera.height) - bottom_margin - 8;
    const float buttons = steer ? line + 12 : 0;
    box.top = box.bottom - (2 * line + 34 + buttons);
    box.track_top = box.top + line + 14 + buttons;
    return box;
}

TimeMs timeline_time_at(const wire::DrillClock& clock, const TimelineBox& box, float x) {
    const float inner_left = box.left + 10, inner_right = box.right - 10;
    const double f =
        std::clamp((x - inner_left) / std::max(1.0f, inner_right - inner_left), 0.0f, 1.0f);
    return clock.from +
           static_cast<TimeMs>(std::llround(f * static_cast<double>(clock.to - clock.from)));
}

float timeline_x_of(const wire::DrillClock& clock, const TimelineBox& box, TimeMs time) {
    const float inner_left = box.left + 10, inner_right = box.right - 10;
    if (clock.to <= clock.from) return inner_left;
    const double f = std::clamp(
        static_cast<double>(time - clock.from) / static_cast<double>(clock.to - clock.from), 0.0,
        1.0);
    return inner_left + static_cast<float>(f) * (inner_right - inner_left);
}

double faster_speed(double speed) {
    if (speed == 0) return 0;
    for (double s : kSpeeds)
        if (s > speed) return s;
    return 0;  // past 64×: as fast as possible
}

double slower_speed(double speed) {
    if (speed == 0) return kSpeeds[std::size(kSpeeds) - 1];
    double slower = kSpeeds[0];
    for (double s : kSpeeds)
        if (s < speed) slower = s;
    return slower;
}

std::string speed_words(double speed) {
    if (speed == 0) return say("最快", "fastest");
    char text[16];
    std::snprintf(text, sizeof text, speed < 1 ? "%.2g×" : "%.0f×", speed);
    return text;
}

wire::DrillCommand DrillTimeline::command(wire::DrillAction action) {
    wire::DrillCommand c;
    c.id = "drill-" + std::to_string(++sent_);
    c.action = action;
    refusal_.clear();
    return c;
}

bool DrillTimeline::is_ours(const wire::CommandReply& reply) {
    return reply.id.starts_with("drill-");
}

void DrillTimeline::answered(const wire::CommandReply& reply) {
    if (reply.accepted) return;
    refusal_ = say("未执行", "refused") + ": " + reply.refusal +
               (reply.detail.empty() ? std::string() : " — " + reply.detail);
}

std::optional<wire::DrillCommand> DrillTimeline::keys(const wire::DrillClock& clock) {
    using wire::DrillAction;
    if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false))
        return command(clock.paused ? DrillAction::play : DrillAction::pause);
    if (ImGui::IsKeyPressed(GLFW_KEY_LEFT_BRACKET, false) ||
        ImGui::IsKeyPressed(GLFW_KEY_RIGHT_BRACKET, false)) {
        auto c = command(DrillAction::speed);
        c.speed = ImGui::IsKeyPressed(GLFW_KEY_LEFT_BRACKET, false) ? slower_speed(clock.speed)
                                                                    : faster_speed(clock.speed);
        return c;
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_PERIOD, false)) {
        auto c = command(DrillAction::step);
        c.count = 1;
        return c;
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_SLASH, false)) {
        auto c = command(DrillAction::step);
        c.span_ms = 60'000;
        return c;
    }
    return std::nullopt;
}

std::optional<wire::DrillCommand> DrillTimeline::draw(const wire::DrillClock& clock,
                                                      const TimelineBox& box,
                                                      const WallFonts& fonts, bool steer) {
    using wire::DrillAction;
    std::optional<wire::DrillCommand> asked;
    ImGui::SetNextWindowPos(ImVec2(box.left, box.top));
    ImGui::SetNextWindowSize(ImVec2(box.right - box.left, box.bottom - box.top));
    ImGui::SetNextWindowBgAlpha(0.88f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(10, 5));
    ImGui::Begin("##drill-timeline", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollWithMouse);
    ImGui::PopStyleVar();
    auto* draw = ImGui::GetWindowDrawList();
    draw->AddRect(ImVec2(box.left, box.top), ImVec2(box.right, box.bottom), kMagenta, 4, 0, 2);

    // The first line: what is played, where it stands, how fast; a trainer's buttons on the right.
    ImGui::PushFont(fonts.heading);
    std::string state = say("回放", "REPLAY") + "  " +
                        (clock.paused ? say("已暂停", "paused") : say("播放中", "playing")) + " " +
                        speed_words(clock.speed) + "  " + clock_text(clock.time);
    fonts.want(state);
    ImGui::TextColored(ImVec4(1, 1, 1, 1), "%s", state.c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    std::string about = clock.recording + (clock.loop ? "  · " + say("循环", "looping") : "");
    fonts.want(about);
    ImGui::TextColored(ImVec4(0.75f, 0.78f, 0.85f, 1), "%s", about.c_str());
    const std::string& warning = !clock.failure.empty() ? clock.failure : refusal_;
    if (!warning.empty()) {
        ImGui::SameLine();
        const std::string line = fitted(fonts.body, warning, (box.right - box.left) * 0.3f);
        fonts.want(line);
        ImGui::TextColored(ImVec4(1, 0.45f, 0.45f, 1), "%s", line.c_str());
    }
    if (steer) {
        struct Button {
            std::string label;
            DrillAction action;
            double speed = 0;
            std::uint32_t count = 0;
            TimeMs span = 0;
        };
        const Button buttons[] = {
            {say("慢", "slower"), DrillAction::speed, slower_speed(clock.speed)},
            {clock.paused ? say("播放", "play") : say("暂停", "pause"),
             clock.paused ? DrillAction::play : DrillAction::pause},
            {say("快", "faster"), DrillAction::speed, faster_speed(clock.speed)},
            {say("下一事件", "next event"), DrillAction::step, 0, 1},
            {say("下一分钟", "next minute"), DrillAction::step, 0, 0, 60'000},
            {clock.loop ? say("取消循环", "loop off") : say("循环", "loop"), DrillAction::loop},
        };
        const std::string mark = say("书签", "bookmark");
        for (const Button& b : buttons) {
            fonts.want(b.label);
            if (ImGui::SmallButton(b.label.c_str())) {
                asked = command(b.action);
                asked->speed = b.speed;
                asked->count = b.count;
                asked->span_ms = b.span;
                asked->loop = !clock.loop;
            }
            ImGui::SameLine();
        }
        ImGui::SetNextItemWidth(std::min(320.0f, (box.right - box.left) * 0.25f));
        ImGui::InputTextWithHint("##note", say("书签备注", "note").c_str(), note_, sizeof note_);
        ImGui::SameLine();
        fonts.want(mark);
        if (ImGui::SmallButton(mark.c_str())) {
            asked = command(DrillAction::bookmark);
            asked->note = note_;
            note_[0] = '\0';
        }
    }

    // The track: the recording's density, the part played, bookmarks, where the replay stands.
    const float top = box.track_top, bottom = box.bottom - fonts.body->FontSize - 8;
    const float x0 = box.left + 10, x1 = box.right - 10;
    draw->AddRectFilled(ImVec2(x0, top), ImVec2(x1, bottom), IM_COL32(30, 34, 44, 255), 3);
    const float now_x = timeline_x_of(clock, box, clock.time);
    draw->AddRectFilled(ImVec2(x0, top), ImVec2(now_x, bottom), IM_COL32(90, 20, 70, 255), 3);
    if (!clock.density.empty()) {
        const std::uint32_t most = *std::max_element(clock.density.begin(), clock.density.end());
        const float step = (x1 - x0) / static_cast<float>(clock.density.size());
        for (std::size_t k = 0; most > 0 && k < clock.density.size(); ++k) {
            const float h = (bottom - top - 4) * static_cast<float>(clock.density[k]) /
                            static_cast<float>(most);
            if (h < 0.5f) continue;
            draw->AddRectFilled(ImVec2(x0 + step * k, bottom - 2 - h),
                                ImVec2(x0 + step * (k + 1) - (step > 3 ? 1 : 0), bottom - 2),
                                IM_COL32(214, 90, 170, 200));
        }
    }
    for (const wire::Bookmark& mark : clock.bookmarks) {
        const float x = timeline_x_of(clock, box, mark.at);
        draw->AddTriangleFilled(ImVec2(x - 6, top - 8), ImVec2(x + 6, top - 8), ImVec2(x, top),
                                kBookmark);
        draw->AddLine(ImVec2(x, top), ImVec2(x, bottom), kBookmark, 1);
        if (ImGui::IsMouseHoveringRect(ImVec2(x - 7, top - 9), ImVec2(x + 7, bottom))) {
            const std::string tip = clock_text(mark.at) + "  " + mark.note;
            fonts.want(tip);
            ImGui::SetTooltip("%s", tip.c_str());
        }
    }
    draw->AddLine(ImVec2(now_x, top - 4), ImVec2(now_x, bottom + 4), IM_COL32(255, 255, 255, 255),
                  3);
    // The window's ends under the track.
    const std::string from = clock_text(clock.from), to = clock_text(clock.to);
    const float label_y = bottom + 3;
    draw->AddText(fonts.body, fonts.body->FontSize, ImVec2(x0, label_y),
                  IM_COL32(190, 195, 210, 255), from.c_str());
    draw->AddText(fonts.body, fonts.body->FontSize,
                  ImVec2(x1 - ImGui::CalcTextSize(to.c_str()).x, label_y),
                  IM_COL32(190, 195, 210, 255), to.c_str());

    // A trainer drags along the track to seek; the moment under the pointer shows meanwhile.
    if (steer) {
        ImGui::SetCursorScreenPos(ImVec2(x0, top));
        ImGui::InvisibleButton("##track", ImVec2(std::max(1.0f, x1 - x0), bottom - top));
        if (ImGui::IsItemActive()) drag_x_ = ImGui::GetIO().MousePos.x;
        if (drag_x_) {
            const TimeMs at = timeline_time_at(clock, box, *drag_x_);
            draw->AddLine(ImVec2(*drag_x_, top - 4), ImVec2(*drag_x_, bottom + 4),
                          IM_COL32(120, 220, 255, 255), 2);
            const std::string when = clock_text(at);
            draw->AddText(fonts.body, fonts.body->FontSize,
                          ImVec2(std::clamp(*drag_x_ - 60, x0, x1 - 120), top + 2),
                          IM_COL32(120, 220, 255, 255), when.c_str());
            if (ImGui::IsItemDeactivated()) {
                asked = command(DrillAction::seek);
                asked->at = at;
                drag_x_.reset();
            }
        }
    }
    ImGui::End();
    return asked;
}

}  // namespace citywall::viewer
