#version 330 core
// A filled disc with a dark rim; critical incidents get an extra white ring inside the rim.
uniform vec4 u_outline;

in vec2 v_local;
in vec4 v_color;
in float v_radius_px;
flat in int v_flags;
out vec4 frag_color;

void main() {
    float r = length(v_local) * v_radius_px;  // pixels from the centre
    float edge = v_radius_px - 1.0;           // the disc's outer edge
    float alpha = clamp(edge - r + 0.5, 0.0, 1.0);
    if (alpha <= 0.0) discard;
    float rim = max(1.5, edge * 0.14);  // the dark outline's width
    vec3 color = v_color.rgb;
    if ((v_flags & 1) != 0) {
        // Critical: a thin white ring just inside the outline, so it reads as "ringed" at a glance.
        float ring_centre = edge - rim - 1.25;
        float ring = clamp(1.25 - abs(r - ring_centre), 0.0, 1.0);
        color = mix(color, vec3(1.0), ring);
    }
    float outline = clamp(r - (edge - rim) + 0.5, 0.0, 1.0);
    color = mix(color, u_outline.rgb, outline * u_outline.a);
    frag_color = vec4(color, v_color.a * alpha);
}
