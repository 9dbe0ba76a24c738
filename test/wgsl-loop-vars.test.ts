// Uninitialized `var`s inside loops (src/gpu/wgsl-loop-vars.ts): the scan on made-up text, every kernel in
// shaders/ free of them, the pipeline cache refusing one, and, on the adapter at hand, the explicit initializer our
// kernels use restarting from zero on every iteration, as a helper function's bare var does on every call.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SHADER_DIR, expandIncludes } from '../src/gpu/pipelines.ts';
import { uninitializedLoopVars } from '../src/gpu/wgsl-loop-vars.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { packParams } from '../src/kernels/params.ts';
import { testGpu } from './helpers/gpu.ts';

const declarations = (code: string) => uninitializedLoopVars(code).map((v) => `${v.line}: ${v.declaration}`);

test('a bare var in a for, loop, while or continuing body is found, with its line, however deeply nested', () => {
  const code = `fn main() {
  var outside: f32;
  for (var i = 0u; i < 4u; i++) {
    var a: array<vec4f, 3>;
    if (i > 1u) {
      var b: vec4f; var c = vec4f();
    }
  }
  loop {
    var d: f32;
    continuing {
      var e: u32;
      break if true;
    }
  }
  while (true) { var f: i32; break; }
}`;
  assert.equal(declarations(code), ['4: var a: array<vec4f, 3>;', '6: var b: vec4f;', '10: var d: f32;', '12: var e: u32;', '16: var f: i32;']);
});

test('initialized vars, vars outside loops, a for header\'s var and comments are left alone', () => {
  const code = `var<workgroup> tile: array<f32, 64>;
fn f(x: f32) -> f32 { var y: f32; y = x; return y; }
fn main() {
  var acc: array<vec4f, 3>;  // zeroed once, before the loop: fine
  for (var i = 0u; i < 4u; i++) {
    var z = array<vec4f, 3>();
    let k = i;
    // var commented: f32;
    /* var blocked: f32; */
    if (k > 0u) { acc[0] += z[0]; }
  }
}`;
  assert.equal(declarations(code), []);
});

test('no kernel in shaders/ declares a bare var inside a loop', () => {
  const read = (file: string) => readFileSync(join(SHADER_DIR, file), 'utf8');
  const kernels = readdirSync(SHADER_DIR).filter((f) => f.endsWith('.wgsl'));
  assert.ok(kernels.length > 50, `found only ${kernels.length} kernels`);
  for (const file of kernels) assert.equal(declarations(expandIncludes(file, read)), [], file);
});

test('the pipeline cache refuses a kernel with one, naming it, the line and the fix', async () => {
  const gpu = await testGpu();
  const code = `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() {
  for (var i = 0u; i < 2u; i++) { var s: f32; s += 1.0; out[i] = s; }
}`;
  assert.throws(() => gpu.pipelines.fromCode('bare_loop_var', code),
    (e: Error) => /kernel bare_loop_var declares a var without an initializer inside a loop \(line 3: var s: f32;\).*var x = T\(\);/.test(e.message));
});

/**
 * What 8 lanes write over 4 iterations of a loop whose body is `body` (`helpers` before main): out[i * 8 + lane].
 * The body sees i and li, and writes out.
 */
async function fourIterations(name: string, helpers: string, body: string): Promise<number[]> {
  const gpu = await testGpu();
  const kernel = gpu.pipelines.fromCode(name, `
struct Params { n: u32, pad: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${helpers}
@compute @workgroup_size(8) fn main(@builtin(local_invocation_index) li: u32) {
  for (var i = 0u; i < params.n; i++) {
${body}
  }
}`);
  const out = GpuTensor.zeros(gpu, [32], 'f32', `${name}.out`);
  gpu.batcher.dispatch({ kernel, what: name, params: packParams([['u32', 4], ['u32', 0]]), buffers: [out.binding], workgroups: [1] });
  const values = Array.from((await out.read()) as Float32Array);
  out.release();
  return values;
}

test('a var with an initializer declared in a loop, and a helper function\'s bare var, start from zero every time', async () => {
  // Each of 4 iterations adds 1 twice to a fresh q: 2 every time. (With `var q: array<vec4f, 3>;` instead, Dawn on
  // Mesa 25.0.7 lavapipe wrote 2 4 6 8.)
  assert.equal(await fourIterations('loop_var_initializer', '', `
    var q = array<vec4f, 3>();
    for (var b = 0u; b < 2u; b++) { q[li % 3u] = q[li % 3u] + vec4f(1.0); }
    out[i * 8u + li] = q[li % 3u].x;`), new Array(32).fill(2));
  // A helper function's bare var, called from a loop, does start from zero on every call (so the scan leaves
  // function bodies alone).
  assert.equal(await fourIterations('helper_var_in_loop',
    'fn twice(x: f32) -> f32 { var s: f32; s = s + x; s = s + x; return s; }',
    '    out[i * 8u + li] = twice(1.0);'), new Array(32).fill(2));
});

test.run();
