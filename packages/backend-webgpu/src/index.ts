/**
 * `@dale/backend-webgpu`: TensorFlow.js's WebGPU backend as a dale backend plugin — in browsers on
 * the page's `navigator.gpu`, in Node on Dawn (the `webgpu` npm package). Importing this package
 * registers the plugin; `useBackend('webgpu')` selects it, and `useBackend('auto')` prefers it
 * over `wasm` and `cpu` on a hardware adapter (a software adapter such as Mesa's lavapipe is used
 * only when named).
 *
 * @example
 * ```ts
 * import '@dale/backend-webgpu';
 * import { useBackend } from '@dale/core';
 * const chosen = await useBackend('webgpu');
 * console.log(chosen.device, chosen.software); // e.g. "WebGPU: mesa … llvmpipe …", true
 * ```
 * @packageDocumentation
 */
import { type BackendPlugin, registerBackendPlugin } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { type AdapterLike, describeAdapter, ensureNavigatorGpu } from './navigator-gpu.ts';

export {
  type AdapterLike,
  describeAdapter,
  ensureNavigatorGpu,
  type GpuLike,
} from './navigator-gpu.ts';

let adapterPromise: Promise<AdapterLike | null> | undefined;

/** The WebGPU adapter dale would use, or null when there is none (installs Dawn in Node first). */
export function findAdapter(): Promise<AdapterLike | null> {
  adapterPromise ??= ensureNavigatorGpu().then((gpu) =>
    gpu ? gpu.requestAdapter({ powerPreference: 'high-performance' }) : null,
  );
  return adapterPromise;
}

/** The `webgpu` backend plugin (priority 50: above `wasm`, below `tensorflow`). */
export const webgpuBackendPlugin: BackendPlugin = {
  name: 'webgpu',
  priority: 50,
  async isAvailable({ mode }) {
    const adapter = await findAdapter();
    if (!adapter) {
      return {
        available: false,
        reason:
          'no WebGPU adapter (in Node: install the optional `webgpu` package and a Vulkan driver, e.g. Mesa ≥ 25)',
      };
    }
    const { device, software } = describeAdapter(adapter);
    if (mode === 'auto' && software) {
      return {
        available: false,
        reason: `${device} is a software adapter; wasm is faster on the CPU (name 'webgpu' to use it anyway)`,
      };
    }
    return true;
  },
  async init() {
    const adapter = await findAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
    await tf.ready();
    const { device, software } = describeAdapter(adapter);
    // TensorFlow.js 4.22 reads WebGPU tensors synchronously through an OffscreenCanvas, which
    // browsers have and Node does not.
    const synchronousReads =
      typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined';
    return { device, software, tfBackend: tf.getBackend(), synchronousReads };
  },
};

registerBackendPlugin(webgpuBackendPlugin);
