// Index: [WallApp: set-up] [stream] [frame] [panels]
#include "wall_app.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <epoxy/gl.h>
// GLFW after epoxy: epoxy provides the GL declarations.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <future>

#include "citywall/geo.hpp"
#include "map_panels.hpp"
#include "network_client.hpp"
#include "ops_panels.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

TimeMs wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The whole file; not_found when it is not there, io when it cannot be read.
Result<std::string> read_text(const std::filesystem::path& path) {
    using R = Result<std::string>;
    std::string text;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        const int why = errno;
        return R::failure(why == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                          path.string() + ": " + std::strerror(why));
    }
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
        text.append(buffer, n);
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return R::failure(ErrorKind::io, path.string() + ": read failed");
    return text;
}

}  // namespace

// ============================================================================ WallApp: set-up ====

WallApp::WallApp(const ViewerConfig& config, const RunOptions& options)
    : config_(config),
      options_(options),
      palette_(Palette::built_in()),
      clock_(!options.deterministic),
      aggregate_mode_(config.aggregate.mode) {
    // The detail panel asks ingest for the one description it shows (SelectedCase).
    picture_.keep_case_details(false);
    // Command ids begin with the time this console started, so a restart never reuses one.
    if (config.console)
        console_.emplace(
            *config.console,
            "c" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()));
}

WallApp::~WallApp() {
    network_.reset();
    map_labels_.reset();  // before the ImGui context it was made with
    if (imgui_ready_) {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
    }
}

