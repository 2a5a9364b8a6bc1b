#include "choropleth_layer.hpp"

#include "citywall/embedded_assets.hpp"

namespace citywall::viewer {

const std::array<Rgba, ClassBreaks::kClasses>& choropleth_ramp() {
    // viridis at 0.2, 0.36, 0.52, 0.68, 0.84, 1.0: its darkest end is left out, it would
    // vanish into the wall's background.
    static const std::array<Rgba, ClassBreaks::kClasses> ramp = {
        *parse_rgba("#3e4989"), *parse_rgba("#2c728e"), *parse_rgba("#21918c"),
        *parse_rgba("#3fbc73"), *parse_rgba("#a8db34"), *parse_rgba("#fde725"),
    };
    return ramp;
}

Result<ChoroplethLayer> ChoroplethLayer::create(const CityAreas& areas) {
    auto program =
        Program::build("choropleth", embedded::choropleth_vert, embedded::choropleth_frag);
    if (!program) return program.error_value();
    ChoroplethLayer layer;
    layer.program_ = std::move(*program);
    layer.levels_.resize(areas.level_count());
    for (std::size_t i = 0; i < areas.level_count(); ++i) {
        const AreaSet& set = areas.level(static_cast<AreaLevel>(i));
        Level& level = layer.levels_[i];
        if (!set.loaded() || set.mesh.vertices.empty()) continue;
        level.origin = set.mesh.origin;
        level.areas = set.refs.size();
        level.vao = make_vertex_array();
        level.vbo = make_buffer();
        glBindVertexArray(level.vao.get());
        glBindBuffer(GL_ARRAY_BUFFER, level.vbo.get());
        glBufferData(GL_ARRAY_BUFFER,
                     static_cast<GLsizeiptr>(set.mesh.vertices.size() * sizeof(AreaVertex)),
                     set.mesh.vertices.data(), GL_STATIC_DRAW);
        note_gpu_bytes(GpuObject::buffer, level.vbo.get(),
                       set.mesh.vertices.size() * sizeof(AreaVertex));
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(AreaVertex),
                              buffer_offset(offsetof(AreaVertex, x)));
        glEnableVertexAttribArray(1);
        glVertexAttribPointer(1, 1, GL_FLOAT, GL_FALSE, sizeof(AreaVertex),
                              buffer_offset(offsetof(AreaVertex, area)));
        glBindVertexArray(0);
        level.vertices = static_cast<GLsizei>(set.mesh.vertices.size());

        level.counts = make_texture();
        glBindTexture(GL_TEXTURE_2D, level.counts.get());
        const auto rows = static_cast<GLsizei>((level.areas + kTextureWidth - 1) / kTextureWidth);
        const std::vector<float> zeros(static_cast<std::size_t>(rows) * kTextureWidth, 0.0f);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, kTextureWidth, rows, 0, GL_RED, GL_FLOAT,
                     zeros.data());
        note_gpu_bytes(GpuObject::texture, level.counts.get(), zeros.size() * sizeof(float));
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glBindTexture(GL_TEXTURE_2D, 0);
    }
    return layer;
}

void ChoroplethLayer::sync(AreaCounts& counts) {
    for (std::size_t i = 0; i < levels_.size(); ++i) {
        const auto which = static_cast<AreaLevel>(i);
        const std::vector<std::uint32_t> changed = counts.take_changed(which);
        Level& level = levels_[i];
        if (changed.empty() || !level.counts || counts.area_count(which) != level.areas) continue;
        glBindTexture(GL_TEXTURE_2D, level.counts.get());
        glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        if (changed.size() * 4 > level.areas) {  // most of them: one upload of everything
            const auto rows = (level.areas + kTextureWidth - 1) / kTextureWidth;
            std::vector<float> all(rows * kTextureWidth, 0.0f);
            for (std::uint32_t a = 0; a < level.areas; ++a)
                all[a] = static_cast<float>(counts.count(which, a));
            glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, kTextureWidth, static_cast<GLsizei>(rows),
                            GL_RED, GL_FLOAT, all.data());
        } else {
            for (const std::uint32_t a : changed) {
                const float value = static_cast<float>(counts.count(which, a));
                glTexSubImage2D(GL_TEXTURE_2D, 0, static_cast<GLint>(a % kTextureWidth),
                                static_cast<GLint>(a / kTextureWidth), 1, 1, GL_RED, GL_FLOAT,
                                &value);
            }
        }
        glBindTexture(GL_TEXTURE_2D, 0);
    }
}

void ChoroplethLayer::draw(const Camera& camera, AreaLevel which, const ClassBreaks& breaks,
                           float opacity, std::optional<std::uint32_t> highlighted) const {
    if (!has(which)) return;
    const Level& level = levels_[which];
    program_.use();
    set_map_transform(program_, {camera.origin_offset_px(level.origin),
                                 static_cast<float>(1.0 / camera.metres_per_pixel),
                                 {camera.width / 2.0f, camera.height / 2.0f}});
    std::array<float, ClassBreaks::kClasses> lower{};
    std::array<float, ClassBreaks::kClasses * 4> ramp{};
    for (int c = 0; c < ClassBreaks::kClasses; ++c) {
        lower[c] = static_cast<float>(breaks.lower[c]);
        const auto rgba = choropleth_ramp()[c].array();
        std::copy(rgba.begin(), rgba.end(), ramp.begin() + c * 4);
    }
    glUniform1fv(program_.uniform("u_lower"), ClassBreaks::kClasses, lower.data());
    glUniform4fv(program_.uniform("u_ramp"), ClassBreaks::kClasses, ramp.data());
    glUniform1f(program_.uniform("u_opacity"), opacity);
    glUniform1i(program_.uniform("u_highlight"),
                highlighted ? static_cast<GLint>(*highlighted) : -1);
    glUniform1i(program_.uniform("u_only"), -1);
    glUniform1i(program_.uniform("u_counts"), 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, level.counts.get());
    glBindVertexArray(level.vao.get());
    glDrawArrays(GL_TRIANGLES, 0, level.vertices);
    glBindVertexArray(0);
    glBindTexture(GL_TEXTURE_2D, 0);
}

void ChoroplethLayer::draw_selected(const Camera& camera, AreaLevel which,
                                    std::uint32_t area) const {
    if (!has(which)) return;
    const Level& level = levels_[which];
    program_.use();
    set_map_transform(program_, {camera.origin_offset_px(level.origin),
                                 static_cast<float>(1.0 / camera.metres_per_pixel),
                                 {camera.width / 2.0f, camera.height / 2.0f}});
    glUniform1i(program_.uniform("u_only"), static_cast<GLint>(area));
    glUniform1i(program_.uniform("u_highlight"), -1);
    glUniform1f(program_.uniform("u_opacity"), 0.22f);
    glUniform1i(program_.uniform("u_counts"), 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, level.counts.get());
    glBindVertexArray(level.vao.get());
    glDrawArrays(GL_TRIANGLES, 0, level.vertices);
    glBindVertexArray(0);
    glBindTexture(GL_TEXTURE_2D, 0);
}

}  // namespace citywall::viewer
