#include "incident_layer.hpp"

#include <algorithm>
#include <cmath>

#include "citywall/embedded_assets.hpp"
#include "citywall/geo.hpp"

namespace citywall::viewer {

// ==================================================================== instance buffers ====

IncidentLayer::InstanceBuffer IncidentLayer::make_buffer_for_instances() {
    InstanceBuffer buffer;
    buffer.vao = make_vertex_array();
    buffer.vbo = make_buffer();
    glBindVertexArray(buffer.vao.get());
    glBindBuffer(GL_ARRAY_BUFFER, buffer.vbo.get());
    constexpr auto stride = static_cast<GLsizei>(sizeof(Instance));
    struct Attribute {
        GLint size;
        GLenum type;
        GLboolean normalized;  // else a byte reaches the shader as its value, as a float
        std::size_t offset;
    };
    const Attribute attributes[] = {
        {2, GL_FLOAT, GL_FALSE, offsetof(Instance, x)},
        {4, GL_UNSIGNED_BYTE, GL_TRUE, offsetof(Instance, rgba)},
        {1, GL_UNSIGNED_BYTE, GL_FALSE, offsetof(Instance, size)},
        {1, GL_UNSIGNED_BYTE, GL_FALSE, offsetof(Instance, flags)},
        {1, GL_FLOAT, GL_FALSE, offsetof(Instance, time)},
        {1, GL_UNSIGNED_BYTE, GL_FALSE, offsetof(Instance, band)},
    };
    for (GLuint i = 0; i < std::size(attributes); ++i) {
        const Attribute& a = attributes[i];
        glEnableVertexAttribArray(i);
        glVertexAttribPointer(i, a.size, a.type, a.normalized, stride, buffer_offset(a.offset));
    }
    glBindVertexArray(0);
    return buffer;
}

std::uint32_t IncidentLayer::InstanceBuffer::slot_of(std::uint64_t id) const {
    return slots.find(id, [this](std::uint32_t slot) { return slot_ids[slot]; });
}

IncidentLayer::Instance* IncidentLayer::InstanceBuffer::find(std::uint64_t id) {
    const std::uint32_t slot = slot_of(id);
    return slot == IdIndex::kNone ? nullptr : &instances[slot];
}

void IncidentLayer::InstanceBuffer::mark_dirty(std::size_t slot) {
    if (slot >= is_dirty.size()) is_dirty.resize(std::max<std::size_t>(1024, 2 * slot + 2), 0);
    if (!is_dirty[slot]) {
        is_dirty[slot] = 1;
        dirty.push_back(static_cast<std::uint32_t>(slot));
    }
}

std::size_t IncidentLayer::InstanceBuffer::set(std::uint64_t id, const Instance& instance) {
    const auto key_of = [this](std::uint32_t slot) { return slot_ids[slot]; };
    std::uint32_t slot = slot_of(id);
    if (slot == IdIndex::kNone) {
        slot = static_cast<std::uint32_t>(instances.size());
        instances.push_back(instance);
        slot_ids.push_back(id);
        slots.insert(id, slot, key_of);
    } else {
        instances[slot] = instance;
    }
    mark_dirty(slot);
    return slot;
}

void IncidentLayer::InstanceBuffer::remove(std::uint64_t id) {
    const auto key_of = [this](std::uint32_t slot) { return slot_ids[slot]; };
    const std::uint32_t slot = slot_of(id);
    if (slot == IdIndex::kNone) return;
    slots.erase(id, key_of);
    const std::size_t last = instances.size() - 1;
    if (slot != last) {  // move the last instance into the hole
        slots.move(slot_ids[last], slot, key_of);
        instances[slot] = instances[last];
        slot_ids[slot] = slot_ids[last];
        mark_dirty(slot);
    }
    instances.pop_back();
    slot_ids.pop_back();
}

void IncidentLayer::InstanceBuffer::clear() {
    instances.clear();
    slot_ids.clear();
    slots.clear();
    for (const std::uint32_t slot : dirty)
        is_dirty[slot] = 0;
    dirty.clear();
}

void IncidentLayer::InstanceBuffer::upload() {
    const auto send = [this](std::size_t begin, std::size_t end) {
        glBufferSubData(GL_ARRAY_BUFFER, static_cast<GLintptr>(begin * sizeof(Instance)),
                        static_cast<GLsizeiptr>((end - begin) * sizeof(Instance)),
                        instances.data() + begin);
    };
    if (instances.size() > gpu_capacity) {
        // Grow geometrically and send everything once; later deltas go by slot.
        glBindBuffer(GL_ARRAY_BUFFER, vbo.get());
        gpu_capacity = std::max<std::size_t>(1024, instances.size() + instances.size() / 8);
        glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(gpu_capacity * sizeof(Instance)),
                     nullptr, GL_DYNAMIC_DRAW);
        note_gpu_bytes(GpuObject::buffer, vbo.get(), gpu_capacity * sizeof(Instance));
        send(0, instances.size());
    } else if (!dirty.empty()) {
        glBindBuffer(GL_ARRAY_BUFFER, vbo.get());
        std::sort(dirty.begin(), dirty.end());
        // Slots close together go as one run: a call costs more than a few spare bytes.
        constexpr std::size_t kJoin = 8;
        std::size_t begin = 0, end = 0;
        for (const std::uint32_t slot : dirty) {
            if (slot >= instances.size()) break;  // removed since (swap-removal shrinks)
            if (end > begin && slot <= end + kJoin) {
                end = slot + 1;
                continue;
            }
            if (end > begin) send(begin, end);
            begin = slot;
            end = slot + 1;
        }
        if (end > begin) send(begin, end);
    }
    for (const std::uint32_t slot : dirty)
        is_dirty[slot] = 0;
    dirty.clear();
}

