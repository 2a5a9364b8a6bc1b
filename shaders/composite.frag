#version 330 core
// The map cache at the same size as the target: no filtering, no scaling. Colours are
// premultiplied (the cache was drawn onto transparent black), so blend with ONE, 1 - alpha.
uniform sampler2D u_image;
out vec4 frag_color;

void main() {
    frag_color = texelFetch(u_image, ivec2(gl_FragCoord.xy), 0);
}
