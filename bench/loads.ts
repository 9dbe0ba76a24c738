// `npm run bench:loads`: what one load costs the kernels, by the way it reads memory. Each invocation runs a loop
// that loads 8 vec4s per step and feeds each into 4 vec4 FMAs; the variants differ only in how the vec4s are
// read, with the same per-lane addresses (8 adjacent lanes read 8 adjacent vec4s, as the conv kernels do):
//   texture  textureLoad from a sampled rgba32uint texture (texture_2d<u32>, bitcast to vec4f)
//   storage-texture  textureLoad from a read-only storage texture (texture_storage_2d<rgba32uint, read>), the conv
//            kernels' way
//   vec4     a storage buffer of vec4f
//   scalar   four loads from a storage buffer of f32
//   uniform  a uniform buffer, every lane at the same index (the cheapest case a uniform buffer allows)
// Printed: nanoseconds per 8-lane vec4 load on one core, FMAs included (all-in, as a kernel pays it), and, with
// --ghz, the same in cycles. On llvmpipe the FMAs are a small part of it; on a GPU every variant is far cheaper.
// The README's kernel section quotes this benchmark.
//
//   npm run bench:loads [-- --ghz 4.27]

import { Command } from 'commander';
import { getGpu } from '../src/gpu/device.ts';

const STEPS = 512; // loop steps per pass
const PASSES = 16;
const WORKGROUPS = 256;
const WG = 64;
const VARIANTS = ['texture', 'storage-texture', 'vec4', 'scalar', 'uniform'] as const;
type Variant = (typeof VARIANTS)[number];

/** The kernel for one variant: acc (4 x 8 vec4) += a(4) * b(8) per step, b loaded the variant's way. */
function kernelCode(v: Variant): string {
  const binding = {
    texture: 'var B: texture_2d<u32>;',
    'storage-texture': 'var B: texture_storage_2d<rgba32uint, read>;',
    vec4: 'var<storage, read> B: array<vec4f>;',
    scalar: 'var<storage, read> B: array<f32>;',
    uniform: 'var<uniform> B: array<vec4f, 4096>;',
  }[v];
  const load = (i: string) => ({
    texture: `bitcast<vec4f>(textureLoad(B, vec2u((${i}) % 512u, (${i}) / 512u), 0))`,
    'storage-texture': `bitcast<vec4f>(textureLoad(B, vec2u((${i}) % 512u, (${i}) / 512u)))`,
    vec4: `B[${i}]`,
    scalar: `vec4f(B[(${i}) * 4u], B[(${i}) * 4u + 1u], B[(${i}) * 4u + 2u], B[(${i}) * 4u + 3u])`,
    uniform: `B[(${i}) % 4096u]`,
  })[v];
  const lane = v === 'uniform' ? '0u' : 'lane';
  const lines: string[] = [];
  for (let j = 0; j < 8; j++) lines.push(`      let b${j} = ${load(`base + ${j}u * 8u + ${lane}`)};`);
  for (let p = 0; p < 4; p++) for (let j = 0; j < 8; j++) lines.push(`      acc${p}_${j} = fma(vec4f(a${p}), b${j}, acc${p}_${j});`);
  const decls: string[] = [];
  const sum: string[] = [];
  for (let p = 0; p < 4; p++) {
    decls.push(`  let a${p} = f32(gid.x + ${p}u) * 0.001;`);
    for (let j = 0; j < 8; j++) {
      decls.push(`  var acc${p}_${j} = vec4f(0.0);`);
      sum.push(`acc${p}_${j}`);
    }
  }
  return `@group(0) @binding(0) ${binding}
@group(0) @binding(1) var<storage, read_write> sink: array<vec4f>;
@group(0) @binding(2) var<uniform> n: vec4u;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) li: u32) {
  let lane = li % 8u;
${decls.join('\n')}
  for (var round = 0u; round < n.y; round++) {
    for (var k = 0u; k < n.x; k++) {
      let base = (k * 64u) % 32768u;
${lines.join('\n')}
    }
  }
  sink[gid.x] = ${sum.join(' + ')};
}`;
}

async function main(): Promise<void> {
  const o = new Command('bench:loads')
    .description('Cost of one 8-lane vec4 load by the way it reads memory (sampled or storage texture, storage vec4, storage scalars, uniform)')
    .option('--ghz <n>', 'the cores\' clock, to print cycles as well as nanoseconds')
    .parse()
    .opts<{ ghz?: string }>();
  const ghz = o.ghz === undefined ? undefined : Number(o.ghz);
  const gpu = await getGpu();
  const dev = gpu.device;
  const storage = dev.createBuffer({ size: (32768 + 64) * 16, usage: GPUBufferUsage.STORAGE });
  const uniform = dev.createBuffer({ size: 4096 * 16, usage: GPUBufferUsage.UNIFORM });
  const texture = dev.createTexture({ size: { width: 512, height: 65 }, format: 'rgba32uint', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING });
  const sink = dev.createBuffer({ size: WORKGROUPS * WG * 16, usage: GPUBufferUsage.STORAGE });
  const sizes = dev.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  dev.queue.writeBuffer(sizes, 0, new Uint32Array([STEPS, PASSES, 0, 0]));
  // One 8-lane vec4 load per 8 invocations (one llvmpipe SIMD group), 8 per loop step.
  const loads = ((WORKGROUPS * WG) / 8) * PASSES * STEPS * 8;
  const cores = Math.max(1, (await import('node:os')).cpus().length);
  console.log(`8-lane vec4 loads on ${gpu.describe()}, ${cores} cores; best of 3 runs, 4 vec4 FMAs per load included`);
  for (const v of VARIANTS) {
    const kernel = gpu.pipelines.fromCode(`bench_load_${v}`, kernelCode(v));
    const resource = v === 'texture' || v === 'storage-texture' ? texture.createView() : { buffer: v === 'uniform' ? uniform : storage };
    const group = dev.createBindGroup({
      layout: kernel.layout,
      entries: [{ binding: 0, resource }, { binding: 1, resource: { buffer: sink } }, { binding: 2, resource: { buffer: sizes } }],
    });
    const run = async () => {
      const t0 = performance.now();
      const encoder = dev.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(WORKGROUPS);
      pass.end();
      dev.queue.submit([encoder.finish()]);
      await gpu.sync();
      return performance.now() - t0;
    };
    await run(); // compile and warm up
    const ms = Math.min(await run(), await run(), await run());
    const ns = (ms * 1e6 * cores) / loads; // per load, per core
    console.log(`${v.padEnd(16)} ${ns.toFixed(1).padStart(7)} ns${ghz ? `  ${(ns * ghz).toFixed(0).padStart(5)} cycles` : ''}`);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench:loads: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
