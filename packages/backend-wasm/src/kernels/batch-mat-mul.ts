/**
 * `BatchMatMul` routed to XNNPACK whenever possible. TensorFlow.js 4.22's wasm kernel uses
 * XNNPACK only for a single, untransposed product; a transposed operand (every matmul gradient)
 * or a batch (attention) falls to a scalar triple loop about 5–10× slower. Here transposed
 * operands are transposed explicitly first (a copy, cheap next to the product) and batches are
 * run one product at a time; the built-in kernel then always takes its XNNPACK path.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {
  allocate,
  asWasm,
  builtInKernel,
  f32,
  free,
  type HeapTensor,
  type KernelArgs,
  wasmKernel,
} from './wasm-heap.ts';

function product(backend: BackendWasm, a: HeapTensor, b: HeapTensor): HeapTensor {
  return builtInBatchMatMul.run({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
}

/** `t` as [batch, rows, cols], its last two axes swapped into a new tensor when `transposed`. */
function asRowMajor(backend: BackendWasm, t: HeapTensor, transposed: boolean): HeapTensor {
  const batch = tf.util.sizeFromShape(t.shape.slice(0, -2));
  const [r, c] = t.shape.slice(-2) as [number, number];
  if (!transposed) return { ...t, shape: [batch, r, c] };
  const rank = t.shape.length;
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  const out = wasmKernel(tf.Transpose)({ inputs: { x: t }, backend, attrs: { perm } } as never);
  return { ...(out as HeapTensor), shape: [batch, c, r] };
}

function batchMatMul({ inputs, backend: b, attrs }: KernelArgs): HeapTensor {
  const backend = asWasm(b);
  const { a, b: right } = inputs as { a: HeapTensor; b: HeapTensor };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(right.shape.slice(0, -2));
  const fast = !transposeA && !transposeB && batchA === 1 && batchB === 1;
  const mixedRanks = a.shape.length !== right.shape.length && batchA > 1 && batchB > 1;
  const unequalBatches = batchA !== batchB && batchA !== 1 && batchB !== 1;
  if (fast || a.dtype !== 'float32' || right.dtype !== 'float32' || mixedRanks || unequalBatches) {
    return builtInBatchMatMul.run({ inputs, backend, attrs });
  }
  const outShape = tf.broadcast_util
    .assertAndGetBroadcastShape(a.shape.slice(0, -2), right.shape.slice(0, -2))
    .concat([
      transposeA ? a.shape[a.shape.length - 1]! : a.shape[a.shape.length - 2]!,
      transposeB ? right.shape[right.shape.length - 2]! : right.shape[right.shape.length - 1]!,
    ]);
  const left3 = asRowMajor(backend, a, transposeA);
  const right3 = asRowMajor(backend, right, transposeB);
  const [, m, k] = left3.shape as [number, number, number];
  const n = right3.shape[2]!;
  const batch = Math.max(batchA, batchB);
  let out: HeapTensor;
  if (batch === 1) {
    out = { ...product(backend, left3, right3), shape: outShape };
  } else {
    out = allocate(backend, outShape);
    for (let i = 0; i < batch; i++) {
      // XNNPACK caches its packed weights by the id of b, so each slice of b is a new tensor.
      const sliceA = allocate(backend, [1, m, k]);
      const sliceB = allocate(backend, [1, k, n]);
      const ia = batchA === 1 ? 0 : i;
      const ib = batchB === 1 ? 0 : i;
      f32(backend, sliceA).set(f32(backend, left3).subarray(ia * m * k, (ia + 1) * m * k));
      f32(backend, sliceB).set(f32(backend, right3).subarray(ib * k * n, (ib + 1) * k * n));
      const result = product(backend, sliceA, sliceB);
      f32(backend, out).set(f32(backend, result), i * m * n);
      free(backend, result, sliceA, sliceB);
    }
  }
  if (transposeA) free(backend, left3);
  if (transposeB) free(backend, right3);
  return out;
}

/** Our `BatchMatMul` for `wasm`; `builtInBatchMatMul.capture()` must run before it is registered. */
export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};

/** The built-in `BatchMatMul`, for the single untransposed products it already runs fast. */
export const builtInBatchMatMul = builtInKernel(batchMatMulConfig);
