import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaleError } from '@dale/core';
import { describe, expect, it } from 'vitest';
import {
  bundledWasmFiles,
  diagnoseWasmFailure,
  setWasmPaths,
  WASM_FILE_NAMES,
  wasmFileFor,
  wasmFileUrl,
  wasmInitError,
  wasmPathsForBrowser,
} from '../src/wasm-files.ts';

const require = createRequire(import.meta.url);
const tfjsWasmDist = join(
  dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'dist',
);

const html = (status = 200) =>
  new Response('<!doctype html><title>app</title>', {
    status,
    headers: { 'content-type': 'text/html' },
  });

describe('the .wasm binaries shipped in @dale/backend-wasm', () => {
  it('are named relative to the module and are byte-identical to the installed TensorFlow.js ones', () => {
    const files = bundledWasmFiles();
    expect(Object.keys(files)).toEqual([...WASM_FILE_NAMES]);
    for (const name of WASM_FILE_NAMES) {
      const url = new URL(files[name]);
      expect(url.protocol).toBe('file:');
      expect(url.pathname.endsWith(`/backend-wasm/wasm/${name}`)).toBe(true);
      // `pnpm install` (prepare) and `pnpm build` copy them; a stale copy after a version bump fails here.
      const ours = readFileSync(fileURLToPath(url));
      expect(ours.equals(readFileSync(join(tfjsWasmDist, name))), name).toBe(true);
    }
  });

  it('setWasmPaths replaces them for browsers, and checks a file map is complete', () => {
    expect(wasmPathsForBrowser()).toEqual(bundledWasmFiles());
    setWasmPaths('/cdn/tfjs/');
    expect(wasmPathsForBrowser()).toBe('/cdn/tfjs/');
    expect(wasmFileUrl('/cdn/tfjs/', 'tfjs-backend-wasm-simd.wasm', 'https://app.test/a/b')).toBe(
      'https://app.test/cdn/tfjs/tfjs-backend-wasm-simd.wasm',
    );
    expect(() =>
      setWasmPaths({ 'tfjs-backend-wasm.wasm': 'a.wasm' } as Record<
        (typeof WASM_FILE_NAMES)[number],
        string
      >),
    ).toThrow(/no URL for tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm/);
    setWasmPaths(undefined);
    expect(wasmPathsForBrowser()).toEqual(bundledWasmFiles());
  });

  it('picks the binary TensorFlow.js picks', () => {
    expect(wasmFileFor(false, false)).toBe('tfjs-backend-wasm.wasm');
    expect(wasmFileFor(true, false)).toBe('tfjs-backend-wasm-simd.wasm');
    expect(wasmFileFor(true, true)).toBe('tfjs-backend-wasm-threaded-simd.wasm');
  });
});

describe('why the wasm backend failed to start', () => {
  const url = 'https://app.test/tfjs-backend-wasm-simd.wasm';

  it('an HTML page served in place of the binary (the bundler did not emit it)', async () => {
    const why = await diagnoseWasmFailure(url, async () => html());
    expect(why).toBe(
      `${url} is not a WebAssembly file (text/html, starts with "<!do"): the server sent an HTML page, its answer for a file that is not there`,
    );
  });

  it('a missing file, a failed fetch, a page that may not compile WebAssembly, a good binary', async () => {
    expect(await diagnoseWasmFailure(url, async () => html(404))).toBe(
      `${url} answered HTTP 404: the file is not served there`,
    );
    expect(
      await diagnoseWasmFailure(url, () => Promise.reject(new TypeError('Failed to fetch'))),
    ).toBe(`${url} could not be fetched (Failed to fetch)`);
    const csp = await diagnoseWasmFailure(url, undefined, () => {
      throw new Error("Refused to compile or instantiate WebAssembly module because 'unsafe-eval'");
    });
    expect(csp).toMatch(/may not compile WebAssembly .*'wasm-unsafe-eval' in script-src/);
    const real = readFileSync(join(tfjsWasmDist, 'tfjs-backend-wasm-simd.wasm'));
    expect(await diagnoseWasmFailure(url, async () => new Response(real))).toMatch(
      /is a WebAssembly file, but TensorFlow.js could not start it/,
    );
  });

  it('the error says why and how to fix it', () => {
    const error = wasmInitError('x.wasm answered HTTP 404: the file is not served there');
    expect(error).toBeInstanceOf(DaleError);
    expect(error.code).toBe('backend-misconfigured');
    expect(error.message).toMatch(
      /^the wasm backend failed to initialise: x\.wasm answered HTTP 404.*How to fix: .*import\.meta\.url.*setWasmPaths\('\/their\/folder\/'\) from @dale\/backend-wasm.*useBackend\('cpu'\)/,
    );
  });
});
