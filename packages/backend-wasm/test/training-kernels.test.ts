/**
 * The kernels registered for `wasm` against the `cpu` backend (the reference), on random shapes.
 * Inputs are drawn with dale's Rng, so both backends see identical numbers. Tolerance: 1e-4 of the
 * reference's largest magnitude. Both sides sum the same float32 products (at most a few hundred
 * per entry here) in different orders, which moves results by ~1e-6 relative; an indexing error
 * (a wrong tap, stride, pad or channel) moves them by O(1).
 */
import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WASM_TRAINING_KERNELS } from '../src/index.ts';
import { chunking } from '../src/kernels/wasm-heap.ts';
import { maxRelativeError, on } from './compare.ts';

const TOLERANCE = 1e-4;
type Pad =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number | [number, number];
  pad: Pad;
  format?: 'NHWC' | 'NCHW';
}

// Strides 1, 2 and (2, 1) (stride 1 NHWC takes the forward-convolution path, the rest im2col);
// 'same', 'valid' and explicit padding; batch 1 to 4; 1 channel in or
// out; kernels 1 and 3; non-square inputs; one NCHW case.
const convCases: ConvCase[] = [
  {
    batch: 1,
    height: 7,
    width: 10,
    inChannels: 1,
    outChannels: 5,
    kernel: 3,
    stride: 1,
    pad: 'same',
  },
  {
    batch: 3,
    height: 9,
    width: 6,
    inChannels: 4,
    outChannels: 1,
    kernel: 3,
    stride: 2,
    pad: 'same',
  },
  {
    batch: 3,
    height: 8,
    width: 11,
    inChannels: 3,
    outChannels: 6,
    kernel: 3,
    stride: 2,
    pad: 'valid',
  },
  {
    batch: 1,
    height: 5,
    width: 4,
    inChannels: 2,
    outChannels: 3,
    kernel: 1,
    stride: 1,
    pad: 'valid',
  },
  {
    batch: 3,
    height: 6,
    width: 9,
    inChannels: 5,
    outChannels: 2,
    kernel: 1,
    stride: 2,
    pad: 'same',
  },
  {
    batch: 3,
    height: 7,
    width: 8,
    inChannels: 4,
    outChannels: 4,
    kernel: 3,
    stride: 1,
    pad: [
      [0, 0],
      [2, 0],
      [1, 1],
      [0, 0],
    ],
  },
  {
    batch: 2,
    height: 10,
    width: 7,
    inChannels: 3,
    outChannels: 4,
    kernel: 3,
    stride: [2, 1],
    pad: 'same',
  },
  {
    batch: 3,
    height: 6,
    width: 5,
    inChannels: 3,
    outChannels: 2,
    kernel: 3,
    stride: 2,
    pad: 'same',
    format: 'NCHW',
  },
  {
    batch: 4,
    height: 6,
    width: 9,
    inChannels: 3,
    outChannels: 5,
    kernel: 3,
    stride: 1,
    pad: 'valid',
  },
  {
    batch: 2,
    height: 5,
    width: 7,
    inChannels: 3,
    outChannels: 2,
    kernel: 3,
    stride: 1,
    pad: 'same',
    format: 'NCHW',
  },
];

function convShapes(c: ConvCase) {
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const filterShape: [number, number, number, number] = [
    c.kernel,
    c.kernel,
    c.inChannels,
    c.outChannels,
  ];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, c.stride, 1, c.pad);
  const toFormat = (s: number[]) => (c.format === 'NCHW' ? [s[0]!, s[3]!, s[1]!, s[2]!] : s);
  return { xShape: toFormat(xShape), dyShape: toFormat(info.outShape), filterShape };
}

