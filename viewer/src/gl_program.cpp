#include "gl_program.hpp"

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace citywall::viewer {

namespace {

struct GpuLedger {
    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::size_t> bytes;  // by kind and name
    std::size_t total = 0;
};

GpuLedger& ledger() {
    static GpuLedger instance;
    return instance;
}

std::uint64_t ledger_key(GpuObject kind, GLuint name) {
    return static_cast<std::uint64_t>(kind) << 32 | name;
}

void forget_gpu_bytes(GpuObject kind, GLuint name) {
    GpuLedger& l = ledger();
    std::lock_guard lock(l.mutex);
    if (auto it = l.bytes.find(ledger_key(kind, name)); it != l.bytes.end()) {
        l.total -= it->second;
        l.bytes.erase(it);
    }
}

}  // namespace

void note_gpu_bytes(GpuObject kind, GLuint name, std::size_t bytes) {
    GpuLedger& l = ledger();
    std::lock_guard lock(l.mutex);
    std::size_t& entry = l.bytes[ledger_key(kind, name)];
    l.total = l.total - entry + bytes;
    entry = bytes;
}

std::size_t gpu_bytes() {
    GpuLedger& l = ledger();
    std::lock_guard lock(l.mutex);
    return l.total;
}

void delete_buffer(GLuint name) {
    forget_gpu_bytes(GpuObject::buffer, name);
    glDeleteBuffers(1, &name);
}
void delete_vertex_array(GLuint name) {
    glDeleteVertexArrays(1, &name);
}
void delete_texture(GLuint name) {
    forget_gpu_bytes(GpuObject::texture, name);
    glDeleteTextures(1, &name);
}
void delete_program(GLuint name) {
    glDeleteProgram(name);
}
void delete_framebuffer(GLuint name) {
    glDeleteFramebuffers(1, &name);
}
void delete_renderbuffer(GLuint name) {
    forget_gpu_bytes(GpuObject::renderbuffer, name);
    glDeleteRenderbuffers(1, &name);
}

Buffer make_buffer() {
    GLuint name = 0;
    glGenBuffers(1, &name);
    return Buffer(name);
}

VertexArray make_vertex_array() {
    GLuint name = 0;
    glGenVertexArrays(1, &name);
    return VertexArray(name);
}

Texture make_texture() {
    GLuint name = 0;
    glGenTextures(1, &name);
    return Texture(name);
}

namespace {

Result<GLuint> compile(GLenum stage, std::string_view name, std::string_view source) {
    const GLuint shader = glCreateShader(stage);
    const GLchar* text = source.data();
    const auto length = static_cast<GLint>(source.size());
    glShaderSource(shader, 1, &text, &length);
    glCompileShader(shader);
    GLint ok = GL_FALSE;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok == GL_TRUE) return shader;
    GLint log_length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &log_length);
    std::vector<char> log(static_cast<std::size_t>(log_length) + 1, '\0');
    glGetShaderInfoLog(shader, log_length, nullptr, log.data());
    glDeleteShader(shader);
    return Result<GLuint>::failure(
        ErrorKind::invalid,
        std::string(name) + (stage == GL_VERTEX_SHADER ? ".vert: " : ".frag: ") + log.data());
}

}  // namespace

Result<Program> Program::build(std::string_view name, std::string_view vertex_source,
                               std::string_view fragment_source) {
    auto vertex = compile(GL_VERTEX_SHADER, name, vertex_source);
    if (!vertex) return vertex.error_value();
    auto fragment = compile(GL_FRAGMENT_SHADER, name, fragment_source);
    if (!fragment) {
        glDeleteShader(*vertex);
        return fragment.error_value();
    }
    Program program;
    program.program_ = GlHandle<delete_program>(glCreateProgram());
    const GLuint id = program.program_.get();
    glAttachShader(id, *vertex);
    glAttachShader(id, *fragment);
    glLinkProgram(id);
    glDeleteShader(*vertex);
    glDeleteShader(*fragment);
    GLint ok = GL_FALSE;
    glGetProgramiv(id, GL_LINK_STATUS, &ok);
    if (ok != GL_TRUE) {
        GLint log_length = 0;
        glGetProgramiv(id, GL_INFO_LOG_LENGTH, &log_length);
        std::vector<char> log(static_cast<std::size_t>(log_length) + 1, '\0');
        glGetProgramInfoLog(id, log_length, nullptr, log.data());
        return Result<Program>::failure(ErrorKind::invalid,
                                        std::string(name) + ": link: " + log.data());
    }
    return program;
}

void set_map_transform(const Program& program, const MapTransform& transform) {
    glUniform2f(program.uniform("u_origin_px"), transform.origin_px[0], transform.origin_px[1]);
    glUniform1f(program.uniform("u_px_per_metre"), transform.px_per_metre);
    glUniform2f(program.uniform("u_half_viewport"), transform.half_viewport[0],
                transform.half_viewport[1]);
}

const void* buffer_offset(std::size_t bytes) {
    // GL's legacy API: an offset into the bound buffer travels as a pointer.
    return reinterpret_cast<const void*>(bytes);  // NOLINT(performance-no-int-to-ptr)
}

}  // namespace citywall::viewer