Result<void> WallApp::init(GLFWwindow* window, bool install_input) {
    using R = Result<void>;
    window_ = window;
    set_wall_language(config_.centre.language);
    if (!config_.palette.empty()) {
        const std::string about = "palette " + config_.palette.string() + ": ";
        const auto text = read_text(config_.palette);
        if (!text) return R::failure(text.error_kind(), about + "cannot read");
        if (text->empty()) return R::failure(ErrorKind::invalid, about + "cannot read");
        auto parsed = Palette::parse(*text, config_.palette.string());
        if (!parsed) return parsed.because(about);
        palette_ = std::move(*parsed);
    }

    auto programs = MapPrograms::build();
    if (!programs) return programs.because("shader: ");
    programs_ = std::move(*programs);
    auto map_cache = MapCache::create();
    if (!map_cache) return map_cache.because("shader: ");
    map_cache_ = std::move(*map_cache);

    init_gdal();
    std::vector<std::string> errors;
    const auto load_start = Clock::now();
    // The areas (aggregation, picking) load while the map layers do.
    auto areas = std::async(std::launch::async, [this] {
        std::vector<std::string> area_errors;
        CityAreas loaded = CityAreas::load(config_.areas, area_errors);
        return std::make_pair(std::move(loaded), std::move(area_errors));
    });
    layers_ = load_map_layers(config_.layers, errors, &roads_);
    if (!roads_.empty())
        std::fprintf(stderr,
                     "citywall-viewer: road network: %zu junctions and ends, %zu stretches\n",
                     roads_.nodes(), roads_.edges());
    auto [loaded_areas, area_errors] = areas.get();
    areas_ = std::move(loaded_areas);
    errors.insert(errors.end(), area_errors.begin(), area_errors.end());
    for (const std::string& error : errors) {
        std::fprintf(stderr, "citywall-viewer: %s\n", error.c_str());
    }
    std::fprintf(stderr, "citywall-viewer: %zu of %zu map layers loaded in %.1f s\n",
                 layers_.size(), config_.layers.size(), seconds_since(load_start));
    const bool refuse = !options_.snapshot_out.empty() || !options_.script.empty();
    if (refuse && (layers_.size() < config_.layers.size() || !area_errors.empty())) {
        // A reference picture with a layer missing is a wrong picture: fail loudly.
        return R::failure(ErrorKind::invalid, "snapshot refused: not every layer loaded");
    }
    std::vector<std::vector<AreaRef>> refs;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < areas_.level_count(); ++i) {
        refs.push_back(areas_.level(static_cast<AreaLevel>(i)).refs);
        keys.push_back(areas_.level(static_cast<AreaLevel>(i)).config.level);
    }
    counts_ = AreaCounts(refs, std::move(keys));
    auto choropleth = ChoroplethLayer::create(areas_);
    if (!choropleth) return choropleth.because("shader: ");
    choropleth_ = std::move(*choropleth);
    place_camera();

    auto incidents = IncidentLayer::create(camera_.center,
                                           {config_.aggregate.pulse_s, config_.aggregate.fade_s});
    if (!incidents) return incidents.because("shader: ");
    incidents_ = std::move(*incidents);
    auto heat = HeatLayer::create(*incidents_);
    if (!heat) return heat.because("shader: ");
    heat_ = std::move(*heat);
    auto units = UnitLayer::create(camera_.center);
    if (!units) return units.because("shader: ");
    units_ = std::move(*units);
    units_->set_ui_scale(options_.ui_scale);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // the wall's layout is fixed, not remembered
    std::string glyphs;
    for (const MapLayer& layer : layers_) {
        glyphs += layer.style().name;
        for (const MapLabel& label : layer.labels())
            glyphs += label.text;
    }
    for (std::size_t i = 0; i < areas_.level_count(); ++i) {
        glyphs += areas_.label(static_cast<AreaLevel>(i));
        for (const AreaRef& ref : areas_.level(static_cast<AreaLevel>(i)).refs)
            glyphs += ref.name;
    }
    for (const auto& [family, color] : palette_.families())
        glyphs += palette_.family_label(family);
    glyphs += kOpsPanelGlyphs;
    glyphs += config_.centre.name;
    font_glyphs_ = glyphs;
    // A font that is missing or unreadable leaves ImGui's own: a warning, not a failure.
    if (auto styled = setup_imgui_style(config_.font.string(), config_.font_index,
                                        config_.font_size * options_.ui_scale, glyphs, fonts_);
        !styled) {
        std::fprintf(stderr, "citywall-viewer: %s\n", styled.error().c_str());
    }
    ImGui_ImplGlfw_InitForOpenGL(window_, install_input);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    imgui_ready_ = true;

    if (!config_.updates_endpoint.empty()) {
        network_ = std::make_unique<NetworkClient>(config_.updates_endpoint,
                                                   config_.snapshot_endpoint, config_.keys);
    }
    started_ = Clock::now();
    return {};
}

