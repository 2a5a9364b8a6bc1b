#version 330 core
// Polygon fill triangles. Vertices are metres relative to the layer origin; the origin's offset
// from the view centre arrives in pixels, computed in double precision on the CPU.
layout(location = 0) in vec2 a_position;

uniform vec2 u_origin_px;       // layer origin minus view centre, in pixels (y up)
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;   // viewport size / 2, pixels

void main() {
    vec2 px = a_position * u_px_per_metre + u_origin_px;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
