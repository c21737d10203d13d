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

/**
 * What the wasm backend runs on, e.g. "WebAssembly (XNNPACK, SIMD, 1 thread: …)". TensorFlow.js
 * 4.22 loads its multithreaded binary only in browsers that allow SharedArrayBuffer; in Node it
 * always runs on one thread (tensorflow/tfjs#3830).
 */
async function describeWasm(getThreadsCount: () => number): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const threads = threaded ? getThreadsCount() : 1;
  const why =
    !threaded && tf.env().getBool('IS_NODE')
      ? ': single-threaded in Node, tensorflow/tfjs#3830'
      : '';
  return `WebAssembly (XNNPACK${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}${why})`;
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
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    await registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
    return {
      device: await describeWasm(getThreadsCount),
      software: false,
      tfBackend: tf.getBackend(),
    };
  },
};

registerBackendPlugin(wasmBackendPlugin);