void WallApp::place_camera() {
    int width = options_.snapshot_width, height = options_.snapshot_height;
    if (options_.snapshot_out.empty() && options_.script.empty()) {
        glfwGetFramebufferSize(window_, &width, &height);
    }
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

// The part of the screen the map layers can touch, as a GL scissor box (from the bottom left),
// with room for the widest outline; the whole screen if unknown.
std::array<int, 4> WallApp::map_screen_area() const {
    const int width = camera_.width, height = camera_.height;
    double x0 = width, y0 = height, x1 = 0, y1 = 0;
    for (const MapLayer& layer : layers_) {
        const MercatorBox& b = layer.bounds();
        if (b.empty()) return {0, 0, width, height};
        const auto top_left = camera_.to_screen({b.min_x, b.max_y});
        const auto bottom_right = camera_.to_screen({b.max_x, b.min_y});
        x0 = std::min(x0, top_left[0]);
        y0 = std::min(y0, top_left[1]);
        x1 = std::max(x1, bottom_right[0]);
        y1 = std::max(y1, bottom_right[1]);
    }
    if (layers_.empty()) return {0, 0, width, height};
    constexpr double kMargin = 32;  // half the widest outline, and a little
    const int left = std::clamp(static_cast<int>(std::floor(x0 - kMargin)), 0, width);
    const int right = std::clamp(static_cast<int>(std::ceil(x1 + kMargin)), 0, width);
    const int top = std::clamp(static_cast<int>(std::floor(y0 - kMargin)), 0, height);
    const int bottom = std::clamp(static_cast<int>(std::ceil(y1 + kMargin)), 0, height);
    return {left, height - bottom, right - left, bottom - top};
}

// ========================================================================== stream ====

void WallApp::apply(const wire::Message& message, bool& gap) {
    const CityPicture::Outcome outcome = picture_.apply(message);
    if (outcome == CityPicture::Outcome::gap) gap = true;
    // Counting the day here needs what an update said, terminal statuses included (the picture
    // forgets an incident as soon as it is resolved) — unless ingest counts the day itself.
    if (const auto* update = std::get_if<wire::IncidentUpdate>(&message);
        update && outcome == CityPicture::Outcome::applied && !picture_.day_counts()) {
        day_stats_.observe(update->incident);
    }
}

void WallApp::ask_for_case() {
    if (!network_) return;
    if (const std::uint64_t id = case_.due(SelectedCase::Clock::now()); id != 0)
        network_->request_case(id);
}

void WallApp::inject(const wire::Message& message) {
    if (const auto* beat = std::get_if<wire::Heartbeat>(&message)) clock_.observe(beat->time);
    bool gap = false;
    apply(message, gap);
    if (gap) picture_.reset();
}

void WallApp::pump_stream() {
    if (network_) {
        bool overflowed = false;
        std::vector<wire::Message> messages = network_->take_messages(overflowed);
        bool gap = overflowed;
        for (wire::Message& message : messages) {
            if (auto* reply = std::get_if<wire::IncidentCase>(&message)) {
                case_.receive(std::move(*reply));  // not part of the picture, nor of a gap
                continue;
            }
            if (const auto* reply = std::get_if<wire::CommandReply>(&message)) {
                if (DrillTimeline::is_ours(*reply)) {
                    timeline_.answered(*reply);
                } else if (console_) {
                    console_->receive(*reply);
                }
                continue;
            }
            if (gap) break;  // the rest belongs to a picture we are about to throw away
            if (const auto* beat = std::get_if<wire::Heartbeat>(&message)) {
                clock_.observe(beat->time);
            } else if (const auto* report = std::get_if<wire::FeedHealthReport>(&message)) {
                clock_.observe(report->time);
            }
            apply(message, gap);
        }
        if (gap) {
            picture_.reset();
            network_->request_snapshot();
        }
        network_->give_back(std::move(messages));
    }
    if (!clock_.started() && picture_.last_heard() > 0) clock_.observe(picture_.last_heard());
    clock_.tick();
    if (picture_.take_replaced()) {
        picture_.take_changes();
        incidents_->rebuild(picture_, palette_, clock_);
        case_.changed(case_.selected(), picture_.seq());  // it may have changed while away
        picture_.take_changed_units();
        units_->rebuild(picture_);
        counts_.rebuild(picture_);
        if (!picture_.day_counts()) day_stats_.observe_all(picture_);
        queue_.invalidate();
#ifdef __GLIBC__
        // A snapshot's decoded chunks were freed piecemeal: hand those pages back to the
        // system, or a wall that joined a city of a million keeps them for the night.
        malloc_trim(0);
#endif
    } else {
        const auto changed = picture_.take_changes();
        if (!changed.empty()) {
            for (const auto& change : changed)
                case_.changed(change.id, picture_.seq());
            incidents_->update(picture_, changed, palette_, clock_);
            counts_.update(picture_, changed);
            queue_.invalidate();
        }
    }
    if (const auto moved = picture_.take_changed_units(); !moved.empty())
        units_->update(picture_, moved);
    incidents_->sweep(clock_);
    incidents_->refresh_bands(picture_, clock_);
    // Uploads now, with the deltas that caused them, rather than inside the next frame.
    incidents_->sync();
    choropleth_->sync(counts_);
    // A selected incident that closed is no longer selectable; its fade still shows it.
    if (selection_.kind == Selection::Kind::incident) {
        if (!picture_.incidents().contains(selection_.incident)) select({});
    }
    // A closed case opened by its number that is open again (reopened): the incident itself.
    if (selection_.kind == Selection::Kind::case_number)
        (void)select_incident(selection_.incident, false);
    if (selection_.kind == Selection::Kind::unit && !picture_.units().contains(selection_.unit))
        select({});  // gone off duty
    ask_for_case();  // a retry, or the incident changed
}

std::string WallApp::waiting_report() const {
    char text[256];
    const auto heard = network_ ? network_->last_received() : std::nullopt;
    std::snprintf(text, sizeof text, "have %zu; snapshot %s; %s from %s", incidents_->size(),
                  picture_.has_snapshot() ? "received" : "NOT received",
                  heard ? "messages arrived" : "NOTHING heard", config_.updates_endpoint.c_str());
    return text;
}

StreamStatus WallApp::stream_status() const {
    StreamStatus status;
    status.centre =
        config_.centre.title(say("城市运行指挥中心", "City operations centre", "城市运行指挥中心"));
    status.live = network_ != nullptr;
    status.deterministic = options_.deterministic;
    status.now = options_.deterministic ? 0 : wall_clock_ms();
    status.drill = picture_.drill();
    status.keys_off = picture_.keys_off();
    status.ingest_stopped = picture_.ingest_stopped();
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
        status.refused = network_->refused();
        // Ages are then measured on ingest's clock, which a test fixes.
        if (options_.deterministic) status.now = status.data_time;
        // A replay's clock is the recording's: the panel's clock and the data's age follow it.
        if (picture_.drill() && picture_.drill_clock() && !options_.deterministic)
            status.now = clock_.now();
    }
    return status;
}

