#version 330 core
// Wide anti-aliased lines: one instance per segment, expanded here into a screen-space quad
// (GL core profile only guarantees 1 px glLineWidth). Square caps close the joins; the stencil
// test stops overlapping caps from blending twice.
layout(location = 0) in vec2 a_from;      // metres relative to the layer origin
layout(location = 1) in vec2 a_to;
layout(location = 2) in float a_distance; // metres along the line to a_from, for dashes

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;
uniform float u_width;  // pixels

out float v_across;  // pixels from the centre line
out float v_along;   // pixels from the start of the line

void main() {
    vec2 a = a_from * u_px_per_metre + u_origin_px;
    vec2 b = a_to * u_px_per_metre + u_origin_px;
    vec2 d = b - a;
    float len = length(d);
    vec2 dir = len > 1e-4 ? d / len : vec2(1.0, 0.0);
    vec2 normal = vec2(-dir.y, dir.x);
    float half_width = 0.5 * u_width + 1.0;  // one extra pixel for the anti-aliased edge
    float cap = 0.5 * u_width;
    // gl_VertexID 0..3 of a triangle strip: (start,-), (start,+), (end,-), (end,+).
    float side = (gl_VertexID & 1) == 0 ? -1.0 : 1.0;
    float along = gl_VertexID < 2 ? -cap : len + cap;
    vec2 px = a + dir * along + normal * side * half_width;
    v_across = side * half_width;
    v_along = a_distance * u_px_per_metre + along;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
