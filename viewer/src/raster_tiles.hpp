// A raster layer read a tile at a time as the view needs it, so an orthophoto of a whole city
// costs the wall the pixels on its screen, not the file's. The file's pixels form a pyramid:
// level 0 is the file's own, each level above halves them, and the top level (the preview)
// holds the whole raster in at most 1024 pixels a side. The preview is read when the layer is
// opened and is what a zoomed-out wall shows; the levels below it are cut into tiles of 256
// pixels, read on a thread of their own (GDAL takes the matching overview of the file).
// No GL here: map_layers.cpp uploads what this reads.
#pragma once

#include <array>
#include <compare>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "camera.hpp"
#include "map_source.hpp"

namespace citywall::viewer {

struct TileKey {
    int level = 0, col = 0, row = 0;
    auto operator<=>(const TileKey&) const = default;
};

// What one tile reads and where it goes.
struct TileWindow {
    int x = 0, y = 0, width = 0, height = 0;  // file pixels read, a gutter pixel of the level
                                              // beyond the tile on each inner side
    int out_width = 0, out_height = 0;        // the tile's texture
    MercatorBox bounds;                       // what the tile covers on the map
    std::array<float, 4> uv = {0, 0, 1, 1};   // that part of the texture: u, v (north), u, v
};

class RasterPyramid {
  public:
    static constexpr int kTileSide = 256;
    static constexpr int kPreviewSide = 1024;

    RasterPyramid(const MercatorBox& bounds, int width, int height,
                  int preview_side = kPreviewSide);

    int preview_level() const { return preview_level_; }
    TileKey preview() const { return {preview_level_, 0, 0}; }
    double metres_per_pixel(int level) const;
    // The level to draw at a view's scale: the nearest in log scale, so a level's pixels are
    // shown between 0.71 and 1.41 times their size (as web map tiles are between zoom levels),
    // within [0, preview level].
    int level_for(double view_metres_per_pixel) const;
    // The tiles of `level` that `view` overlaps, the nearest its centre first; the preview
    // alone at the preview level.
    std::vector<TileKey> tiles_in(const MercatorBox& view, int level) const;
    TileWindow window(const TileKey& key) const;

  private:
    MercatorBox bounds_;
    int width_ = 0, height_ = 0;
    int preview_level_ = 0;
};

struct RasterTile {
    TileKey key;
    TileWindow window;
    std::vector<std::uint8_t> rgba;  // out_width x out_height, rows north to south
    std::string error;               // set when the read failed; then no pixels
};

// Reads tiles of one file on a thread of its own; the file goes with it. It reads ahead of
// take() by at most kReadAhead tiles, so a wall that uploads a few a frame holds no more.
class RasterTileReader {
  public:
    static constexpr std::size_t kReadAhead = 16;

    RasterTileReader(RasterFile file, const RasterPyramid& pyramid);
    ~RasterTileReader();
    RasterTileReader(const RasterTileReader&) = delete;
    RasterTileReader& operator=(const RasterTileReader&) = delete;

    // Replaces what still waits to be read with `keys`, in the order given, less those being
    // read or read and not yet taken. A tile being read is finished.
    void want(std::vector<TileKey> keys);
    // Up to `max` tiles read since the last call, oldest first.
    std::vector<RasterTile> take(std::size_t max);
    // Nothing waits, nothing is being read, nothing read is left untaken.
    bool idle() const;
    // Tiles read and not yet taken.
    std::size_t ready() const;

  private:
    void run();

    RasterFile file_;
    RasterPyramid pyramid_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<TileKey> queue_;
    std::vector<RasterTile> done_;
    std::optional<TileKey> reading_;
    bool stop_ = false;
    std::thread thread_;  // last: starts once everything above exists
};

// Reads one tile (or the preview) on the calling thread.
RasterTile read_tile(const RasterFile& file, const RasterPyramid& pyramid, const TileKey& key);

// A raster layer's file, opened, with its preview read: what a layer needs to start.
struct OpenedRaster {
    RasterFile file;
    RasterPyramid pyramid;
    RasterTile preview;
};
Result<OpenedRaster> open_raster(const std::filesystem::path& source,
                                 int preview_side = RasterPyramid::kPreviewSide);

}  // namespace citywall::viewer
