// Shader text: `// #include` lines (src/gpu/pipelines.ts expandIncludes), on made-up files and on the real
// octet kernels, which share their accumulators and FMA step through shaders/parts/.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandIncludes, writableBindings } from '../src/gpu/pipelines.ts';
import { GraftError } from '../src/gpu/errors.ts';
import { testGpu } from './helpers/gpu.ts';

function reader(files: Record<string, string>): (file: string) => string {
  return (file) => {
    if (!(file in files)) throw new GraftError(`shader '${file}' not found`);
    return files[file];
  };
}

test('an include line is replaced by the file, nested includes too, each line indented like the directive', () => {
  const read = reader({
    'main.wgsl': 'fn main() {\n  // #include parts/a.wgsl\n}',
    'parts/a.wgsl': 'let x = 1;\n\n// #include parts/b.wgsl',
    'parts/b.wgsl': 'let y = 2;',
  });
  assert.is(expandIncludes('main.wgsl', read), 'fn main() {\n  let x = 1;\n\n  let y = 2;\n}');
  // A comment that merely mentions includes is left alone.
  assert.is(expandIncludes('parts/x.wgsl', reader({ 'parts/x.wgsl': '// see #include parts/a.wgsl' })), '// see #include parts/a.wgsl');
});

test('a missing included file names the file that includes it; a cycle names the chain', () => {
  assert.throws(() => expandIncludes('main.wgsl', reader({ 'main.wgsl': '// #include parts/gone.wgsl' })),
    (e: Error) => e instanceof GraftError && /'parts\/gone.wgsl' not found \(included by main.wgsl\)/.test(e.message));
  const cyclic = reader({ 'a.wgsl': '// #include b.wgsl', 'b.wgsl': '// #include a.wgsl' });
  assert.throws(() => expandIncludes('a.wgsl', cyclic), (e: Error) => /include cycle: a.wgsl -> b.wgsl -> a.wgsl/.test(e.message));
});

test('a kernel\'s writable bindings are its read_write storage buffers, and dispatches stamp those buffers only', async () => {
  const code = `@group(0) @binding(0) var<uniform> params: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage,read_write> y: array<f32>;
@group(0) @binding(3) var t: texture_storage_2d<rgba32uint, write>;
@group(0) @binding(4)
  var<storage, read_write> z: array<f32>;`;
  assert.equal([...writableBindings(code)].sort(), [2, 4]);
  const gpu = await testGpu();
  const kernel = gpu.pipelines.fromCode('stamp_test', `@group(0) @binding(0) var<uniform> n: vec4u;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(1) fn main() { b[0] = a[0] + f32(n.x); }`);
  const a = gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const b = gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
  gpu.batcher.write(a, 0, new Float32Array(4));
  const [aStamp, bStamp] = [gpu.batcher.lastWrite(a), gpu.batcher.lastWrite(b)];
  assert.ok(aStamp > 0, 'an upload stamps its buffer');
  assert.is(bStamp, 0, 'a buffer never written has no stamp');
  gpu.batcher.dispatch({ kernel, what: 'stamp test', params: new Uint32Array(4), buffers: [a, b], workgroups: [1] });
  assert.is(gpu.batcher.lastWrite(a), aStamp, 'a read-only binding is not stamped');
  assert.ok(gpu.batcher.lastWrite(b) > aStamp, 'the written binding gets a newer stamp');
  await gpu.sync();
  a.destroy();
  b.destroy();
});

test('the octet and grad-weight kernels get their shared accumulators, FMA steps and epilogues exactly once each', async () => {
  const gpu = await testGpu();
  const epilogue: Record<string, string> = {
    conv2d: 'store(rowBase + 15u, col, cout4, acc15_1 + bv);',
    conv2d_tex: 'store(rowBase + 15u, col, cout4, acc15_1 + bv);',
    conv2d_grad_input: 'store(rowBase + 15u, col, stride4, acc15_1);',
    conv2d_grad_input_tex: 'store(rowBase + 15u, col, stride4, acc15_1);',
    winograd_gemm: 'store(rowBase + 15u, col, stride4, acc15_1);',
  };
  for (const [name, lastStore] of Object.entries(epilogue)) {
    const text = gpu.pipelines.source(name);
    assert.not.match(text, /^\s*\/\/ #include /m, `${name}: an include left unexpanded`);
    assert.is(text.split('var acc15_1 = vec4f(0.0);').length, 2, `${name}: accumulators`);
    assert.is(text.split('let o = min(octet, params.octets - 1u);').length, 2, `${name}: octet prologue`);
    assert.is(text.split('acc15_1 += s15.x * b0_1').length, 2, `${name}: FMA step`);
    assert.is(text.split(lastStore).length, 2, `${name}: epilogue`);
  }
  for (const name of ['conv2d_grad_weight', 'conv2d_grad_weight_tex', 'winograd_grad_weight', 'conv2d_small_cin']) {
    const text = gpu.pipelines.source(name);
    assert.not.match(text, /^\s*\/\/ #include /m, `${name}: an include left unexpanded`);
    assert.is(text.split('var acc31 = vec4f(0.0);').length, 2, `${name}: accumulators`);
    if (name === 'conv2d_small_cin') continue;
    assert.is(text.split('let rowBase = rowBlock * 32u;').length, 2, `${name}: octet prologue`);
    assert.is(text.split('store(out, rowBase + 31u, cout4, acc31);').length, 2, `${name}: epilogue`);
  }
  const folded = gpu.pipelines.source('winograd_grad_weight_folded');
  assert.not.match(folded, /^\s*\/\/ #include /m, 'winograd_grad_weight_folded: an include left unexpanded');
  for (const line of ['var acc31 = vec4f(0.0);', 'var d31: array<vec4f, 9>;', 'q31 = foldPoint(q31, acc31, gb);',
    'd31 = foldRow(d31, q31, ga);', 'store(out, rowBase + 31u, d31);', 'let rowBase = rowBlock * 32u;']) {
    assert.is(folded.split(line).length, 2, `winograd_grad_weight_folded: ${line}`);
  }
  for (const name of ['conv2d_tex', 'winograd_gemm']) {
    assert.is(gpu.pipelines.source(name).split('b3_1 = bitcast<vec4f>(textureLoad(w,').length, 2, `${name}: its blocked weight loads`);
  }
  for (const name of ['winograd_grad_weight', 'winograd_grad_weight_folded']) {
    assert.is(gpu.pipelines.source(name).split('let b3 = textureLoad(d, vec2u(dCol, min(t + 3u, last)));').length, 2, `${name}: its tile loads`);
  }
  for (const name of ['conv2d_grad_weight_tex', 'winograd_grad_weight', 'winograd_grad_weight_folded']) {
    assert.is(gpu.pipelines.source(name).split('let s7_3 = subgroupShuffle(a3, octetBase + 7u);').length, 2, `${name}: its 4-pixel step`);
  }
  // Every conv kernel's Params starts with the shared sizes, in commonParams' order.
  const convKernels = ['conv2d', 'conv2d_tex', 'conv2d_direct', 'conv2d_small_cin', 'conv2d_grad_input', 'conv2d_grad_input_tex',
    'conv2d_grad_input_direct', 'conv2d_grad_weight', 'conv2d_grad_weight_tex', 'conv2d_grad_weight_direct'];
  for (const name of convKernels) {
    assert.match(gpu.pipelines.source(name), /struct Params \{\n(\s*\/\/.*\n)*\s*H: u32, W: u32, Cin: u32,\n\s*OH: u32, OW: u32, Cout: u32,/,
      `${name}: Params starts with the shared sizes`);
  }
});

test.run();
