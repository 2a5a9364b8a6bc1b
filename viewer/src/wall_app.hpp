// The app shell: window and GL context (GLFW), Dear ImGui's four calls, the frame, and the
// ways to run — on a screen, once into a PNG (snapshot mode), or a script of commands
// (headless interaction tests). WallApp is public so a script and the benchmark can drive it.
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "animation_clock.hpp"
#include "area_counts.hpp"
#include "camera.hpp"
#include "choropleth_layer.hpp"
#include "city_areas.hpp"
#include "citywall/picture.hpp"
#include "console.hpp"
#include "day_stats.hpp"
#include "drill_timeline.hpp"
#include "heat_layer.hpp"
#include "incident_layer.hpp"
#include "incident_queue.hpp"
#include "map_cache.hpp"
#include "map_layers.hpp"
#include "palette.hpp"
#include "panels.hpp"
#include "search.hpp"
#include "selected_case.hpp"
#include "unit_layer.hpp"
#include "unit_proposals.hpp"
#include "viewer_config.hpp"
#include "wall_state.hpp"

struct GLFWwindow;

namespace citywall::viewer {

class NetworkClient;

struct RunOptions {
    // One picture into a PNG and exit (snapshot mode) when set.
    std::filesystem::path snapshot_out;
    int snapshot_width = 1920;
    int snapshot_height = 1080;
    std::size_t after_incidents = 0;
    double timeout_s = 30;
    // Commands to run headless, one a line (docs/viewer.md, "Scripts"), when set.
    std::filesystem::path script;
    // While running on a screen, a PNG every this many seconds (0 = never).
    double snapshot_every_s = 0;
    std::filesystem::path snapshot_dir = ".";
    // The initial view; otherwise the config's, otherwise the first vector layer's extent.
    std::optional<std::array<double, 2>> center_lonlat;
    std::optional<double> metres_per_pixel;
    // Leaves out of the picture what changes from run to run (the wall clock, the endpoint
    // address), for reference images; the animation clock then moves only with the stream.
    bool deterministic = false;
    // Leaves the side panel and the layer box out (the map and the banners stay), so a test
    // can compare two pictures of the map alone.
    bool hide_panels = false;
    float ui_scale = 1.0f;  // multiplies the config's font size
};

class WallApp {
  public:
    WallApp(const ViewerConfig& config, const RunOptions& options);
    ~WallApp();
    WallApp(const WallApp&) = delete;
    WallApp& operator=(const WallApp&) = delete;

    // Loads the palette, the map layers, the areas and the GL programs; needs the context.
    // Fails for an unreadable palette, a GL program that does not build, or (headless, for a
    // reference picture) a map layer that did not load; the caller reports it.
    Result<void> init(GLFWwindow* window, bool install_input);

    // ---- the stream
    void pump_stream();
    // Feeds one message as if it came from ingest (the benchmark's synthetic city).
    void inject(const wire::Message& message);
    bool live() const { return network_ != nullptr; }
    std::size_t open_markers() const { return incidents_->size(); }
    const CityPicture& picture() const { return picture_; }
    const WallFonts& fonts() const { return fonts_; }
    std::array<int, 4> map_screen_area() const;
    std::string waiting_report() const;  // for a timeout: what has arrived so far

    // ---- the frame
    void render_frame(int width, int height, unsigned framebuffer, bool snapshot);
    // Every raster tile the last frame's view needs has been read and drawn.
    bool map_complete() const;
    AnimationClock& clock() { return clock_; }
    Camera& camera() { return camera_; }
    // The choropleth replaces markers now (the mode and the zoom say so), and at which level.
    bool aggregated() const;
    AreaLevel aggregate_level() const;
    void set_aggregate_mode(AggregateMode mode) { aggregate_mode_ = mode; }

    // ---- the wall state and its commands (wall_input.cpp; docs/viewer.md)
    WallState state() const;
    // Shows exactly `state`: the view at once (no flight), the layers it names, its selection
    // (nothing, if that incident or unit is no longer there), its panels, filter and clock.
    void apply_state(const WallState& state);
    // not_found: the command names something the wall does not have (an incident, an area).
    Result<void> run(const WallCommand& command);

