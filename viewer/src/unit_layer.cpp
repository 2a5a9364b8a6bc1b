#include "unit_layer.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "citywall/embedded_assets.hpp"
#include "citywall/geo.hpp"

namespace citywall::viewer {

namespace {

std::uint8_t byte(float v) {
    return static_cast<std::uint8_t>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
}

// Call signs appear once a street is a few hundred pixels wide.
constexpr double kLabelMaxMetresPerPixel = 6.0;

}  // namespace

Rgba unit_color(const Palette& palette, UnitKind kind) {
    switch (kind) {
        case UnitKind::police_car:
            return palette.family_color("police");
        case UnitKind::fire_engine:
            return palette.family_color("fire");
        case UnitKind::ambulance:
            return palette.family_color("medical");
        case UnitKind::patrol:
        case UnitKind::grid_worker:
            return palette.family_color("city");
        case UnitKind::other:
            break;
    }
    return palette.family_color("");
}

Result<UnitLayer> UnitLayer::create(MercatorPoint origin) {
    auto icons = Program::build("unit", embedded::unit_vert, embedded::unit_frag);
    if (!icons) return icons.error_value();
    auto trails =
        Program::build("unit_trail", embedded::unit_trail_vert, embedded::unit_trail_frag);
    if (!trails) return trails.error_value();
    UnitLayer layer;
    layer.origin_ = origin;
    layer.icon_program_ = std::move(*icons);
    layer.trail_program_ = std::move(*trails);
    layer.icon_vao_ = make_vertex_array();
    layer.icon_vbo_ = make_buffer();
    layer.trail_vao_ = make_vertex_array();
    layer.trail_vbo_ = make_buffer();

    glBindVertexArray(layer.icon_vao_.get());
    glBindBuffer(GL_ARRAY_BUFFER, layer.icon_vbo_.get());
    constexpr auto icon_stride = static_cast<GLsizei>(sizeof(Icon));
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, icon_stride, buffer_offset(offsetof(Icon, x)));
    glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, icon_stride,
                          buffer_offset(offsetof(Icon, rgba)));
    glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, icon_stride,
                          buffer_offset(offsetof(Icon, heading)));
    glVertexAttribPointer(3, 1, GL_FLOAT, GL_FALSE, icon_stride,
                          buffer_offset(offsetof(Icon, flags)));
    for (GLuint i = 0; i < 4; ++i) {
        glEnableVertexAttribArray(i);
        glVertexAttribDivisor(i, 1);
    }

    glBindVertexArray(layer.trail_vao_.get());
    glBindBuffer(GL_ARRAY_BUFFER, layer.trail_vbo_.get());
    constexpr auto segment_stride = static_cast<GLsizei>(sizeof(Segment));
    glVertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, segment_stride,
                          buffer_offset(offsetof(Segment, x0)));
    glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, segment_stride,
                          buffer_offset(offsetof(Segment, rgba)));
    for (GLuint i = 0; i < 2; ++i) {
        glEnableVertexAttribArray(i);
        glVertexAttribDivisor(i, 1);
    }
    glBindVertexArray(0);
    return layer;
}

void UnitLayer::place(const Unit& unit, bool keep_trail) {
    const geo::Mercator m = geo::to_mercator(unit.location);
    const MercatorPoint at{m.x, m.y};
    auto& track = tracks_[unit_key(unit)];
    if (!keep_trail) track.trail.clear();
    if (track.trail.empty() || track.trail.back().x != at.x || track.trail.back().y != at.y)
        track.trail.push_back(at);
    while (track.trail.size() > kUnitTrailPoints)
        track.trail.pop_front();
    track.at = at;
    track.unit = unit;
}

void UnitLayer::rebuild(const CityPicture& picture) {
    tracks_.clear();
    for (const auto& [key, unit] : picture.units())
        place(unit, false);
    changed_ = true;
}

void UnitLayer::update(const CityPicture& picture, const std::vector<std::string>& changed) {
    const auto& units = picture.units();
    for (const auto& key : changed) {
        const auto it = units.find(key);
        if (it == units.end()) {
            tracks_.erase(key);
        } else {
            place(it->second, true);
        }
    }
    if (!changed.empty()) changed_ = true;
}

