// Index: [window and context] [WallApp: state] [stream] [frame] [input] [run modes] [run_wall]
#include "wall_app.hpp"

#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "camera.hpp"
#include "citywall/geo.hpp"
#include "citywall/picture.hpp"
#include "incident_layer.hpp"
#include "map_layers.hpp"
#include "network_client.hpp"
#include "palette.hpp"
#include "panels.hpp"
#include "snapshot.hpp"

namespace citywall::viewer {

namespace {

using Clock = std::chrono::steady_clock;

// SIGINT/SIGTERM end the screen loop cleanly (service managers stop the wall this way).
std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int /*signal*/) {
    g_stop_requested = true;
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

TimeMs wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
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

WindowPtr open_window(const ViewerConfig& config, bool hidden, int width, int height) {
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_STENCIL_BITS, 8);  // line layers use it (see line.vert)
    glfwWindowHint(GLFW_VISIBLE, hidden ? GLFW_FALSE : GLFW_TRUE);
    GLFWmonitor* monitor = !hidden && config.fullscreen ? glfwGetPrimaryMonitor() : nullptr;
    if (monitor) {
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        width = mode->width;
        height = mode->height;
    }
    return WindowPtr(glfwCreateWindow(width, height, config.title.c_str(), monitor, nullptr));
}

// ================================================================== WallApp: state ====

class WallApp {
  public:
    WallApp(const ViewerConfig& config, const RunOptions& options)
        : config_(config), options_(options), palette_(Palette::built_in()) {}
    ~WallApp();
    WallApp(const WallApp&) = delete;
    WallApp& operator=(const WallApp&) = delete;

    // Loads the palette, the map layers and the GL programs; needs the window's context.
    bool init(GLFWwindow* window, bool install_input);
    int run_on_screen();
    int run_snapshot();

  private:
    void pump_stream();
    StreamStatus stream_status() const;
    void render_frame(int width, int height, GLuint framebuffer, bool snapshot);
    void handle_input();
    void place_camera();

