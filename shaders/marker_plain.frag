#version 330 core
// The plain marker, which most are: a filled disc with a dark rim, a white ring inside the rim
// when critical, shrinking and fading once closed. New (pulsing) and selected markers are drawn
// with marker.frag in a pass of their own: a software rasteriser runs every branch of a
// shader for every pixel, so the rings would cost every marker their price.
uniform vec4 u_outline;

flat in vec4 v_color;
flat in float v_extent;
flat in float v_radius_px;
flat in float v_fade;
flat in int v_flags;
flat in vec4 v_rim;
flat in float v_rim_w;
out vec4 frag_color;

void main() {
    vec2 px = (gl_PointCoord * 2.0 - 1.0) * v_extent;  // pixels from the centre
    float r = length(px);
    float edge = v_radius_px - 1.0;  // the disc's outer edge
    float alpha = clamp(edge - r + 0.5, 0.0, 1.0) * v_fade;
    if (alpha <= 0.0) discard;
    float rim = max(1.5, edge * v_rim_w);  // the rim's width
    vec3 color = v_color.rgb;
    if ((v_flags & 1) != 0) {
        float ring_centre = edge - rim - 1.25;
        float ring = clamp(1.25 - abs(r - ring_centre), 0.0, 1.0);
        color = mix(color, vec3(1.0), ring);
    }
    float outline = clamp(r - (edge - rim) + 0.5, 0.0, 1.0);
    color = mix(color, v_rim.rgb, outline * v_rim.a);
    frag_color = vec4(color, v_color.a * alpha);
}