// =========================================================================== frame ====

bool WallApp::aggregated() const {
    // A map without a stream has nothing to count.
    if (!areas_.any() || aggregate_mode_ == AggregateMode::off) return false;
    if (!network_ && picture_.incidents().empty()) return false;
    return aggregate_mode_ == AggregateMode::on ||
           camera_.metres_per_pixel >= config_.aggregate.above_metres_per_pixel;
}

AreaLevel WallApp::aggregate_level() const {
    // The finest level of the hierarchy whose typical area is wide enough on screen to read as
    // a patch of colour; zoomed out past every one, the outermost. A level without geometry
    // is passed over.
    const std::vector<AreaLevel> levels = areas_.hierarchy(config_.aggregate.hierarchy);
    std::optional<AreaLevel> chosen;
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
        if (!choropleth_->has(*it)) continue;
        chosen = *it;
        if (areas_.level(*it).typical_width_m / camera_.metres_per_pixel >=
            config_.aggregate.area_pixels)
            break;
    }
    return chosen.value_or(levels.empty() ? AreaLevel{0} : levels.front());
}

namespace {

// Replaces the backend's RGBA font texture with an R8 one under the same name; call right after
// the backend created it, while the atlas still holds its pixels.
void shrink_font_texture() {
    ImGuiIO& io = ImGui::GetIO();
    const auto texture = static_cast<GLuint>(reinterpret_cast<std::intptr_t>(io.Fonts->TexID));
    unsigned char* alpha = nullptr;
    int width = 0, height = 0;
    io.Fonts->GetTexDataAsAlpha8(&alpha, &width, &height);
    if (texture == 0 || alpha == nullptr) return;
    GLint last_texture = 0, last_alignment = 4;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
    glGetIntegerv(GL_UNPACK_ALIGNMENT, &last_alignment);
    glBindTexture(GL_TEXTURE_2D, texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, width, height, 0, GL_RED, GL_UNSIGNED_BYTE, alpha);
    // The backend deletes its texture itself on a rebuild: the old one's bytes are forgotten here.
    static GLuint noted = 0;
    if (noted != 0 && noted != texture) note_gpu_bytes(GpuObject::texture, noted, 0);
    noted = texture;
    note_gpu_bytes(GpuObject::texture, texture,
                   static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    const GLint swizzle[4] = {GL_ONE, GL_ONE, GL_ONE, GL_RED};
    glTexParameteriv(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_RGBA, swizzle);
    glPixelStorei(GL_UNPACK_ALIGNMENT, last_alignment);
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(last_texture));
}

}  // namespace