    // ---- interaction (wall_input.cpp)
    // A click at a pixel: the incident under it, else the area there (at the level the
    // choropleth shows, else the innermost level of its hierarchy), else an area of another
    // hierarchy (a police beat); `other` picks straight in the other hierarchies.
    Selection click(double px, double py, bool other = false);
    bool select_incident(std::uint64_t id, bool fly);
    bool select_unit(const std::string& key, bool fly);
    // Zooms to an area (code or name) or an incident (its id) and selects it.
    // A script's zoom: the first of what the search box would find (find_matches).
    bool zoom_to(const std::string& code_name_or_id);
    void go_to(const SearchMatch& match);
    // As Enter in the search box with `text` in it.
    void search(const std::string& text);
    // What the last search found when it found several (offered under the box).
    const std::vector<SearchMatch>& search_matches() const { return search_matches_; }
    const Selection& selection() const { return selection_; }
    // The selected incident's description and history, asked of ingest (docs/viewer.md).
    const SelectedCase& selected_case() const { return case_; }
    void clear_selection() { select({}); }
    void handle_input();             // mouse and keys on a screen; ImGui's state is current
    void console_keys();             // a console's step shortcuts for the selected case
    void animate_view(double dt_s);  // inertia and fly-to

    const CityAreas& areas() const { return areas_; }
    const AreaCounts& counts() const { return counts_; }

    // ---- operations panels and the heat layer (on/off: layer box, keys Q K H, scripts)
    bool show_queue = false;
    bool show_kpi = false;
    bool heat_on = false;
    bool units_on = true;
    const UnitLayer& units() const { return *units_; }
    IncidentQueue& queue() { return queue_; }
    const DayStats& day_stats() const { return day_stats_; }
    // Brings the queue and the KPIs up to date now (scripts; a frame does it throttled).
    void refresh_ops(bool force);
    // Selects the incident in the queue's row and flies there; false if there is none.
    bool queue_click(std::size_t row);
    // The console chooses a step for the selected incident, as its button does; false when
    // this wall is no console or no incident is selected.
    bool console_choose(CaseAction action);
    // The units an order of the selected incident would be proposed, as the console lists them.
    std::vector<UnitProposal> proposals() const;
    // Chooses the `rank`-th proposal (1 the first; 0 no unit) for the order being filled in, as
    // a click in the list does; false when no order is being filled in or there is no such one.
    bool console_unit(std::size_t rank);
    const Console* console() const { return console_ ? &*console_ : nullptr; }
    // Sends the step being filled in, with `note` when not empty, as its send button does; the
    // command's id, or why not ("a department", "no console").
    Result<std::string> console_send(const std::string& note);
    // Opens the right-click menu of an incident's case at the mouse, as a right click on its
    // marker does (drawn with the next frame); false when this wall is no console or the
    // incident is not on it.
    bool open_case_menu(std::uint64_t incident);
    // Opens the right-click menu of a free unit, offering to order it to the selected case (on
    // the map), as a right click on its marker does then; false when this wall is no console,
    // no case on the map is selected, or the unit is not here or not free.
    bool open_unit_menu(const std::string& unit);
    // Opens an order of the selected case (on the map) with this free unit in it, as choosing
    // the order in the unit's menu does: the proposals' rule for the unit passed over applies.
    // False when the console may not order the case now, or the unit is not free or not of the
    // case's drill or reality.
    bool console_order_unit(const std::string& unit);
    const RoadGraph& roads() const { return roads_; }

  private:
    void select(const Selection& selection);
    // Fits `box` into the map area; with `inside`, that point (inside the area) lands at the
    // map area's centre, so a concave area is never centred on its neighbour.
    void fly_to(const MercatorBox& box, double min_mpp,
                std::optional<MercatorPoint> inside = std::nullopt);
    void fly_close_to(LonLat where);
    void place_camera();
    StreamStatus stream_status() const;
    void apply(const wire::Message& message, bool& gap);
    void ask_for_case();  // sends the selected incident's case request when one is due
    void draw_ops_panels(float left);
    void draw_panels(const StreamStatus& status);
    void draw_labels(int width, int height);

