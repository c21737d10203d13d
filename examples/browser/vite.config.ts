// Builds the page from the workspace's TypeScript sources: the `@dale/source` export condition
// points every @dale/* package at its src/ (no `pnpm build` first).
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: ['@dale/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    // TensorFlow.js with its WebGL, WASM and WebGPU backends is one large chunk.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // @dale/backend-webgpu imports Dawn (`webgpu`) only in Node; browsers have navigator.gpu.
      external: ['webgpu'],
    },
  },
});
