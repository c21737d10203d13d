/**
 * The kernels that make a training step faster on `wasm` (not missing ones): the SIMD group norm
 * against `@dale/core`'s JavaScript arithmetic and the `cpu` kernel, `BatchMatMul` against `cpu`
 * for transposed and batched operands, and the copy-free `Identity`. Tolerances as in
 * training-kernels.test.ts: 1e-4 of the reference's largest magnitude (float32 sums in another
 * order move results by ~1e-6 relative; an indexing error by O(1)).
 */
import { GROUP_NORM_KERNEL, Rng, randomNormal, useBackend } from '@dale/core';
import { type GroupNormActivation, groupNormBackward, groupNormForward } from '@dale/core/internal';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WASM_TRAINING_KERNELS } from '../src/index.ts';
import { groupNormChunking, loadGroupNorm } from '../src/kernels/group-norm-simd.ts';
import { maxRelativeError, on } from './compare.ts';

const TOLERANCE = 1e-4;

function filled(rng: Rng, size: number, mean: number, spread: number): Float32Array {
  return randomNormal(rng, [size]).mul(spread).add(mean).dataSync() as Float32Array;
}

// Channels that are and are not multiples of the SIMD width; pixel counts below, at and above the
// 64-pixel blocks of the sums; one group and one channel per group.
const groupNormCases = [
  { batch: 3, height: 5, width: 7, channels: 6, groups: 3 },
  { batch: 3, height: 8, width: 8, channels: 32, groups: 8 },
  { batch: 1, height: 13, width: 11, channels: 12, groups: 1 },
  { batch: 4, height: 9, width: 10, channels: 10, groups: 10 },
];

describe('fused group norm on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('registers the fast kernels', () => {
    expect(WASM_TRAINING_KERNELS).toEqual(
      expect.arrayContaining([
        'Identity',
        'BatchMatMul',
        'Sum',
        GROUP_NORM_KERNEL,
        'DaleGroupNormGrad',
      ]),
    );
  });

  afterEach(() => {
    groupNormChunking.floats = 1 << 21;
  });

  it.each(
    groupNormCases.flatMap((_case, i) =>
      (['none', 'silu'] as GroupNormActivation[]).flatMap((activation) =>
        [false, true].map((chunked) => [i, activation, chunked] as const),
      ),
    ),
  )(
    'the SIMD module matches the JavaScript arithmetic (case %i, %s, chunked: %s)',
    async (i, activation, chunked) => {
      const simd = await loadGroupNorm();
      expect(simd.kind).toBe('simd');
      const c = groupNormCases[i]!;
      // Chunked: two batch elements per call, so that the batch splits unevenly (3 = 2 + 1).
      if (chunked) groupNormChunking.floats = 2 * c.height * c.width * c.channels;
      const dims = {
        batch: c.batch,
        pixels: c.height * c.width,
        channels: c.channels,
        groups: c.groups,
      };
      const attrs = { groups: c.groups, eps: 1e-5, activation };
      const rng = Rng.fromSeed(100 + i);
      const n = c.batch * dims.pixels * c.channels;
      // A large mean next to a small spread: the variance must not cancel away.
      const x = filled(rng, n, 3, 0.5);
      const dy = filled(rng, n, 0, 1);
      const scale = filled(rng, c.channels, 1, 0.3);
      const offset = filled(rng, c.channels, 0, 0.5);
      const out = () => ({
        y: new Float32Array(n),
        mean: new Float32Array(c.batch * c.groups),
        rstd: new Float32Array(c.batch * c.groups),
        dx: new Float32Array(n),
        dScale: new Float32Array(c.channels),
        dOffset: new Float32Array(c.channels),
      });
      const [js, fast] = [out(), out()];
      groupNormForward(dims, attrs, { x, scale, offset }, js);
      simd.forward(dims, attrs, { x, scale, offset }, fast);
      const gradInputs = { dy, x, scale, offset, mean: js.mean, rstd: js.rstd };
      groupNormBackward(dims, attrs, gradInputs, js);
      simd.backward(dims, attrs, gradInputs, fast);
      for (const key of Object.keys(js) as (keyof typeof js)[]) {
        expect(maxRelativeError(fast[key], js[key]), key).toBeLessThan(TOLERANCE);
      }
    },
  );

  it('the wasm kernel and its gradient match the cpu kernel', async () => {
    const run = () => {
      const rng = Rng.fromSeed(7);
      const x = randomNormal(rng, [2, 6, 5, 8]);
      const scale = tf.variable(randomNormal(rng, [8]).mul(0.2).add(1));
      const offset = tf.variable(randomNormal(rng, [8]).mul(0.2));
      const probe = randomNormal(rng, [2, 6, 5, 8]);
      const f = (input: tf.Tensor) => {
        const [y] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: input, scale, offset }, {
          groups: 4,
          eps: 1e-5,
          activation: 'silu',
        } as never) as tf.Tensor[];
        return tf.sum(tf.mul(y!, probe)) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(() => f(x), [scale, offset]);
      const dx = tf.grad(f)(x);
      const result = [value, dx, grads[scale.name]!, grads[offset.name]!];
      scale.dispose();
      offset.dispose();
      return result;
    };
    const reference = await on('cpu', run);
    const wasm = await on('wasm', run);
    reference.forEach((r, i) =>
      expect(maxRelativeError(wasm[i]!, r), `output ${i}`).toBeLessThan(TOLERANCE),
    );
  });
});

