#version 330 core
// Heat layer, pass 2: density → colour (docs/viewer.md, "Heat layer"). t = log2(1 + d) / 5, so
// one lone incident peaks at t = 0.2 and 31 overlapping kernels saturate; inferno's upper
// part (dark purple → red → orange → pale yellow), which stays apart from the choropleth's
// viridis, brightens monotonically and keeps its order under colour-vision deficiencies.
in vec2 v_uv;
uniform sampler2D u_heat;
uniform float u_opacity;
out vec4 frag;

const vec3 kRamp[5] = vec3[5](vec3(0.341, 0.063, 0.431),  // #57106e
                              vec3(0.576, 0.149, 0.404),  // #932667
                              vec3(0.867, 0.318, 0.227),  // #dd513a
                              vec3(0.988, 0.647, 0.039),  // #fca50a
                              vec3(0.988, 1.000, 0.643)); // #fcffa4

void main() {
    float d = texture(u_heat, v_uv).r;
    float t = clamp(log2(1.0 + d) / 5.0, 0.0, 1.0);
    if (t < 0.01) discard;
    float x = t * 4.0;
    int i = min(int(x), 3);
    vec3 color = mix(kRamp[i], kRamp[i + 1], x - float(i));
    // Faint where thin, so a single incident is a glow, not a blot over the map.
    float alpha = u_opacity * smoothstep(0.0, 0.25, t) * (0.55 + 0.45 * t);
    frag = vec4(color, alpha);
}
