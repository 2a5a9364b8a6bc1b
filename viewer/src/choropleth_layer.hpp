// The choropleth: open incidents per area, at the level of the hierarchy the zoom calls for.
// Each level's triangles are uploaded once, every vertex carrying its area's index; the counts
// live in a small float texture indexed by area, and a delta rewrites only the texels of the
// areas whose counts changed. The colour comes from the count in the shader (classes and ramp
// are uniforms), so neither the CPU cost nor the upload of a frame grows with incidents.
#pragma once

#include <array>
#include <vector>

#include "area_counts.hpp"
#include "camera.hpp"
#include "city_areas.hpp"
#include "gl_program.hpp"

namespace citywall::viewer {

// The ramp, lowest class first: viridis (perceptually uniform, colour-blind safe, brightness
// rising with the count, so "more" reads as "brighter" on a dark wall). docs/viewer.md.
const std::array<Rgba, ClassBreaks::kClasses>& choropleth_ramp();

class ChoroplethLayer {
  public:
    static Result<ChoroplethLayer> create(const CityAreas& areas);

    // Pushes the counts that changed to the GPU (only those texels).
    void sync(AreaCounts& counts);
    void draw(const Camera& camera, AreaLevel level, const ClassBreaks& breaks, float opacity,
              std::optional<std::uint32_t> highlighted) const;
    // Just one area, as a translucent white veil: the selected area when markers are shown.
    void draw_selected(const Camera& camera, AreaLevel level, std::uint32_t area) const;
    bool has(AreaLevel level) const {
        return level < levels_.size() && levels_[level].vertices > 0;
    }

  private:
    struct Level {
        MercatorPoint origin;
        VertexArray vao;
        Buffer vbo;
        GLsizei vertices = 0;
        Texture counts;  // R32F, kTextureWidth wide
        std::size_t areas = 0;
    };
    static constexpr int kTextureWidth = 1024;

    Program program_;
    std::vector<Level> levels_;  // by level
};

}  // namespace citywall::viewer
