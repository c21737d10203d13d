/**
 * `Sum` over leading axes (a bias gradient: [B, H, W, C] summed to [C]) as one pass of column
 * sums. TensorFlow.js 4.22's wasm `Sum` reduces only innermost axes, so it first transposes the
 * whole tensor; other reductions still go to it.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  allocate,
  asWasm,
  builtInKernel,
  f32,
  type HeapTensor,
  type KernelArgs,
} from './wasm-heap.ts';

/** The number of leading axes that `axis` reduces, or 0 when it is not exactly a leading run. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = tf.util.parseAxisParam(axis, [...Array(rank).fill(1)]).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i) ? axes.length : 0;
  return leading < rank ? leading : 0;
}

function sum(args: KernelArgs): HeapTensor {
  const backend = asWasm(args.backend);
  const x = args.inputs.x as HeapTensor;
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const leading = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : 0;
  if (leading === 0) return builtInSum.run(args);
  const kept = x.shape.slice(leading);
  const out = allocate(backend, keepDims ? [...Array(leading).fill(1), ...kept] : kept);
  const columns = tf.util.sizeFromShape(kept);
  const rows = tf.util.sizeFromShape(x.shape) / columns;
  const values = f32(backend, x);
  const totals = new Float64Array(columns);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++, i++) totals[c]! += values[i]!;
  }
  f32(backend, out).set(totals);
  return out;
}

/** Our `Sum` for `wasm`; `builtInSum.capture()` must run before it is registered. */
export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as tf.KernelFunc,
};

/** The built-in `Sum`, for reductions over innermost or scattered axes. */
export const builtInSum = builtInKernel(sumConfig);
