/**
 * Multithreaded XNNPACK in Node. TensorFlow.js 4.22 ships a threaded wasm binary but loads it only
 * in browsers (tensorflow/tfjs#3830). Three things stand in the way in Node, and
 * {@link withNodeThreads} bridges them while the backend initialises:
 *
 * 1. Its Emscripten glue starts each pthread as `new Worker(blob:…)`, and hands the worker the
 *    module's source as a `Blob`; Node's `worker_threads` cannot load `blob:` URLs. We record the
 *    text of the blobs TensorFlow.js creates and start the workers from that text (`eval: true`).
 * 2. That source was cut out of a CommonJS bundle and refers to the bundle's `require$$N` and
 *    `commonjsGlobal`, which we define in each worker.
 * 3. The thread pool is capped at half of `os.cpus().length` (hyper-threading guess), so a 2-core
 *    machine gets one thread; we report twice the wanted count while the module starts.
 *
 * Workers are `unref`'d: they never keep a finished process alive. Node's modules are reached through
 * `process.getBuiltinModule`, so bundlers for the browser see no Node import in this file.
 */
import type { WorkerOptions } from 'node:worker_threads';
import { DaleError } from '@dale/core';

/** The TensorFlow.js wasm version whose glue {@link withNodeThreads} was written against. */
export const THREADED_GLUE_VERSION = '4.22.0';

/** The most threads TensorFlow.js's wasm binary starts (its pthread pool has 8 workers). */
export const MAX_WASM_THREADS = 8;

/**
 * How many threads the wasm backend should use in Node: `DALE_WASM_THREADS` when set (an integer
 * from 1 to {@link MAX_WASM_THREADS}; 1 keeps TensorFlow.js's single-threaded binary), else the
 * machine's available parallelism, at most {@link MAX_WASM_THREADS}.
 *
 * @param setting - the value of `DALE_WASM_THREADS`, or undefined when unset.
 * @param available - the number of CPUs the process may use (`os.availableParallelism()`).
 */
export function wasmThreadCount(setting: string | undefined, available: number): number {
  if (setting === undefined || setting.trim() === '') {
    return Math.max(1, Math.min(available, MAX_WASM_THREADS));
  }
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new DaleError(
      'invalid-argument',
      `DALE_WASM_THREADS: expected an integer from 1 to ${MAX_WASM_THREADS}, got "${setting}"`,
    );
  }
  return n;
}

/** Names the Emscripten factory's source uses from the bundle it was cut out of (tfjs 4.22). */
const WORKER_PRELUDE =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks')," +
  "require$$4=require('os'),commonjsGlobal=globalThis;\n";

/** Marks a module source passed where the worker expects a script path. */
const SOURCE_MARK = '\0dale-source:';

/** Lets the worker's `importScripts` evaluate a source marked with {@link SOURCE_MARK}. */
const WORKER_POSTLUDE = `\n;{const load=globalThis.importScripts;globalThis.importScripts=(f)=>typeof f==='string'&&f.startsWith(${JSON.stringify(SOURCE_MARK)})?(0,eval)(f.slice(${SOURCE_MARK.length})):load(f);}`;

interface Recording {
  readonly blobText: WeakMap<Blob, string>;
  readonly urlText: Map<string, string>;
}

type NodeWorkerClass = typeof import('node:worker_threads').Worker;

/** A `worker_threads.Worker` that can start from a recorded `blob:` URL. */
function blobWorkerClass(recording: Recording): NodeWorkerClass {
  const NodeWorker = process.getBuiltinModule('node:worker_threads').Worker;
  return class BlobWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const text = typeof url === 'string' ? recording.urlText.get(url) : undefined;
      if (text === undefined) {
        super(url, options);
      } else {
        super(WORKER_PRELUDE + text + WORKER_POSTLUDE, { ...options, eval: true });
        this.unref();
      }
    }
    // Emscripten refs a worker while its pthread runs; XNNPACK's pool threads run for ever.
    override ref(): void {}
    override postMessage(message: unknown, transfer?: readonly Transferable[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m?.cmd === 'load' && m.urlOrBlob instanceof Blob) {
        const text = recording.blobText.get(m.urlOrBlob);
        if (text !== undefined) message = { ...m, urlOrBlob: SOURCE_MARK + WORKER_PRELUDE + text };
      }
      // biome-ignore lint/suspicious/noExplicitAny: Node's overloads of postMessage
      super.postMessage(message, transfer as any);
    }
  };
}

/**
 * Runs `init` (which must create TensorFlow.js's wasm backend) with the threaded binary enabled in
 * Node and its pool sized to `threads`, then restores every global it touched (`Blob`,
 * `URL.createObjectURL`, `os.cpus`, `globalThis.Worker`).
 *
 * @param threads - the wanted thread count, 2 to {@link MAX_WASM_THREADS}.
 * @param enableThreadedBinary - sets TensorFlow.js's `WASM_HAS_MULTITHREAD_SUPPORT` flag and the
 *   pool size (`setThreadsCount`); called inside the patched section.
 * @param init - creates the backend, e.g. `() => tf.setBackend('wasm')`.
 */
export async function withNodeThreads<T>(
  threads: number,
  enableThreadedBinary: (threads: number) => void,
  init: () => Promise<T>,
): Promise<T> {
  const os = process.getBuiltinModule('node:os');
  const recording: Recording = { blobText: new WeakMap(), urlText: new Map() };
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');

  class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) recording.blobText.set(this, parts.join(''));
    }
  }
  globalThis.Blob = RecordingBlob;
  URL.createObjectURL = (blob: Blob) => {
    const url = originalCreateObjectURL(blob);
    const text = recording.blobText.get(blob);
    if (text !== undefined) recording.urlText.set(url, text);
    return url;
  };
  // The binary caps its pool at half the logical cores (tfjs-backend-wasm's backend.cc).
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  const BlobWorker = blobWorkerClass(recording);
  // The glue assigns `global.Worker = worker_threads.Worker`; keep ours in its place.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => BlobWorker,
    set: () => {},
  });
  try {
    enableThreadedBinary(threads);
    return await init();
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
    if (workerDescriptor) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else delete (globalThis as { Worker?: unknown }).Worker;
    for (const url of recording.urlText.keys()) URL.revokeObjectURL(url);
  }
}
