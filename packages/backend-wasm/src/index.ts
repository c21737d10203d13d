/**
 * `@dale/backend-wasm`: TensorFlow.js's WebAssembly backend (XNNPACK kernels, SIMD where the
 * runtime has it) as a dale backend plugin. Importing this package registers the plugin; choose it
 * with `useBackend('wasm')`, or let `useBackend('auto')` prefer it over the pure-JavaScript `cpu`.
 * Choosing it also registers the convolution-gradient kernels that TensorFlow.js 4.22's wasm backend
 * lacks ({@link registerWasmTrainingKernels}), so convolutional networks train on it.
 *
 * @example
 * ```ts
 * import '@dale/backend-wasm';
 * import { useBackend } from '@dale/core';
 * const chosen = await useBackend('auto'); // 'wasm' unless a faster backend is registered
 * ```
 * @packageDocumentation
 */
import { type BackendPlugin, registerBackendPlugin } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from './training-kernels.ts';

export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './training-kernels.ts';

function threadCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/**
 * The `wasm` backend plugin (priority 20: above `cpu`, below hardware GPUs). Available wherever
 * `WebAssembly` exists; its kernels run 10–30× faster than `cpu` on dense layers. Its `init`
 * also registers {@link WASM_TRAINING_KERNELS}, so convolutional networks train on it.
 */
export const wasmBackendPlugin: BackendPlugin = {
  name: 'wasm',
  priority: 20,
  isAvailable: () =>
    typeof WebAssembly === 'object'
      ? true
      : { available: false, reason: 'this JavaScript runtime has no WebAssembly' },
  async init() {
    // Imported here, not at the top, so that importing this package costs nothing until it is chosen.
    await import('@tensorflow/tfjs-backend-wasm');
    await registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
    return {
      device: `WebAssembly (XNNPACK, ${threadCount()} CPU threads available)`,
      software: false,
      tfBackend: tf.getBackend(),
    };
  },
};

registerBackendPlugin(wasmBackendPlugin);
