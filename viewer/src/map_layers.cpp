#include "map_layers.hpp"

#include <future>

#include "citywall/embedded_assets.hpp"

namespace citywall::viewer {

Result<MapPrograms> MapPrograms::build() {
    using embedded::area_fill_frag, embedded::area_fill_vert, embedded::line_frag,
        embedded::line_vert, embedded::raster_frag, embedded::raster_vert;
    MapPrograms programs;
    auto fill = Program::build("area_fill", area_fill_vert, area_fill_frag);
    if (!fill) return Result<MapPrograms>::failure(fill.error());
    auto line = Program::build("line", line_vert, line_frag);
    if (!line) return Result<MapPrograms>::failure(line.error());
    auto raster = Program::build("raster", raster_vert, raster_frag);
    if (!raster) return Result<MapPrograms>::failure(raster.error());
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
    layer.features_ = geometry.features;
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

MapLayer MapLayer::from_raster(LayerStyle style, const RasterImage& image) {
    MapLayer layer;
    layer.style_ = std::move(style);
    layer.bounds_ = image.bounds;
    layer.origin_ = image.bounds.center();
    layer.raster_bounds_ = {static_cast<float>(image.bounds.min_x - layer.origin_.x),
                            static_cast<float>(image.bounds.min_y - layer.origin_.y),
                            static_cast<float>(image.bounds.max_x - layer.origin_.x),
                            static_cast<float>(image.bounds.max_y - layer.origin_.y)};
    layer.raster_vao_ = make_vertex_array();  // core profile draws nothing without a VAO
    layer.texture_ = make_texture();
    glBindTexture(GL_TEXTURE_2D, layer.texture_.get());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, image.width, image.height, 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, image.rgba.data());
    glGenerateMipmap(GL_TEXTURE_2D);
    // With its mipmaps: a third more.
    note_gpu_bytes(GpuObject::texture, layer.texture_.get(), image.rgba.size() * 4 / 3);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
    return layer;
}

MapTransform MapLayer::transform_for(const Camera& camera) const {
    return {camera.origin_offset_px(origin_),
            static_cast<float>(1.0 / camera.metres_per_pixel),
            {camera.width / 2.0f, camera.height / 2.0f}};
}

void MapLayer::draw(const Camera& camera, const MapPrograms& programs, int stencil_ref) const {
    if (!style_.shown_at(camera.metres_per_pixel) || style_.opacity <= 0) return;
    const MapTransform transform = transform_for(camera);
    if (texture_) {
        programs.raster().use();
        set_map_transform(programs.raster(), transform);
        glUniform4fv(programs.raster().uniform("u_bounds"), 1, raster_bounds_.data());
        glUniform1f(programs.raster().uniform("u_opacity"), style_.opacity);
        glUniform1i(programs.raster().uniform("u_image"), 0);
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, texture_.get());
        glBindVertexArray(raster_vao_.get());
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        glBindVertexArray(0);
        glBindTexture(GL_TEXTURE_2D, 0);
        return;
    }
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
                                      std::vector<std::string>& errors) {
    std::vector<std::future<Result<VectorGeometry>>> vectors;
    for (const LayerStyle& style : styles) {
        if (style.kind == LayerKind::vector) {
            vectors.push_back(std::async(std::launch::async, load_vector_layer, style));
        }
    }
    std::vector<MapLayer> layers;
    std::size_t next_vector = 0;
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
            layers.push_back(MapLayer::from_vector(style, std::move(*geometry)));
        } else {
            auto image = load_raster_layer(style);
            if (!image) {
                errors.push_back("layer '" + style.name + "': " + image.error());
                continue;
            }
            layers.push_back(MapLayer::from_raster(style, *image));
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