describe('fused group norm memory', () => {
  it('repeated training steps leave no tensor and no heap buffer behind', async () => {
    await useBackend('wasm');
    const rng = Rng.fromSeed(5);
    const x = randomNormal(rng, [2, 4, 4, 8]);
    const scale = tf.variable(tf.ones([8]));
    const offset = tf.variable(tf.zeros([8]));
    const heap = (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const [y] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x, scale, offset }, {
          groups: 2,
          eps: 1e-5,
          activation: 'silu',
        } as never) as tf.Tensor[];
        return tf.sum(tf.square(y!)) as tf.Scalar;
      });
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const tensors = tf.memory().numTensors;
    const buffers = heap.numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap.numDataIds()).toBe(buffers);
    tf.dispose([x, scale, offset]);
  });
});

// 2-D with either operand transposed, batched (attention's shapes, small), a batch against a
// single matrix (broadcast), and a rank-4 batch.
const matMulCases: [number[], number[], boolean, boolean][] = [
  [[37, 9], [37, 5], true, false],
  [[6, 11], [8, 11], false, true],
  [[7, 4], [9, 7], true, true],
  [[3, 5, 6], [3, 6, 4], false, false],
  [[3, 5, 6], [3, 5, 4], true, false],
  [[3, 5, 6], [3, 7, 6], false, true],
  [[4, 5, 6], [1, 6, 3], false, false],
  [[2, 3, 4, 5], [2, 3, 5, 2], false, false],
];

describe('BatchMatMul on wasm', () => {
  it.each(matMulCases.map((c, i) => [i, c] as const))(
    'matches cpu (case %i)',
    async (i, [shapeA, shapeB, transposeA, transposeB]) => {
      const run = () => {
        const rng = Rng.fromSeed(200 + i);
        const a = randomNormal(rng, shapeA);
        const b = randomNormal(rng, shapeB);
        const product = tf.matMul(a, b, transposeA, transposeB);
        // TensorFlow.js's BatchMatMul gradient cannot undo a broadcast batch (on any backend).
        if (shapeA[0] !== shapeB[0]) return [product];
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(p, q, transposeA, transposeB))),
        )([a, b]);
        return [product, da!, db!];
      };
      const reference = await on('cpu', run);
      const wasm = await on('wasm', run);
      reference.forEach((r, k) =>
        expect(maxRelativeError(wasm[k]!, r), `output ${k}`).toBeLessThan(TOLERANCE),
      );
    },
  );

  it('a batched product with the same operand on both sides (attention logits) matches cpu', async () => {
    const run = () => {
      const tokens = randomNormal(Rng.fromSeed(9), [3, 12, 4]);
      return [tf.matMul(tokens, tokens, false, true)];
    };
    const reference = await on('cpu', run);
    const wasm = await on('wasm', run);
    expect(maxRelativeError(wasm[0]!, reference[0]!)).toBeLessThan(TOLERANCE);
  });
});

describe('Sum on wasm', () => {
  // Leading axes (our column sums, with and without keepDims, negative axes), and reductions the
  // built-in kernel keeps: innermost, scattered and all axes.
  const sumCases: [number[], number | number[], boolean][] = [
    [[4, 5, 6, 3], [0, 1, 2], false],
    [[4, 5, 6, 3], [0, 1], true],
    [[7, 9], 0, false],
    [[4, 5, 6, 3], [-4, -3, -2], false],
    [[4, 5, 6, 3], [3], false],
    [[4, 5, 6, 3], [0, 2], true],
    [[4, 5, 6, 3], [0, 1, 2, 3], false],
  ];
  it.each(sumCases.map((c, i) => [i, c] as const))(
    'matches cpu (case %i)',
    async (i, [shape, axis, keepDims]) => {
      const run = () => [tf.sum(randomNormal(Rng.fromSeed(300 + i), shape), axis, keepDims)];
      const reference = await on('cpu', run);
      const wasm = await on('wasm', run);
      expect(maxRelativeError(wasm[0]!, reference[0]!)).toBeLessThan(TOLERANCE);
      const shapeOn = async (backend: string) => {
        await useBackend(backend);
        const result = tf.tidy(() => tf.sum(tf.zeros(shape), axis, keepDims));
        result.dispose();
        return result.shape;
      };
      expect(await shapeOn('wasm')).toEqual(await shapeOn('cpu'));
    },
  );
});

describe('Identity on wasm', () => {
  it('shares the data without copying, and frees it once every holder is disposed', async () => {
    await useBackend('wasm');
    const heap = (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap;
    const buffers = heap.numDataIds();
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(heap.numDataIds()).toBe(buffers + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(heap.numDataIds()).toBe(buffers);
  });
});
