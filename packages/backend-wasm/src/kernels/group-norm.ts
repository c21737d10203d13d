/**
 * `@dale/core`'s fused group norm (+ SiLU) kernels on the `wasm` backend, on views of the
 * WebAssembly heap: by the SIMD module of `group-norm-simd.ts` once {@link useGroupNormSimd} has
 * loaded it, by `@dale/core`'s JavaScript arithmetic (the same as the `cpu` kernels) before.
 */
import { GROUP_NORM_KERNEL } from '@dale/core';
import { GROUP_NORM_GRAD_KERNEL, type HostArrays, runGroupNormKernel } from '@dale/core/internal';
import type * as tf from '@tensorflow/tfjs-core';
import { type GroupNormImplementation, jsGroupNorm, loadGroupNorm } from './group-norm-simd.ts';
import { allocate, asWasm, f32, type KernelArgs } from './wasm-heap.ts';

let implementation: GroupNormImplementation = jsGroupNorm;

/** Loads the SIMD implementation for the kernels below (once); resolves to its kind. */
export async function useGroupNormSimd(): Promise<GroupNormImplementation['kind']> {
  if (implementation === jsGroupNorm) implementation = await loadGroupNorm();
  return implementation.kind;
}

/** The wasm heap as `@dale/core`'s {@link HostArrays}. */
function heapArrays(backend: unknown): HostArrays {
  const wasm = asWasm(backend);
  return { allocate: (shape) => allocate(wasm, shape), values: (t) => f32(wasm, t) };
}

/** `DaleGroupNorm` for `wasm`. */
export const groupNormConfig: tf.KernelConfig = {
  kernelName: GROUP_NORM_KERNEL,
  backendName: 'wasm',
  kernelFunc: (args) =>
    runGroupNormKernel(false, args as KernelArgs, heapArrays(args.backend), implementation),
};

/** `DaleGroupNormGrad` for `wasm`. */
export const groupNormGradConfig: tf.KernelConfig = {
  kernelName: GROUP_NORM_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: (args) =>
    runGroupNormKernel(true, args as KernelArgs, heapArrays(args.backend), implementation),
};
