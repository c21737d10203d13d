/**
 * The compute backend of the page: WebGPU when the browser hands out an adapter, otherwise
 * WebAssembly (TensorFlow.js's XNNPACK kernels, SIMD where the browser has it).
 * @module
 */
import '@dale/backend-wasm';
import { findAdapter } from '@dale/backend-webgpu';
import { type BackendSelection, useBackend } from '@dale/core';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

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
  // The .wasm binaries are assets of the build (Vite hashes their names), not files next to the
  // script, so TensorFlow.js is told where they are. Imported here: WebGPU pages never load it.
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  return useBackend('wasm');
}
