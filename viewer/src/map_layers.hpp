// Map layers on the GPU: vector layers (fill triangles + wide outline segments) and raster
// layers (one textured quad), drawn bottom to top in the order of the config.
#pragma once

#include <memory>
#include <vector>

#include "camera.hpp"
#include "gl_program.hpp"
#include "map_source.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

class MapPrograms {
  public:
    static Result<MapPrograms> build();
    const Program& fill() const { return fill_; }
    const Program& line() const { return line_; }
    const Program& raster() const { return raster_; }

  private:
    Program fill_, line_, raster_;
};

class MapLayer {
  public:
    // Uploads what load_vector_layer/load_raster_layer read; needs the GL context.
    static MapLayer from_vector(LayerStyle style, VectorGeometry geometry);
    static MapLayer from_raster(LayerStyle style, const RasterImage& image);

    // `stencil_ref` is unique per layer within a frame (see line.vert).
    void draw(const Camera& camera, const MapPrograms& programs, int stencil_ref) const;

    LayerStyle& style() { return style_; }
    const LayerStyle& style() const { return style_; }
    const MercatorBox& bounds() const { return bounds_; }
    const std::vector<MapLabel>& labels() const { return labels_; }
    std::size_t feature_count() const { return features_; }

  private:
    MapTransform transform_for(const Camera& camera) const;

    LayerStyle style_;
    MercatorBox bounds_;
    MercatorPoint origin_;
    std::size_t features_ = 0;
    std::vector<MapLabel> labels_;
    // vector
    VertexArray fill_vao_;
    Buffer fill_vbo_;
    GLsizei fill_vertices_ = 0;
    VertexArray line_vao_;
    Buffer line_vbo_;
    GLsizei segments_ = 0;
    // raster: the quad's corners come from gl_VertexID, but a VAO must still be bound
    VertexArray raster_vao_;
    Texture texture_;
    std::array<float, 4> raster_bounds_ = {};
};

// Reads every layer of the config (vector layers in parallel: GEOS triangulation of a city's
// grids takes a while), then uploads them in order. A layer that fails is reported and left out.
std::vector<MapLayer> load_map_layers(const std::vector<LayerStyle>& styles,
                                      std::vector<std::string>& errors);

// A wider box of everything: the first vector layer's bounds, or any layer's.
MercatorBox initial_extent(const std::vector<MapLayer>& layers);

}  // namespace citywall::viewer