void IncidentLayer::InstanceBuffer::draw() const {
    if (instances.empty()) return;
    glBindVertexArray(vao.get());
    glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(instances.size()));
    glBindVertexArray(0);
}

// ====================================================================== incident layer ====

Result<IncidentLayer> IncidentLayer::create(MercatorPoint origin, MarkerTiming timing) {
    auto program = Program::build("marker", embedded::marker_vert, embedded::marker_frag);
    if (!program) return program.error_value();
    auto plain = Program::build("marker_plain", embedded::marker_vert, embedded::marker_plain_frag);
    if (!plain) return plain.error_value();
    IncidentLayer layer;
    layer.origin_ = origin;
    layer.timing_ = timing;
    layer.program_ = std::move(*program);
    layer.plain_program_ = std::move(*plain);
    layer.all_ = make_buffer_for_instances();
    layer.prominent_ = make_buffer_for_instances();
    GLfloat range[2] = {1, 64};
    glGetFloatv(GL_POINT_SIZE_RANGE, range);
    layer.max_point_size_ = range[1];
    return layer;
}

float IncidentLayer::seconds(TimeMs t) const {
    // Times far from the base lose precision, but only recent ones are ever animated.
    const double s = static_cast<double>(t - time_base_.value_or(t)) / 1000.0;
    return static_cast<float>(std::clamp(s, -1e7, 1e7));
}

IncidentLayer::Instance IncidentLayer::make_instance(const IncidentView& incident,
                                                     const Palette& palette, TimeMs now) {
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
    const float half_pixels =
        std::clamp(std::round(palette.marker_size(incident.severity) * 2), 1.0f, 255.0f);
    return {static_cast<float>(m.x - origin_.x),
            static_cast<float>(m.y - origin_.y),
            {byte(color.r), byte(color.g), byte(color.b), byte(color.a)},
            static_cast<std::uint8_t>(half_pixels),
            static_cast<std::uint8_t>(flags),
            static_cast<std::uint8_t>(case_band(incident, now)),
            0,
            seconds(incident.received)};
}

