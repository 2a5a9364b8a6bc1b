#version 330 core
// A biweight kernel, (1 - r^2)^2: 1 at the incident, 0 at the kernel's rim, smooth between.
out vec4 frag;

void main() {
    vec2 d = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(d, d);
    if (r2 >= 1.0) discard;
    float w = 1.0 - r2;
    frag = vec4(w * w, 0.0, 0.0, 0.0);
}
