// Reading map layers with GDAL into GPU-ready arrays: vector layers once at start-up,
// reprojected to Web Mercator, polygons triangulated (GEOS constrained Delaunay), rings and
// lines cut into segments; rasters warped to Web Mercator if needed and read a window at a time.
// All coordinates come out as float metres relative to a double-precision origin.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "camera.hpp"
#include "citywall/placement.hpp"
#include "citywall/result.hpp"
#include "viewer_config.hpp"

namespace citywall::viewer {

// One straight piece of an outline or line; `distance` is metres along its line to `from`,
// so dashes run on across vertices.
struct LineSegment {
    float from_x, from_y, to_x, to_y, distance;
};

// A feature's label, anchored at a point inside it.
struct MapLabel {
    MercatorPoint at;
    std::string text;
    double extent_m = 0;  // the feature's width: the label shows once it fits inside
};

struct VectorGeometry {
    MercatorPoint origin;
    MercatorBox bounds;
    std::vector<float> fill_triangles;  // x, y pairs; three vertices per triangle
    std::vector<LineSegment> segments;
    std::vector<MapLabel> labels;
    std::size_t features = 0;
    std::size_t skipped = 0;  // features whose geometry could not be read or triangulated
};

// A raster file, warped to Web Mercator if it is in another CRS, whose pixels are read a
// window at a time (raster_tiles.hpp reads it tile by tile). Not for two threads at once.
class RasterFile {
  public:
    static Result<RasterFile> open(const std::filesystem::path& source);
    RasterFile(RasterFile&&) noexcept;
    RasterFile& operator=(RasterFile&&) noexcept;
    ~RasterFile();

    const MercatorBox& bounds() const { return bounds_; }
    int width() const { return width_; }  // pixels
    int height() const { return height_; }

    // The pixels in [x, x + w) x [y, y + h), rows north to south, resampled to out_w x out_h
    // RGBA (GDAL takes a smaller size from the file's overviews, averaging). Grey is copied into
    // G and B; alpha is the alpha band, or else the mask (nodata, outside a warped image).
    // io: GDAL could not read the pixels (a file cut short, a failing disk).
    Result<void> read(int x, int y, int w, int h, int out_w, int out_h, std::uint8_t* rgba) const;

  private:
    RasterFile();
    struct Handles;
    std::unique_ptr<Handles> handles_;
    std::filesystem::path source_;
    MercatorBox bounds_;
    int width_ = 0, height_ = 0;
};

// Areas (core's MapArea, lon/lat) as fill triangles whose vertices carry their area's index,
// so one draw call colours every area from a per-area table. Also each area's box and a point
// inside it (for counts and zoom-to), in Web Mercator.
struct AreaVertex {
    float x, y;  // metres relative to origin
    float area;  // index into the areas given
};
struct AreaMesh {
    MercatorPoint origin;
    std::vector<AreaVertex> vertices;
    std::vector<MercatorBox> boxes;
    std::vector<MercatorPoint> anchors;
    std::size_t skipped = 0;  // areas that could not be triangulated
};
AreaMesh triangulate_areas(const std::vector<MapArea>& areas, bool with_triangles);

// Registers GDAL drivers; call once before loading.
void init_gdal();
Result<VectorGeometry> load_vector_layer(const LayerStyle& style);

}  // namespace citywall::viewer
