#version 330 core
// A georeferenced image or one tile of it: one quad at its bounds, relative to the layer origin,
// showing the part `u_uv` of its texture (a tile's texture has a pixel of its neighbours around).
uniform vec4 u_bounds;  // min x, min y, max x, max y in metres relative to the origin
uniform vec4 u_uv;      // u, v of the north-west corner, u, v of the south-east one
uniform vec2 u_origin_px;
uniform float u_px_per_metre;
uniform vec2 u_half_viewport;

out vec2 v_uv;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    vec2 metres = mix(u_bounds.xy, u_bounds.zw, corner);
    v_uv = mix(u_uv.xy, u_uv.zw, vec2(corner.x, 1.0 - corner.y));  // rows run north to south
    vec2 px = metres * u_px_per_metre + u_origin_px;
    gl_Position = vec4(px / u_half_viewport, 0.0, 1.0);
}
