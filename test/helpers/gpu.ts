// The GPU shared by every test file (one device per process, as in real use).

import { getGpu, type Gpu } from '../../src/gpu/device.ts';

export function testGpu(): Promise<Gpu> {
  return getGpu({ quiet: process.env.GRAFT_TEST_VERBOSE !== '1' });
}
