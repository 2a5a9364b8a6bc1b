#version 330 core
// A filled disc with a dark rim; critical incidents get a white ring inside the rim, the
// selected one a wide white ring outside it, a new one expanding rings in its own colour.
uniform vec4 u_outline;

flat in vec4 v_color;
flat in float v_extent;
flat in float v_radius_px;
flat in float v_pulse;
flat in float v_fade;
flat in int v_flags;
flat in vec4 v_rim;
flat in float v_rim_w;
out vec4 frag_color;

vec4 over(vec4 top, vec4 under) {
    float a = top.a + under.a * (1.0 - top.a);
    vec3 c = (top.rgb * top.a + under.rgb * under.a * (1.0 - top.a)) / max(a, 1e-5);
    return vec4(c, a);
}

void main() {
    vec2 px = (gl_PointCoord * 2.0 - 1.0) * v_extent;  // pixels from the centre
    float r = length(px);
    float edge = v_radius_px - 1.0;  // the disc's outer edge
    float alpha = clamp(edge - r + 0.5, 0.0, 1.0);
    vec4 disc = vec4(0.0);
    if (alpha > 0.0) {
        float rim = max(1.5, edge * v_rim_w);  // the rim's width
        vec3 color = v_color.rgb;
        if ((v_flags & 1) != 0) {
            float ring_centre = edge - rim - 1.25;
            float ring = clamp(1.25 - abs(r - ring_centre), 0.0, 1.0);
            color = mix(color, vec3(1.0), ring);
        }
        float outline = clamp(r - (edge - rim) + 0.5, 0.0, 1.0);
        color = mix(color, v_rim.rgb, outline * v_rim.a);
        disc = vec4(color, v_color.a * alpha);
    }
    vec4 result = vec4(0.0);
    if (v_pulse >= 0.0) {
        float ring_r = edge + (edge * 1.8 + 5.0) * v_pulse;
        float ring = clamp(2.0 - abs(r - ring_r), 0.0, 1.0) * (1.0 - v_pulse);
        result = vec4(v_color.rgb, 0.9 * ring);
    }
    if ((v_flags & 4) != 0) {
        // Selected: white ring 3 px wide with a dark border either side, 5 px off the rim.
        float ring_r = edge + 6.5;
        float white = clamp(2.0 - abs(r - ring_r), 0.0, 1.0);
        float border = clamp(3.5 - abs(r - ring_r), 0.0, 1.0);
        result = over(vec4(mix(u_outline.rgb, vec3(1.0), white / max(border, 1e-3)), border),
                      result);
    }
    // Most markers are neither new nor selected: their disc alone, with no blending of rings.
    result = result.a > 0.0 ? (disc.a > 0.0 ? over(disc, result) : result) : disc;
    result.a *= v_fade;
    if (result.a <= 0.0) discard;
    frag_color = result;
}
