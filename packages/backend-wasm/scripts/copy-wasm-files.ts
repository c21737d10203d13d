// Copies TensorFlow.js's three .wasm binaries from the installed @tensorflow/tfjs-backend-wasm into
// this package's wasm/ folder, where src/wasm-files.ts names them with `new URL(…, import.meta.url)`
// so that bundlers emit them. Run by `build` and by `prepare` (pnpm install in the workspace).
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(packageRoot, 'package.json'));
const tfjsWasmRoot = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const { version } = JSON.parse(readFileSync(join(tfjsWasmRoot, 'package.json'), 'utf8'));
const pinned = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).dependencies[
  '@tensorflow/tfjs-backend-wasm'
];
if (version !== pinned) {
  throw new Error(
    `@tensorflow/tfjs-backend-wasm ${version} is installed, but package.json pins ${pinned}: the copied binaries must match the JavaScript that loads them`,
  );
}
const out = join(packageRoot, 'wasm');
mkdirSync(out, { recursive: true });
for (const name of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  copyFileSync(join(tfjsWasmRoot, 'dist', name), join(out, name));
}