    const ViewerConfig& config_;
    const RunOptions& options_;
    GLFWwindow* window_ = nullptr;
    bool imgui_ready_ = false;
    Palette palette_;
    WallFonts fonts_;
    std::string font_glyphs_;  // characters added to the common Chinese set
    std::optional<MapPrograms> programs_;
    std::vector<MapLayer> layers_;
    std::uint64_t case_menu_for_ = 0;      // a right click asked for this incident's menu
    std::uint64_t case_menu_open_ = 0;     // the incident whose menu is open
    std::string case_menu_unit_for_;       // a free unit right-clicked, to order to that incident
    std::string case_menu_unit_;           // the free unit of the open menu; empty: none
    std::array<float, 2> case_menu_at_{};  // where it opens, in ImGui's coordinates
    void place_case_menu(LonLat beside);
    void right_click(double px, double py);
    void draw_case_menu();
    void draw_unit_order_item(const Incident& incident);
    const std::vector<UnitProposal>* order_proposals(const Incident& incident);
    // The incident of the selected case: on the map, or a closed one opened by its number.
    std::optional<Incident> selected_case_incident() const;
    RoadGraph roads_;  // the layer named road_network; empty: proposals by straight line
    std::vector<UnitProposal> proposals_;  // for the order being filled in
    std::uint64_t proposals_for_ = 0;
    TimeMs proposals_at_ = 0;
    std::optional<MapCache> map_cache_;
    MapCacheKey last_map_key_;  // the map drawn last frame, when it was drawn directly
    CityAreas areas_;
    AreaCounts counts_;
    std::optional<ChoroplethLayer> choropleth_;
    std::optional<IncidentLayer> incidents_;
    std::optional<HeatLayer> heat_;
    std::optional<UnitLayer> units_;
    IncidentQueue queue_;
    DayStats day_stats_;
    float layer_box_width_ = 0;  // last frame's, so the queue stops short of the box
    float legend_left_ = 1e9f;   // and of the choropleth's legend
    float kpi_bottom_ = 0;       // last frame's, so the detail panel starts below the KPIs
    float queue_top_ = 0;        // this frame's, so the detail panel ends above the queue
    CityPicture picture_;
    std::unique_ptr<NetworkClient> network_;
    std::unique_ptr<ImDrawList> map_labels_;  // rendered under the markers
    Camera camera_;
    AnimationClock clock_;
    AggregateMode aggregate_mode_;
    Selection selection_;
    SelectedCase case_;
    std::optional<Console> console_;  // [console] role: this wall may take steps of a case
    // A replaying drill's timeline; a trainer's wall ([console] role = "trainer") steers it.
    DrillTimeline timeline_;
    std::optional<TimelineBox> timeline_box_;  // this frame's, while the stream is a replay
    bool trainer() const { return config_.console == WallRole::trainer; }
    std::string search_text_, search_feedback_;
    std::vector<SearchMatch> search_matches_;  // several: offered under the box
    std::string search_matched_;               // the text they were found for
    // The incidents of the selected area, found again only when its count changes.
    std::vector<std::uint64_t> area_list_;
    Selection area_list_for_;
    std::size_t area_list_count_ = 0;
    // View motion: pan velocity (pixels/s) after a drag, and an eased flight to a target.
    std::array<double, 2> pan_velocity_ = {0, 0};
    struct Flight {
        MercatorPoint from, to;
        double from_mpp = 0, to_mpp = 0, t = 0;
    };
    std::optional<Flight> flight_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Returns the process exit code.
int run_wall(const ViewerConfig& config, const RunOptions& options);

// A monitor's place on the virtual desktop, in screen coordinates.
struct MonitorRect {
    int x = 0, y = 0, width = 0, height = 0;
    friend bool operator==(const MonitorRect&, const MonitorRect&) = default;
};
// The bounding box of all monitors (`--span`); empty for none.
MonitorRect span_of(const std::vector<MonitorRect>& monitors);

}  // namespace citywall::viewer
