#include "incident_layer.hpp"

#include <algorithm>
#include <cmath>

#include "citywall/embedded_assets.hpp"
#include "citywall/geo.hpp"

namespace citywall::viewer {

Result<IncidentLayer> IncidentLayer::create(MercatorPoint origin, MarkerTiming timing) {
    auto program = Program::build("marker", embedded::marker_vert, embedded::marker_frag);
    if (!program) return Result<IncidentLayer>::failure(program.error());
    IncidentLayer layer;
    layer.origin_ = origin;
    layer.timing_ = timing;
    layer.program_ = std::move(*program);
    layer.vao_ = make_vertex_array();
    layer.vbo_ = make_buffer();
    glBindVertexArray(layer.vao_.get());
    glBindBuffer(GL_ARRAY_BUFFER, layer.vbo_.get());
    constexpr auto stride = static_cast<GLsizei>(sizeof(Instance));
    struct Attribute {
        GLint size;
        GLenum type;
        std::size_t offset;
    };
    const Attribute attributes[] = {
        {2, GL_FLOAT, offsetof(Instance, x)},    {4, GL_UNSIGNED_BYTE, offsetof(Instance, rgba)},
        {1, GL_FLOAT, offsetof(Instance, size)}, {1, GL_FLOAT, offsetof(Instance, flags)},
        {1, GL_FLOAT, offsetof(Instance, born)}, {1, GL_FLOAT, offsetof(Instance, gone)},
    };
    for (GLuint i = 0; i < std::size(attributes); ++i) {
        const Attribute& a = attributes[i];
        glEnableVertexAttribArray(i);
        glVertexAttribPointer(i, a.size, a.type, a.type == GL_UNSIGNED_BYTE, stride,
                              buffer_offset(a.offset));
        glVertexAttribDivisor(i, 1);
    }
    glBindVertexArray(0);
    return layer;
}

float IncidentLayer::seconds(TimeMs t) const {
    // Times far from the base lose precision, but only recent ones are ever animated.
    const double s = static_cast<double>(t - time_base_.value_or(t)) / 1000.0;
    return static_cast<float>(std::clamp(s, -1e7, 1e7));
}

IncidentLayer::Instance IncidentLayer::make_instance(const Incident& incident,
                                                     const Palette& palette) {
    if (!time_base_) time_base_ = incident.received;
    const geo::Mercator m = geo::to_mercator(incident.location);
    const Rgba color = palette.category_color(incident.category);
    auto byte = [](float v) {
        return static_cast<std::uint8_t>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
    };
    int flags = 0;
    if (incident.severity == Severity::critical) flags |= kCritical;
    if (incident.escalation > 0) flags |= kEscalated;
    if (selected_ == incident.id) flags |= kSelected;
    return {static_cast<float>(m.x - origin_.x),
            static_cast<float>(m.y - origin_.y),
            {byte(color.r), byte(color.g), byte(color.b), byte(color.a)},
            palette.marker_size(incident.severity),
            static_cast<float>(flags),
            seconds(incident.received),
            0.0f};
}

void IncidentLayer::mark_dirty(std::size_t slot) {
    if (dirty_begin_ == dirty_end_) {
        dirty_begin_ = slot;
        dirty_end_ = slot + 1;
    } else {
        dirty_begin_ = std::min(dirty_begin_, slot);
        dirty_end_ = std::max(dirty_end_, slot + 1);
    }
}

void IncidentLayer::set(std::uint64_t id, const Instance& instance) {
    auto [it, inserted] = slots_.try_emplace(id, instances_.size());
    if (inserted) {
        instances_.push_back(instance);
        slot_ids_.push_back(id);
    } else {
        // Reopened while fading: it counts as open again (its fade_ entry is then ignored).
        if (static_cast<int>(instances_[it->second].flags) & kClosing) --fading_count_;
        instances_[it->second] = instance;
    }
    mark_dirty(it->second);
}

void IncidentLayer::remove(std::uint64_t id) {
    const auto it = slots_.find(id);
    if (it == slots_.end()) return;
    const std::size_t slot = it->second;
    if (static_cast<int>(instances_[slot].flags) & kClosing) --fading_count_;
    const std::size_t last = instances_.size() - 1;
    if (slot != last) {  // move the last instance into the hole
        instances_[slot] = instances_[last];
        slot_ids_[slot] = slot_ids_[last];
        slots_[slot_ids_[slot]] = slot;
        mark_dirty(slot);
    }
    instances_.pop_back();
    slot_ids_.pop_back();
    slots_.erase(it);
    dirty_end_ = std::min(dirty_end_, instances_.size());
    dirty_begin_ = std::min(dirty_begin_, dirty_end_);
}

void IncidentLayer::start_fade(std::uint64_t id, const AnimationClock& clock) {
    const auto it = slots_.find(id);
    if (it == slots_.end()) return;
    Instance& instance = instances_[it->second];
    const int flags = static_cast<int>(instance.flags);
    if (flags & kClosing) return;
    if (timing_.fade_s <= 0) {
        remove(id);
        return;
    }
    instance.flags = static_cast<float>(flags | kClosing);
    instance.gone = seconds(clock.now());
    ++fading_count_;
    fading_.push_back(
        {id, clock.now() + static_cast<TimeMs>(timing_.fade_s * 1000), instance.gone});
    mark_dirty(it->second);
}

void IncidentLayer::sweep(const AnimationClock& clock) {
    while (!fading_.empty() && fading_.front().ends <= clock.now()) {
        const Fade fade = fading_.front();
        fading_.pop_front();
        const auto it = slots_.find(fade.id);
        if (it == slots_.end()) continue;
        const Instance& instance = instances_[it->second];
        // Reopened since, or reopened and closed again (a later entry owns it): keep it.
        if ((static_cast<int>(instance.flags) & kClosing) && instance.gone == fade.gone) {
            remove(fade.id);
        }
    }
}

void IncidentLayer::rebuild(const CityPicture& picture, const Palette& palette,
                            const AnimationClock& clock) {
    instances_.clear();
    slot_ids_.clear();
    slots_.clear();
    fading_.clear();
    fading_count_ = 0;
    dirty_begin_ = dirty_end_ = 0;
    if (clock.started()) time_base_ = clock.now();
    for (const auto& [id, incident] : picture.incidents()) {
        if (incident.open()) set(id, make_instance(incident, palette));
    }
}

void IncidentLayer::update(const CityPicture& picture, const std::vector<std::uint64_t>& changed,
                           const Palette& palette, const AnimationClock& clock) {
    if (!time_base_ && clock.started()) time_base_ = clock.now();
    const auto& incidents = picture.incidents();
    for (const std::uint64_t id : changed) {
        const auto it = incidents.find(id);
        if (it != incidents.end() && it->second.open()) {
            set(id, make_instance(it->second, palette));
        } else {
            start_fade(id, clock);
        }
    }
}

void IncidentLayer::set_selected(std::optional<std::uint64_t> id) {
    if (selected_ == id) return;
    auto flag = [this](std::optional<std::uint64_t> which, bool on) {
        if (!which) return;
        const auto it = slots_.find(*which);
        if (it == slots_.end()) return;
        Instance& instance = instances_[it->second];
        const int flags = static_cast<int>(instance.flags);
        instance.flags = static_cast<float>(on ? flags | kSelected : flags & ~kSelected);
        mark_dirty(it->second);
    };
    flag(selected_, false);
    selected_ = id;
    flag(selected_, true);
}

std::optional<std::uint64_t> IncidentLayer::pick(const Camera& camera, double px, double py,
                                                 bool only_prominent) const {
    const MercatorPoint world = camera.to_world(px, py);
    const double wx = world.x - origin_.x, wy = world.y - origin_.y;
    std::optional<std::uint64_t> best;
    double best_d2 = 0;
    for (std::size_t slot = 0; slot < instances_.size(); ++slot) {
        const Instance& instance = instances_[slot];
        const int flags = static_cast<int>(instance.flags);
        if (flags & kClosing) continue;
        if (only_prominent && !(flags & (kCritical | kSelected))) continue;
        const double dx = (instance.x - wx) / camera.metres_per_pixel;
        const double dy = (instance.y - wy) / camera.metres_per_pixel;
        const double d2 = dx * dx + dy * dy;
        const double radius = instance.size / 2.0 + 2.0;  // a little slack for a finger
        if (d2 <= radius * radius && (!best || d2 < best_d2)) {
            best = slot_ids_[slot];
            best_d2 = d2;
        }
    }
    return best;
}

void IncidentLayer::upload() {
    glBindBuffer(GL_ARRAY_BUFFER, vbo_.get());
    if (instances_.size() > gpu_capacity_) {
        // Grow geometrically and send everything once; later deltas go by sub-range.
        gpu_capacity_ = std::max<std::size_t>(1024, instances_.size() * 2);
        glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(gpu_capacity_ * sizeof(Instance)),
                     nullptr, GL_DYNAMIC_DRAW);
        dirty_begin_ = 0;
        dirty_end_ = instances_.size();
    }
    if (dirty_end_ > dirty_begin_) {
        glBufferSubData(GL_ARRAY_BUFFER, static_cast<GLintptr>(dirty_begin_ * sizeof(Instance)),
                        static_cast<GLsizeiptr>((dirty_end_ - dirty_begin_) * sizeof(Instance)),
                        instances_.data() + dirty_begin_);
    }
    dirty_begin_ = dirty_end_ = 0;
}

void IncidentLayer::draw(const Camera& camera, const Palette& palette, const AnimationClock& clock,
                         bool only_prominent) {
    upload();
    if (instances_.empty()) return;
    program_.use();
    set_map_transform(program_, {camera.origin_offset_px(origin_),
                                 static_cast<float>(1.0 / camera.metres_per_pixel),
                                 {camera.width / 2.0f, camera.height / 2.0f}});
    glUniform4fv(program_.uniform("u_outline"), 1, palette.marker_outline().array().data());
    glUniform1f(program_.uniform("u_now"), seconds(clock.now()));
    glUniform1f(program_.uniform("u_pulse_s"), static_cast<float>(timing_.pulse_s));
    glUniform1f(program_.uniform("u_fade_s"), static_cast<float>(std::max(0.001, timing_.fade_s)));
    glUniform1i(program_.uniform("u_only_flags"), only_prominent ? kCritical | kSelected : 0);
    glBindVertexArray(vao_.get());
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, static_cast<GLsizei>(instances_.size()));
    glBindVertexArray(0);
}

}  // namespace citywall::viewer
