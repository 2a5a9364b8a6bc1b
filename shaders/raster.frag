#version 330 core
uniform sampler2D u_image;
uniform float u_opacity;

in vec2 v_uv;
out vec4 frag_color;

void main() {
    vec4 texel = texture(u_image, v_uv);
    frag_color = vec4(texel.rgb, texel.a * u_opacity);
}
