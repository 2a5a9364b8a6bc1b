#version 330 core
// Heat layer, pass 1: every open incident is one point sprite, splatted additively into a
// reduced-resolution float texture. Reads the incident layer's instance buffer (28-byte
// instances: position at 0, flags at 16), so nothing is uploaded twice.
layout(location = 0) in vec2 a_position;  // metres relative to the incident layer origin
layout(location = 1) in float a_flags;    // 8 = closing (fading out): not counted

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;  // of the full-resolution map, pixels
uniform float u_point_px;      // kernel diameter in heat-texture pixels

void main() {
    int flags = int(a_flags + 0.5);
    if ((flags & 8) != 0) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // outside the clip volume
        gl_PointSize = 1.0;
        return;
    }
    vec2 px = a_position * u_px_per_metre + u_origin_px;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
    gl_PointSize = u_point_px;
}
