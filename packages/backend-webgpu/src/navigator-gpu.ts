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

/**
 * `navigator.gpu`, installing Dawn's in Node when the page or runtime has none. Resolves to
 * undefined (with `reason`) when neither is possible.
 */
export function ensureNavigatorGpu(): Promise<GpuLike | undefined> {
  installing ??= (async () => {
    const existing = currentGpu();
    if (existing) return existing;
    const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
    if (!isNode) return undefined;
    // The optional dependency `webgpu` ships Dawn prebuilt for Linux, macOS and Windows.
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
