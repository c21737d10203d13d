/**
 * `UnsortedSegmentSum` for the `wasm` backend (TensorFlow.js 4.22 has none). It is the gradient of
 * `tf.gather` (embedding tables, e.g. class or time-step embeddings):
 *
 *   out[s, …] = Σ_{i : ids[i] = s} x[i, …],   s = 0 … numSegments − 1,
 *
 * for rank-1 segment ids (the case the cpu backend implements); ids outside [0, numSegments) are
 * dropped, as on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type KernelArgs } from './wasm-heap.ts';

function unsortedSegmentSum({ inputs, backend: kernelBackend, attrs }: KernelArgs): tf.TensorInfo {
  const backend = asWasm(kernelBackend);
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum on wasm: segmentIds must have shape [${x.shape[0]}] (rank 1, one id ` +
        `per row of x), got [${segmentIds.shape}]`,
    );
  }
  const rows = x.shape[0] ?? 1;
  const rowSize = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows;
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const acc = new Float64Array(numSegments * rowSize);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * rowSize;
    const to = s * rowSize;
    for (let j = 0; j < rowSize; j++) acc[to + j]! += xv[from + j]!;
  }
  backend.typedArrayFromHeap(out).set(acc);
  return out;
}

/** The `UnsortedSegmentSum` kernel for the `wasm` backend (float32 and int32 data). */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
