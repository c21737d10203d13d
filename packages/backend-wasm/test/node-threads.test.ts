import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, wasmThreadCount } from '../src/index.ts';

const probe = fileURLToPath(new URL('./fixtures/thread-probe.ts', import.meta.url));

interface ProbeResult {
  device: string;
  conv: number[];
  filterGrad: number[];
  globals: { worker: string; blobRestored: boolean; cpusRestored: boolean };
}

/** Starts the wasm backend in a fresh Node process with DALE_WASM_THREADS = `threads`. */
function runProbe(threads: string): ProbeResult {
  const child = spawnSync(process.execPath, ['--conditions=@dale/source', probe], {
    encoding: 'utf8',
    env: { ...process.env, DALE_WASM_THREADS: threads },
    // A worker thread that kept the process alive would hit this and fail the test.
    timeout: 60_000,
  });
  expect(child.error, 'the probe process must exit by itself').toBeUndefined();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

describe('wasmThreadCount', () => {
  it('defaults to the available CPUs, at most MAX_WASM_THREADS', () => {
    expect(wasmThreadCount(undefined, 2)).toBe(2);
    expect(wasmThreadCount('', 6)).toBe(6);
    expect(wasmThreadCount(undefined, 64)).toBe(MAX_WASM_THREADS);
    expect(wasmThreadCount(undefined, 0)).toBe(1);
  });

  it('takes DALE_WASM_THREADS from 1 to MAX_WASM_THREADS and names the variable otherwise', () => {
    expect(wasmThreadCount('1', 16)).toBe(1);
    expect(wasmThreadCount('3', 2)).toBe(3);
    for (const bad of ['0', '9', '2.5', 'many', '-1']) {
      expect(() => wasmThreadCount(bad, 2)).toThrow(
        /DALE_WASM_THREADS: expected an integer from 1 to 8, got/,
      );
    }
  });
});

describe('threaded wasm in Node', () => {
  it('runs XNNPACK on the requested threads, agrees with one thread, restores globals and lets the process exit', () => {
    const single = runProbe('1');
    const threaded = runProbe('2');
    expect(single.device).toMatch(/1 thread: DALE_WASM_THREADS=1/);
    // The count comes from the wasm module's own thread pool (get_threads_count).
    expect(threaded.device).toMatch(/, 2 threads\)$/);
    // Same kernels, work split across threads: equal up to float32 summation order.
    const scale = Math.max(...single.conv.map(Math.abs));
    expect(maxAbsDifference(threaded.conv, single.conv)).toBeLessThan(1e-5 * scale);
    const gradScale = Math.max(...single.filterGrad.map(Math.abs));
    expect(maxAbsDifference(threaded.filterGrad, single.filterGrad)).toBeLessThan(1e-5 * gradScale);
    expect(threaded.globals).toEqual({
      worker: 'undefined',
      blobRestored: true,
      cpusRestored: true,
    });
  });

  it('uses the available CPUs when DALE_WASM_THREADS is unset', () => {
    const expected = Math.min(availableParallelism(), MAX_WASM_THREADS);
    const { device } = runProbe('');
    expect(device).toMatch(
      expected === 1 ? /1 thread: one CPU available/ : new RegExp(`, ${expected} threads\\)$`),
    );
  });
});
