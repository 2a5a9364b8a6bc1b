#version 330 core
// Unit icons: one instance per unit, a screen-aligned quad around its badge. The fragment
// shader draws the badge and the heading arrow in the quad's own pixel frame.
layout(location = 0) in vec2 a_position;  // metres relative to the unit layer origin
layout(location = 1) in vec4 a_color;     // normalised bytes
layout(location = 2) in float a_heading;  // radians clockwise from north; negative: unknown
layout(location = 3) in float a_flags;    // 1 busy (working a case), 2 stale position, 4 selected

uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;
uniform float u_size;  // badge size, pixels

out vec2 v_px;  // pixels from the centre, y up
out vec4 v_color;
out float v_heading;
flat out int v_flags;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 2.0 - 1.0;
    // Room for the rim and the arrow's tip, and for the selection ring.
    float extent = 0.5 * u_size + ((int(a_flags + 0.5) & 4) != 0 ? 12.0 : 4.0);
    v_px = corner * extent;
    v_color = a_color;
    v_heading = a_heading;
    v_flags = int(a_flags + 0.5);
    vec2 px = a_position * u_px_per_metre + u_origin_px + corner * extent;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
