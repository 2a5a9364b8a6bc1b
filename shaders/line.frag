#version 330 core
uniform vec4 u_color;
uniform float u_width;
uniform vec2 u_dash;  // on, off in pixels; on == 0 draws a solid line

in float v_across;
in float v_along;
out vec4 frag_color;

void main() {
    float coverage = clamp(0.5 * u_width + 0.5 - abs(v_across), 0.0, 1.0);
    if (u_dash.x > 0.0) {
        float phase = mod(v_along, u_dash.x + u_dash.y);
        coverage *= clamp(u_dash.x - phase + 0.5, 0.0, 1.0) * clamp(phase + 0.5, 0.0, 1.0);
    }
    if (coverage <= 0.02) discard;
    frag_color = vec4(u_color.rgb, u_color.a * coverage);
}
