#version 330 core
// Choropleth triangles: each vertex carries its area's index; the area's open-incident count
// is fetched from a texture that a delta updates texel by texel.
layout(location = 0) in vec2 a_position;  // metres relative to the level's origin
layout(location = 1) in float a_area;

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;
uniform sampler2D u_counts;  // R32F, 1024 areas a row

flat out float v_count;
flat out int v_area;

void main() {
    int area = int(a_area + 0.5);
    v_area = area;
    v_count = texelFetch(u_counts, ivec2(area % 1024, area / 1024), 0).r;
    vec2 px = a_position * u_px_per_metre + u_origin_px;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
