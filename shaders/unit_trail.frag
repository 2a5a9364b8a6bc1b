#version 330 core
uniform float u_width;

in float v_across;
in vec4 v_color;
out vec4 frag_color;

void main() {
    float coverage = clamp(0.5 * u_width + 0.5 - abs(v_across), 0.0, 1.0);
    frag_color = vec4(v_color.rgb, v_color.a * coverage);
}
