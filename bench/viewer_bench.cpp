// citywall-viewer-bench: the wall's frame time with N synthetic open incidents, aggregation off
// and on, against a raw-GL "floor" drawing the same area triangles and the same number of point
// sprites; the CPU time a frame spends applying a stream of deltas arriving at a fixed rate of
// stream time (10,000/s) while the frames render; the viewer's memory (VmRSS, VmHWM); the time
// to the first frame.
//
//   citywall-viewer-bench --config build/config/demo-viewer.toml [--counts 10000,100000,1000000]
//                         [--sizes 1920x1080,7680x2160] [--frames 9] [--rate 10000]
//                         [--no-panels]
//
// Every picture is drawn into an offscreen framebuffer, so any size works under a small Xvfb
// screen. Results and the machine they came from: docs/benchmarks.md.
#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>

#include <malloc.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "citywall/geo.hpp"
#include "citywall/local_day.hpp"
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

// CPU time of this thread: what applying deltas costs the render thread, whatever else runs.
double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// A field of /proc/self/status in MiB ("VmRSS", "VmHWM", "RssAnon", "RssFile"); 0 if absent.
double status_mib(std::string_view field) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
            line[field.size()] == ':')
            return std::stod(line.substr(field.size() + 1)) / 1024;
    }
    return 0;
}

