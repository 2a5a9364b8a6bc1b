// Index: [window and context] [on a screen] [snapshot] [run_wall]
// The three ways to run the wall: on a screen, once into a PNG, or a script of commands.
#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include "script_runner.hpp"
#include "snapshot.hpp"
#include "wall_app.hpp"

namespace citywall::viewer {

namespace {

using Clock = std::chrono::steady_clock;

// How long a picture waits for the map's raster tiles to be read.
constexpr double kMapTileWait_s = 20;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// SIGINT/SIGTERM end the screen loop cleanly (service managers stop the wall this way).
std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int /*signal*/) {
    g_stop_requested = true;
}

// ================================================================ window and context ====

struct GlfwSession {
    GlfwSession() { ok = glfwInit() == GLFW_TRUE; }
    ~GlfwSession() {
        if (ok) glfwTerminate();
    }
    GlfwSession(const GlfwSession&) = delete;
    GlfwSession& operator=(const GlfwSession&) = delete;
    bool ok = false;
};

struct WindowCloser {
    void operator()(GLFWwindow* window) const { glfwDestroyWindow(window); }
};
using WindowPtr = std::unique_ptr<GLFWwindow, WindowCloser>;

void glfw_error(int code, const char* description) {
    std::fprintf(stderr, "citywall-viewer: GLFW error %d: %s\n", code, description);
}

}  // namespace

MonitorRect span_of(const std::vector<MonitorRect>& monitors) {
    if (monitors.empty()) return {};
    MonitorRect span = monitors.front();
    for (const MonitorRect& m : monitors) {
        const int right = std::max(span.x + span.width, m.x + m.width);
        const int bottom = std::max(span.y + span.height, m.y + m.height);
        span.x = std::min(span.x, m.x);
        span.y = std::min(span.y, m.y);
        span.width = right - span.x;
        span.height = bottom - span.y;
    }
    return span;
}

namespace {

// Every monitor's place on the virtual desktop, at its current mode.
std::vector<MonitorRect> monitor_rects() {
    int count = 0;
    GLFWmonitor** monitors = glfwGetMonitors(&count);
    std::vector<MonitorRect> rects;
    for (int i = 0; i < count; ++i) {
        const GLFWvidmode* mode = glfwGetVideoMode(monitors[i]);
        if (!mode) continue;
        MonitorRect r;
        glfwGetMonitorPos(monitors[i], &r.x, &r.y);
        r.width = mode->width;
        r.height = mode->height;
        rects.push_back(r);
    }
    return rects;
}

WindowPtr open_window(const ViewerConfig& config, bool hidden, int width, int height) {
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_STENCIL_BITS, 8);  // line layers use it (see line.vert)
    glfwWindowHint(GLFW_VISIBLE, hidden ? GLFW_FALSE : GLFW_TRUE);
    if (!hidden && config.span) {
        // Not GLFW's full-screen mode, which takes one monitor: a borderless window placed
        // over the bounding box of all of them, kept above other windows.
        const std::vector<MonitorRect> monitors = monitor_rects();
        const MonitorRect span = span_of(monitors);
        if (span.width > 0 && span.height > 0) {
            glfwWindowHint(GLFW_DECORATED, GLFW_FALSE);
            glfwWindowHint(GLFW_FLOATING, GLFW_TRUE);
            WindowPtr window(
                glfwCreateWindow(span.width, span.height, config.title.c_str(), nullptr, nullptr));
            if (window) glfwSetWindowPos(window.get(), span.x, span.y);
            std::fprintf(stderr, "citywall-viewer: spanning %zu monitor(s): %dx%d at %d,%d\n",
                         monitors.size(), span.width, span.height, span.x, span.y);
            return window;
        }
    }
    GLFWmonitor* monitor = !hidden && config.fullscreen ? glfwGetPrimaryMonitor() : nullptr;
    if (monitor) {
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        width = mode->width;
        height = mode->height;
    }
    return WindowPtr(glfwCreateWindow(width, height, config.title.c_str(), monitor, nullptr));
}

// ====================================================================== on a screen ====

int run_on_screen(WallApp& app, GLFWwindow* window, const RunOptions& options) {
    auto last_snapshot = Clock::now();
    auto last_frame = Clock::now();
    int snapshot_number = 0;
    std::uint64_t frames = 0;
    double render_s = 0, worst_s = 0;
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    while (!glfwWindowShouldClose(window) && !g_stop_requested) {
        // Wake at least ~30 times a second: the stale banner's counter must keep moving.
        glfwWaitEventsTimeout(1.0 / 30);
        app.pump_stream();
        int width = 0, height = 0;
        glfwGetFramebufferSize(window, &width, &height);
        if (width <= 0 || height <= 0) continue;  // minimised
        app.animate_view(seconds_since(last_frame));
        last_frame = Clock::now();
        const auto frame_start = Clock::now();
        app.render_frame(width, height, 0, false);
        const double frame_s = seconds_since(frame_start);
        ++frames;
        render_s += frame_s;
        worst_s = std::max(worst_s, frame_s);
        app.handle_input();  // applies to the next frame; ImGui's input state is current now
        if (options.snapshot_every_s > 0 &&
            seconds_since(last_snapshot) >= options.snapshot_every_s) {
            last_snapshot = Clock::now();
            char name[32];
            std::snprintf(name, sizeof name, "wall-%04d.png", snapshot_number++);
            glReadBuffer(GL_BACK);
            const auto pixels = read_pixels_rgb(width, height);
            if (auto written = write_snapshot(options.snapshot_dir / name, app.camera(), pixels,
                                              app.open_markers());
                !written) {
                std::fprintf(stderr, "citywall-viewer: %s\n", written.error().c_str());
            }
        }
        glfwSwapBuffers(window);
    }
    if (frames > 0) {  // the wall's own account of how heavy its frames were
        std::fprintf(
            stderr, "citywall-viewer: %llu frames, render call %.1f ms mean, %.1f ms worst\n",
            static_cast<unsigned long long>(frames), render_s * 1000 / frames, worst_s * 1000);
    }
    return 0;
}

}  // namespace

