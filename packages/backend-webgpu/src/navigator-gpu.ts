/**
 * Where `navigator.gpu` comes from: the page's own in a browser; in Node, Dawn through the
 * `webgpu` npm package, installed on `globalThis.navigator` before the TensorFlow.js WebGPU
 * backend is imported (it registers only if `navigator.gpu` exists at import time).
 * @module
 */

/** The part of the WebGPU API this package uses. */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'low-power' | 'high-performance';
  }): Promise<AdapterLike | null>;
}

/** The part of a `GPUAdapter` this package reads. */
export interface AdapterLike {
  readonly info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  readonly isFallbackAdapter?: boolean;
}

type NavigatorWithGpu = { gpu?: GpuLike };

function currentGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: NavigatorWithGpu }).navigator?.gpu;
}

let installing: Promise<GpuLike | undefined> | undefined;

/** The version of Dawn's `webgpu` package this backend is tested with. */
export const DAWN_VERSION = '0.6.2';

/** The one-line hint when Dawn is missing in Node. */
export const DAWN_INSTALL_HINT = `in Node, WebGPU needs Dawn: npm install webgpu@${DAWN_VERSION} (and a Vulkan driver, e.g. Mesa ≥ 25)`;

/** True in Node (where WebGPU comes from Dawn, the optional peer `webgpu`). */
function isNode(): boolean {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

/** True when Dawn (`webgpu`) can be resolved from this package. */
export function dawnInstalled(): boolean {
  if (!isNode()) return false;
  try {
    process
      .getBuiltinModule('node:module')
      .createRequire(import.meta.url)
      .resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

/**
 * Dawn prints these for adapters with very large limits (e.g. lavapipe), twice, whenever an adapter
 * is requested. They say nothing about the user's run; {@link probeAdapterQuietly} drops them.
 */
export const DAWN_LIMIT_WARNING =
  /^Warning: max\w+ artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/**
 * The adapter Dawn would give, asked in a child Node process whose standard error is passed on
 * without Dawn's adapter-limit warnings ({@link DAWN_LIMIT_WARNING}): Dawn writes them from native
 * code, so they can be filtered only outside the process. Used to probe (`useBackend('auto')`,
 * `dale info`); the process itself loads Dawn only when WebGPU is chosen. Resolves to null when
 * there is no adapter, undefined when Dawn is not installed or the probe fails.
 */
export async function probeAdapterQuietly(): Promise<AdapterLike | null | undefined> {
  if (!dawnInstalled()) return undefined;
  const dawn = process
    .getBuiltinModule('node:module')
    .createRequire(import.meta.url)
    .resolve('webgpu');
  const script = `
    const dawn = await import(${JSON.stringify(process.getBuiltinModule('node:url').pathToFileURL(dawn).href)});
    Object.assign(globalThis, dawn.globals);
    const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
    const info = adapter?.info ?? {};
    const keys = ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter'];
    const out = adapter ? { info: Object.fromEntries(keys.map((k) => [k, info[k]])), isFallbackAdapter: adapter.isFallbackAdapter } : null;
    process.stdout.write(JSON.stringify(out), () => process.exit(0));
  `;
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const rest = stderr
          .split('\n')
          .filter((line) => line.length > 0 && !DAWN_LIMIT_WARNING.test(line));
        if (rest.length > 0) process.stderr.write(`${rest.join('\n')}\n`);
        if (error) return resolve(undefined);
        try {
          resolve(JSON.parse(stdout) as AdapterLike | null);
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}

/**
 * `navigator.gpu`, installing Dawn's in Node when the page or runtime has none. Resolves to
 * undefined (with `reason`) when neither is possible.
 */
export function ensureNavigatorGpu(): Promise<GpuLike | undefined> {
  installing ??= (async () => {
    const existing = currentGpu();
    if (existing) return existing;
    if (!isNode()) return undefined;
    // The optional peer `webgpu` ships Dawn prebuilt for Linux, macOS and Windows.
    const dawn = (await import('webgpu').catch(() => undefined)) as
      | { create(flags: string[]): GpuLike; globals: Record<string, unknown> }
      | undefined;
    if (!dawn) return undefined;
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    const host = globalThis as { navigator?: object };
    if (!host.navigator) host.navigator = {};
    Object.defineProperty(host.navigator, 'gpu', { value: gpu, configurable: true });
    return gpu;
  })();
  return installing;
}

/** A human-readable description of an adapter and whether it is a software (CPU) implementation. */
export function describeAdapter(adapter: AdapterLike): { device: string; software: boolean } {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (p) => p && p.length > 0,
  );
  const text = parts.join(' ') || 'unknown WebGPU adapter';
  const software =
    Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) ||
    /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(text);
  return { device: `WebGPU: ${text}`, software };
}