function convGradients(c: ConvCase, seed: number): tf.Tensor[] {
  const { xShape, dyShape, filterShape } = convShapes(c);
  const rng = Rng.fromSeed(seed);
  const x = randomNormal(rng, xShape);
  const dy = randomNormal(rng, dyShape);
  const filter = randomNormal(rng, filterShape);
  const common = { strides: c.stride, pad: c.pad, dataFormat: c.format ?? 'NHWC' };
  const dFilter = tf
    .engine()
    .runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...common, filterShape });
  const dx = tf
    .engine()
    .runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...common, inputShape: xShape });
  return [dFilter as tf.Tensor, dx as tf.Tensor];
}

interface DepthwiseCase {
  batch: number;
  height: number;
  width: number;
  channels: number;
  multiplier: number;
  kernel: number;
  stride: number;
  dilation: number;
  pad: Pad;
}

const depthwiseCases: DepthwiseCase[] = [
  {
    batch: 1,
    height: 7,
    width: 10,
    channels: 1,
    multiplier: 1,
    kernel: 3,
    stride: 1,
    dilation: 1,
    pad: 'same',
  },
  {
    batch: 3,
    height: 9,
    width: 6,
    channels: 4,
    multiplier: 2,
    kernel: 3,
    stride: 2,
    dilation: 1,
    pad: 'same',
  },
  {
    batch: 3,
    height: 8,
    width: 11,
    channels: 3,
    multiplier: 3,
    kernel: 3,
    stride: 2,
    dilation: 1,
    pad: 'valid',
  },
  {
    batch: 1,
    height: 5,
    width: 4,
    channels: 2,
    multiplier: 1,
    kernel: 1,
    stride: 1,
    dilation: 1,
    pad: 'valid',
  },
  {
    batch: 3,
    height: 9,
    width: 8,
    channels: 3,
    multiplier: 2,
    kernel: 3,
    stride: 1,
    dilation: 2,
    pad: 'same',
  },
  {
    batch: 1,
    height: 10,
    width: 7,
    channels: 2,
    multiplier: 1,
    kernel: 3,
    stride: 1,
    dilation: 2,
    pad: 'valid',
  },
];

/**
 * The depthwise gradients; with `undilate`, a dilated case is run undilated with the filter
 * zero-inserted to size (k − 1)·d + 1 (an identical convolution): the cpu backend's backprop
 * kernels ignore dilations, so this is how the cpu reference is formed for dilation 2.
 */
function depthwiseGradients(c: DepthwiseCase, seed: number, undilate: boolean): tf.Tensor[] {
  const rng = Rng.fromSeed(seed);
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.channels];
  const filterShape: [number, number, number, number] = [
    c.kernel,
    c.kernel,
    c.channels,
    c.multiplier,
  ];
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    c.stride,
    c.dilation,
    c.pad,
    undefined,
    true,
  );
  const x = randomNormal(rng, xShape);
  const dy = randomNormal(rng, info.outShape);
  let filter = randomNormal(rng, filterShape);
  let dilations = c.dilation;
  let shape = filterShape;
  if (undilate && c.dilation > 1) {
    const big = (c.kernel - 1) * c.dilation + 1;
    const values = new Float32Array(big * big * c.channels * c.multiplier);
    const small = filter.dataSync();
    const tap = c.channels * c.multiplier;
    for (let kh = 0; kh < c.kernel; kh++) {
      for (let kw = 0; kw < c.kernel; kw++) {
        const from = (kh * c.kernel + kw) * tap;
        values.set(
          small.subarray(from, from + tap),
          (kh * c.dilation * big + kw * c.dilation) * tap,
        );
      }
    }
    shape = [big, big, c.channels, c.multiplier];
    filter = tf.tensor4d(values, shape);
    dilations = 1;
  }
  const common = { strides: c.stride, pad: c.pad, dilations };
  let dFilter = tf
    .engine()
    .runKernel(
      tf.DepthwiseConv2dNativeBackpropFilter,
      { x, dy },
      { ...common, filterShape: shape },
    ) as tf.Tensor;
  if (shape !== filterShape) {
    dFilter = tf.stridedSlice(dFilter, [0, 0, 0, 0], shape, [c.dilation, c.dilation, 1, 1]);
  }
  const dx = tf
    .engine()
    .runKernel(
      tf.DepthwiseConv2dNativeBackpropInput,
      { dy, filter },
      { ...common, inputShape: xShape },
    ) as tf.Tensor;
  return [dFilter, dx];
}

