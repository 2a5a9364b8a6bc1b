// The heat layer: the density of open incidents, drawn by the GPU in two passes. Pass 1 splats
// every open incident as an additive point sprite into an R16F texture at a quarter of the
// map's resolution, reading the incident layer's own instance buffer; pass 2 maps the density
// through a colour ramp over the map (shaders/heat_*.{vert,frag}; docs/viewer.md, "Heat
// layer"). A frame costs one point per incident and one full-screen triangle, no CPU work.
#pragma once

#include "camera.hpp"
#include "gl_program.hpp"
#include "incident_layer.hpp"

namespace citywall::viewer {

class HeatLayer {
  public:
    static Result<HeatLayer> create(const IncidentLayer& incidents);

    // Draws over whatever is in `framebuffer` (width x height); leaves it bound with the
    // viewport and blending as the map expects them.
    void draw(const Camera& camera, const IncidentLayer& incidents, GLuint framebuffer);

    static constexpr int kDownsample = 4;      // heat texture pixels per map pixel, each way
    static constexpr float kRadiusPx = 28.0f;  // kernel radius, map pixels
    static constexpr float kOpacity = 0.85f;

  private:
    void resize(int width, int height);

    Program splat_, ramp_;
    VertexArray points_, triangle_;
    Texture texture_;
    GlHandle<delete_framebuffer> target_;
    int width_ = 0, height_ = 0;  // of the heat texture
};

}  // namespace citywall::viewer
