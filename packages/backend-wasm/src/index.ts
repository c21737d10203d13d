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
import { THREADED_GLUE_VERSION, wasmThreadCount, withNodeThreads } from './node-threads.ts';
import { registerWasmTrainingKernels } from './training-kernels.ts';
import {
  diagnoseWasmFailure,
  userWasmPaths,
  wasmFileFor,
  wasmFileUrl,
  wasmInitError,
  wasmPathsForBrowser,
} from './wasm-files.ts';

export { MAX_WASM_THREADS, wasmThreadCount } from './node-threads.ts';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './training-kernels.ts';
export {
  bundledWasmFiles,
  setWasmPaths,
  WASM_FILE_NAMES,
  type WasmFileName,
  type WasmPaths,
} from './wasm-files.ts';

/**
 * What the wasm backend runs on, e.g. "WebAssembly (XNNPACK, SIMD, 2 threads)". Browsers get the
 * threaded binary from TensorFlow.js when the page may use SharedArrayBuffer (cross-origin
 * isolated); Node gets it from {@link wasmBackendPlugin}'s `init` (see {@link wasmThreadCount}).
 */
async function describeWasm(getThreadsCount: () => number, why: string): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = Math.max(1, getThreadsCount());
  return `WebAssembly (XNNPACK${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}${why})`;
}

/**
 * In Node: how many threads to start and, when one, why. The threaded glue is used only with the
 * TensorFlow.js version it was written against.
 */
function nodeThreadPlan(wasmVersion: string): { threads: number; why: string } {
  const available = process.getBuiltinModule('node:os').availableParallelism();
  const threads = wasmThreadCount(process.env.DALE_WASM_THREADS, available);
  if (wasmVersion !== THREADED_GLUE_VERSION) {
    return {
      threads: 1,
      why: `: threads need @tensorflow/tfjs-backend-wasm ${THREADED_GLUE_VERSION}, found ${wasmVersion}`,
    };
  }
  if (threads === 1) {
    const why = process.env.DALE_WASM_THREADS ? ': DALE_WASM_THREADS=1' : ': one CPU available';
    return { threads, why };
  }
  return { threads, why: '' };
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
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    await registerWasmTrainingKernels();
    const isNode = tf.env().getBool('IS_NODE');
    const plan = isNode ? nodeThreadPlan(wasm.version_wasm) : { threads: 1, why: '' };
    // Browsers fetch the binaries this package ships (see bundledWasmFiles); Node reads
    // TensorFlow.js's own unless setWasmPaths said otherwise.
    const paths = isNode ? userWasmPaths() : wasmPathsForBrowser();
    if (paths !== undefined) wasm.setWasmPaths(paths);
    const started =
      plan.threads > 1
        ? await withNodeThreads(
            plan.threads,
            (threads) => {
              tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
              wasm.setThreadsCount(threads);
            },
            () => tf.setBackend('wasm'),
          )
        : await tf.setBackend('wasm');
    if (!started && !isNode && paths !== undefined) {
      const [simd, threads] = await Promise.all([
        tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
        tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      ]);
      const file = wasmFileFor(Boolean(simd), Boolean(threads));
      const url = wasmFileUrl(paths, file, globalThis.location?.href);
      throw wasmInitError(await diagnoseWasmFailure(url));
    }
    if (!started) throw new Error('tf.setBackend("wasm") failed');
    await tf.ready();
    return {
      device: await describeWasm(wasm.getThreadsCount, plan.why),
      software: false,
      tfBackend: tf.getBackend(),
    };
  },
};

registerBackendPlugin(wasmBackendPlugin);
