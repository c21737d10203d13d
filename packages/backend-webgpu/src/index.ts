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
import {
  type AdapterLike,
  DAWN_INSTALL_HINT,
  dawnInstalled,
  describeAdapter,
  ensureNavigatorGpu,
  probeAdapterQuietly,
} from './navigator-gpu.ts';

export {
  type AdapterLike,
  DAWN_INSTALL_HINT,
  DAWN_LIMIT_WARNING,
  DAWN_VERSION,
  dawnInstalled,
  describeAdapter,
  ensureNavigatorGpu,
  type GpuLike,
  probeAdapterQuietly,
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
    const inNode = typeof process === 'object' && typeof process.versions?.node === 'string';
    const hasGpu = Boolean((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu);
    if (inNode && !hasGpu && !dawnInstalled()) {
      return { available: false, reason: `Dawn is not installed (${DAWN_INSTALL_HINT})` };
    }
    // In Node, until WebGPU is chosen, the adapter is asked for in a child process, which keeps
    // Dawn's adapter-limit warnings off the user's standard error.
    const adapter = inNode && !hasGpu ? await probeAdapterQuietly() : await findAdapter();
    if (!adapter) {
      return {
        available: false,
        reason: inNode
          ? 'no WebGPU adapter (Dawn found none: install a Vulkan driver, e.g. Mesa ≥ 25)'
          : 'no WebGPU adapter (this browser has no navigator.gpu, or it gave no adapter)',
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
