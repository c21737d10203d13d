/**
 * Both gradients of a stride-1 NHWC convolution written as forward convolutions, so that they run
 * in the backend's multithreaded XNNPACK `Conv2D` instead of a JavaScript im2col / col2im:
 *
 *   dx = conv(dy, W̃)     W̃[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co], padding KH−1−top, …
 *   dWᵀ = conv(x̃, d̃y)    x̃ = x as [Cin, H, W, B], d̃y = dy as [OH, OW, B, Cout], padding top, …
 *
 * (the second is the sum over batch and positions of dW[kh, kw, ci, co] = Σ x[b, oy+kh−top,
 * ox+kw−left, ci]·dy[b, oy, ox, co] read as a correlation whose "channels" are the batch). Each
 * function returns `undefined` when the convolution is not of this kind (strides, NCHW, padding
 * larger than the kernel), and the caller falls back to its general path.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { allocate, f32, free, type HeapTensor, matMul, wasmKernel } from './wasm-heap.ts';

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

function conv(backend: BackendWasm, x: HeapTensor, filter: HeapTensor, pad: ExplicitPad) {
  return wasmKernel(tf.Conv2D)({
    inputs: { x, filter },
    backend,
    attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined },
  } as never) as HeapTensor;
}

function transpose(backend: BackendWasm, x: HeapTensor, perm: number[]): HeapTensor {
  return wasmKernel(tf.Transpose)({
    inputs: { x },
    backend,
    attrs: { perm },
  } as never) as HeapTensor;
}

/** Whether this convolution has unit strides, NHWC data and no padding beyond the kernel. */
function isStrideOne(info: tf.backend_util.Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return (
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.dataFormat === 'channelsLast' &&
    Math.min(top, bottom, left, right) >= 0 &&
    Math.max(top, bottom) < info.filterHeight &&
    Math.max(left, right) < info.filterWidth
  );
}

/** Writes W̃[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co] of w [KH, KW, Cin, Cout] into `out`. */
export function flipFilter(w: Float32Array, shape: readonly number[], out: Float32Array): void {
  const [kH, kW, cin, cout] = shape as [number, number, number, number];
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const from = ((kH - 1 - kh) * kW + (kW - 1 - kw)) * cin * cout;
      const to = (kh * kW + kw) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) out[to + co * cin + ci] = w[from + ci * cout + co]!;
      }
    }
  }
}

/** dx of a stride-1 convolution as the convolution of dy with the flipped, transposed filter. */
export function strideOneBackpropInput(
  backend: BackendWasm,
  dy: HeapTensor,
  filter: HeapTensor,
  info: tf.backend_util.Conv2DInfo,
): HeapTensor | undefined {
  if (!isStrideOne(info)) return undefined;
  const { filterHeight: kH, filterWidth: kW, inChannels: cin, outChannels: cout } = info;
  const { top, bottom, left, right } = info.padInfo;
  const flipped = allocate(backend, [kH, kW, cout, cin]);
  flipFilter(f32(backend, filter), [kH, kW, cin, cout], f32(backend, flipped));
  const dx = conv(backend, dy, flipped, [
    [0, 0],
    [kH - 1 - top, kH - 1 - bottom],
    [kW - 1 - left, kW - 1 - right],
    [0, 0],
  ]);
  free(backend, flipped);
  return dx;
}

/**
 * dW of a 1×1 stride-1 convolution: xᵀ·dy with x as [B·H·W, Cin] and dy as [B·H·W, Cout], one
 * XNNPACK matrix product (as a convolution with a H×W kernel it ran 5–10× slower).
 */
function pointwiseBackpropFilter(backend: BackendWasm, x: HeapTensor, dy: HeapTensor): HeapTensor {
  const cin = x.shape[3]!;
  const cout = dy.shape[3]!;
  const rows = tf.util.sizeFromShape(x.shape) / cin;
  const columns = transpose(backend, { ...x, shape: [rows, cin] }, [1, 0]); // [Cin, B·H·W]
  const product = matMul(backend, columns, { ...dy, shape: [rows, cout] });
  free(backend, columns);
  return { ...product, shape: [1, 1, cin, cout] };
}

/** dW of a stride-1 convolution as a convolution of x (batch as channels) with dy as the filter. */
export function strideOneBackpropFilter(
  backend: BackendWasm,
  x: HeapTensor,
  dy: HeapTensor,
  info: tf.backend_util.Conv2DInfo,
): HeapTensor | undefined {
  if (!isStrideOne(info)) return undefined;
  const { top, bottom, left, right } = info.padInfo;
  if (info.filterHeight === 1 && info.filterWidth === 1)
    return pointwiseBackpropFilter(backend, x, dy);
  const images = transpose(backend, x, [3, 1, 2, 0]); // [Cin, H, W, B]
  const kernel = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, Cout]
  const product = conv(backend, images, kernel, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]); // [Cin, KH, KW, Cout]
  const dw = transpose(backend, product, [1, 2, 0, 3]);
  free(backend, images, kernel, product);
  return dw;
}
