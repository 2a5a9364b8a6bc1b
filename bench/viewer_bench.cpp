// citywall-viewer-bench: the wall's frame time with N synthetic open incidents, aggregation off
// and on, against a raw-GL "floor" drawing the same area triangles and the same number of point
// sprites; the CPU cost of applying 10,000 deltas; the time to the first frame.
//
//   citywall-viewer-bench --config build/config/demo-viewer.toml [--counts 10000,100000,1000000]
//                         [--sizes 1920x1080,7680x2160] [--frames 9]
//
// Run it under Xvfb with a screen at least as large as the largest size. Results and the
// machine they came from: docs/benchmarks.md.
#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "citywall/geo.hpp"
#include "gl_program.hpp"
#include "snapshot.hpp"
#include "wall_app.hpp"

namespace {

using namespace citywall;
using namespace citywall::viewer;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

constexpr TimeMs kClock = 1767258000000;

// Incidents at grids' inner points, jittered, with the grid path ingest would have given them.
std::vector<Incident> synthetic_city(const CityAreas& areas, std::size_t count) {
    std::vector<Incident> incidents;
    const AreaSet& grids = areas.level(AreaLevel::grid);
    if (!grids.loaded()) return incidents;
    std::mt19937 random(7);
    std::uniform_int_distribution<std::size_t> pick(0, grids.refs.size() - 1);
    std::uniform_real_distribution<double> jitter(-150, 150);
    const char* categories[] = {"police.theft",  "fire.building",    "medical.cardiac",
                                "traffic.crash", "city.road_damage", "hotline.noise"};
    incidents.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t g = pick(random);
        const MercatorPoint at = grids.mesh.anchors[g];
        Incident incident;
        incident.id = i + 1;
        incident.sources = {{"110", std::to_string(i)}};
        incident.category = categories[i % 6];
        incident.severity = static_cast<Severity>(1 + (i % 97 == 0 ? 0 : 1 + i % 3));
        incident.status = IncidentStatus::accepted;
        incident.location = geo::from_mercator({at.x + jitter(random), at.y + jitter(random)});
        const std::string& code = grids.refs[g].code;
        incident.grid.grid = grids.refs[g];
        incident.grid.community.code = code.substr(0, 12);
        incident.grid.street.code = code.substr(0, 9);
        incident.grid.district.code = code.substr(0, 6);
        incident.received = incident.occurred = incident.updated = kClock - 600000;
        incidents.push_back(std::move(incident));
    }
    return incidents;
}

// The floor: the same area triangles and the same number of point sprites, nothing else.
class Floor {
  public:
    Floor(const CityAreas& areas, const std::vector<Incident>& incidents, MercatorPoint origin) {
        const char* vs = R"(#version 330 core
layout(location = 0) in vec2 p;
uniform vec2 u_center; uniform float u_scale; uniform vec2 u_half; uniform float u_size;
void main() { gl_Position = vec4((p - u_center) * u_scale / u_half, 0.0, 1.0);
              gl_PointSize = u_size; })";
        const char* fs = R"(#version 330 core
out vec4 c; uniform vec4 u_color; uniform int u_points;
void main() { if (u_points != 0 && length(gl_PointCoord - 0.5) > 0.5) discard; c = u_color; })";
        program_ = std::move(*Program::build("floor", vs, fs));
        std::vector<float> triangles;
        for (int l = 0; l < kGridLevelCount; ++l) {
            const AreaMesh& mesh = areas.level(static_cast<AreaLevel>(l)).mesh;
            for (const AreaVertex& v : mesh.vertices) {
                triangles.push_back(static_cast<float>(v.x + mesh.origin.x - origin.x));
                triangles.push_back(static_cast<float>(v.y + mesh.origin.y - origin.y));
            }
        }
        std::vector<float> points;
        for (const Incident& incident : incidents) {
            const geo::Mercator m = geo::to_mercator(incident.location);
            points.push_back(static_cast<float>(m.x - origin.x));
            points.push_back(static_cast<float>(m.y - origin.y));
        }
        origin_ = origin;
        upload(tri_vao_, tri_vbo_, triangles);
        upload(pt_vao_, pt_vbo_, points);
        triangles_ = static_cast<GLsizei>(triangles.size() / 2);
        points_ = static_cast<GLsizei>(points.size() / 2);
    }
    std::size_t triangle_count() const { return static_cast<std::size_t>(triangles_) / 3; }
    void draw(const Camera& camera, GLuint framebuffer) const {
        glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
        glViewport(0, 0, camera.width, camera.height);
        glClearColor(0, 0, 0, 1);
        glClear(GL_COLOR_BUFFER_BIT);
        glEnable(GL_BLEND);
        glEnable(GL_PROGRAM_POINT_SIZE);
        program_.use();
        glUniform2f(program_.uniform("u_center"), static_cast<float>(camera.center.x - origin_.x),
                    static_cast<float>(camera.center.y - origin_.y));
        glUniform1f(program_.uniform("u_scale"), static_cast<float>(1 / camera.metres_per_pixel));
        glUniform2f(program_.uniform("u_half"), camera.width / 2.0f, camera.height / 2.0f);
        glUniform1f(program_.uniform("u_size"), 14);
        glUniform1i(program_.uniform("u_points"), 0);
        glUniform4f(program_.uniform("u_color"), 0.2f, 0.4f, 0.6f, 0.4f);
        glBindVertexArray(tri_vao_.get());
        glDrawArrays(GL_TRIANGLES, 0, triangles_);
        glUniform1i(program_.uniform("u_points"), 1);
        glUniform4f(program_.uniform("u_color"), 0.9f, 0.6f, 0.2f, 1.0f);
        glBindVertexArray(pt_vao_.get());
        glDrawArrays(GL_POINTS, 0, points_);
        glBindVertexArray(0);
    }

  private:
    static void upload(VertexArray& vao, Buffer& vbo, const std::vector<float>& data) {
        vao = make_vertex_array();
        vbo = make_buffer();
        glBindVertexArray(vao.get());
        glBindBuffer(GL_ARRAY_BUFFER, vbo.get());
        glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(data.size() * sizeof(float)),
                     data.data(), GL_STATIC_DRAW);
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, buffer_offset(0));
        glBindVertexArray(0);
    }
    Program program_;
    VertexArray tri_vao_, pt_vao_;
    Buffer tri_vbo_, pt_vbo_;
    GLsizei triangles_ = 0, points_ = 0;
    MercatorPoint origin_;
};

