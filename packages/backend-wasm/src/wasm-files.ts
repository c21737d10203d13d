/**
 * Where the browser fetches TensorFlow.js's `.wasm` binaries from, and what to tell the user when
 * it cannot. The binaries of `@tensorflow/tfjs-backend-wasm` are copied into this package's
 * `wasm/` folder when it is built (`scripts/copy-wasm-files.ts`) and named here with
 * `new URL('…', import.meta.url)`, which Vite, webpack 5, Parcel and Rollup (with an import-meta
 * assets plugin) follow: they emit the files and rewrite the URLs. Without this TensorFlow.js looks
 * for the files next to the page, where a bundled app has none.
 */
import { DaleError } from '@dale/core';

/** The names of TensorFlow.js's three wasm binaries (plain, SIMD, threads + SIMD). */
export const WASM_FILE_NAMES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** One of {@link WASM_FILE_NAMES}. */
export type WasmFileName = (typeof WASM_FILE_NAMES)[number];

/**
 * The URLs of the `.wasm` binaries that ship inside `@dale/backend-wasm` (its `wasm/` folder),
 * resolved relative to this module. In a bundle these are the URLs of the emitted assets.
 */
export function bundledWasmFiles(): Record<WasmFileName, string> {
  // Each URL is one literal `new URL(…, import.meta.url)`: the form bundlers recognise.
  return {
    'tfjs-backend-wasm.wasm': new URL('../wasm/tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('../wasm/tfjs-backend-wasm-simd.wasm', import.meta.url)
      .href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(
      '../wasm/tfjs-backend-wasm-threaded-simd.wasm',
      import.meta.url,
    ).href,
  };
}

/** Where the binaries are served from: a folder URL ending in `/`, or a URL per file. */
export type WasmPaths = string | Readonly<Record<WasmFileName, string>>;

let chosenPaths: WasmPaths | undefined;

/**
 * Serve the `.wasm` binaries from somewhere else than this package's own copies, e.g. a CDN or a
 * folder you copy them to (`node_modules/@dale/backend-wasm/wasm/*.wasm`), as with a bundler that
 * does not follow `new URL(…, import.meta.url)` (esbuild). Call it before `useBackend`. It replaces
 * TensorFlow.js's own `setWasmPaths`, which the plugin would otherwise override in browsers.
 *
 * @param paths - a folder URL ending in `/`, or a URL for each of {@link WASM_FILE_NAMES};
 *   `undefined` goes back to the bundled files.
 *
 * @example
 * ```ts
 * import { setWasmPaths } from '@dale/backend-wasm';
 * setWasmPaths('/assets/tfjs-wasm/');
 * ```
 */
export function setWasmPaths(paths: WasmPaths | undefined): void {
  if (typeof paths === 'object') {
    const missing = WASM_FILE_NAMES.filter((name) => typeof paths[name] !== 'string');
    if (missing.length > 0) {
      throw new DaleError('invalid-argument', `setWasmPaths: no URL for ${missing.join(', ')}`);
    }
  }
  chosenPaths = paths;
}

/** The paths the plugin hands TensorFlow.js in a browser: the user's, else the bundled files. */
export function wasmPathsForBrowser(): WasmPaths {
  return chosenPaths ?? bundledWasmFiles();
}

/** The paths set with {@link setWasmPaths}, if any (Node uses TensorFlow.js's own files otherwise). */
export function userWasmPaths(): WasmPaths | undefined {
  return chosenPaths;
}

/** The binary TensorFlow.js picks for these capabilities (its `getPathToWasmBinary`). */
export function wasmFileFor(simd: boolean, threads: boolean): WasmFileName {
  if (simd && threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

/** The URL of one binary under {@link WasmPaths}, resolved against `base` (the page). */
export function wasmFileUrl(paths: WasmPaths, file: WasmFileName, base?: string): string {
  const url = typeof paths === 'string' ? paths + file : paths[file];
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

const HOW_TO_FIX =
  "How to fix: build with a bundler that emits assets named by `new URL('…', import.meta.url)` " +
  '(Vite, webpack 5, Parcel do; esbuild does not) and serve every file it emits, or copy ' +
  'node_modules/@dale/backend-wasm/wasm/*.wasm to your site and call ' +
  "setWasmPaths('/their/folder/') from @dale/backend-wasm before useBackend. " +
  "To run without WebAssembly instead (10–30× slower), choose useBackend('cpu').";

/**
 * Why the wasm backend could not start in a browser, as one sentence, found by fetching the binary
 * TensorFlow.js asked for and compiling an empty module. `fetchFile` and `compile` are parameters
 * for tests.
 */
export async function diagnoseWasmFailure(
  url: string,
  fetchFile: (url: string) => Promise<Response> = (u) => fetch(u),
  compile: (bytes: Uint8Array<ArrayBuffer>) => unknown = (bytes) => new WebAssembly.Module(bytes),
): Promise<string> {
  try {
    compile(new Uint8Array([...WASM_MAGIC, 0x01, 0x00, 0x00, 0x00]));
  } catch (error) {
    return (
      `this page may not compile WebAssembly (${error instanceof Error ? error.message : String(error)}): ` +
      "its Content-Security-Policy needs 'wasm-unsafe-eval' in script-src"
    );
  }
  let response: Response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    return `${url} could not be fetched (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!response.ok) return `${url} answered HTTP ${response.status}: the file is not served there`;
  const head = new Uint8Array(await response.arrayBuffer()).subarray(0, 4);
  if (WASM_MAGIC.every((byte, i) => head[i] === byte)) {
    return `${url} is a WebAssembly file, but TensorFlow.js could not start it (see its message in the console)`;
  }
  const type = response.headers.get('content-type') ?? 'no content type';
  const text = new TextDecoder().decode(head);
  return (
    `${url} is not a WebAssembly file (${type}, starts with ${JSON.stringify(text)})` +
    (/^\s*</.test(text)
      ? ': the server sent an HTML page, its answer for a file that is not there'
      : '')
  );
}

/** The error the plugin throws when the wasm backend fails to start in a browser. */
export function wasmInitError(why: string, cause?: unknown): DaleError {
  return new DaleError(
    'backend-misconfigured',
    `the wasm backend failed to initialise: ${why}. ${HOW_TO_FIX}`,
    cause === undefined ? undefined : { cause },
  );
}