// ========================================================================= snapshot ====

Result<void> take_picture(WallApp& app, const std::filesystem::path& out, int width, int height) {
    auto target = OffscreenTarget::create(width, height);
    if (!target) return target.error_value();
    // The raster tiles of the view first: a picture is of the map as the wall settles on it,
    // not of how far the tile reader got.
    const auto start = Clock::now();
    do {
        app.pump_stream();
        app.render_frame(target->width(), target->height(), target->framebuffer(), true);
        if (app.map_complete()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } while (seconds_since(start) < kMapTileWait_s);
    if (!app.map_complete()) {
        std::fprintf(stderr, "citywall-viewer: raster tiles still missing after %.0f s\n",
                     kMapTileWait_s);
    }
    // A few frames: ImGui sizes windows and tables from the previous frame.
    for (int frame = 0; frame < 3; ++frame) {
        app.pump_stream();
        app.render_frame(target->width(), target->height(), target->framebuffer(), true);
    }
    glFinish();
    glBindFramebuffer(GL_READ_FRAMEBUFFER, target->framebuffer());
    const auto pixels = read_pixels_rgb(target->width(), target->height());
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return write_snapshot(out, app.camera(), pixels, app.open_markers());
}

bool wait_for_incidents(WallApp& app, std::size_t count, double timeout_s) {
    const auto start = Clock::now();
    app.pump_stream();
    // And a heartbeat: without ingest's clock, ages and the animation clock are unknown, a drill
    // or keys-off is not yet known, and a picture taken then would differ from one taken later.
    while (app.open_markers() < count || (app.live() && app.picture().last_heartbeat() == 0)) {
        if (seconds_since(start) > timeout_s) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        app.pump_stream();
    }
    return true;
}

namespace {

int run_snapshot(WallApp& app, const RunOptions& options) {
    // Even for no incidents: drill and keys-off are known only from a heartbeat.
    if (app.live() && !wait_for_incidents(app, options.after_incidents, options.timeout_s)) {
        std::fprintf(stderr,
                     "citywall-viewer: timed out after %.0f s waiting for %zu open incidents: "
                     "%s\n",
                     options.timeout_s, options.after_incidents, app.waiting_report().c_str());
        return 3;
    }
    if (auto taken = take_picture(app, options.snapshot_out, options.snapshot_width,
                                  options.snapshot_height);
        !taken) {
        std::fprintf(stderr, "citywall-viewer: %s\n", taken.error().c_str());
        return 1;
    }
    std::fprintf(stderr, "citywall-viewer: wrote %s (%dx%d, %zu incidents)\n",
                 options.snapshot_out.c_str(), options.snapshot_width, options.snapshot_height,
                 app.open_markers());
    return 0;
}

}  // namespace

// ========================================================================= run_wall ====

int run_wall(const ViewerConfig& config, const RunOptions& options) {
    glfwSetErrorCallback(glfw_error);
    GlfwSession glfw;
    if (!glfw.ok) {
        std::fprintf(stderr,
                     "citywall-viewer: cannot start GLFW (no display? try "
                     "xvfb-run -a -s \"-screen 0 1920x1080x24\" citywall-viewer ...)\n");
        return 1;
    }
    const bool headless = !options.snapshot_out.empty() || !options.script.empty();
    WindowPtr window =
        open_window(config, headless, headless ? options.snapshot_width : config.width,
                    headless ? options.snapshot_height : config.height);
    if (!window) {
        std::fprintf(stderr, "citywall-viewer: cannot open an OpenGL 3.3 core window\n");
        return 1;
    }
    glfwMakeContextCurrent(window.get());
    glfwSwapInterval(1);
    int exit_code = 1;
    {
        WallApp app(config, options);
        if (auto ready = app.init(window.get(), !headless); !ready) {
            std::fprintf(stderr, "citywall-viewer: %s\n", ready.error().c_str());
        } else if (!options.script.empty()) {
            exit_code = run_script(app, options);
        } else if (!options.snapshot_out.empty()) {
            exit_code = run_snapshot(app, options);
        } else {
            exit_code = run_on_screen(app, window.get(), options);
        }
    }  // GL objects go before the context does
    return exit_code;
}

}  // namespace citywall::viewer
