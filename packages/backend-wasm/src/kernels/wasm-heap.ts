/**
 * Heap access for kernels written in JavaScript on the `wasm` backend: tensors live in the
 * WebAssembly heap, and a typed-array view of one stays valid only until the heap grows (any
 * allocation may grow it). Kernels therefore allocate every tensor first and take views after.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/** A `TensorInfo` that a kernel received or allocated on the wasm backend. */
export type HeapTensor = tf.TensorInfo;

/** The arguments TensorFlow.js passes to a kernel function. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** The wasm backend's own kernel `name` (e.g. its XNNPACK `Conv2D`), to call from a kernel here. */
export function wasmKernel(name: string): tf.KernelFunc {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc;
}

/** The wasm backend as the kernel function receives it (typed as a generic `KernelBackend`). */
export function asWasm(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

/** A float32 view of `t` in the heap; take it after the last allocation that precedes its use. */
export function f32(backend: BackendWasm, t: HeapTensor): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Allocates an uninitialised float32 tensor of `shape` in the heap. */
export function allocate(backend: BackendWasm, shape: number[]): HeapTensor {
  return backend.makeOutput(shape, 'float32');
}

/** Frees tensors that a kernel allocated for itself (not its inputs, not its output). */
export function free(backend: BackendWasm, ...tensors: HeapTensor[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

/**
 * `a · b` for row-major float32 matrices `a` [m, k] and `b` [k, n] by the wasm backend's own
 * `BatchMatMul` kernel (XNNPACK); the caller frees the returned [m, n] tensor.
 */
export function matMul(backend: BackendWasm, a: HeapTensor, b: HeapTensor): HeapTensor {
  return wasmKernel(tf.BatchMatMul)({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as HeapTensor;
}

/**
 * The budget, in floats, of one im2col-style chunk: about 8 Mi floats (32 MiB), so that memory
 * stays bounded for large batches while each matrix product stays large enough for XNNPACK to run
 * at full speed. Internal; tests lower it to exercise the accumulation across chunks.
 */
export const chunking = { floats: 8 << 20 };

/** How many rows of an im2col-style matrix of `width` floats to build at once. */
export function chunkRows(total: number, width: number): number {
  return Math.max(1, Math.min(total, Math.floor(chunking.floats / Math.max(1, width))));
}

/**
 * The wasm backend's own kernel that one of ours replaces, kept to run the cases ours leaves
 * alone. Call `capture()` before registering ours: it remembers the built-in kernel and copies
 * its setup (which binds its WebAssembly function) onto our config.
 */
export function builtInKernel(config: tf.KernelConfig): {
  capture(): void;
  run(args: KernelArgs): tf.TensorInfo;
} {
  let builtIn: tf.KernelFunc | undefined;
  return {
    capture() {
      const kernel = tf.getKernel(config.kernelName, 'wasm');
      if (kernel !== undefined && kernel.kernelFunc !== config.kernelFunc) {
        builtIn = kernel.kernelFunc;
        config.setupFunc = kernel.setupFunc;
      }
    },
    run(args) {
      if (builtIn === undefined)
        throw new Error(`the built-in wasm ${config.kernelName} was not captured`);
      return builtIn(args as never) as tf.TensorInfo;
    },
  };
}
