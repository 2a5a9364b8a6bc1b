#version 330 core
// A rounded-square badge (units are never discs: those are incidents) with a white arrow
// pointing where the unit heads, or a white dot when the heading is unknown. A busy unit gets
// a white rim; a stale one is greyed and half transparent; the selected one a ring around it.
uniform vec4 u_outline;
uniform float u_size;

in vec2 v_px;
in vec4 v_color;
in float v_heading;
flat in int v_flags;
out vec4 frag_color;

float rounded_box(vec2 p, float half_size, float radius) {
    vec2 q = abs(p) - vec2(half_size - radius);
    return length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - radius;
}

// Distance outside triangle abc (negative inside): the largest of the distances past its edges.
float triangle(vec2 p, vec2 a, vec2 b, vec2 c) {
    float winding = sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
    vec2 e0 = b - a, e1 = c - b, e2 = a - c;
    float d0 = winding * (e0.x * (p.y - a.y) - e0.y * (p.x - a.x)) / length(e0);
    float d1 = winding * (e1.x * (p.y - b.y) - e1.y * (p.x - b.x)) / length(e1);
    float d2 = winding * (e2.x * (p.y - c.y) - e2.y * (p.x - c.x)) / length(e2);
    return -min(d0, min(d1, d2));
}

// The arrowhead (a dart: two triangles sharing the notch) pointing along +y, `s` pixels tall.
float arrow(vec2 p, float s) {
    vec2 tip = vec2(0.0, 0.55 * s), notch = vec2(0.0, -0.2 * s);
    vec2 left = vec2(-0.4 * s, -0.45 * s), right = vec2(0.4 * s, -0.45 * s);
    return min(triangle(p, tip, right, notch), triangle(p, tip, notch, left));
}

void main() {
    float half_size = 0.5 * u_size;
    float d = rounded_box(v_px, half_size, 0.3 * half_size);
    bool busy = (v_flags & 1) != 0;
    bool stale = (v_flags & 2) != 0;
    vec3 fill = stale ? vec3(dot(v_color.rgb, vec3(0.3, 0.5, 0.2)) * 0.7) : v_color.rgb;
    float body = clamp(0.5 - d, 0.0, 1.0);
    float rim_width = busy ? 3.0 : 1.5;
    vec3 rim_color = busy ? vec3(1.0) : u_outline.rgb;
    float rim = clamp(0.5 - abs(d + 0.5 * rim_width) + 0.5 * rim_width, 0.0, 1.0);
    float outer = clamp(0.5 - (d - (busy ? 1.5 : 0.0)), 0.0, 1.0);  // a busy rim grows outwards
    vec3 color = mix(fill, rim_color, rim);
    float glyph;
    if (v_heading >= 0.0) {
        // Rotate the pixel into the arrow's frame: heading is clockwise from north (+y).
        float c = cos(v_heading), s = sin(v_heading);
        vec2 p = vec2(c * v_px.x - s * v_px.y, s * v_px.x + c * v_px.y);
        glyph = clamp(0.5 - arrow(p, 0.8 * u_size), 0.0, 1.0);
    } else {
        glyph = clamp(0.5 - (length(v_px) - 0.18 * u_size), 0.0, 1.0);
    }
    color = mix(color, vec3(1.0), glyph * (1.0 - rim));
    float alpha = max(body, outer * rim) * (stale ? 0.55 : 1.0);
    if ((v_flags & 4) != 0 && body < 1.0) {
        // Selected: a white ring 3 px wide, 6 px outside the badge, with dark borders.
        float ring = clamp(2.0 - abs(d - 7.5), 0.0, 1.0);
        float border = clamp(3.5 - abs(d - 7.5), 0.0, 1.0);
        vec3 ring_color = mix(u_outline.rgb, vec3(1.0), ring / max(border, 1e-3));
        color = mix(ring_color, color, alpha);
        alpha = max(alpha, border);
    }
    if (alpha <= 0.0) discard;
    frag_color = vec4(color, alpha);
}
