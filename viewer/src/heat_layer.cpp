#include "heat_layer.hpp"

#include <algorithm>

#include "citywall/embedded_assets.hpp"

namespace citywall::viewer {

Result<HeatLayer> HeatLayer::create(const IncidentLayer& incidents) {
    auto splat = Program::build("heat_splat", embedded::heat_splat_vert, embedded::heat_splat_frag);
    if (!splat) return splat.error_value();
    auto ramp = Program::build("heat_ramp", embedded::heat_ramp_vert, embedded::heat_ramp_frag);
    if (!ramp) return ramp.error_value();
    HeatLayer layer;
    layer.splat_ = std::move(*splat);
    layer.ramp_ = std::move(*ramp);
    layer.points_ = make_vertex_array();
    layer.triangle_ = make_vertex_array();
    // The incident layer's buffer keeps its name when it grows, so this binding stays valid.
    glBindVertexArray(layer.points_.get());
    glBindBuffer(GL_ARRAY_BUFFER, incidents.buffer());
    constexpr auto stride = static_cast<GLsizei>(sizeof(IncidentLayer::Instance));
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride,
                          buffer_offset(offsetof(IncidentLayer::Instance, x)));
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 1, GL_UNSIGNED_BYTE, GL_FALSE, stride,
                          buffer_offset(offsetof(IncidentLayer::Instance, flags)));
    glBindVertexArray(0);
    layer.ramp_.use();
    glUniform1i(layer.ramp_.uniform("u_heat"), 0);
    glUseProgram(0);
    return layer;
}

void HeatLayer::resize(int width, int height) {
    if (width == width_ && height == height_ && texture_) return;
    width_ = width;
    height_ = height;
    texture_ = make_texture();
    glBindTexture(GL_TEXTURE_2D, texture_.get());
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R16F, width, height, 0, GL_RED, GL_FLOAT, nullptr);
    note_gpu_bytes(GpuObject::texture, texture_.get(),
                   static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 2);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
    if (!target_) {
        GLuint name = 0;
        glGenFramebuffers(1, &name);
        target_ = GlHandle<delete_framebuffer>(name);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, target_.get());
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture_.get(), 0);
}

void HeatLayer::draw(const Camera& camera, const IncidentLayer& incidents, GLuint framebuffer) {
    const int w = std::max(1, (camera.width + kDownsample - 1) / kDownsample);
    const int h = std::max(1, (camera.height + kDownsample - 1) / kDownsample);
    resize(w, h);
    // Pass 1: splat into the density texture.
    glBindFramebuffer(GL_FRAMEBUFFER, target_.get());
    glViewport(0, 0, w, h);
    glClearColor(0, 0, 0, 0);
    glClear(GL_COLOR_BUFFER_BIT);
    glDisable(GL_STENCIL_TEST);
    glEnable(GL_BLEND);
    glBlendFunc(GL_ONE, GL_ONE);
    glEnable(GL_PROGRAM_POINT_SIZE);
    const auto count = static_cast<GLsizei>(incidents.instance_count());
    if (count > 0) {
        splat_.use();
        set_map_transform(splat_, {camera.origin_offset_px(incidents.origin()),
                                   static_cast<float>(1.0 / camera.metres_per_pixel),
                                   {camera.width / 2.0f, camera.height / 2.0f}});
        glUniform1f(splat_.uniform("u_point_px"), 2.0f * kRadiusPx / kDownsample);
        glBindVertexArray(points_.get());
        glDrawArrays(GL_POINTS, 0, count);
    }
    glDisable(GL_PROGRAM_POINT_SIZE);
    // Pass 2: the ramp over the map.
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glViewport(0, 0, camera.width, camera.height);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    if (count > 0) {
        ramp_.use();
        glUniform1f(ramp_.uniform("u_opacity"), kOpacity);
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, texture_.get());
        glBindVertexArray(triangle_.get());
        glDrawArrays(GL_TRIANGLES, 0, 3);
        glBindTexture(GL_TEXTURE_2D, 0);
    }
    glBindVertexArray(0);
}

}  // namespace citywall::viewer