void UnitLayer::refill(const Palette& palette, const AnimationClock& clock) {
    icons_.clear();
    segments_.clear();
    for (const auto& [key, track] : tracks_) {
        const Unit& unit = track.unit;
        const Rgba color = unit_color(palette, unit.kind);
        // Out of service draws as faint as a unit not heard from: neither may be sent.
        const bool stale = (clock.started() && clock.now() - unit.reported > kUnitStaleMs) ||
                           unit.status == UnitStatus::out_of_service;
        const bool busy =
            unit.status == UnitStatus::dispatched || unit.status == UnitStatus::en_route ||
            unit.status == UnitStatus::on_scene || unit.status == UnitStatus::transporting;
        const float heading =
            unit.heading >= 0.f ? unit.heading * std::numbers::pi_v<float> / 180.f : -1.f;
        icons_.push_back({static_cast<float>(track.at.x - origin_.x),
                          static_cast<float>(track.at.y - origin_.y),
                          {byte(color.r), byte(color.g), byte(color.b), 255},
                          heading,
                          static_cast<float>((busy ? kBusy : 0) | (stale ? kStale : 0) |
                                             (selected_ == key ? kSelected : 0))});
        const std::size_t n = track.trail.size();
        for (std::size_t i = 1; i < n; ++i) {
            const auto& a = track.trail[i - 1];
            const auto& b = track.trail[i];
            // Older segments fade: the newest is 70 % opaque, the oldest nearly gone.
            const float alpha = 0.7f * static_cast<float>(i) / static_cast<float>(n - 1);
            segments_.push_back({static_cast<float>(a.x - origin_.x),
                                 static_cast<float>(a.y - origin_.y),
                                 static_cast<float>(b.x - origin_.x),
                                 static_cast<float>(b.y - origin_.y),
                                 {byte(color.r), byte(color.g), byte(color.b),
                                  byte(stale ? alpha * 0.5f : alpha)}});
        }
    }
    glBindBuffer(GL_ARRAY_BUFFER, icon_vbo_.get());
    glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(icons_.size() * sizeof(Icon)),
                 icons_.data(), GL_DYNAMIC_DRAW);
    note_gpu_bytes(GpuObject::buffer, icon_vbo_.get(), icons_.size() * sizeof(Icon));
    glBindBuffer(GL_ARRAY_BUFFER, trail_vbo_.get());
    glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(segments_.size() * sizeof(Segment)),
                 segments_.data(), GL_DYNAMIC_DRAW);
    note_gpu_bytes(GpuObject::buffer, trail_vbo_.get(), segments_.size() * sizeof(Segment));
    changed_ = false;
    refilled_at_ = clock.now();
}

void UnitLayer::draw(const Camera& camera, const Palette& palette, const AnimationClock& clock) {
    // Staleness follows the clock, so the buffer is refreshed every few seconds even when no
    // fix arrives (a unit whose receiver died turns grey on its own).
    if (changed_ || clock.now() - refilled_at_ > 5'000 || clock.now() < refilled_at_)
        refill(palette, clock);
    if (icons_.empty()) return;
    const MapTransform transform{camera.origin_offset_px(origin_),
                                 static_cast<float>(1.0 / camera.metres_per_pixel),
                                 {camera.width / 2.0f, camera.height / 2.0f}};
    if (!segments_.empty()) {
        trail_program_.use();
        set_map_transform(trail_program_, transform);
        glUniform1f(trail_program_.uniform("u_width"), 4.0f * ui_scale_);
        glBindVertexArray(trail_vao_.get());
        glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, static_cast<GLsizei>(segments_.size()));
    }
    icon_program_.use();
    set_map_transform(icon_program_, transform);
    glUniform4fv(icon_program_.uniform("u_outline"), 1, palette.marker_outline().array().data());
    glUniform1f(icon_program_.uniform("u_size"), kIconPx * ui_scale_);
    glBindVertexArray(icon_vao_.get());
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, static_cast<GLsizei>(icons_.size()));
    glBindVertexArray(0);
}

void UnitLayer::draw_labels(ImDrawList* list, const Camera& camera, const WallFonts& fonts,
                            float ui_scale, float left_edge) const {
    if (camera.metres_per_pixel > kLabelMaxMetresPerPixel) return;
    std::vector<ImVec4> placed;
    for (const auto& [key, track] : tracks_) {
        const auto [sx, sy] = camera.to_screen(track.at);
        if (sx < left_edge || sy < 0 || sx > camera.width || sy > camera.height) continue;
        const std::string label(track.unit.label());
        fonts.want(label);
        const ImVec2 size = ImGui::CalcTextSize(label.c_str());
        const float gap = (kIconPx / 2 + (selected_ == key ? 12 : 4)) * ui_scale;
        const ImVec2 at(static_cast<float>(sx) + gap,
                        static_cast<float>(sy) - ImGui::GetFontSize() / 2);
        // Two units side by side: the second label would cover the first; it waits for a
        // closer zoom (the operator can still click the icon).
        const ImVec4 box(at.x - 2, at.y - 1, at.x + size.x + 2, at.y + size.y + 1);
        const bool overlaps = std::any_of(placed.begin(), placed.end(), [&](const ImVec4& p) {
            return box.x < p.z && p.x < box.z && box.y < p.w && p.y < box.w;
        });
        if (overlaps) continue;
        placed.push_back(box);
        list->AddText(ImVec2(at.x + 1, at.y + 1), IM_COL32(0, 0, 0, 220), label.c_str());
        list->AddText(at, IM_COL32(235, 240, 245, 255), label.c_str());
    }
}

const std::deque<MercatorPoint>* UnitLayer::trail(const std::string& key) const {
    const auto it = tracks_.find(key);
    return it == tracks_.end() ? nullptr : &it->second.trail;
}

std::optional<std::string> UnitLayer::pick(const Camera& camera, double px, double py) const {
    std::optional<std::string> best;
    double best_d2 = 0;
    const double half = kIconPx * ui_scale_ / 2 + 2;
    for (const auto& [key, track] : tracks_) {
        const auto [sx, sy] = camera.to_screen(track.at);
        const double dx = sx - px, dy = sy - py;
        if (std::abs(dx) > half || std::abs(dy) > half) continue;
        const double d2 = dx * dx + dy * dy;
        if (!best || d2 < best_d2) {
            best = key;
            best_d2 = d2;
        }
    }
    return best;
}

}  // namespace citywall::viewer
