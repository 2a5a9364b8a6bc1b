#version 330 core
// Incident markers: one instance per incident, a screen-aligned quad around its disc that is
// wide enough for its pulse (new) and its ring (selected). Times are seconds on the one
// animation clock, relative to the layer's time base.
layout(location = 0) in vec2 a_position;  // metres relative to the incident layer origin
layout(location = 1) in vec4 a_color;     // normalised bytes
layout(location = 2) in float a_size;     // diameter, pixels
layout(location = 3) in float a_flags;    // 1 critical, 2 escalated, 4 selected, 8 closing
layout(location = 4) in float a_born;     // received
layout(location = 5) in float a_gone;     // closed (with flag 8)

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;
uniform float u_now;
uniform float u_pulse_s;
uniform float u_fade_s;
uniform int u_only_flags;  // nonzero: draw only instances with one of these flags

out vec2 v_px;  // pixels from the marker centre
out vec4 v_color;
out float v_radius_px;
out float v_pulse;  // 0..1 phase of the expanding ring, or -1
out float v_fade;   // 1 open, falling to 0 over the fade
flat out int v_flags;

void main() {
    int flags = int(a_flags + 0.5);
    if (u_only_flags != 0 && (flags & u_only_flags) == 0) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // outside the clip volume: nothing drawn
        return;
    }
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 2.0 - 1.0;
    float radius = 0.5 * a_size + 1.0;
    float age = u_now - a_born;
    // Three rings a pulse: new incidents draw the eye without a colour of their own.
    v_pulse = (age >= 0.0 && age < u_pulse_s) ? fract(age / (u_pulse_s / 3.0)) : -1.0;
    v_fade = (flags & 8) != 0 ? clamp(1.0 - (u_now - a_gone) / u_fade_s, 0.0, 1.0) : 1.0;
    float extent = radius;
    if (v_pulse >= 0.0) extent = max(extent, radius * 2.8 + 6.0);
    if ((flags & 4) != 0) extent = max(extent, radius + 12.0);
    float shrink = 0.6 + 0.4 * v_fade;  // a closing marker shrinks as it fades
    v_px = corner * extent;
    v_color = a_color;
    v_radius_px = radius * shrink;
    v_flags = flags;
    vec2 px = a_position * u_px_per_metre + u_origin_px + corner * extent;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
