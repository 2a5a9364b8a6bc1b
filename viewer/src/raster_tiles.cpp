#include "raster_tiles.hpp"

#include <algorithm>
#include <cmath>

namespace citywall::viewer {

// ========================================================================== the pyramid ====

RasterPyramid::RasterPyramid(const MercatorBox& bounds, int width, int height, int preview_side)
    : bounds_(bounds), width_(std::max(1, width)), height_(std::max(1, height)) {
    const int side = std::max(width_, height_);
    while (preview_level_ < 30 &&
           (side + (1 << preview_level_) - 1) >> preview_level_ > std::max(1, preview_side)) {
        ++preview_level_;
    }
}

double RasterPyramid::metres_per_pixel(int level) const {
    return (bounds_.max_x - bounds_.min_x) / width_ * std::ldexp(1.0, level);
}

int RasterPyramid::level_for(double view_metres_per_pixel) const {
    const double ratio = view_metres_per_pixel / metres_per_pixel(0);
    if (!(ratio > 0) || !std::isfinite(ratio)) return ratio > 0 ? preview_level_ : 0;
    const int level = static_cast<int>(std::lround(std::log2(ratio)));
    return std::clamp(level, 0, preview_level_);
}

std::vector<TileKey> RasterPyramid::tiles_in(const MercatorBox& view, int level) const {
    const double min_x = std::max(view.min_x, bounds_.min_x);
    const double max_x = std::min(view.max_x, bounds_.max_x);
    const double min_y = std::max(view.min_y, bounds_.min_y);
    const double max_y = std::min(view.max_y, bounds_.max_y);
    if (!(max_x > min_x && max_y > min_y)) return {};
    if (level >= preview_level_) return {preview()};
    level = std::max(0, level);

    // In file pixels: x from the west edge, y from the north edge.
    const double per_x = width_ / (bounds_.max_x - bounds_.min_x);
    const double per_y = height_ / (bounds_.max_y - bounds_.min_y);
    const double span = static_cast<double>(kTileSide) * std::ldexp(1.0, level);
    const int cols = static_cast<int>(std::ceil(width_ / span));
    const int rows = static_cast<int>(std::ceil(height_ / span));
    const auto tile_of = [&](double pixel, int count) {
        return std::clamp(static_cast<int>(std::floor(pixel / span)), 0, count - 1);
    };
    const int col0 = tile_of((min_x - bounds_.min_x) * per_x, cols);
    const int col1 = tile_of((max_x - bounds_.min_x) * per_x, cols);
    const int row0 = tile_of((bounds_.max_y - max_y) * per_y, rows);
    const int row1 = tile_of((bounds_.max_y - min_y) * per_y, rows);

    std::vector<TileKey> keys;
    keys.reserve(static_cast<std::size_t>(col1 - col0 + 1) * (row1 - row0 + 1));
    for (int row = row0; row <= row1; ++row) {
        for (int col = col0; col <= col1; ++col)
            keys.push_back({level, col, row});
    }
    const MercatorPoint c = view.center();
    const double cx = (c.x - bounds_.min_x) * per_x / span;
    const double cy = (bounds_.max_y - c.y) * per_y / span;
    const auto distance = [&](const TileKey& k) {
        return std::hypot(k.col + 0.5 - cx, k.row + 0.5 - cy);
    };
    std::stable_sort(keys.begin(), keys.end(),
                     [&](const TileKey& a, const TileKey& b) { return distance(a) < distance(b); });
    return keys;
}

TileWindow RasterPyramid::window(const TileKey& key) const {
    TileWindow w;
    if (key.level >= preview_level_) {
        const int step = 1 << preview_level_;
        w.width = width_;
        w.height = height_;
        w.out_width = std::max(1, (width_ + step - 1) / step);
        w.out_height = std::max(1, (height_ + step - 1) / step);
        w.bounds = bounds_;
        return w;
    }
    const int level = std::max(0, key.level);
    const int step = 1 << level;
    const int span = kTileSide << level;
    // The tile, then one pixel of the level more on each side that has a neighbour, so linear
    // filtering at a tile's edge blends with the next tile's pixels rather than clamping.
    const int x0 = std::min(width_, key.col * span), x1 = std::min(width_, x0 + span);
    const int y0 = std::min(height_, key.row * span), y1 = std::min(height_, y0 + span);
    const int gx0 = std::max(0, x0 - step), gx1 = std::min(width_, x1 + step);
    const int gy0 = std::max(0, y0 - step), gy1 = std::min(height_, y1 + step);
    w.x = gx0;
    w.y = gy0;
    w.width = std::max(1, gx1 - gx0);
    w.height = std::max(1, gy1 - gy0);
    w.out_width = std::max(1, (w.width + step - 1) / step);
    w.out_height = std::max(1, (w.height + step - 1) / step);
    w.uv = {static_cast<float>(x0 - gx0) / w.width, static_cast<float>(y0 - gy0) / w.height,
            static_cast<float>(x1 - gx0) / w.width, static_cast<float>(y1 - gy0) / w.height};
    const double metres_x = (bounds_.max_x - bounds_.min_x) / width_;
    const double metres_y = (bounds_.max_y - bounds_.min_y) / height_;
    w.bounds = {bounds_.min_x + x0 * metres_x, bounds_.max_y - y1 * metres_y,
                bounds_.min_x + x1 * metres_x, bounds_.max_y - y0 * metres_y};
    return w;
}

// ============================================================================ reading ====

RasterTile read_tile(const RasterFile& file, const RasterPyramid& pyramid, const TileKey& key) {
    RasterTile tile;
    tile.key = key;
    tile.window = pyramid.window(key);
    const TileWindow& w = tile.window;
    tile.rgba.resize(static_cast<std::size_t>(w.out_width) * w.out_height * 4);
    if (auto read =
            file.read(w.x, w.y, w.width, w.height, w.out_width, w.out_height, tile.rgba.data());
        !read) {
        tile.error = read.error();
        tile.rgba = {};
    }
    return tile;
}

Result<OpenedRaster> open_raster(const std::filesystem::path& source, int preview_side) {
    auto file = RasterFile::open(source);
    if (!file) return file.error_value();
    RasterPyramid pyramid(file->bounds(), file->width(), file->height(), preview_side);
    RasterTile preview = read_tile(*file, pyramid, pyramid.preview());
    // A tile keeps only the message of RasterFile::read's failure, which is io.
    if (!preview.error.empty()) return Result<OpenedRaster>::failure(ErrorKind::io, preview.error);
    return OpenedRaster{std::move(*file), pyramid, std::move(preview)};
}

RasterTileReader::RasterTileReader(RasterFile file, const RasterPyramid& pyramid)
    : file_(std::move(file)), pyramid_(pyramid), thread_([this] { run(); }) {}

RasterTileReader::~RasterTileReader() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void RasterTileReader::want(std::vector<TileKey> keys) {
    {
        std::lock_guard lock(mutex_);
        std::erase_if(keys, [this](const TileKey& key) {
            return key == reading_ ||
                   std::any_of(done_.begin(), done_.end(),
                               [&](const RasterTile& t) { return t.key == key; });
        });
        queue_.assign(keys.begin(), keys.end());
    }
    wake_.notify_all();
}

std::vector<RasterTile> RasterTileReader::take(std::size_t max) {
    std::lock_guard lock(mutex_);
    const std::size_t n = std::min(max, done_.size());
    std::vector<RasterTile> taken(std::make_move_iterator(done_.begin()),
                                  std::make_move_iterator(done_.begin() + n));
    done_.erase(done_.begin(), done_.begin() + n);
    if (n > 0) wake_.notify_all();  // room to read ahead again
    return taken;
}

bool RasterTileReader::idle() const {
    std::lock_guard lock(mutex_);
    return queue_.empty() && !reading_ && done_.empty();
}

std::size_t RasterTileReader::ready() const {
    std::lock_guard lock(mutex_);
    return done_.size();
}

void RasterTileReader::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock,
                   [this] { return stop_ || (!queue_.empty() && done_.size() < kReadAhead); });
        if (stop_) return;
        const TileKey key = queue_.front();
        queue_.pop_front();
        reading_ = key;
        lock.unlock();
        RasterTile tile = read_tile(file_, pyramid_, key);
        lock.lock();
        reading_.reset();
        done_.push_back(std::move(tile));
    }
}

}  // namespace citywall::viewer
