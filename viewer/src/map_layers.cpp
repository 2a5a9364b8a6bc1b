#include "map_layers.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <future>
#include <map>
#include <set>

#include "citywall/embedded_assets.hpp"

namespace citywall::viewer {

Result<MapPrograms> MapPrograms::build() {
    using embedded::area_fill_frag, embedded::area_fill_vert, embedded::line_frag,
        embedded::line_vert, embedded::raster_frag, embedded::raster_vert;
    MapPrograms programs;
    auto fill = Program::build("area_fill", area_fill_vert, area_fill_frag);
    if (!fill) return fill.error_value();
    auto line = Program::build("line", line_vert, line_frag);
    if (!line) return line.error_value();
    auto raster = Program::build("raster", raster_vert, raster_frag);
    if (!raster) return raster.error_value();
    programs.fill_ = std::move(*fill);
    programs.line_ = std::move(*line);
    programs.raster_ = std::move(*raster);
    return programs;
}

MapLayer MapLayer::from_vector(LayerStyle style, VectorGeometry geometry) {
    MapLayer layer;
    layer.style_ = std::move(style);
    layer.bounds_ = geometry.bounds;
    layer.origin_ = geometry.origin;
    layer.labels_ = std::move(geometry.labels);

    if (layer.style_.fill && !geometry.fill_triangles.empty()) {
        layer.fill_vao_ = make_vertex_array();
        layer.fill_vbo_ = make_buffer();
        glBindVertexArray(layer.fill_vao_.get());
        glBindBuffer(GL_ARRAY_BUFFER, layer.fill_vbo_.get());
        glBufferData(GL_ARRAY_BUFFER,
                     static_cast<GLsizeiptr>(geometry.fill_triangles.size() * sizeof(float)),
                     geometry.fill_triangles.data(), GL_STATIC_DRAW);
        note_gpu_bytes(GpuObject::buffer, layer.fill_vbo_.get(),
                       geometry.fill_triangles.size() * sizeof(float));
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 2 * sizeof(float), buffer_offset(0));
        layer.fill_vertices_ = static_cast<GLsizei>(geometry.fill_triangles.size() / 2);
    }
    if (layer.style_.outline && !geometry.segments.empty()) {
        layer.line_vao_ = make_vertex_array();
        layer.line_vbo_ = make_buffer();
        glBindVertexArray(layer.line_vao_.get());
        glBindBuffer(GL_ARRAY_BUFFER, layer.line_vbo_.get());
        glBufferData(GL_ARRAY_BUFFER,
                     static_cast<GLsizeiptr>(geometry.segments.size() * sizeof(LineSegment)),
                     geometry.segments.data(), GL_STATIC_DRAW);
        note_gpu_bytes(GpuObject::buffer, layer.line_vbo_.get(),
                       geometry.segments.size() * sizeof(LineSegment));
        constexpr auto stride = static_cast<GLsizei>(sizeof(LineSegment));
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride,
                              buffer_offset(offsetof(LineSegment, from_x)));
        glVertexAttribDivisor(0, 1);
        glEnableVertexAttribArray(1);
        glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, stride,
                              buffer_offset(offsetof(LineSegment, to_x)));
        glVertexAttribDivisor(1, 1);
        glEnableVertexAttribArray(2);
        glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride,
                              buffer_offset(offsetof(LineSegment, distance)));
        glVertexAttribDivisor(2, 1);
        layer.segments_ = static_cast<GLsizei>(geometry.segments.size());
    }
    glBindVertexArray(0);
    return layer;
}

// ========================================================================= raster tiles ====

