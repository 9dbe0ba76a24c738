// Part of the Winograd grad-weight kernels (winograd_grad_weight.wgsl, winograd_grad_weight_folded.wgsl), pasted in
// where they say `// #include parts/winograd_tile_loads_4.wgsl` (src/gpu/pipelines.ts): tiles t .. t + 3 of one
// point, a{i} from V (this lane's 4 rows, at column vCol) and b{i} from D (its 4 columns, at column dCol), for
// grad_weight_step_32x4.wgsl. Expects v, d, vCol, dCol, t, t1 (the slice's end) and last (T - 1).
// Tiles past the slice read a real row and are masked to zero on the V side.
let a0 = textureLoad(v, vec2u(vCol, min(t + 0u, last)));
let a1 = select(vec4f(0.0), textureLoad(v, vec2u(vCol, min(t + 1u, last))), t + 1u < t1);
let a2 = select(vec4f(0.0), textureLoad(v, vec2u(vCol, min(t + 2u, last))), t + 2u < t1);
let a3 = select(vec4f(0.0), textureLoad(v, vec2u(vCol, min(t + 3u, last))), t + 3u < t1);
let b0 = textureLoad(d, vec2u(dCol, min(t + 0u, last)));
let b1 = textureLoad(d, vec2u(dCol, min(t + 1u, last)));
let b2 = textureLoad(d, vec2u(dCol, min(t + 2u, last)));
let b3 = textureLoad(d, vec2u(dCol, min(t + 3u, last)));