bool WallApp::map_complete() const {
    return std::all_of(layers_.begin(), layers_.end(),
                       [](const MapLayer& layer) { return layer.complete(); });
}

void WallApp::render_frame(int width, int height, unsigned framebuffer, bool snapshot) {
    if (fonts_.wants_more()) {
        // Characters the last frame showed but the atlas lacked (a rare character in a title
        // or a call sign): build the atlas again with them, once each.
        font_glyphs_ += fonts_.missing;
        fonts_.missing.clear();
        // The same file as at start: a failure was reported then, and falls back the same way.
        (void)load_wall_fonts(config_.font.string(), config_.font_index,
                              config_.font_size * options_.ui_scale, font_glyphs_, fonts_);
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    camera_.width = width;
    camera_.height = height;
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glViewport(0, 0, width, height);
    const Rgba& bg = config_.background;
    glClearColor(bg.r, bg.g, bg.b, 1.0f);
    glClearStencil(0);
    glStencilMask(0xff);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);

    for (MapLayer& layer : layers_)
        layer.update(camera_);

    // DESIGN.md's order: raster basemap → area fills (the choropleth) → outlines → markers.
    const bool aggregate = aggregated();
    const AreaLevel level = aggregate_level();
    const bool area_selected = selection_.kind == Selection::Kind::area;
    const bool choropleth = aggregate && !heat_on;  // the heat layer replaces the choropleth
    const bool tint = area_selected && (!aggregate || selection_.area.level != level);
    // The live part (choropleth, selected area) goes under the first vector layer.
    std::size_t split = layers_.size();
    if (choropleth || tint) {
        for (std::size_t i = 0; i < layers_.size(); ++i) {
            if (layers_[i].style().kind == LayerKind::vector) {
                split = i;
                break;
            }
        }
    }
    auto draw_live = [&] {
        if (choropleth) {
            std::optional<std::uint32_t> highlight;
            if (area_selected && selection_.area.level == level) highlight = selection_.area.area;
            choropleth_->draw(camera_, level, class_breaks(counts_.max_count(level)),
                              config_.aggregate.opacity, highlight);
        }
        if (tint) choropleth_->draw_selected(camera_, selection_.area.level, selection_.area.area);
    };
    auto draw_layers = [&](std::size_t begin, std::size_t end, int& stencil_ref) {
        for (std::size_t i = begin; i < end; ++i) {
            layers_[i].draw(camera_, *programs_, stencil_ref);
            if (++stencil_ref > 255) {
                glClear(GL_STENCIL_BUFFER_BIT);
                stencil_ref = 1;
            }
        }
    };
    // A still camera composites the cached map; a moving one draws the map directly (caching
    // it would cost a copy a frame), and the first frame after it stops fills the cache.
    MapCacheKey key = map_cache_key(camera_, layers_, split);
    const bool cached = map_cache_->holds(key);
    if (cached || key == last_map_key_) {
        if (!cached) {
            map_cache_->begin(MapCache::Part::base, key, {bg.r, bg.g, bg.b, 1.0f});
            int stencil_ref = 1;
            draw_layers(0, split, stencil_ref);
            if (split < layers_.size()) {
                map_cache_->begin(MapCache::Part::overlay, key, {});
                stencil_ref = 1;
                draw_layers(split, layers_.size(), stencil_ref);
            }
            map_cache_->finish(key);
            glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
            glViewport(0, 0, width, height);
        }
        const std::array<int, 4> area = map_screen_area();
        if (area[2] < width || area[3] < height) {
            glClearColor(bg.r, bg.g, bg.b, 1.0f);  // as the base holds outside the map
            glClear(GL_COLOR_BUFFER_BIT);
        }
        map_cache_->composite(MapCache::Part::base, area);
        if (split < layers_.size()) {
            draw_live();
            map_cache_->composite(MapCache::Part::overlay, area);
        }
    } else {
        glClear(GL_COLOR_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
        int stencil_ref = 1;
        draw_layers(0, split, stencil_ref);
        if (split < layers_.size()) draw_live();
        draw_layers(split, layers_.size(), stencil_ref);
        last_map_key_ = std::move(key);
    }
    incidents_->sync();
    if (heat_on) heat_->draw(camera_, *incidents_, framebuffer);
    draw_labels(width, height);  // over the heat, under units and markers
    // Units under the incident markers: an incident is never hidden by the car sent to it.
    if (units_on) units_->draw(camera_, palette_, clock_);
    incidents_->draw(camera_, palette_, clock_, aggregate && config_.aggregate.critical_markers);

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    if (!io.Fonts->ConfigData.empty()) {
        // The backend uploaded the atlas as RGBA (white, coverage in alpha): 4 bytes a texel
        // for 1 byte of information, 8 MiB for a CJK atlas of 2048x1024. The same texture
        // again as one channel, swizzled to (1, 1, 1, coverage), samples to the same values.
        shrink_font_texture();
        // The atlas is on the GPU now: drop the font files (a CJK face is about 20 MB, held once
        // per size) and the CPU copy of the atlas. A rebuild for a missing character loads the
        // fonts again.
        io.Fonts->ClearInputData();
        io.Fonts->ClearTexData();
#ifdef __GLIBC__
        // Start-up's transient memory is all freed now (raster pixels, GDAL blocks, GEOS
        // triangulation on the loader threads' arenas, the font files): hand the pages back.
        malloc_trim(0);
#endif
    }
    io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    if (snapshot) {
        io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no hover highlights in pictures
        io.DeltaTime = 1.0f / 30;
    }
    ImGui::NewFrame();
    draw_panels(stream_status());
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// ========================================================================== panels ====

void WallApp::draw_labels(int width, int height) {
    // The map's names are drawn with ImGui's font but before the markers, through a draw list
    // of their own: over a label's halo an incident would be hard to see.
    ImGuiIO& io = ImGui::GetIO();
    if (!io.Fonts->TexID) return;  // the backend makes the atlas texture in the first frame
    if (!map_labels_) map_labels_ = std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData());
    ImDrawList& list = *map_labels_;
    list._ResetForNewFrame();
    list.PushTextureID(io.Fonts->TexID);
    list.PushClipRect(ImVec2(0, 0), ImVec2(static_cast<float>(width), static_cast<float>(height)));
    const float left = options_.hide_panels ? 0.0f : side_panel_width(camera_);
    draw_map_labels(layers_, camera_, fonts_, left, list);
    if (list.VtxBuffer.empty()) return;
    ImDrawList* lists[] = {&list};
    ImDrawData data;
    data.Valid = true;
    data.CmdLists = lists;
    data.CmdListsCount = 1;
    data.TotalVtxCount = list.VtxBuffer.Size;
    data.TotalIdxCount = list.IdxBuffer.Size;
    data.DisplayPos = ImVec2(0, 0);
    data.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    data.FramebufferScale = ImVec2(1, 1);
    ImGui_ImplOpenGL3_RenderDrawData(&data);
}

void WallApp::draw_panels(const StreamStatus& status) {
    const float left = options_.hide_panels ? 0.0f : side_panel_width(camera_);
    // A replaying drill's timeline along the bottom, above the keys-off banner; the queue
    // stands on it.
    timeline_box_.reset();
    if (picture_.drill_clock() && picture_.drill())
        timeline_box_ =
            timeline_box(camera_, left, status.keys_off ? fonts_.heading->FontSize + 16 : 0,
                         fonts_.heading->FontSize, trainer());
    if (units_on)
        units_->draw_labels(ImGui::GetBackgroundDrawList(), camera_, fonts_, options_.ui_scale,
                            left);
    const bool aggregate = aggregated();
    const AreaLevel level = aggregate_level();
    if (aggregate && !heat_on) draw_area_counts(areas_, counts_, level, camera_, fonts_, left);
    draw_scale_bar(camera_, fonts_);
    if (!options_.hide_panels) {
        draw_side_panel(picture_, counts_.totals(), palette_, status, fonts_, camera_);
        // The detail panel takes the right edge: the layer box then shows only its switches.
        LayerBoxToggles toggles{&heat_on, &show_queue, &show_kpi};
        const float box_top = draw_layer_box(
            layers_, fonts_, camera_, areas_.any() ? &aggregate_mode_ : nullptr,
            selection_.kind != Selection::Kind::none, &toggles,
            timeline_box_ ? static_cast<float>(camera_.height) - timeline_box_->top : 0.0f);
        layer_box_width_ = toggles.box_width;
        draw_ops_panels(left);
        float legend_top = box_top;
        legend_left_ = static_cast<float>(camera_.width);
        if (aggregate && !heat_on) {
            const ImVec2 legend =
                draw_choropleth_legend(areas_.label(level), class_breaks(counts_.max_count(level)),
                                       counts_.unplaced(level), fonts_, camera_, box_top - 10);
            legend_top = legend.y;
            legend_left_ = legend.x;
        }
        const float top = status.drill ? std::round(fonts_.banner->FontSize * 1.5f) : 0.0f;
        std::vector<std::string> choices;
        for (const SearchMatch& match : search_matches_)
            choices.push_back(match.label);
        const SearchBoxAction searched =
            draw_search_box(search_text_, search_feedback_, choices, fonts_, camera_, top);
        if (search_text_ != search_matched_) search_matches_.clear();
        if (searched.picked) {
            const SearchMatch match = search_matches_[*searched.picked];
            search_matches_.clear();
            search_feedback_.clear();
            go_to(match);
        } else if (searched.entered) {
            search(search_text_);
        }
        DetailView view;
        view.areas = &areas_;
        view.now = clock_.now();
        view.console = console_ ? &*console_ : nullptr;
        view.departments = &picture_.feeds();
        view.top = show_kpi ? kpi_bottom_ + 10 : 16;
        // Down to whatever lies under it on the right: the legend, the queue, the layer box.
        view.bottom = (show_queue ? std::min(legend_top, queue_top_) : legend_top) - 10;
        std::vector<IncidentView> listed;
        std::optional<Incident> selected;
        if (selection_.kind == Selection::Kind::incident) {
            selected = picture_.incidents().incident(selection_.incident);
            if (selected) {
                view.incident = &*selected;
                view.case_state = case_.state(SelectedCase::Clock::now());
                view.incident_case = case_.reply();
                view.near_units =
                    nearest_units(picture_, selected->id, selected->location, kNearUnits);
            }
        } else if (selection_.kind == Selection::Kind::case_number) {
            view.case_state = case_.state(SelectedCase::Clock::now());
            view.incident_case = case_.reply();
            if (view.incident_case && view.incident_case->has_incident()) {
                selected = view.incident_case->incident;
                view.incident = &*selected;
                view.closed_case = true;
            } else {
                view.case_number = selection_.incident;
            }
        } else if (selection_.kind == Selection::Kind::unit) {
            const auto it = picture_.units().find(selection_.unit);
            if (it != picture_.units().end()) view.unit = &it->second;
        } else if (selection_.kind == Selection::Kind::area) {
            view.area = &areas_.ref(selection_.area);
            view.level = selection_.area.level;
            view.area_open = counts_.count(selection_.area.level, selection_.area.area);
            // Finding them walks every open incident: only when the area's count changes.
            if (view.area_open != area_list_count_ || !(area_list_for_ == selection_)) {
                area_list_ = view.area_open <= 200
                                 ? counts_.incidents_in(picture_, selection_.area.level,
                                                        selection_.area.area)
                                 : std::vector<std::uint64_t>{};
                // Newest first, sorted once here rather than every frame.
                std::sort(area_list_.begin(), area_list_.end(), [&](auto a, auto b) {
                    return picture_.incidents().find(a)->received >
                           picture_.incidents().find(b)->received;
                });
                area_list_count_ = view.area_open;
                area_list_for_ = selection_;
            }
            if (!area_list_.empty()) {
                for (const std::uint64_t id : area_list_) {
                    if (auto incident = picture_.incidents().find(id)) listed.push_back(*incident);
                }
                view.area_incidents = &listed;
            }
        }
        if (view.incident) view.proposals = order_proposals(*view.incident);
        if (view.incident || view.area || view.unit || view.case_number != 0) {
            bool closed = false;
            const DetailPick picked = draw_detail_panel(view, palette_, fonts_, camera_, closed);
            if (closed) select({});
            if (picked.incident != 0) select_incident(picked.incident, true);
            if (!picked.unit.empty()) select_unit(picked.unit, true);
            if (picked.command && network_) network_->send_command(std::move(*picked.command));
        }
    }
    draw_case_menu();
    if (timeline_box_) {
        auto asked = timeline_.draw(*picture_.drill_clock(), *timeline_box_, fonts_, trainer());
        if (asked && network_) network_->send_command(std::move(*asked));
    }
    draw_banners(status, fonts_, camera_);
}

}  // namespace citywall::viewer