namespace {

// A few tiles a frame: uploading one (256 KiB and its mipmaps) costs llvmpipe about a
// millisecond, and a pan should not stall the frame that starts it.
constexpr std::size_t kUploadsPerFrame = 8;
// Tiles beyond the view's are kept, the longest unused let go first, while a layer's tiles take
// less than this; the view's own tiles are always kept, whatever they take.
constexpr std::size_t kTileBudgetBytes = std::size_t{32} << 20;

struct TileTexture {
    Texture texture;
    std::array<float, 4> bounds = {};  // metres relative to the layer origin
    std::array<float, 4> uv = {};
    std::size_t bytes = 0;
    std::uint64_t used = 0;  // the frame that last showed it
};

TileTexture upload_tile(const RasterTile& tile, MercatorPoint origin) {
    const TileWindow& w = tile.window;
    TileTexture t;
    t.bounds = {static_cast<float>(w.bounds.min_x - origin.x),
                static_cast<float>(w.bounds.min_y - origin.y),
                static_cast<float>(w.bounds.max_x - origin.x),
                static_cast<float>(w.bounds.max_y - origin.y)};
    t.uv = w.uv;
    t.texture = make_texture();
    glBindTexture(GL_TEXTURE_2D, t.texture.get());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w.out_width, w.out_height, 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, tile.rgba.data());
    glGenerateMipmap(GL_TEXTURE_2D);
    t.bytes = tile.rgba.size() * 4 / 3;  // with its mipmaps: a third more
    note_gpu_bytes(GpuObject::texture, t.texture.get(), t.bytes);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
    return t;
}

bool overlaps(const std::array<float, 4>& a, const std::array<float, 4>& b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

}  // namespace

struct MapLayer::Raster {
    Raster(OpenedRaster& opened)
        : pyramid(opened.pyramid), reader(std::move(opened.file), opened.pyramid) {}

    RasterPyramid pyramid;
    RasterTileReader reader;
    VertexArray vao;  // the quad's corners come from gl_VertexID, but a VAO must be bound
    TileTexture preview;
    std::map<TileKey, TileTexture> tiles;  // below the preview level
    std::set<TileKey> failed;
    std::vector<TileKey> asked;       // what the reader was last told to read
    int level = 0;                    // the level the last view is drawn at
    std::array<double, 5> view = {};  // centre, scale and size of the last view worked out
    std::size_t bytes = 0;            // of `tiles`
    std::uint64_t frame = 0;
    std::uint64_t revision = 0;
    bool complete = true;
};

MapLayer::MapLayer() = default;
MapLayer::~MapLayer() = default;
MapLayer::MapLayer(MapLayer&&) noexcept = default;
MapLayer& MapLayer::operator=(MapLayer&&) noexcept = default;

MapLayer MapLayer::from_raster(LayerStyle style, OpenedRaster raster) {
    MapLayer layer;
    layer.style_ = std::move(style);
    layer.bounds_ = raster.preview.window.bounds;
    layer.origin_ = layer.bounds_.center();
    layer.raster_ = std::make_unique<Raster>(raster);
    layer.raster_->preview = upload_tile(raster.preview, layer.origin_);
    layer.raster_->level = layer.raster_->pyramid.preview_level();
    layer.raster_->vao = make_vertex_array();  // core profile draws nothing without a VAO
    return layer;
}