void IncidentLayer::refresh_bands(const CityPicture& picture, const AnimationClock& clock) {
    const TimeMs now = clock.now();
    for (const std::uint64_t id : bands_.take_due(now)) {
        const auto incident = picture.incidents().find(id);
        const std::uint32_t slot = all_.slot_of(id);
        if (!incident || slot == IdIndex::kNone) continue;
        Instance& instance = all_.instances[slot];
        if (instance.flags & kClosing) continue;
        instance.band = static_cast<std::uint8_t>(case_band(*incident, now));
        all_.mark_dirty(slot);
        follow(id, instance);
        bands_.schedule(*incident, now);
    }
}

void IncidentLayer::follow(std::uint64_t id, const Instance& instance) {
    if (instance.flags & (kCritical | kSelected)) {
        prominent_.set(id, instance);
    } else if (prominent_.size() > 0) {
        prominent_.remove(id);
    }
}

void IncidentLayer::set(std::uint64_t id, const Instance& instance) {
    // Reopened while fading: it counts as open again (its fading_ entry is then ignored).
    if (const Instance* old = all_.find(id); old && (old->flags & kClosing)) --fading_count_;
    all_.set(id, instance);
    follow(id, instance);
}

void IncidentLayer::remove(std::uint64_t id) {
    const Instance* instance = all_.find(id);
    if (!instance) return;
    if (instance->flags & kClosing) --fading_count_;
    all_.remove(id);
    prominent_.remove(id);
}

void IncidentLayer::start_fade(std::uint64_t id, const AnimationClock& clock) {
    const std::uint32_t slot = all_.slot_of(id);
    if (slot == IdIndex::kNone) return;
    Instance& instance = all_.instances[slot];
    if (instance.flags & kClosing) return;
    if (timing_.fade_s <= 0) {
        remove(id);
        return;
    }
    instance.flags = static_cast<std::uint8_t>(instance.flags | kClosing);
    instance.time = seconds(clock.now());  // from now on, when it closed
    ++fading_count_;
    fading_.push_back(
        {id, clock.now() + static_cast<TimeMs>(timing_.fade_s * 1000), instance.time});
    all_.mark_dirty(slot);
    follow(id, instance);
}

void IncidentLayer::sweep(const AnimationClock& clock) {
    while (!fading_.empty() && fading_.front().ends <= clock.now()) {
        const Fade fade = fading_.front();
        fading_.pop_front();
        const Instance* instance = all_.find(fade.id);
        if (!instance) continue;
        // Reopened since, or reopened and closed again (a later entry owns it): keep it.
        if ((instance->flags & kClosing) && instance->time == fade.gone) {
            remove(fade.id);
        }
    }
}

void IncidentLayer::rebuild(const CityPicture& picture, const Palette& palette,
                            const AnimationClock& clock) {
    all_.clear();
    prominent_.clear();
    fading_.clear();
    fading_count_ = 0;
    if (clock.started()) time_base_ = clock.now();
    all_.instances.reserve(picture.incidents().size());
    all_.slot_ids.reserve(picture.incidents().size());
    all_.slots.reserve(picture.incidents().size(),
                       [this](std::uint32_t slot) { return all_.slot_ids[slot]; });
    bands_.clear();
    const TimeMs now = clock.now();
    for (const auto& [id, incident] : picture.incidents()) {
        set(id, make_instance(incident, palette, now));
        bands_.schedule(incident, now);
    }
}

void IncidentLayer::update(const CityPicture& picture,
                           const std::vector<OpenIncidents::Change>& changes,
                           const Palette& palette, const AnimationClock& clock) {
    if (!time_base_ && clock.started()) time_base_ = clock.now();
    for (const auto& change : changes) {
        if (const auto incident = picture.incidents().find(change.id)) {
            set(change.id, make_instance(*incident, palette, clock.now()));
            bands_.schedule(*incident, clock.now());
        } else {
            bands_.forget(change.id);
            start_fade(change.id, clock);
        }
    }
}

void IncidentLayer::set_selected(std::optional<std::uint64_t> id) {
    if (selected_ == id) return;
    auto flag = [this](std::optional<std::uint64_t> which, bool on) {
        if (!which) return;
        const std::uint32_t slot = all_.slot_of(*which);
        if (slot == IdIndex::kNone) return;
        Instance& instance = all_.instances[slot];
        instance.flags = static_cast<std::uint8_t>(on ? instance.flags | kSelected
                                                      : instance.flags & ~kSelected);
        all_.mark_dirty(slot);
        follow(*which, instance);
    };
    flag(selected_, false);
    selected_ = id;
    flag(selected_, true);
}

