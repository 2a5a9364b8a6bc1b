#version 330 core
// A unit's trail: one instance per segment, expanded into a screen-space quad.
layout(location = 0) in vec4 a_segment;  // from.xy, to.xy in metres relative to the origin
layout(location = 1) in vec4 a_color;    // normalised bytes; alpha fades with age

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;
uniform float u_width;  // pixels

out float v_across;
out vec4 v_color;

void main() {
    vec2 a = a_segment.xy * u_px_per_metre + u_origin_px;
    vec2 b = a_segment.zw * u_px_per_metre + u_origin_px;
    vec2 d = b - a;
    float len = length(d);
    vec2 dir = len > 1e-4 ? d / len : vec2(1.0, 0.0);
    vec2 normal = vec2(-dir.y, dir.x);
    float half_width = 0.5 * u_width + 1.0;
    float side = (gl_VertexID & 1) == 0 ? -1.0 : 1.0;
    vec2 px = (gl_VertexID < 2 ? a : b) + normal * side * half_width;
    v_across = side * half_width;
    v_color = a_color;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
