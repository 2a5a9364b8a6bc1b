// Live incidents as instanced markers: one buffer of per-instance attributes, one draw call.
// A delta touches only the instances of the ids it changed; closed incidents are swap-removed.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "camera.hpp"
#include "citywall/picture.hpp"
#include "gl_program.hpp"
#include "palette.hpp"

namespace citywall::viewer {

class IncidentLayer {
  public:
    // Marker positions are stored relative to `origin` (float precision near the city).
    static Result<IncidentLayer> create(MercatorPoint origin);

    // Rebuilds every instance from the picture (after a snapshot replaced it).
    void rebuild(const CityPicture& picture, const Palette& palette);
    // Updates the instances of `changed` ids: new, moved, restyled, or gone.
    void update(const CityPicture& picture, const std::vector<std::uint64_t>& changed,
                const Palette& palette);
    void draw(const Camera& camera, const Palette& palette);

    std::size_t size() const { return instances_.size(); }

  private:
    struct Instance {
        float x, y;            // metres relative to origin_
        std::uint8_t rgba[4];  // straight alpha
        float size;            // diameter, pixels
        float flags;           // 1 = critical, 2 = escalated
    };
    static_assert(sizeof(Instance) == 20);

    Instance make_instance(const Incident& incident, const Palette& palette) const;
    void set(std::uint64_t id, const Instance& instance);
    void remove(std::uint64_t id);
    void mark_dirty(std::size_t slot);
    void upload();

    MercatorPoint origin_;
    Program program_;
    VertexArray vao_;
    Buffer vbo_;
    std::size_t gpu_capacity_ = 0;  // instances the buffer holds
    std::vector<Instance> instances_;
    std::vector<std::uint64_t> slot_ids_;                   // slot -> incident id
    std::unordered_map<std::uint64_t, std::size_t> slots_;  // incident id -> slot
    std::size_t dirty_begin_ = 0, dirty_end_ = 0;           // slots to upload, [begin, end)
};

}  // namespace citywall::viewer
