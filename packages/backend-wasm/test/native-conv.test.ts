/**
 * Our convolution kernels (native/conv.c: relaxed SIMD with fused multiply-add, plain SIMD, two
 * threads) against the `cpu` backend on random shapes, strides and paddings. Tolerance: 1e-4 of
 * the reference's largest magnitude (as in training-kernels.test.ts): both sides sum the same
 * float32 products in other orders (FMA rounds once instead of twice), which moves results by
 * ~1e-6 relative; an indexing error moves them by O(1).
 */
import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.ts';
import { loadNativeConv, type NativeConvDims } from '../src/kernels/conv-native.ts';
import {
  nativeConvCalls,
  nativeConvInfo,
  nativeConvThresholds,
} from '../src/kernels/conv-native-kernels.ts';
import { maxRelativeError, on } from './compare.ts';

const TOLERANCE = 1e-4;
type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface Case {
  batch: number;
  height: number;
  width: number;
  cin: number;
  cout: number;
  kernel: [number, number];
  stride: [number, number];
  pad: Pad;
}

/** Random cases from a seed: channel counts hit the 8-, 4- and 1-wide tiles and their ends. */
function randomCases(count: number, seed: number): Case[] {
  const rng = Rng.fromSeed(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const kernel: [number, number] = [[1, 3, 5][int(0, 2)]!, [1, 3][int(0, 1)]!];
    const pads: Pad[] = [
      'same',
      'valid',
      [
        [0, 0],
        [int(0, kernel[0] - 1), int(0, kernel[0] - 1)],
        [int(0, kernel[1] - 1), int(0, kernel[1] - 1)],
        [0, 0],
      ],
    ];
    cases.push({
      batch: int(1, 4),
      height: int(kernel[0] + 1, 13),
      width: int(kernel[1] + 1, 11),
      cin: [1, 3, 4, 8, 12, 17][int(0, 5)]!,
      cout: 4 * int(1, 6),
      kernel,
      stride: [int(1, 2), int(1, 2)],
      pad: pads[int(0, 2)]!,
    });
  }
  return cases;
}

function gradients(c: Case, seed: number): tf.Tensor[] {
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.cin];
  const filterShape: [number, number, number, number] = [...c.kernel, c.cin, c.cout];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, c.stride, 1, c.pad);
  const rng = Rng.fromSeed(seed);
  const x = randomNormal(rng, xShape);
  const dy = randomNormal(rng, info.outShape);
  const filter = randomNormal(rng, filterShape);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
  const engine = tf.engine();
  return [
    engine.runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
    engine.runKernel(
      tf.Conv2DBackpropInput,
      { dy, filter },
      { ...attrs, inputShape: xShape },
    ) as tf.Tensor,
    engine.runKernel(tf.Conv2D, { x, filter }, { ...attrs, dilations: 1 }) as tf.Tensor,
  ];
}

describe('our convolution kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    // These shapes are small: send them all to our kernels.
    nativeConvThresholds.filterPixels = 0;
    nativeConvThresholds.inputPixels = 0;
    nativeConvThresholds.forwardPixels = 0;
  });
  afterAll(() => {
    nativeConvThresholds.filterPixels = 14 * 14;
    nativeConvThresholds.inputPixels = 28 * 28;
    nativeConvThresholds.forwardPixels = 28 * 28;
  });

  it('load with relaxed SIMD where the runtime validates it (Node 22+), on two threads where two CPUs are', () => {
    const info = nativeConvInfo();
    expect(info?.simd).toBe('relaxed');
    const cpus = process.getBuiltinModule('node:os').availableParallelism();
    expect(info?.threads).toBe(Math.min(2, cpus));
  });

  it.each(randomCases(16, 7).map((c, i) => [i, c] as const))(
    'forward convolution, filter and input gradients match cpu (random case %i)',
    async (i, c) => {
      const reference = await on('cpu', () => gradients(c, 100 + i));
      const before = { ...nativeConvCalls };
      const ours = await on('wasm', () => gradients(c, 100 + i));
      // Every case has Cout % 4 = 0, so the filter gradient and the forward convolution always run on our kernels; the input
      // gradient does for stride 1 with Cin % 4 = 0.
      expect(nativeConvCalls.filter - before.filter).toBe(1);
      expect(nativeConvCalls.forward - before.forward).toBe(1);
      const inputOurs = c.stride[0] === 1 && c.stride[1] === 1 && c.cin % 4 === 0;
      expect(nativeConvCalls.input - before.input).toBe(inputOurs ? 1 : 0);
      expect(maxRelativeError(ours[0]!, reference[0]!), 'dW').toBeLessThan(TOLERANCE);
      expect(maxRelativeError(ours[1]!, reference[1]!), 'dx').toBeLessThan(TOLERANCE);
      expect(maxRelativeError(ours[2]!, reference[2]!), 'y').toBeLessThan(TOLERANCE);
    },
  );

  it('the plain-SIMD build on one thread agrees with the relaxed build on two', async () => {
    const plain = (await loadNativeConv(1, 'plain'))!;
    const relaxed = (await loadNativeConv(2))!;
    expect([plain.simd, plain.threads(), relaxed.simd]).toEqual(['plain', 1, 'relaxed']);
    const dims: NativeConvDims = {
      batch: 3,
      hp: 11,
      wp: 12,
      cin: 6,
      oh: 5,
      ow: 5,
      cout: 20,
      kh: 3,
      kw: 3,
      sh: 2,
      sw: 2,
    };
    const rng = Rng.fromSeed(5);
    const draw = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() - 0.5);
    const xp = draw(dims.batch * dims.hp * dims.wp * dims.cin);
    const w = draw(9 * dims.cin * dims.cout);
    const dy = draw(dims.batch * dims.oh * dims.ow * dims.cout);
    const write = (into: Float32Array) => into.set(xp);
    const results = [plain, relaxed].map((k) => {
      const y = new Float32Array(dy.length);
      const dw = new Float32Array(w.length);
      k.forward(dims, write, w, y);
      k.filter(dims, write, dy, dw);
      return [y, dw];
    });
    expect(maxRelativeError(results[0]![0]!, results[1]![0]!)).toBeLessThan(1e-5);
    expect(maxRelativeError(results[0]![1]!, results[1]![1]!)).toBeLessThan(1e-5);
  });
});
