#include "incident_layer.hpp"

#include <algorithm>

#include "citywall/embedded_assets.hpp"
#include "citywall/geo.hpp"

namespace citywall::viewer {

Result<IncidentLayer> IncidentLayer::create(MercatorPoint origin) {
    auto program = Program::build("marker", embedded::marker_vert, embedded::marker_frag);
    if (!program) return Result<IncidentLayer>::failure(program.error());
    IncidentLayer layer;
    layer.origin_ = origin;
    layer.program_ = std::move(*program);
    layer.vao_ = make_vertex_array();
    layer.vbo_ = make_buffer();
    glBindVertexArray(layer.vao_.get());
    glBindBuffer(GL_ARRAY_BUFFER, layer.vbo_.get());
    constexpr auto stride = static_cast<GLsizei>(sizeof(Instance));
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, buffer_offset(offsetof(Instance, x)));
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, stride,
                          buffer_offset(offsetof(Instance, rgba)));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride,
                          buffer_offset(offsetof(Instance, size)));
    glEnableVertexAttribArray(3);
    glVertexAttribPointer(3, 1, GL_FLOAT, GL_FALSE, stride,
                          buffer_offset(offsetof(Instance, flags)));
    for (GLuint attribute = 0; attribute < 4; ++attribute)
        glVertexAttribDivisor(attribute, 1);
    glBindVertexArray(0);
    return layer;
}

IncidentLayer::Instance IncidentLayer::make_instance(const Incident& incident,
                                                     const Palette& palette) const {
    const geo::Mercator m = geo::to_mercator(incident.location);
    const Rgba color = palette.category_color(incident.category);
    auto byte = [](float v) {
        return static_cast<std::uint8_t>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
    };
    float flags = 0;
    if (incident.severity == Severity::critical) flags += 1;
    if (incident.escalation > 0) flags += 2;
    return {static_cast<float>(m.x - origin_.x),
            static_cast<float>(m.y - origin_.y),
            {byte(color.r), byte(color.g), byte(color.b), byte(color.a)},
            palette.marker_size(incident.severity),
            flags};
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
        instances_[it->second] = instance;
    }
    mark_dirty(it->second);
}

void IncidentLayer::remove(std::uint64_t id) {
    const auto it = slots_.find(id);
    if (it == slots_.end()) return;
    const std::size_t slot = it->second;
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

void IncidentLayer::rebuild(const CityPicture& picture, const Palette& palette) {
    instances_.clear();
    slot_ids_.clear();
    slots_.clear();
    dirty_begin_ = dirty_end_ = 0;
    for (const auto& [id, incident] : picture.incidents()) {
        if (incident.open()) set(id, make_instance(incident, palette));
    }
}

void IncidentLayer::update(const CityPicture& picture, const std::vector<std::uint64_t>& changed,
                           const Palette& palette) {
    const auto& incidents = picture.incidents();
    for (const std::uint64_t id : changed) {
        const auto it = incidents.find(id);
        if (it != incidents.end() && it->second.open()) {
            set(id, make_instance(it->second, palette));
        } else {
            remove(id);
        }
    }
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

void IncidentLayer::draw(const Camera& camera, const Palette& palette) {
    upload();
    if (instances_.empty()) return;
    program_.use();
    set_map_transform(program_, {camera.origin_offset_px(origin_),
                                 static_cast<float>(1.0 / camera.metres_per_pixel),
                                 {camera.width / 2.0f, camera.height / 2.0f}});
    glUniform4fv(program_.uniform("u_outline"), 1, palette.marker_outline().array().data());
    glBindVertexArray(vao_.get());
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, static_cast<GLsizei>(instances_.size()));
    glBindVertexArray(0);
}

}  // namespace citywall::viewer
