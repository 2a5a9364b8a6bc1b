#version 330 core
// Incident markers: one instance per open incident, a screen-aligned quad of `a_size` pixels.
layout(location = 0) in vec2 a_position;  // metres relative to the incident layer origin
layout(location = 1) in vec4 a_color;     // normalised bytes
layout(location = 2) in float a_size;     // diameter, pixels
layout(location = 3) in float a_flags;    // 1 = critical (white ring), 2 = escalated

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;

out vec2 v_local;  // -1..1 across the marker
out vec4 v_color;
out float v_radius_px;
flat out int v_flags;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 2.0 - 1.0;
    float radius = 0.5 * a_size + 1.0;
    vec2 px = a_position * u_px_per_metre + u_origin_px + corner * radius;
    v_local = corner;
    v_color = a_color;
    v_radius_px = radius;
    v_flags = int(a_flags + 0.5);
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
