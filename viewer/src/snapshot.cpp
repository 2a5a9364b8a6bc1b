#include "snapshot.hpp"

#include <cstdio>
#include <fstream>

#include <stb_image_write.h>  // implemented in Debian's libstb

namespace citywall::viewer {

namespace {

Renderbuffer make_renderbuffer(GLenum format, int width, int height) {
    GLuint name = 0;
    glGenRenderbuffers(1, &name);
    glBindRenderbuffer(GL_RENDERBUFFER, name);
    glRenderbufferStorage(GL_RENDERBUFFER, format, width, height);
    glBindRenderbuffer(GL_RENDERBUFFER, 0);
    return Renderbuffer(name);
}

}  // namespace

Result<OffscreenTarget> OffscreenTarget::create(int width, int height) {
    GLint max_size = 0;
    glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &max_size);
    if (width <= 0 || height <= 0 || width > max_size || height > max_size) {
        return Result<OffscreenTarget>::failure(
            ErrorKind::invalid, "snapshot size " + std::to_string(width) + "x" +
                                    std::to_string(height) + " not supported (max " +
                                    std::to_string(max_size) + ")");
    }
    OffscreenTarget target;
    target.width_ = width;
    target.height_ = height;
    GLuint name = 0;
    glGenFramebuffers(1, &name);
    target.framebuffer_ = Framebuffer(name);
    target.color_ = make_renderbuffer(GL_RGBA8, width, height);
    target.depth_stencil_ = make_renderbuffer(GL_DEPTH24_STENCIL8, width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, name);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                              target.color_.get());
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                              target.depth_stencil_.get());
    const GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    if (status != GL_FRAMEBUFFER_COMPLETE) {
        return Result<OffscreenTarget>::failure(ErrorKind::invalid,
                                                "offscreen framebuffer incomplete");
    }
    return target;
}

std::vector<std::uint8_t> read_pixels_rgb(int width, int height) {
    const auto row = static_cast<std::size_t>(width) * 3;
    std::vector<std::uint8_t> bottom_up(row * static_cast<std::size_t>(height));
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, bottom_up.data());
    // GL's rows start at the bottom; PNG's at the top.
    std::vector<std::uint8_t> top_down(bottom_up.size());
    for (int y = 0; y < height; ++y) {
        std::copy_n(bottom_up.data() + static_cast<std::size_t>(height - 1 - y) * row, row,
                    top_down.data() + static_cast<std::size_t>(y) * row);
    }
    return top_down;
}

Result<void> write_snapshot(const std::filesystem::path& out, const Camera& camera,
                            const std::vector<std::uint8_t>& rgb, std::size_t incidents) {
    if (out.has_parent_path()) {
        std::error_code ignored;
        std::filesystem::create_directories(out.parent_path(), ignored);
    }
    // Write beside and rename, so a watcher never reads a half-written picture.
    const std::filesystem::path partial = out.string() + ".partial";
    stbi_write_png_compression_level = 9;  // reference images live in git: keep them small
    if (!stbi_write_png(partial.c_str(), camera.width, camera.height, 3, rgb.data(),
                        camera.width * 3)) {
        return Error{ErrorKind::io, "cannot write " + out.string()};
    }
    std::error_code error;
    std::filesystem::rename(partial, out, error);
    if (error) return Error{ErrorKind::io, "cannot write " + out.string() + ": " + error.message()};

    char json[512];
    std::snprintf(json, sizeof json,
                  "{\"width\": %d, \"height\": %d, \"center_x\": %.3f, \"center_y\": %.3f, "
                  "\"metres_per_pixel\": %.9g, \"incidents\": %zu}\n",
                  camera.width, camera.height, camera.center.x, camera.center.y,
                  camera.metres_per_pixel, incidents);
    std::ofstream sidecar(out.string() + ".json", std::ios::trunc);
    sidecar << json;
    if (!sidecar) return Error{ErrorKind::io, "cannot write " + out.string() + ".json"};
    return {};
}

}  // namespace citywall::viewer
