#include "map_cache.hpp"

#include <cmath>

#include "citywall/embedded_assets.hpp"

namespace citywall::viewer {

MapCacheKey map_cache_key(const Camera& camera, const std::vector<MapLayer>& layers,
                          std::size_t split) {
    MapCacheKey key;
    key.center = camera.center;
    key.metres_per_pixel = camera.metres_per_pixel;
    key.width = camera.width;
    key.height = camera.height;
    key.split = split;
    key.layers.reserve(layers.size());
    for (const MapLayer& layer : layers) {
        const LayerStyle& style = layer.style();
        const bool drawn = style.shown_at(camera.metres_per_pixel) && style.opacity > 0;
        const auto opacity = static_cast<std::uint32_t>(std::lround(style.opacity * 65535.0f));
        key.layers.push_back(drawn ? opacity + 1 : 0);
        key.layers.push_back(static_cast<std::uint32_t>(layer.revision()));  // tiles arrived
    }
    return key;
}

Result<MapCache> MapCache::create() {
    auto program = Program::build("composite", embedded::composite_vert, embedded::composite_frag);
    if (!program) return program.error_value();
    MapCache cache;
    cache.program_ = std::move(*program);
    cache.vao_ = make_vertex_array();
    cache.program_.use();
    glUniform1i(cache.program_.uniform("u_image"), 0);
    glUseProgram(0);
    return cache;
}

void MapCache::ensure(Target& target, int width, int height) {
    if (stencil_width_ != width || stencil_height_ != height || !stencil_) {
        GLuint name = 0;
        glGenRenderbuffers(1, &name);
        stencil_ = Renderbuffer(name);
        glBindRenderbuffer(GL_RENDERBUFFER, name);
        glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH24_STENCIL8, width, height);
        note_gpu_bytes(GpuObject::renderbuffer, name,
                       static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
        glBindRenderbuffer(GL_RENDERBUFFER, 0);
        stencil_width_ = width;
        stencil_height_ = height;
    }
    if (target.width != width || target.height != height || !target.framebuffer) {
        target.color = make_texture();
        glBindTexture(GL_TEXTURE_2D, target.color.get());
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                     nullptr);
        note_gpu_bytes(GpuObject::texture, target.color.get(),
                       static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glBindTexture(GL_TEXTURE_2D, 0);
        GLuint name = 0;
        glGenFramebuffers(1, &name);
        target.framebuffer = Framebuffer(name);
        glBindFramebuffer(GL_FRAMEBUFFER, name);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                               target.color.get(), 0);
        target.width = width;
        target.height = height;
    }
    // The stencil may have been replaced for another size: attach it every time.
    glBindFramebuffer(GL_FRAMEBUFFER, target.framebuffer.get());
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                              stencil_.get());
}

void MapCache::begin(Part part, const MapCacheKey& key, const std::array<float, 4>& background) {
    valid_ = false;
    Target& target = part == Part::base ? base_ : overlay_;
    ensure(target, key.width, key.height);
    glViewport(0, 0, key.width, key.height);
    if (part == Part::base) {
        glClearColor(background[0], background[1], background[2], background[3]);
    } else {
        glClearColor(0, 0, 0, 0);
    }
    glClearStencil(0);
    glStencilMask(0xff);
    glClear(GL_COLOR_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
}

void MapCache::finish(const MapCacheKey& key) {
    key_ = key;
    valid_ = true;
}

void MapCache::composite(Part part, const std::array<int, 4>& area) const {
    const Target& target = part == Part::base ? base_ : overlay_;
    glEnable(GL_SCISSOR_TEST);
    glScissor(area[0], area[1], area[2], area[3]);
    if (part == Part::base) {
        glDisable(GL_BLEND);
    } else {
        glEnable(GL_BLEND);
        glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    }
    program_.use();
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, target.color.get());
    glBindVertexArray(vao_.get());
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(0);
    glBindTexture(GL_TEXTURE_2D, 0);
    glDisable(GL_SCISSOR_TEST);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
}

}  // namespace citywall::viewer
