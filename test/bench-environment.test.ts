// The bench's description of the CPU under it (bench/environment.ts): family, model and widest vector extension read
// from /proc/cpuinfo's text, since a VM names every host "AMD EPYC" and llvmpipe's speed depends on the vector width.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpuDetail } from '../bench/environment.ts';

const cpuinfo = (family: string, model: string, flags: string, mhz = '2445.404') => [
  'processor\t: 0', 'vendor_id\t: AuthenticAMD', `cpu family\t: ${family}`, `model\t\t: ${model}`,
  'model name\t: AMD EPYC', `cpu MHz\t\t: ${mhz}`, `flags\t\t: fpu sse sse2 ${flags}`, '',
  'processor\t: 1', `cpu family\t: ${family}`, `model\t\t: ${model}`, `flags\t\t: fpu sse sse2 ${flags}`,
].join('\n');

test('an AVX2 host says so, with FMA and no AVX-512', () => {
  assert.is(cpuDetail(cpuinfo('25', '1', 'avx fma avx2 f16c')), 'family 25 model 1, AVX2 (no AVX-512), FMA, 2445 MHz reported');
});

test('an AVX-512 host is told apart from an AVX2 one', () => {
  assert.is(cpuDetail(cpuinfo('26', '2', 'avx fma avx2 avx512f avx512bw', '3100.000')),
    'family 26 model 2, AVX-512, FMA, 3100 MHz reported');
});

test('the model line is not mistaken for the model name, and text without the fields gives null', () => {
  assert.match(cpuDetail(cpuinfo('6', '85', 'avx'))!, /^family 6 model 85, AVX,/);
  assert.is(cpuDetail('processor\t: 0\nmodel name\t: Apple M2\n'), null);
});

test('on this machine it reads /proc/cpuinfo where Linux has one', () => {
  const here = cpuDetail();
  if (process.platform === 'linux') assert.match(here ?? '', /^family \d+ model \d+, /);
  else assert.is(here, null);
});

test.run();
