#version 330 core
// Incident markers: one point sprite per incident, wide enough for its disc, its pulse (new) and
// its ring (selected). Two passes: plain markers (marker_plain.frag), then new and selected
// ones (marker.frag) on top; each pass drops the other's points here. A point costs one vertex where a quad costs four, which is most of a
// marker's price on a software rasteriser. The viewport is widened by u_margin_px on every
// side (the caller does it), so a marker whose centre is just off screen still shows its part.
// Times are seconds on the one animation clock, relative to the layer's time base.
layout(location = 0) in vec2 a_position;  // metres relative to the incident layer origin
layout(location = 1) in vec4 a_color;     // normalised bytes
layout(location = 2) in float a_size;     // diameter, half pixels
layout(location = 3) in float a_flags;    // 1 critical, 2 escalated, 4 selected, 8 closing
layout(location = 4) in float a_time;     // received; closed, with flag 8
layout(location = 5) in float a_band;     // the case's band: 0 new … 4 overdue

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;  // of the widened viewport
uniform float u_now;
uniform float u_pulse_s;
uniform float u_fade_s;
uniform float u_max_extent;  // half the largest point size the driver draws
uniform int u_pass;          // 0 plain markers, 1 new or selected ones
uniform vec4 u_outline;
uniform vec4 u_band[5];  // the rims' colours by band (incident_queue.hpp); band 0 has none

flat out vec4 v_color;
flat out float v_extent;     // pixels from the centre to the sprite's edge
flat out float v_radius_px;
flat out float v_pulse;  // 0..1 phase of the expanding ring, or -1
flat out float v_fade;   // 1 open, falling to 0 over the fade
flat out int v_flags;
flat out vec4 v_rim;    // the rim's colour: the dark outline, or the case's band
flat out float v_rim_w; // the rim's width as a share of the radius

void main() {
    int flags = int(a_flags + 0.5);
    bool closing = (flags & 8) != 0;
    float radius = 0.25 * a_size + 1.0;
    float age = u_now - a_time;
    // Three rings a pulse: new incidents draw the eye without a colour of their own. A closing
    // one fades instead.
    v_pulse = (!closing && age >= 0.0 && age < u_pulse_s) ? fract(age / (u_pulse_s / 3.0)) : -1.0;
    v_fade = closing ? clamp(1.0 - age / u_fade_s, 0.0, 1.0) : 1.0;
    bool special = v_pulse >= 0.0 || (flags & 4) != 0;
    if (special != (u_pass == 1)) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // outside the clip volume: nothing drawn
        gl_PointSize = 1.0;
        return;
    }
    float shrink = 0.6 + 0.4 * v_fade;  // a closing marker shrinks as it fades
    // Nothing is drawn beyond radius - 0.5 px of a plain disc (see marker.frag).
    float extent = radius - 0.5;
    if (v_pulse >= 0.0) extent = max(extent, radius * 2.8 + 6.0);
    if ((flags & 4) != 0) extent = max(extent, radius + 12.0);
    extent = min(extent, u_max_extent);
    v_extent = extent;
    v_color = a_color;
    v_radius_px = radius * shrink;
    v_flags = flags;
    // A case the centre works shows its band in a wider rim; overdue flashes, once a second.
    int band = clamp(int(a_band + 0.5), 0, 4);
    v_rim = band == 0 ? u_outline : u_band[band];
    if (band == 4 && fract(u_now) >= 0.5) v_rim = u_outline;
    v_rim_w = band == 0 ? 0.14 : 0.3;
    vec2 px = a_position * u_px_per_metre + u_origin_px;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
    gl_PointSize = 2.0 * extent;
}
