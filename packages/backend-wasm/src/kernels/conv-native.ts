/**
 * Our own convolution kernels (native/conv.c): the forward 2-D convolution and its filter
 * gradient for NHWC float32 data, in WebAssembly SIMD with fused multiply-add where the runtime
 * has relaxed SIMD (Node 22+, current Chromium), on two threads: a second instance of the module
 * runs in a worker on the same shared memory and computes half of every call. Chosen at start-up
 * by feature detection: the relaxed-SIMD build where `WebAssembly.validate` accepts it, else the
 * plain-SIMD build; none at all (the callers keep TensorFlow.js's XNNPACK paths) where shared
 * WebAssembly memory is unavailable (a browser page that is not cross-origin isolated).
 *
 * The module has its own memory: a call copies the (zero-padded) input and the filter or `dy` in
 * and the result out.
 */
import { CONV_PLAIN_WASM, CONV_RELAXED_WASM } from './conv-wasm.ts';

interface Exports {
  readonly __heap_base: WebAssembly.Global;
  forward(...args: number[]): void;
  filter(...args: number[]): void;
  set_threads(n: number): void;
  relaxed(): number;
}

/** The geometry of one call: a padded input [batch, hp, wp, cin] and an output [batch, oh, ow, cout]. */
export interface NativeConvDims {
  batch: number;
  hp: number;
  wp: number;
  cin: number;
  oh: number;
  ow: number;
  cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
}

/** The loaded kernels. */
export interface NativeConv {
  /** `'relaxed'` (fused multiply-add) or `'plain'` (multiply, then add) WebAssembly SIMD. */
  readonly simd: 'relaxed' | 'plain';
  /** 1, or 2 once the worker runs. */
  threads(): number;
  /**
   * y [batch, oh, ow, cout] of the convolution of the padded input with w [kh, kw, cin, cout];
   * `writeInput(view)` fills the padded input (zeros already in place).
   */
  forward(
    dims: NativeConvDims,
    writeInput: (xp: Float32Array) => void,
    w: Float32Array,
    y: Float32Array,
  ): void;
  /** dw [kh, kw, cin, cout] from the padded input (filled by `writeInput`) and dy [batch, oh, ow, cout]. */
  filter(
    dims: NativeConvDims,
    writeInput: (xp: Float32Array) => void,
    dy: Float32Array,
    dw: Float32Array,
  ): void;
}

const PAGE = 65536;
const MAX_PAGES = 32768;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The module's worker: instantiates the same module on the same memory and runs its loop. */
const WORKER_SOURCE = `
const start = (module, memory, post) => {
  WebAssembly.instantiate(module, { env: { memory } }).then((instance) => {
    post('ready');
    instance.exports.worker();
  });
};
if (typeof self === 'undefined') {
  const { parentPort, workerData } = require('node:worker_threads');
  start(workerData.module, workerData.memory, (m) => parentPort.postMessage(m));
} else {
  self.onmessage = (e) => start(e.data.module, e.data.memory, (m) => self.postMessage(m));
}
`;

/** Starts the worker; resolves once its instance exists (it then runs for ever). */
async function startWorker(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<void> {
  if (typeof process === 'object' && typeof process.getBuiltinModule === 'function') {
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
    worker.unref(); // it never keeps a finished process alive
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return;
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage({ module, memory });
  });
  URL.revokeObjectURL(url);
}

function kernels(
  exports: Exports,
  memory: WebAssembly.Memory,
  simd: 'relaxed' | 'plain',
): NativeConv & { setThreads(n: number): void } {
  let threads = 1;
  const base = exports.__heap_base.value as number;
  /** Byte offsets of `sizes` float regions after the module's data, the memory grown to hold them. */
  const layout = (sizes: number[]) => {
    let next = base;
    const offsets = sizes.map((size) => {
      const at = next;
      next += Math.ceil((size * 4) / 64) * 64;
      return at;
    });
    const missing = next - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
    return offsets;
  };
  const view = (offset: number, length: number) => new Float32Array(memory.buffer, offset, length);
  const args = (d: NativeConvDims) => [
    d.batch,
    d.hp,
    d.wp,
    d.cin,
    d.oh,
    d.ow,
    d.cout,
    d.kh,
    d.kw,
    d.sh,
    d.sw,
  ];
  const call = (
    fn: Exports['forward'],
    d: NativeConvDims,
    writeInput: (xp: Float32Array) => void,
    second: Float32Array,
    out: Float32Array,
  ) => {
    const inputSize = d.batch * d.hp * d.wp * d.cin;
    const [xAt, sAt, oAt] = layout([inputSize, second.length, out.length]) as [
      number,
      number,
      number,
    ];
    const xp = view(xAt, inputSize);
    xp.fill(0);
    writeInput(xp);
    view(sAt, second.length).set(second);
    view(oAt, out.length).fill(0);
    fn(xAt, sAt, oAt, ...args(d));
    out.set(view(oAt, out.length));
  };
  return {
    simd,
    threads: () => threads,
    setThreads(n) {
      threads = n;
      exports.set_threads(n);
    },
    forward: (d, writeInput, w, y) => call(exports.forward, d, writeInput, w, y),
    filter: (d, writeInput, dy, dw) => call(exports.filter, d, writeInput, dy, dw),
  };
}

/**
 * Compiles and instantiates the relaxed-SIMD build where the runtime validates it, else the
 * plain one, and starts the worker when `threads` ≥ 2; resolves to `undefined` where shared
 * WebAssembly memory (or WebAssembly SIMD) is unavailable, or anything else fails. `only:
 * 'plain'` loads the plain build wherever (tests compare the two).
 */
export async function loadNativeConv(
  threads: number,
  only?: 'plain',
): Promise<NativeConv | undefined> {
  try {
    const relaxedBytes = decode(CONV_RELAXED_WASM);
    const simd = only !== 'plain' && WebAssembly.validate(relaxedBytes) ? 'relaxed' : 'plain';
    const bytes = simd === 'relaxed' ? relaxedBytes : decode(CONV_PLAIN_WASM);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const conv = kernels(instance.exports as unknown as Exports, memory, simd);
    if (threads >= 2) {
      try {
        await startWorker(module, memory);
        conv.setThreads(2);
      } catch {
        // one thread, then
      }
    }
    return conv;
  } catch {
    return undefined;
  }
}