function expectClose(wasm: Float32Array[], reference: Float32Array[]): void {
  expect(wasm.length).toBe(reference.length);
  reference.forEach((r, i) => expect(maxRelativeError(wasm[i]!, r)).toBeLessThan(TOLERANCE));
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => {
    chunking.floats = 8 << 20;
  });

  it('registers the kernels that tfjs 4.22 wasm lacks', () => {
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    for (const name of WASM_TRAINING_KERNELS) expect(names).toContain(name);
    expect(WASM_TRAINING_KERNELS).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'UnsortedSegmentSum',
      ]),
    );
  });

  it.each(convCases.map((c, i) => [i, c] as const))(
    'Conv2DBackpropFilter and Conv2DBackpropInput match cpu (case %i)',
    async (i, c) => {
      const reference = await on('cpu', () => convGradients(c, 10 + i));
      const wasm = await on('wasm', () => convGradients(c, 10 + i));
      expectClose(wasm, reference);
    },
  );

  it('accumulates correctly across im2col chunks (chunk budget lowered to a few rows)', async () => {
    const c = convCases[2]!;
    const reference = await on('cpu', () => convGradients(c, 99));
    chunking.floats = 200; // 200 / (9·3 + 6) = 6 rows per chunk, the last one partial
    const wasm = await on('wasm', () => convGradients(c, 99));
    expectClose(wasm, reference);
  });

  it.each(depthwiseCases.map((c, i) => [i, c.dilation, c] as const))(
    'DepthwiseConv2dNativeBackpropFilter/Input match cpu (case %i, dilation %i)',
    async (i, _dilation, c) => {
      const reference = await on('cpu', () => depthwiseGradients(c, 20 + i, true));
      const wasm = await on('wasm', () => depthwiseGradients(c, 20 + i, false));
      expectClose(wasm, reference);
    },
  );

  it('UnsortedSegmentSum and the gradient of gather match cpu', async () => {
    const compute = () => {
      const rng = Rng.fromSeed(5);
      const x = randomNormal(rng, [7, 3, 2]);
      const ids = tf.tensor1d([2, 0, 2, 4, -1, 0, 5], 'int32'); // -1 and 5 are out of range
      const table = randomNormal(rng, [6, 4]);
      const picks = tf.tensor1d([1, 3, 1, 5, 1], 'int32');
      const gTable = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, picks))))(table);
      return [tf.unsortedSegmentSum(x, ids, 5), gTable];
    };
    expectClose(await on('wasm', compute), await on('cpu', compute));
  });

  it('ResizeNearestNeighborGrad is the adjoint of the forward resize (non-square, batch 3)', async () => {
    // Reference from the forward op only: dx_i = <resize(e_i), dy> for every basis image e_i.
    const shape = [3, 4, 3, 2];
    const size = 3 * 4 * 3 * 2;
    for (const alignCorners of [false, true]) {
      const dyOf = () => randomNormal(Rng.fromSeed(7), [3, 8, 7, 2]);
      const [reference] = await on('cpu', () => {
        const basis = tf.reshape(tf.eye(size), [size * 3, 4, 3, 2]) as tf.Tensor4D;
        const resized = tf.reshape(tf.image.resizeNearestNeighbor(basis, [8, 7], alignCorners), [
          size,
          3 * 8 * 7 * 2,
        ]);
        return [tf.matMul(resized, tf.reshape(dyOf(), [-1, 1]))];
      });
      const [wasm] = await on('wasm', () => [
        tf
          .engine()
          .runKernel(
            tf.ResizeNearestNeighborGrad,
            { images: tf.zeros(shape), dy: dyOf() },
            { alignCorners },
          ) as tf.Tensor,
      ]);
      expect(maxRelativeError(wasm!, reference!)).toBeLessThan(TOLERANCE);
    }
  });
});