template <class Draw>
double median_frame_ms(int frames, Draw&& draw) {
    std::vector<double> times;
    draw();  // warm-up: uploads, shader compilation
    glFinish();
    for (int i = 0; i < frames; ++i) {
        const auto start = Clock::now();
        draw();
        glFinish();
        times.push_back(ms_since(start));
    }
    return median(times);
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const auto end = std::min(text.find(',', begin), text.size());
        if (end > begin) parts.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return parts;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"citywall-viewer-bench"};
    std::string config_path, counts_text = "10000,100000,1000000", sizes_text = "1920x1080";
    int frames = 9;
    cli.add_option("--config", config_path)->required()->check(CLI::ExistingFile);
    cli.add_option("--counts", counts_text);
    cli.add_option("--sizes", sizes_text);
    cli.add_option("--frames", frames);
    CLI11_PARSE(cli, argc, argv);
    auto config = load_viewer_config(config_path);
    if (!config) {
        std::fprintf(stderr, "bench: %s\n", config.error().c_str());
        return 2;
    }
    config->updates_endpoint.clear();
    config->snapshot_endpoint.clear();
    std::vector<std::pair<int, int>> sizes;
    for (const std::string& s : split(sizes_text)) {
        int w = 0, h = 0;
        if (std::sscanf(s.c_str(), "%dx%d", &w, &h) != 2) return 2;
        sizes.emplace_back(w, h);
    }

    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(64, 64, "bench", nullptr, nullptr);
    if (!window) return 1;
    glfwMakeContextCurrent(window);
    std::printf("renderer: %s\n", reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
    {
        RunOptions options;
        options.snapshot_out = "bench.png";  // headless: the camera fits the snapshot size
        options.snapshot_width = sizes[0].first;
        options.snapshot_height = sizes[0].second;
        options.deterministic = true;
        const auto start = Clock::now();
        WallApp app(*config, options);
        if (!app.init(window, false)) return 1;
        {
            auto target = OffscreenTarget::create(sizes[0].first, sizes[0].second);
            app.render_frame(sizes[0].first, sizes[0].second, target->framebuffer(), true);
            glFinish();
        }
        std::printf("time to first frame (map loaded, first picture): %.0f ms\n", ms_since(start));
        const Camera home = app.camera();

        for (const std::string& count_text : split(counts_text)) {
            const std::size_t count = std::stoul(count_text);
            std::vector<Incident> incidents = synthetic_city(app.areas(), count);
            app.inject(wire::Heartbeat{count, kClock, false});
            app.inject(wire::SnapshotChunk{count, true, incidents, {}});
            auto apply_start = Clock::now();
            app.pump_stream();
            std::printf("\n%zu incidents: snapshot applied in %.0f ms (CPU + upload)\n", count,
                        ms_since(apply_start));
            const Floor floor(app.areas(), incidents, home.center);
            for (const auto& [w, h] : sizes) {
                auto target = OffscreenTarget::create(w, h);
                app.camera() = home;
                app.camera().width = w;
                app.camera().height = h;
                // The whole city in view: the same scale at every size, more of the map drawn.
                double figures[2] = {};
                for (const bool aggregate : {false, true}) {
                    app.set_aggregate_mode(aggregate ? AggregateMode::on : AggregateMode::off);
                    figures[aggregate] = median_frame_ms(
                        frames, [&] { app.render_frame(w, h, target->framebuffer(), true); });
                }
                Camera camera = app.camera();
                const double floor_ms =
                    median_frame_ms(frames, [&] { floor.draw(camera, target->framebuffer()); });
                std::printf(
                    "  %dx%d  markers %.1f ms  aggregated %.1f ms  floor %.1f ms "
                    "(%zu triangles, %zu sprites)  ratio %.2f / %.2f\n",
                    w, h, figures[0], figures[1], floor_ms, floor.triangle_count(), count,
                    figures[0] / floor_ms, figures[1] / floor_ms);
            }
            // 10,000 deltas: a status change and a small move each, then one pump (a frame's
            // worth of stream), timed on the CPU.
            std::vector<double> delta_ms;
            for (int round = 0; round < 3; ++round) {
                std::uint64_t seq = count + 1 + static_cast<std::uint64_t>(round) * 10000;
                const auto round_start = Clock::now();
                for (std::size_t i = 0; i < 10000 && i < incidents.size(); ++i) {
                    Incident incident = incidents[(i * 7919 + round) % incidents.size()];
                    incident.status =
                        round % 2 ? IncidentStatus::on_scene : IncidentStatus::en_route;
                    incident.location.lon += 0.0001 * (round + 1);
                    app.inject(wire::IncidentUpdate{seq++, std::move(incident)});
                }
                app.pump_stream();
                glFinish();
                delta_ms.push_back(ms_since(round_start));
            }
            std::printf("  10,000 deltas applied (picture, markers, counts, upload): %.1f ms\n",
                        median(delta_ms));
        }
    }
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
