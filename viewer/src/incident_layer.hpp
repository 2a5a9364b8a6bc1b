// Live incidents as point-sprite markers: one buffer of per-marker attributes, one draw call.
// A delta touches only the instances of the ids it changed. A closed incident keeps its
// instance while it fades out, then is swap-removed; new ones pulse; the selected one is ringed.
// Critical and selected incidents are also kept in a small second buffer, the only one drawn
// over the choropleth, so an aggregated frame does not pay for every instance.
// Every time the shader sees comes from the one AnimationClock.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "animation_clock.hpp"
#include "camera.hpp"
#include "citywall/id_index.hpp"
#include "citywall/picture.hpp"
#include "gl_program.hpp"
#include "incident_queue.hpp"
#include "palette.hpp"

namespace citywall::viewer {

struct MarkerTiming {
    double pulse_s = 6;  // a new incident (received within this long) pulses
    double fade_s = 4;   // a closed incident fades out over this long
};

class IncidentLayer {
  public:
    // Marker positions are stored relative to `origin` (float precision near the city).
    static Result<IncidentLayer> create(MercatorPoint origin, MarkerTiming timing);

    // Rebuilds every instance from the picture (after a snapshot replaced it).
    void rebuild(const CityPicture& picture, const Palette& palette, const AnimationClock& clock);
    // Updates the instances of changed incidents: new, moved, restyled, or closed (fading).
    void update(const CityPicture& picture, const std::vector<OpenIncidents::Change>& changes,
                const Palette& palette, const AnimationClock& clock);
    // Drops the instances whose fade has ended; call once a frame.
    void sweep(const AnimationClock& clock);
    // Recolours the rims of incidents whose case band time alone has changed (near their
    // deadline, then overdue); call once a frame, it looks only at those due.
    void refresh_bands(const CityPicture& picture, const AnimationClock& clock);
    void set_selected(std::optional<std::uint64_t> id);
    // `only_prominent`: draw just critical and selected incidents (over a choropleth).
    void draw(const Camera& camera, const Palette& palette, const AnimationClock& clock,
              bool only_prominent);

    // The open incident whose marker covers the pixel, nearest its centre first.
    std::optional<std::uint64_t> pick(const Camera& camera, double px, double py,
                                      bool only_prominent) const;

    std::size_t size() const { return all_.size() - fading_count_; }  // open markers
    std::size_t instance_count() const { return all_.size(); }        // with fading ones
    // The instance buffer (the heat layer reads the same positions); sync() uploads pending
    // changes first, so a pass drawn before the markers sees this frame's instances.
    GLuint buffer() const { return all_.vbo.get(); }
    void sync();

    // 20 bytes a marker, on the GPU and in the copy kept here.
    struct Instance {
        float x, y;            // metres relative to origin_
        std::uint8_t rgba[4];  // straight alpha
        std::uint8_t size;     // diameter, half pixels (up to 127.5 px)
        std::uint8_t flags;    // kCritical | kEscalated | kSelected | kClosing
        std::uint8_t band;     // CaseBand: the rim's colour (fresh: the dark outline)
        std::uint8_t unused;
        float time;  // seconds from time_base_: received, or closed (with kClosing)
    };
    static_assert(sizeof(Instance) == 20);
    static constexpr int kCritical = 1, kEscalated = 2, kSelected = 4, kClosing = 8;
    const MercatorPoint& origin() const { return origin_; }

  private:
    // Instances by incident id in a dense array (swap-removed), its GL buffer, and the slots
    // changed since the last upload: a frame's deltas touch scattered slots, so they go up as
    // short runs, not as one range spanning most of a million instances.
    struct InstanceBuffer {
        VertexArray vao;
        Buffer vbo;
        std::size_t gpu_capacity = 0;  // instances the buffer holds
        std::vector<Instance> instances;
        std::vector<std::uint64_t> slot_ids;  // slot -> incident id
        IdIndex slots;                        // incident id -> slot
        std::vector<std::uint32_t> dirty;     // slots to upload, each once
        std::vector<std::uint8_t> is_dirty;   // by slot

        std::size_t size() const { return instances.size(); }
        std::uint32_t slot_of(std::uint64_t id) const;  // IdIndex::kNone if absent
        Instance* find(std::uint64_t id);
        // Returns the slot.
        std::size_t set(std::uint64_t id, const Instance& instance);
        void remove(std::uint64_t id);
        void clear();
        void mark_dirty(std::size_t slot);
        void upload();
        void draw() const;
    };
    static InstanceBuffer make_buffer_for_instances();
    Instance make_instance(const IncidentView& incident, const Palette& palette, TimeMs now);
    float seconds(TimeMs t) const;
    void set(std::uint64_t id, const Instance& instance);
    void remove(std::uint64_t id);
    void start_fade(std::uint64_t id, const AnimationClock& clock);
    // Keeps the prominent buffer's copy of one instance in step with the main one.
    void follow(std::uint64_t id, const Instance& instance);

    MercatorPoint origin_;
    MarkerTiming timing_;
    Program program_;        // new and selected markers: rings
    Program plain_program_;  // the rest: a disc
    InstanceBuffer all_;
    InstanceBuffer prominent_;   // kCritical or kSelected
    float max_point_size_ = 64;  // the driver's
    // Closed incidents still fading, oldest first.
    struct Fade {
        std::uint64_t id;
        TimeMs ends;
        float gone;  // the instance's `gone` when this fade began
    };
    std::deque<Fade> fading_;
    std::size_t fading_count_ = 0;
    std::optional<std::uint64_t> selected_;
    CaseBandSchedule bands_;  // when a rim changes colour with time alone
    // Instance times are float seconds from this, so recent times keep millisecond precision.
    std::optional<TimeMs> time_base_;
};

}  // namespace citywall::viewer
