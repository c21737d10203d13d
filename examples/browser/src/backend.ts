/**
 * The compute backend of the page: WebGPU when the browser hands out an adapter, otherwise
 * WebAssembly (TensorFlow.js's XNNPACK kernels, SIMD where the browser has it).
 * @module
 */
import '@dale/backend-wasm';
import { findAdapter } from '@dale/backend-webgpu';
import { type BackendSelection, useBackend } from '@dale/core';

/**
 * Select `webgpu` if `navigator.gpu` gives an adapter (and its backend starts), else `wasm`.
 * Must run before the first tensor is made, or TensorFlow.js picks a backend by itself.
 */
export async function chooseBackend(): Promise<BackendSelection> {
  const adapter = await findAdapter().catch(() => null);
  if (adapter) {
    try {
      return await useBackend('webgpu');
    } catch (error) {
      console.warn('WebGPU did not start, using WebAssembly instead:', error);
    }
  }
  // No setup for the .wasm binaries: @dale/backend-wasm names its copies with
  // `new URL(…, import.meta.url)`, so Vite emits them as assets of the build.
  return useBackend('wasm');
}
