// Map layers on the GPU: vector layers (fill triangles + wide outline segments) and raster
// layers (a preview, and the tiles of the view as they are read: raster_tiles.hpp), drawn
// bottom to top in the order of the config.
#pragma once

#include <memory>
#include <vector>

#include "camera.hpp"
#include "citywall/road_graph.hpp"
#include "gl_program.hpp"
#include "map_source.hpp"
#include "raster_tiles.hpp"
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
    // Uploads what load_vector_layer read; needs the GL context.
    static MapLayer from_vector(LayerStyle style, VectorGeometry geometry);
    // Uploads the preview and starts the layer's tile reader; needs the GL context.
    static MapLayer from_raster(LayerStyle style, OpenedRaster raster);

    MapLayer();
    ~MapLayer();
    MapLayer(MapLayer&&) noexcept;
    MapLayer& operator=(MapLayer&&) noexcept;

    // Once a frame, before drawing. A raster layer uploads a few of the tiles read since the
    // last frame, asks for those `camera` shows that it lacks, and lets go of the longest
    // unused ones beyond its budget.
    void update(const Camera& camera);
    // Changes whenever update() uploaded a tile, so a cached picture of the map is redrawn.
    std::uint64_t revision() const;
    // Every tile the last update()'s view needs is on the GPU, or could not be read.
    bool complete() const;

    // `stencil_ref` is unique per layer within a frame (see line.vert).
    void draw(const Camera& camera, const MapPrograms& programs, int stencil_ref) const;

    LayerStyle& style() { return style_; }
    const LayerStyle& style() const { return style_; }
    const MercatorBox& bounds() const { return bounds_; }
    const std::vector<MapLabel>& labels() const { return labels_; }

  private:
    MapTransform transform_for(const Camera& camera) const;

    LayerStyle style_;
    MercatorBox bounds_;
    MercatorPoint origin_;
    std::vector<MapLabel> labels_;
    // vector
    VertexArray fill_vao_;
    Buffer fill_vbo_;
    GLsizei fill_vertices_ = 0;
    VertexArray line_vao_;
    Buffer line_vbo_;
    GLsizei segments_ = 0;
    // raster
    struct Raster;
    std::unique_ptr<Raster> raster_;
    void draw_raster(const Camera& camera, const MapPrograms& programs, int stencil_ref) const;
};

// Reads every layer of the config (vector layers in parallel: GEOS triangulation of a city's
// grids takes a while), then uploads them in order. A layer that fails is reported and left out.
// The layer that is the road network (LayerStyle::road_network) is also made into `roads`.
std::vector<MapLayer> load_map_layers(const std::vector<LayerStyle>& styles,
                                      std::vector<std::string>& errors, RoadGraph* roads = nullptr);

// A wider box of everything: the first vector layer's bounds, or any layer's.
MercatorBox initial_extent(const std::vector<MapLayer>& layers);

}  // namespace citywall::viewer
