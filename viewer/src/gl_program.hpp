// Thin OpenGL 3.3 core helpers: a linked shader program and owning handles for buffers,
// vertex arrays, textures. Nothing here knows about maps.
#pragma once

#include <epoxy/gl.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "citywall/result.hpp"

namespace citywall::viewer {

// Owns one GL object name; Deleter is called with it on destruction.
template <void (*Delete)(GLuint)>
class GlHandle {
  public:
    GlHandle() = default;
    explicit GlHandle(GLuint name) : name_(name) {}
    GlHandle(GlHandle&& other) noexcept : name_(std::exchange(other.name_, 0)) {}
    GlHandle& operator=(GlHandle&& other) noexcept {
        if (this != &other) {
            reset();
            name_ = std::exchange(other.name_, 0);
        }
        return *this;
    }
    GlHandle(const GlHandle&) = delete;
    GlHandle& operator=(const GlHandle&) = delete;
    ~GlHandle() { reset(); }

    GLuint get() const { return name_; }
    explicit operator bool() const { return name_ != 0; }
    void reset() {
        if (name_ != 0) Delete(name_);
        name_ = 0;
    }

  private:
    GLuint name_ = 0;
};

void delete_buffer(GLuint name);
void delete_vertex_array(GLuint name);
void delete_texture(GLuint name);
void delete_program(GLuint name);
void delete_framebuffer(GLuint name);
void delete_renderbuffer(GLuint name);

using Buffer = GlHandle<delete_buffer>;
using VertexArray = GlHandle<delete_vertex_array>;
using Texture = GlHandle<delete_texture>;
using Framebuffer = GlHandle<delete_framebuffer>;
using Renderbuffer = GlHandle<delete_renderbuffer>;

Buffer make_buffer();
VertexArray make_vertex_array();
Texture make_texture();

// What the wall has asked the GL to hold: a GPU keeps it in its own memory, llvmpipe in the
// process's. Each allocation site notes the bytes of the object it (re)filled; deleting the
// object forgets them. For the benchmark's memory figures, not for decisions.
enum class GpuObject { buffer, texture, renderbuffer };
void note_gpu_bytes(GpuObject kind, GLuint name, std::size_t bytes);
std::size_t gpu_bytes();

class Program {
  public:
    static Result<Program> build(std::string_view name, std::string_view vertex_source,
                                 std::string_view fragment_source);
    void use() const { glUseProgram(program_.get()); }
    GLint uniform(const char* name) const { return glGetUniformLocation(program_.get(), name); }

  private:
    GlHandle<delete_program> program_;
};

// The uniforms every map-space shader takes (see shaders/area_fill.vert).
struct MapTransform {
    std::array<float, 2> origin_px;
    float px_per_metre;
    std::array<float, 2> half_viewport;
};
void set_map_transform(const Program& program, const MapTransform& transform);

// Byte offset into a bound buffer, as glVertexAttribPointer wants it.
const void* buffer_offset(std::size_t bytes);

}  // namespace citywall::viewer