namespace citywall::viewer {

// ================================================================ operations panels ====

void WallApp::refresh_ops(bool force) {
    if (show_queue || force) queue_.refresh(picture_, clock_.now(), force);
    if (show_kpi || force) day_stats_.refresh(picture_, clock_.now(), force);
}

bool WallApp::queue_click(std::size_t row) {
    const auto& rows = queue_.rows();
    return row < rows.size() && select_incident(rows[row].id, true);
}

void WallApp::draw_ops_panels(float left) {
    refresh_ops(false);
    if (show_kpi) {
        const float top = picture_.drill() ? std::round(fonts_.banner->FontSize * 1.5f) + 16 : 16;
        const std::size_t levels = areas_.level_count();
        const std::string first_level =
            levels > 0 ? level_word_short(areas_.level(0).config) : say_short("区域", "area");
        // The league's areas are the level below the districts, as ingest counts them.
        const std::string league_level =
            levels > 1 ? level_word_short(areas_.level(1).config) : first_level;
        kpi_bottom_ = draw_kpi_panel(day_stats_, {first_level, league_level}, fonts_, camera_, top);
    }
    if (show_queue) {
        const float bottom =
            timeline_box_ ? timeline_box_->top - 8 : static_cast<float>(camera_.height) - 8;
        // Short of the layer box and of the legend above it, whichever reaches further left.
        const float right =
            std::min(static_cast<float>(camera_.width) - layer_box_width_ - 32, legend_left_ - 16);
        const float height = std::round(static_cast<float>(camera_.height) * 0.4f);
        queue_top_ = bottom - height;
        const std::uint64_t selected =
            selection_.kind == Selection::Kind::incident ? selection_.incident : 0;
        const QueuePick picked =
            draw_queue_panel(queue_, picture_, areas_, palette_, fonts_, clock_.now(), selected,
                             left + 8, right, bottom, height, console_ ? &*console_ : nullptr);
        if (picked.clicked != 0) select_incident(picked.clicked, true);
        // A step from a row's menu: its incident is selected and the step filled in there.
        if (picked.step_on != 0 && select_incident(picked.step_on, true))
            (void)console_choose(picked.step);
    }
}

}  // namespace citywall::viewer
