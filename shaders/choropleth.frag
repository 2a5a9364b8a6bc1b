#version 330 core
// Six classes (lower bounds in u_lower) coloured from u_ramp; areas with no open incident are
// left unfilled, so "none" never looks like "few".
uniform float u_lower[6];
uniform vec4 u_ramp[6];
uniform float u_opacity;
uniform int u_highlight;  // the selected area: drawn brighter
uniform int u_only;       // >= 0: only this area, as a white veil (selection without choropleth)

flat in float v_count;
flat in int v_area;
out vec4 frag_color;

void main() {
    if (u_only >= 0) {
        if (v_area != u_only) discard;
        frag_color = vec4(1.0, 1.0, 1.0, u_opacity);
        return;
    }
    if (v_count < 0.5) discard;
    int k = 0;
    for (int i = 1; i < 6; ++i) {
        if (v_count >= u_lower[i] - 0.5) k = i;
    }
    vec4 color = u_ramp[k];
    float alpha = u_opacity;
    if (v_area == u_highlight) {
        color.rgb = mix(color.rgb, vec3(1.0), 0.25);
        alpha = min(1.0, alpha + 0.15);
    }
    frag_color = vec4(color.rgb, alpha);
}