std::optional<std::uint64_t> IncidentLayer::pick(const Camera& camera, double px, double py,
                                                 bool only_prominent) const {
    const MercatorPoint world = camera.to_world(px, py);
    const double wx = world.x - origin_.x, wy = world.y - origin_.y;
    const InstanceBuffer& buffer = only_prominent ? prominent_ : all_;
    std::optional<std::uint64_t> best;
    double best_d2 = 0;
    for (std::size_t slot = 0; slot < buffer.instances.size(); ++slot) {
        const Instance& instance = buffer.instances[slot];
        if (instance.flags & kClosing) continue;
        const double dx = (instance.x - wx) / camera.metres_per_pixel;
        const double dy = (instance.y - wy) / camera.metres_per_pixel;
        const double d2 = dx * dx + dy * dy;
        const double radius = instance.size / 4.0 + 2.0;  // a little slack for a finger
        if (d2 <= radius * radius && (!best || d2 < best_d2)) {
            best = buffer.slot_ids[slot];
            best_d2 = d2;
        }
    }
    return best;
}

void IncidentLayer::sync() {
    all_.upload();
    prominent_.upload();
}

void IncidentLayer::draw(const Camera& camera, const Palette& palette, const AnimationClock& clock,
                         bool only_prominent) {
    sync();
    const InstanceBuffer& buffer = only_prominent ? prominent_ : all_;
    if (buffer.instances.empty()) return;
    // The viewport grows by the widest sprite's half on every side: GL may drop a point whose
    // centre is outside it, and a marker just off screen must still show its visible part.
    float largest = 0;
    for (const Severity severity :
         {Severity::critical, Severity::major, Severity::moderate, Severity::low}) {
        largest = std::max(largest, palette.marker_size(severity));
    }
    const float radius = 0.5f * largest + 1.0f;
    const float max_extent = 0.5f * max_point_size_;
    const int margin = static_cast<int>(std::ceil(
                           std::min(std::max(radius * 2.8f + 6.0f, radius + 12.0f), max_extent))) +
                       1;
    glViewport(-margin, -margin, camera.width + 2 * margin, camera.height + 2 * margin);
    glEnable(GL_PROGRAM_POINT_SIZE);
    const MapTransform transform{camera.origin_offset_px(origin_),
                                 static_cast<float>(1.0 / camera.metres_per_pixel),
                                 {camera.width / 2.0f + static_cast<float>(margin),
                                  camera.height / 2.0f + static_cast<float>(margin)}};
    for (const int pass : {0, 1}) {
        const Program& program = pass == 0 ? plain_program_ : program_;
        program.use();
        set_map_transform(program, transform);
        glUniform4fv(program.uniform("u_outline"), 1, palette.marker_outline().array().data());
        std::array<float, 4 * kCaseBandCount> bands{};
        for (int b = 0; b < kCaseBandCount; ++b) {
            const auto c = case_band_color(static_cast<CaseBand>(b));
            std::copy(c.begin(), c.end(), bands.begin() + 4 * b);
        }
        glUniform4fv(program.uniform("u_band"), kCaseBandCount, bands.data());
        glUniform1f(program.uniform("u_now"), seconds(clock.now()));
        glUniform1f(program.uniform("u_pulse_s"), static_cast<float>(timing_.pulse_s));
        glUniform1f(program.uniform("u_fade_s"),
                    static_cast<float>(std::max(0.001, timing_.fade_s)));
        glUniform1f(program.uniform("u_max_extent"), max_extent);
        glUniform1i(program.uniform("u_pass"), pass);
        buffer.draw();
    }
    glDisable(GL_PROGRAM_POINT_SIZE);
    glViewport(0, 0, camera.width, camera.height);
}

}  // namespace citywall::viewer