void MapLayer::update(const Camera& camera) {
    if (!raster_) return;
    Raster& r = *raster_;
    std::vector<RasterTile> read = r.reader.take(kUploadsPerFrame);
    const bool shown = style_.shown_at(camera.metres_per_pixel) && style_.opacity > 0;
    const std::array<double, 5> view = {
        camera.center.x, camera.center.y, shown ? camera.metres_per_pixel : 0.0,
        static_cast<double>(camera.width), static_cast<double>(camera.height)};
    // A still wall with nothing new read: the same tiles wanted, nothing to let go.
    if (read.empty() && view == r.view && r.frame > 0) return;
    r.view = view;
    ++r.frame;
    for (RasterTile& tile : read) {
        if (!tile.error.empty()) {
            // Once a tile, and it is not asked for again: a broken file stays broken.
            if (r.failed.insert(tile.key).second) {
                std::fprintf(stderr,
                             "citywall-viewer: layer '%s': tile %d/%d/%d not read (%zu so "
                             "far): %s\n",
                             style_.name.c_str(), tile.key.level, tile.key.col, tile.key.row,
                             r.failed.size(), tile.error.c_str());
            }
            continue;
        }
        TileTexture& slot = r.tiles[tile.key];
        r.bytes -= slot.bytes;
        slot = upload_tile(tile, origin_);
        slot.used = r.frame;
        r.bytes += slot.bytes;
        ++r.revision;
    }

    std::vector<TileKey> wanted;
    r.level = r.pyramid.preview_level();
    if (shown) {
        r.level = r.pyramid.level_for(camera.metres_per_pixel);
        if (r.level < r.pyramid.preview_level()) {
            for (const TileKey& key : r.pyramid.tiles_in(camera.visible(), r.level)) {
                if (auto it = r.tiles.find(key); it != r.tiles.end()) {
                    it->second.used = r.frame;
                } else if (!r.failed.contains(key)) {
                    wanted.push_back(key);
                }
            }
        }
    }
    r.complete = wanted.empty();
    if (wanted != r.asked) {
        r.asked = wanted;
        r.reader.want(std::move(wanted));
    }

    if (r.bytes > kTileBudgetBytes) {
        std::vector<std::pair<std::uint64_t, TileKey>> unused;
        for (const auto& [key, tile] : r.tiles) {
            if (tile.used != r.frame) unused.emplace_back(tile.used, key);
        }
        std::sort(unused.begin(), unused.end());
        for (const auto& [used, key] : unused) {
            if (r.bytes <= kTileBudgetBytes) break;
            auto it = r.tiles.find(key);
            r.bytes -= it->second.bytes;
            r.tiles.erase(it);
        }
    }
}

std::uint64_t MapLayer::revision() const {
    return raster_ ? raster_->revision : 0;
}

bool MapLayer::complete() const {
    return !raster_ || raster_->complete;
}

void MapLayer::draw_raster(const Camera& camera, const MapPrograms& programs,
                           int stencil_ref) const {
    const Raster& r = *raster_;
    const Program& program = programs.raster();
    program.use();
    set_map_transform(program, transform_for(camera));
    glUniform1f(program.uniform("u_opacity"), style_.opacity);
    glUniform1i(program.uniform("u_image"), 0);
    const GLint bounds = program.uniform("u_bounds");
    const GLint uv = program.uniform("u_uv");
    glActiveTexture(GL_TEXTURE0);
    glBindVertexArray(r.vao.get());
    const auto draw = [&](const TileTexture& tile) {
        glUniform4fv(bounds, 1, tile.bounds.data());
        glUniform4fv(uv, 1, tile.uv.data());
        glBindTexture(GL_TEXTURE_2D, tile.texture.get());
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    };
    // The finest tiles first, each pixel taking the first that covers it: where the view's
    // level is not read yet, a coarser tile or the preview shows through, and a translucent
    // layer is blended once, not once per level.
    glEnable(GL_STENCIL_TEST);
    glStencilFunc(GL_NOTEQUAL, stencil_ref, 0xff);
    glStencilOp(GL_KEEP, GL_KEEP, GL_REPLACE);
    const MercatorBox view = camera.visible();
    const std::array<float, 4> seen = {
        static_cast<float>(view.min_x - origin_.x), static_cast<float>(view.min_y - origin_.y),
        static_cast<float>(view.max_x - origin_.x), static_cast<float>(view.max_y - origin_.y)};
    for (auto it = r.tiles.lower_bound({r.level, 0, 0}); it != r.tiles.end(); ++it) {
        if (overlaps(it->second.bounds, seen)) draw(it->second);
    }
    draw(r.preview);
    glDisable(GL_STENCIL_TEST);
    glBindVertexArray(0);
    glBindTexture(GL_TEXTURE_2D, 0);
}

MapTransform MapLayer::transform_for(const Camera& camera) const {
    return {camera.origin_offset_px(origin_),
            static_cast<float>(1.0 / camera.metres_per_pixel),
            {camera.width / 2.0f, camera.height / 2.0f}};
}