    const ViewerConfig& config_;
    const RunOptions& options_;
    GLFWwindow* window_ = nullptr;
    bool imgui_ready_ = false;
    Palette palette_;
    WallFonts fonts_;
    std::optional<MapPrograms> programs_;
    std::vector<MapLayer> layers_;
    std::optional<IncidentLayer> incidents_;
    CityPicture picture_;
    std::unique_ptr<NetworkClient> network_;
    Camera camera_;
    Clock::time_point started_ = Clock::now();
};

WallApp::~WallApp() {
    network_.reset();
    if (imgui_ready_) {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
    }
}

bool WallApp::init(GLFWwindow* window, bool install_input) {
    window_ = window;
    if (!config_.palette.empty()) {
        std::string text;
        if (std::FILE* f = std::fopen(config_.palette.c_str(), "rb")) {
            char buffer[4096];
            std::size_t n = 0;
            while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
                text.append(buffer, n);
            std::fclose(f);
        }
        auto parsed = Palette::parse(text, config_.palette.string());
        if (!parsed || text.empty()) {
            std::fprintf(stderr, "citywall-viewer: palette %s: %s\n", config_.palette.c_str(),
                         text.empty() ? "cannot read" : parsed.error().c_str());
            return false;
        }
        palette_ = std::move(*parsed);
    }

    auto programs = MapPrograms::build();
    if (!programs) {
        std::fprintf(stderr, "citywall-viewer: shader: %s\n", programs.error().c_str());
        return false;
    }
    programs_ = std::move(*programs);

    init_gdal();
    std::vector<std::string> errors;
    const auto load_start = Clock::now();
    layers_ = load_map_layers(config_.layers, errors);
    for (const std::string& error : errors) {
        std::fprintf(stderr, "citywall-viewer: %s\n", error.c_str());
    }
    std::fprintf(stderr, "citywall-viewer: %zu of %zu map layers loaded in %.1f s\n",
                 layers_.size(), config_.layers.size(), seconds_since(load_start));
    if (layers_.size() < config_.layers.size() && options_.snapshot_out.empty() == false) {
        // A reference picture with a layer missing is a wrong picture: fail loudly.
        std::fprintf(stderr, "citywall-viewer: snapshot refused: not every layer loaded\n");
        return false;
    }
    place_camera();

    auto incidents = IncidentLayer::create(camera_.center);
    if (!incidents) {
        std::fprintf(stderr, "citywall-viewer: shader: %s\n", incidents.error().c_str());
        return false;
    }
    incidents_ = std::move(*incidents);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // the wall's layout is fixed, not remembered
    std::string glyphs;
    for (const MapLayer& layer : layers_) {
        glyphs += layer.style().name;
        for (const MapLabel& label : layer.labels())
            glyphs += label.text;
    }
    for (const auto& [family, color] : palette_.families())
        glyphs += palette_.family_label(family);
    if (auto warning = setup_imgui_style(config_.font.string(), config_.font_index,
                                         config_.font_size, glyphs, fonts_)) {
        std::fprintf(stderr, "citywall-viewer: %s\n", warning->c_str());
    }
    ImGui_ImplGlfw_InitForOpenGL(window_, install_input);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    imgui_ready_ = true;

    if (!config_.updates_endpoint.empty()) {
        network_ =
            std::make_unique<NetworkClient>(config_.updates_endpoint, config_.snapshot_endpoint);
    }
    started_ = Clock::now();
    return true;
}

void WallApp::place_camera() {
    int width = options_.snapshot_width, height = options_.snapshot_height;
    if (options_.snapshot_out.empty()) glfwGetFramebufferSize(window_, &width, &height);
    camera_.width = width;
    camera_.height = height;
    MercatorBox extent = initial_extent(layers_);
    if (extent.empty()) {  // nothing loaded: somewhere sensible rather than the Gulf of Guinea
        const geo::Mercator m = geo::to_mercator({114.06, 22.54});
        extent = {m.x - 20000, m.y - 20000, m.x + 20000, m.y + 20000};
    }
    // Between the side panel and the layer box, so no part of the city starts hidden.
    camera_.fit(extent, side_panel_width(camera_), width - 190.0);
    auto center = options_.center_lonlat ? options_.center_lonlat : config_.center_lonlat;
    if (center) {
        const geo::Mercator m = geo::to_mercator({(*center)[0], (*center)[1]});
        camera_.center = {m.x, m.y};
    }
    if (auto mpp =
            options_.metres_per_pixel ? options_.metres_per_pixel : config_.metres_per_pixel) {
        camera_.metres_per_pixel = *mpp;
    }
}

// ========================================================================== stream ====

void WallApp::pump_stream() {
    if (!network_) return;
    bool overflowed = false;
    std::vector<wire::Message> messages = network_->take_messages(overflowed);
    bool gap = overflowed;
    for (const wire::Message& message : messages) {
        if (gap) break;  // the rest belongs to a picture we are about to throw away
        if (picture_.apply(message) == CityPicture::Outcome::gap) gap = true;
    }
    if (gap) {
        picture_.reset();
        network_->request_snapshot();
    }
    if (picture_.take_replaced()) {
        picture_.take_changed();
        incidents_->rebuild(picture_, palette_);
    } else {
        const auto changed = picture_.take_changed();
        if (!changed.empty()) incidents_->update(picture_, changed, palette_);
    }
}

StreamStatus WallApp::stream_status() const {
    StreamStatus status;
    status.live = network_ != nullptr;
    status.deterministic = options_.deterministic;
    status.now = options_.deterministic ? 0 : wall_clock_ms();
    status.drill = picture_.drill();
    status.have_snapshot = picture_.has_snapshot();
    status.seq = picture_.seq();
    status.data_time = picture_.last_heard();
    if (network_) {
        status.updates_endpoint = network_->updates_endpoint();
        const auto heard = network_->last_received();
        status.heard_anything = heard.has_value();
        status.silent_s = seconds_since(heard.value_or(started_));
        status.stale = status.silent_s > config_.stale_after_s;
        status.decode_errors = network_->decode_errors();
        status.snapshots = network_->snapshots_requested();
        // Ages are then measured on ingest's clock, which a test fixes.
        if (options_.deterministic) status.now = status.data_time;
    }
    return status;
}

// =========================================================================== frame ====

void WallApp::render_frame(int width, int height, GLuint framebuffer, bool snapshot) {
    camera_.width = width;
    camera_.height = height;
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glViewport(0, 0, width, height);
    const Rgba& bg = config_.background;
    glClearColor(bg.r, bg.g, bg.b, 1.0f);
    glClearStencil(0);
    glStencilMask(0xff);
    glClear(GL_COLOR_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);

    int stencil_ref = 1;
    for (const MapLayer& layer : layers_) {
        layer.draw(camera_, *programs_, stencil_ref);
        if (++stencil_ref > 255) {
            glClear(GL_STENCIL_BUFFER_BIT);
            stencil_ref = 1;
        }
    }
    incidents_->draw(camera_, palette_);

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    if (snapshot) {
        io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no hover highlights in pictures
        io.DeltaTime = 1.0f / 30;
    }
    ImGui::NewFrame();
    const StreamStatus status = stream_status();
    draw_map_labels(layers_, camera_, fonts_, side_panel_width(camera_));
    draw_scale_bar(camera_, fonts_);
    if (!options_.hide_panels) {
        draw_side_panel(picture_, palette_, status, fonts_, camera_);
        draw_layer_box(layers_, fonts_, camera_);
    }
    draw_banners(status, fonts_, camera_);
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// =========================================================================== input ====

void WallApp::handle_input() {
    ImGuiIO& io = ImGui::GetIO();
    if (io.WantCaptureMouse) return;
    int window_w = 1, window_h = 1;
    glfwGetWindowSize(window_, &window_w, &window_h);
    // Window coordinates to framebuffer pixels (they differ on HiDPI screens).
    const double sx = static_cast<double>(camera_.width) / std::max(1, window_w);
    const double sy = static_cast<double>(camera_.height) / std::max(1, window_h);
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
        camera_.pan_pixels(io.MouseDelta.x * sx, io.MouseDelta.y * sy);
    }
    if (io.MouseWheel != 0) {
        camera_.zoom_at(io.MousePos.x * sx, io.MousePos.y * sy, std::pow(1.25, io.MouseWheel));
    }
}

// ======================================================================= run modes ====

int WallApp::run_on_screen() {
    auto last_snapshot = Clock::now();
    int snapshot_number = 0;
    std::uint64_t frames = 0;
    double render_s = 0, worst_s = 0;
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    while (!glfwWindowShouldClose(window_) && !g_stop_requested) {
        // Wake at least ~30 times a second: the stale banner's counter must keep moving.
        glfwWaitEventsTimeout(1.0 / 30);
        pump_stream();
        int width = 0, height = 0;
        glfwGetFramebufferSize(window_, &width, &height);
        if (width <= 0 || height <= 0) continue;  // minimised
        const auto frame_start = Clock::now();
        render_frame(width, height, 0, false);
        const double frame_s = seconds_since(frame_start);
        ++frames;
        render_s += frame_s;
        worst_s = std::max(worst_s, frame_s);
        handle_input();  // applies to the next frame; ImGui's input state is current now
        if (options_.snapshot_every_s > 0 &&
            seconds_since(last_snapshot) >= options_.snapshot_every_s) {
            last_snapshot = Clock::now();
            char name[32];
            std::snprintf(name, sizeof name, "wall-%04d.png", snapshot_number++);
            glReadBuffer(GL_BACK);
            const auto pixels = read_pixels_rgb(width, height);
            if (auto error = write_snapshot(options_.snapshot_dir / name, camera_, pixels,
                                            incidents_->size())) {
                std::fprintf(stderr, "citywall-viewer: %s\n", error->c_str());
            }
        }
        glfwSwapBuffers(window_);
    }
    if (frames > 0) {  // the wall's own account of how heavy its frames were
        std::fprintf(
            stderr, "citywall-viewer: %llu frames, render call %.1f ms mean, %.1f ms worst\n",
            static_cast<unsigned long long>(frames), render_s * 1000 / frames, worst_s * 1000);
    }
    return 0;
}

int WallApp::run_snapshot() {
    auto target = OffscreenTarget::create(options_.snapshot_width, options_.snapshot_height);
    if (!target) {
        std::fprintf(stderr, "citywall-viewer: %s\n", target.error().c_str());
        return 1;
    }
    if (network_ && options_.after_incidents > 0) {
        while (incidents_->size() < options_.after_incidents) {
            if (seconds_since(started_) > options_.timeout_s) {
                const auto heard = network_->last_received();
                std::fprintf(stderr,
                             "citywall-viewer: timed out after %.0f s waiting for %zu open "
                             "incidents: have %zu; snapshot %s; %s from %s\n",
                             options_.timeout_s, options_.after_incidents, incidents_->size(),
                             picture_.has_snapshot() ? "received" : "NOT received",
                             heard ? "messages arrived" : "NOTHING heard",
                             config_.updates_endpoint.c_str());
                return 3;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            pump_stream();
        }
    }
    // A few frames: ImGui sizes windows and tables from the previous frame.
    for (int frame = 0; frame < 3; ++frame) {
        pump_stream();
        render_frame(target->width(), target->height(), target->framebuffer(), true);
    }
    glFinish();
    glBindFramebuffer(GL_READ_FRAMEBUFFER, target->framebuffer());
    const auto pixels = read_pixels_rgb(target->width(), target->height());
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    if (auto error = write_snapshot(options_.snapshot_out, camera_, pixels, incidents_->size())) {
        std::fprintf(stderr, "citywall-viewer: %s\n", error->c_str());
        return 1;
    }
    std::fprintf(stderr, "citywall-viewer: wrote %s (%dx%d, %zu incidents)\n",
                 options_.snapshot_out.c_str(), target->width(), target->height(),
                 incidents_->size());
    return 0;
}

}  // namespace

// ======================================================================== run_wall ====

int run_wall(const ViewerConfig& config, const RunOptions& options) {
    glfwSetErrorCallback(glfw_error);
    GlfwSession glfw;
    if (!glfw.ok) {
        std::fprintf(stderr,
                     "citywall-viewer: cannot start GLFW (no display? try "
                     "xvfb-run -a -s \"-screen 0 1920x1080x24\" citywall-viewer ...)\n");
        return 1;
    }
    const bool snapshot = !options.snapshot_out.empty();
    WindowPtr window =
        open_window(config, snapshot, snapshot ? options.snapshot_width : config.width,
                    snapshot ? options.snapshot_height : config.height);
    if (!window) {
        std::fprintf(stderr, "citywall-viewer: cannot open an OpenGL 3.3 core window\n");
        return 1;
    }
    glfwMakeContextCurrent(window.get());
    glfwSwapInterval(1);
    int exit_code = 1;
    {
        WallApp app(config, options);
        if (app.init(window.get(), !snapshot)) {
            exit_code = snapshot ? app.run_snapshot() : app.run_on_screen();
        }
    }  // GL objects go before the context does
    return exit_code;
}

}  // namespace citywall::viewer
