/**
 * `@dale/core`'s fused group norm (+ SiLU) kernels on the `wasm` backend, on views of the
 * WebAssembly heap: by the SIMD module of `group-norm-simd.ts` once {@link useGroupNormSimd} has
 * loaded it, by `@dale/core`'s JavaScript arithmetic (the same as the `cpu` kernels) before.
 */
import {
  GROUP_NORM_GRAD_KERNEL,
  GROUP_NORM_KERNEL,
  type GroupNormGradInputs,
  type GroupNormInputs,
  groupNormKernelArrays,
  groupNormKernelSizes,
} from '@dale/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type GroupNormImplementation, jsGroupNorm, loadGroupNorm } from './group-norm-simd.ts';
import { allocate, asWasm, f32, type KernelArgs } from './wasm-heap.ts';

let implementation: GroupNormImplementation = jsGroupNorm;

/** Loads the SIMD implementation for the kernels below (once); resolves to its kind. */
export async function useGroupNormSimd(): Promise<GroupNormImplementation['kind']> {
  if (implementation === jsGroupNorm) implementation = await loadGroupNorm();
  return implementation.kind;
}

function groupNorm({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = asWasm(b);
  const { shape, attrs: a, dims } = groupNormKernelSizes(inputs, attrs);
  // Every allocation before the first view: allocating may move the heap.
  const out = [shape, [dims.batch, dims.groups], [dims.batch, dims.groups]].map((s) =>
    allocate(backend, s),
  ) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const [y, mean, rstd] = out.map((t) => f32(backend, t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const arrays = groupNormKernelArrays<keyof GroupNormInputs>(inputs, (t) => f32(backend, t));
  implementation.forward(dims, a, arrays, { y, mean, rstd });
  return out;
}

function groupNormGrad({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = asWasm(b);
  const { shape, attrs: a, dims } = groupNormKernelSizes(inputs, attrs);
  const out = [shape, [dims.channels], [dims.channels]].map((s) => allocate(backend, s)) as [
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
  ];
  const [dx, dScale, dOffset] = out.map((t) => f32(backend, t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const arrays = groupNormKernelArrays<keyof GroupNormGradInputs>(inputs, (t) => f32(backend, t));
  implementation.backward(dims, a, arrays, { dx, dScale, dOffset });
  return out;
}

/** `DaleGroupNorm` for `wasm`. */
export const groupNormConfig: tf.KernelConfig = {
  kernelName: GROUP_NORM_KERNEL,
  backendName: 'wasm',
  kernelFunc: groupNorm as unknown as tf.KernelFunc,
};

/** `DaleGroupNormGrad` for `wasm`. */
export const groupNormGradConfig: tf.KernelConfig = {
  kernelName: GROUP_NORM_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: groupNormGrad as unknown as tf.KernelFunc,
};
