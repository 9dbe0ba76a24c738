// Packing of each kernel's `Params` uniform and the workgroup grid, shared by every dispatch in src/kernels.
//
// Every `struct Params` in shaders/ is a list of 4-byte scalars (u32, i32, f32) in declaration order, so the
// WGSL layout is simply consecutive words; the uniform is padded to a multiple of 16 bytes as WGSL requires.

export type ScalarType = 'u32' | 'i32' | 'f32';

/** Packs `[type, value]` pairs in the order the WGSL struct declares them. */
export function packParams(fields: ReadonlyArray<readonly [ScalarType, number]>): ArrayBuffer {
  const words = Math.max(4, Math.ceil(fields.length / 4) * 4);
  const buffer = new ArrayBuffer(words * 4);
  const view = new DataView(buffer);
  fields.forEach(([type, value], i) => {
    if (type === 'f32') view.setFloat32(i * 4, value, true);
    else if (type === 'i32') view.setInt32(i * 4, value, true);
    else {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new RangeError(`Params field ${i}: ${value} is not a u32`);
      }
      view.setUint32(i * 4, value, true);
    }
  });
  return buffer;
}

/**
 * Workgroup counts for `threads` invocations in 1-D workgroups of `workgroupSize`, folded into y when x would
 * pass the per-dimension limit. Shaders recover the linear index as
 * `gid.x + gid.y * num_workgroups.x * WG` (and must bounds-check it against the real count).
 */
export function grid1d(threads: number, workgroupSize: number, maxPerDim = 65535): [number, number, number] {
  const groups = Math.ceil(threads / workgroupSize);
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/**
 * grid1d under this adapter's own maxComputeWorkgroupsPerDimension (the conv kernels, whose grids can pass 65535
 * and whose tests lower the limit to check the folding).
 */
export function adapterGrid(
  gpu: { limits: Readonly<Record<string, number>> }, threads: number, workgroupSize: number,
): [number, number, number] {
  return grid1d(threads, workgroupSize, gpu.limits.maxComputeWorkgroupsPerDimension ?? 65535);
}