void MapLayer::draw(const Camera& camera, const MapPrograms& programs, int stencil_ref) const {
    if (!style_.shown_at(camera.metres_per_pixel) || style_.opacity <= 0) return;
    if (raster_) {
        draw_raster(camera, programs, stencil_ref);
        return;
    }
    const MapTransform transform = transform_for(camera);
    if (fill_vertices_ > 0) {
        const Rgba color = style_.fill->with_alpha(style_.fill->a * style_.opacity);
        programs.fill().use();
        set_map_transform(programs.fill(), transform);
        glUniform4fv(programs.fill().uniform("u_color"), 1, color.array().data());
        glBindVertexArray(fill_vao_.get());
        glDrawArrays(GL_TRIANGLES, 0, fill_vertices_);
    }
    if (segments_ > 0 && style_.outline_width > 0) {
        const Rgba color = style_.outline->with_alpha(style_.outline->a * style_.opacity);
        programs.line().use();
        set_map_transform(programs.line(), transform);
        glUniform4fv(programs.line().uniform("u_color"), 1, color.array().data());
        glUniform1f(programs.line().uniform("u_width"), style_.outline_width);
        glUniform2f(programs.line().uniform("u_dash"), style_.dash[0], style_.dash[1]);
        // Each pixel takes this layer's colour once, however many segment caps overlap on it.
        glEnable(GL_STENCIL_TEST);
        glStencilFunc(GL_NOTEQUAL, stencil_ref, 0xff);
        glStencilOp(GL_KEEP, GL_KEEP, GL_REPLACE);
        glBindVertexArray(line_vao_.get());
        glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, segments_);
        glDisable(GL_STENCIL_TEST);
    }
    glBindVertexArray(0);
}

std::vector<MapLayer> load_map_layers(const std::vector<LayerStyle>& styles,
                                      std::vector<std::string>& errors, RoadGraph* roads) {
    std::vector<std::future<Result<VectorGeometry>>> vectors;
    std::vector<std::future<Result<OpenedRaster>>> rasters;
    for (const LayerStyle& style : styles) {
        if (style.kind == LayerKind::vector) {
            vectors.push_back(std::async(std::launch::async, load_vector_layer, style));
        } else {
            rasters.push_back(std::async(std::launch::async,
                                         [source = style.source] { return open_raster(source); }));
        }
    }
    std::vector<MapLayer> layers;
    std::size_t next_vector = 0, next_raster = 0;
    for (const LayerStyle& style : styles) {
        if (style.kind == LayerKind::vector) {
            auto geometry = vectors[next_vector++].get();
            if (!geometry) {
                errors.push_back("layer '" + style.name + "': " + geometry.error());
                continue;
            }
            if (geometry->skipped > 0) {
                errors.push_back(
                    "layer '" + style.name + "': " + std::to_string(geometry->skipped) + " of " +
                    std::to_string(geometry->features) + " features could not be drawn");
            }
            if (roads && style.road_network) {
                std::vector<RoadGraph::Piece> pieces;
                pieces.reserve(geometry->segments.size());
                const MercatorPoint o = geometry->origin;
                for (const LineSegment& s : geometry->segments)
                    pieces.push_back(
                        {{o.x + s.from_x, o.y + s.from_y}, {o.x + s.to_x, o.y + s.to_y}});
                *roads = RoadGraph::build(pieces, *style.road_network);
                if (roads->empty())
                    errors.push_back("layer '" + style.name +
                                     "': no lines to route along; units are proposed by straight "
                                     "line");
            }
            layers.push_back(MapLayer::from_vector(style, std::move(*geometry)));
        } else {
            auto raster = rasters[next_raster++].get();
            if (!raster) {
                errors.push_back("layer '" + style.name + "': " + raster.error());
                continue;
            }
            layers.push_back(MapLayer::from_raster(style, std::move(*raster)));
        }
    }
    return layers;
}

MercatorBox initial_extent(const std::vector<MapLayer>& layers) {
    for (const MapLayer& layer : layers) {
        if (layer.style().kind == LayerKind::vector && !layer.bounds().empty()) {
            return layer.bounds();
        }
    }
    MercatorBox box;
    for (const MapLayer& layer : layers)
        box.expand(layer.bounds());
    return box;
}

}  // namespace citywall::viewer