// One line on where the resident memory is: anonymous (the heap, ours and the GL driver's:
// under llvmpipe textures and buffers live there too), file-backed (code of the libraries), and
// what malloc says is in use; then the textures and buffers the wall asked the GL for, which a
// GPU holds in its own memory (llvmpipe's own scratch, e.g. binning a million sprites, is not
// in that figure).
void print_memory(const char* when) {
    const struct mallinfo2 heap = mallinfo2();
    const double in_use = static_cast<double>(heap.uordblks + heap.hblkhd) / (1024.0 * 1024.0);
    std::printf(
        "  memory %s: VmRSS %.0f MiB (anonymous %.0f, file-backed %.0f; malloc in use %.0f), "
        "VmHWM %.0f MiB; GL textures and buffers %.0f MiB\n",
        when, status_mib("VmRSS"), status_mib("RssAnon"), status_mib("RssFile"), in_use,
        status_mib("VmHWM"),
        static_cast<double>(citywall::viewer::gpu_bytes()) / (1024.0 * 1024.0));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

constexpr TimeMs kClock = 1767258000000;

// Incidents at the innermost areas' inner points (the demo city's grids), jittered, with the
// area path ingest would have given them (parents by code prefix, as the demo city's codes
// nest), made a chunk at a time as a snapshot arrives.
class SyntheticCity {
  public:
    explicit SyntheticCity(const CityAreas& areas)
        : grids_(areas.level(areas.hierarchy("").back())),
          pick_(0, grids_.loaded() ? grids_.refs.size() - 1 : 0) {}

    std::vector<Incident> next(std::size_t count) {
        static const char* const categories[] = {"police.theft",     "fire.building",
                                                 "medical.cardiac",  "traffic.crash",
                                                 "city.road_damage", "hotline.noise"};
        static const char* const titles[] = {"盗窃报警", "建筑火灾", "心脏骤停",
                                             "交通事故", "道路破损", "噪音扰民"};
        std::vector<Incident> incidents;
        if (!grids_.loaded()) return incidents;
        incidents.reserve(count);
        for (std::size_t n = 0; n < count; ++n, ++made_) {
            const std::size_t i = made_;
            const std::size_t g = pick_(random_);
            const MercatorPoint at = grids_.mesh.anchors[g];
            Incident incident;
            incident.id = i + 1;
            incident.sources = {{"110", "P20261122-" + std::to_string(100000 + i)}};
            incident.category = categories[i % 6];
            incident.severity = static_cast<Severity>(1 + (i % 97 == 0 ? 0 : 1 + i % 3));
            incident.status = IncidentStatus::accepted;
            incident.location =
                geo::from_mercator({at.x + jitter_(random_), at.y + jitter_(random_)});
            const std::string& code = grids_.refs[g].code;
            incident.areas = {{"district", code.substr(0, 6), ""},
                              {"street", code.substr(0, 9), ""},
                              {"community", code.substr(0, 12), ""},
                              grids_.refs[g]};
            incident.received = incident.occurred = incident.updated = kClock - 600000;
            // Text as a department sends it: a short title naming the place, a sentence.
            const std::string& place = grids_.refs[g].name.empty() ? code : grids_.refs[g].name;
            incident.title = titles[i % 6] + (" · " + place);
            incident.description = "报警人称在" + place + "附近，请就近派员核查并反馈处置情况。";
            incidents.push_back(std::move(incident));
        }
        return incidents;
    }

  private:
    const AreaSet& grids_;
    std::mt19937 random_{7};
    std::uniform_int_distribution<std::size_t> pick_;
    std::uniform_real_distribution<double> jitter_{-150, 150};
    std::size_t made_ = 0;
};

// The floor: the same area triangles and the same number of point sprites, nothing else.
class Floor {
  public:
    // `points`: x, y pairs in metres relative to `origin`.
    Floor(const CityAreas& areas, const std::vector<float>& points, MercatorPoint origin) {
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
        for (const AreaLevel l : areas.hierarchy("")) {
            const AreaMesh& mesh = areas.level(l).mesh;
            for (const AreaVertex& v : mesh.vertices) {
                triangles.push_back(static_cast<float>(v.x + mesh.origin.x - origin.x));
                triangles.push_back(static_cast<float>(v.y + mesh.origin.y - origin.y));
            }
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

// The wall's frames with the stream running: before each frame, the deltas that 10,000/s of
// stream time (the frame's own wall time) brings are handed over as the network thread would
// (decoded messages; making them is not timed), then applied: the picture, marker instances,
// area counts and their uploads. A heartbeat a frame moves the animation clock, so pulses and
// fades run as on the wall. Every 20th delta closes an incident and every 20th opens one.
class DeltaStream {
  public:
    DeltaStream(WallApp& app, double rate_per_s, std::uint64_t next_id)
        : app_(app), rate_(rate_per_s), next_id_(next_id) {
        for (const auto& [id, incident] : app.picture().incidents())
            ids_.push_back(id);
        std::sort(ids_.begin(), ids_.end());
    }

    struct Frame {
        double render_ms = 0;     // wall time of render_frame + glFinish
        double apply_cpu_ms = 0;  // render thread CPU applying (and uploading) the deltas
        double apply_ms = 0;      // wall time of the same
        std::size_t deltas = 0;
    };

    // Renders `frames` frames (after one warm-up) with the stream running.
    std::vector<Frame> run(int frames, const std::function<void()>& render) {
        std::vector<Frame> out;
        render();
        glFinish();
        last_ = Clock::now();
        for (int i = 0; i < frames; ++i) {
            Frame frame;
            const double elapsed_s = std::chrono::duration<double>(Clock::now() - last_).count();
            last_ = Clock::now();
            stream_ms_ += elapsed_s * 1000;
            owed_ += elapsed_s * rate_;
            const auto due = static_cast<std::size_t>(owed_);
            owed_ -= static_cast<double>(due);
            std::vector<wire::Message> messages = make(due);
            const double cpu = thread_cpu_ms();
            const auto start = Clock::now();
            for (const wire::Message& message : messages)
                app_.inject(message);
            app_.pump_stream();
            frame.apply_cpu_ms = thread_cpu_ms() - cpu;
            frame.apply_ms = ms_since(start);
            frame.deltas = due;
            const auto render_start = Clock::now();
            render();
            glFinish();
            frame.render_ms = ms_since(render_start);
            out.push_back(frame);
        }
        return out;
    }

  private:
    std::vector<wire::Message> make(std::size_t count) {
        std::vector<wire::Message> messages;
        messages.reserve(count + 1);
        const auto& open = app_.picture().incidents();
        std::uint64_t seq = app_.picture().seq();
        const TimeMs now = kClock + static_cast<TimeMs>(stream_ms_);
        for (std::size_t i = 0; i < count && !ids_.empty(); ++i, ++made_) {
            const std::size_t pick = (made_ * 7919) % ids_.size();
            auto found = open.incident(ids_[pick]);
            if (!found) continue;
            Incident incident = std::move(*found);
            incident.updated = now;
            if (made_ % 20 == 7) {  // closed: its place is taken by the next new one
                incident.status = IncidentStatus::resolved;
                ids_[pick] = ids_.back();
                ids_.pop_back();
            } else if (made_ % 20 == 17) {  // a new incident near this one
                incident.id = next_id_++;
                incident.status = IncidentStatus::reported;
                incident.received = incident.occurred = now;
                incident.location.lat += 0.0002;
                ids_.push_back(incident.id);
            } else {
                incident.status = made_ % 2 ? IncidentStatus::on_scene : IncidentStatus::en_route;
                incident.location.lon += made_ % 3 ? 0.00005 : -0.00005;
            }
            messages.emplace_back(wire::IncidentUpdate{++seq, std::move(incident)});
        }
        messages.emplace_back(wire::Heartbeat{seq, now, false, false, {}});
        return messages;
    }

    WallApp& app_;
    double rate_;
    std::uint64_t next_id_;
    std::vector<std::uint64_t> ids_;
    std::size_t made_ = 0;
    double owed_ = 0, stream_ms_ = 0;
    Clock::time_point last_;
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
    double rate = 10000;
    cli.add_option("--config", config_path)->required()->check(CLI::ExistingFile);
    cli.add_option("--counts", counts_text);
    cli.add_option("--sizes", sizes_text);
    cli.add_option("--frames", frames, "frames timed per figure (median)");
    cli.add_option("--rate", rate, "deltas per second of stream time while frames render");
    bool no_panels = false;
    cli.add_flag("--no-panels", no_panels, "leave the side panel and the layer box out");
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
        if (std::sscanf(s.c_str(), "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0) {
            std::fprintf(stderr, "bench: bad size '%s' (WxH)\n", s.c_str());
            return 2;
        }
        sizes.emplace_back(w, h);
    }
    if (sizes.empty()) return 2;

    const auto process_start = Clock::now();
    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(64, 64, "bench", nullptr, nullptr);
    if (!window) return 1;
    glfwMakeContextCurrent(window);
    print_memory("with the GL context, before the map");
    std::printf("renderer: %s\n", reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
    {
        RunOptions options;
        options.snapshot_out = "bench.png";  // headless: the camera fits the snapshot size
        options.snapshot_width = sizes[0].first;
        options.snapshot_height = sizes[0].second;
        options.deterministic = true;
        options.hide_panels = no_panels;
        const auto start = Clock::now();
        WallApp app(*config, options);
        if (auto ready = app.init(window, false); !ready) {
            std::fprintf(stderr, "bench: %s\n", ready.error().c_str());
            return 1;
        }
        {
            auto target = OffscreenTarget::create(sizes[0].first, sizes[0].second);
            if (!target) {
                std::fprintf(stderr, "bench: %s\n", target.error().c_str());
                return 1;
            }
            app.render_frame(sizes[0].first, sizes[0].second, target->framebuffer(), true);
            glFinish();
            std::printf(
                "time to first frame (map loaded, first picture): %.0f ms (%.0f ms from process "
                "start, with the GL context)\n",
                ms_since(start), ms_since(process_start));
            // The basemap's tiles for this view arrive over the next frames (the first shows
            // the raster's preview): all of them in before anything is timed.
            while (!app.map_complete() && ms_since(start) < 60'000) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                app.render_frame(sizes[0].first, sizes[0].second, target->framebuffer(), true);
            }
            glFinish();
            std::printf("  the basemap's tiles for that view all in: %.0f ms after start\n",
                        ms_since(start));
        }
        // llvmpipe keeps a deleted framebuffer's buffers (and the draw's scratch) until the next
        // draw elsewhere: one clear of the default framebuffer, so the figures below are the
        // wall's, not this bench's first target.
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glClear(GL_COLOR_BUFFER_BIT);
        glFinish();
        const Camera home = app.camera();
        print_memory("with the map loaded");

        std::uint64_t next_id = 1;
        for (const std::string& count_text : split(counts_text)) {
            const std::size_t count = std::stoul(count_text);
            {
                app.inject(wire::Heartbeat{count, kClock, false, false, {}});
                // As a real ingest does with every heartbeat: the day is counted there.
                app.inject(
                    wire::DayCountsReport{count, kClock, citywall::local_day_start(kClock), {}});
                // In chunks, as ingest sends a snapshot (docs/protocol.md).
                SyntheticCity city(app.areas());
                const auto apply_start = Clock::now();
                for (std::size_t sent = 0; sent < count || sent == 0;) {
                    const std::size_t n = std::min<std::size_t>(10000, count - sent);
                    std::vector<Incident> chunk = city.next(n);
                    for (Incident& incident : chunk)
                        incident.id = next_id++;
                    sent += n;
                    app.inject(wire::SnapshotChunk{count, sent >= count, std::move(chunk), {}});
                    if (n == 0) break;
                }
                app.pump_stream();
                glFinish();
                std::printf("\n%zu incidents: snapshot applied in %.0f ms (CPU + upload)\n", count,
                            ms_since(apply_start));
            }
            print_memory("after the snapshot (the bench keeps no copy)");
            std::printf("  the picture's store: %.0f bytes an open incident\n",
                        static_cast<double>(app.picture().incidents().memory_bytes()) /
                            static_cast<double>(std::max<std::size_t>(1, count)));
            // The floor's copy of the positions is made after the wall's memory is read.
            std::optional<Floor> floor;
            DeltaStream stream(app, rate, next_id);
            for (const auto& [w, h] : sizes) {
                auto target = OffscreenTarget::create(w, h);
                if (!target) {
                    std::fprintf(stderr, "bench: %s\n", target.error().c_str());
                    return 1;
                }
                app.camera() = home;
                app.camera().width = w;
                app.camera().height = h;
                // The whole city in view: the same scale at every size, more of the map drawn.
                for (int frame = 0; frame < 3000 && (frame == 0 || !app.map_complete()); ++frame) {
                    app.render_frame(w, h, target->framebuffer(), true);  // its basemap tiles
                }
                double figures[2] = {};
                // Aggregated first: what a wall shows at this zoom, and the memory it takes.
                for (const bool aggregate : {true, false}) {
                    app.set_aggregate_mode(aggregate ? AggregateMode::on : AggregateMode::off);
                    figures[aggregate] = median_frame_ms(
                        frames, [&] { app.render_frame(w, h, target->framebuffer(), true); });
                    if (aggregate) print_memory("after drawing them aggregated");
                }
                if (!floor) {
                    std::vector<float> points;
                    points.reserve(app.picture().incidents().size() * 2);
                    for (const auto& [id, incident] : app.picture().incidents()) {
                        const geo::Mercator m = geo::to_mercator(incident.location);
                        points.push_back(static_cast<float>(m.x - home.center.x));
                        points.push_back(static_cast<float>(m.y - home.center.y));
                    }
                    floor.emplace(app.areas(), points, home.center);
                }
                Camera camera = app.camera();
                const double floor_ms =
                    median_frame_ms(frames, [&] { floor->draw(camera, target->framebuffer()); });
                std::printf(
                    "  %dx%d  markers %.1f ms  aggregated %.1f ms  floor %.1f ms "
                    "(%zu triangles, %zu sprites)  ratio %.2f / %.2f\n",
                    w, h, figures[0], figures[1], floor_ms, floor->triangle_count(), count,
                    figures[0] / floor_ms, figures[1] / floor_ms);
                // llvmpipe bins a million sprites in host memory a GPU would not use.
                print_memory("after drawing them as markers (and the floor)");
                for (const bool aggregate : {false, true}) {
                    app.set_aggregate_mode(aggregate ? AggregateMode::on : AggregateMode::off);
                    const auto run = stream.run(
                        frames, [&] { app.render_frame(w, h, target->framebuffer(), true); });
                    std::vector<double> cpu, wall, render;
                    double deltas = 0, worst = 0;
                    for (const auto& frame : run) {
                        cpu.push_back(frame.apply_cpu_ms);
                        wall.push_back(frame.apply_ms);
                        render.push_back(frame.render_ms);
                        deltas += static_cast<double>(frame.deltas);
                        worst = std::max(worst, frame.apply_cpu_ms);
                    }
                    deltas /= std::max<std::size_t>(1, run.size());
                    std::printf(
                        "    stream %.0f/s, %s: %.0f deltas a frame, applying them %.2f ms CPU a "
                        "frame (median; worst %.2f, %.2f ms wall; %.2f us a delta), frame %.1f "
                        "ms\n",
                        rate, aggregate ? "aggregated" : "markers", deltas, median(cpu), worst,
                        median(wall), deltas > 0 ? median(cpu) * 1000 / deltas : 0.0,
                        median(render));
                }
            }
            next_id += count;  // clear of the ids the stream made up
            print_memory("after the stream");
        }
    }
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
