#version 330 core
uniform vec4 u_color;  // straight alpha, opacity already applied
out vec4 frag_color;

void main() {
    frag_color = u_color;
}
