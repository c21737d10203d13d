/**
 * Helpers of the fault-injection tests: a tiny folder of PNG images and a tiny training config,
 * so that `dale train` in a real child process takes a few seconds, and a way to run the
 * `dale` executable and signal it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@dale/data';

/** The `dale` executable from source. */
export const DALE_BIN = join(import.meta.dirname, '../src/bin.ts');

/** Write `count` 8×8 grey PNG images (a moving bright square) into `dir`; returns `dir`. */
export function writeTinyImageFolder(dir: string, count = 16, size = 8): string {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) data[y * size + x] = (x + i) % size < 3 && y > 1 ? 230 : 20;
    writeFileSync(
      join(dir, `img-${String(i).padStart(3, '0')}.png`),
      encodePng({ width: size, height: size, channels: 1, data }),
    );
  }
  return dir;
}

/** A training config of a tiny U-Net without sample grids, for 8×8 images. */
export const TINY_TRAIN_CONFIG = {
  batchSize: 4,
  sampleEvery: 0,
  logEvery: 1,
  model: {
    baseChannels: 8,
    channelMultipliers: [1, 2],
    resBlocksPerLevel: 1,
    attentionResolutions: [],
    timeEmbedding: 16,
  },
};

/** Write {@link TINY_TRAIN_CONFIG} (with `extra` fields) to `path`; returns `path`. */
export function writeTinyConfig(path: string, extra: Record<string, unknown> = {}): string {
  writeFileSync(path, JSON.stringify({ ...TINY_TRAIN_CONFIG, ...extra }));
  return path;
}

/** Run `dale` to the end in a child process. */
export function daleSync(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--conditions=@dale/source', DALE_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
    killSignal: 'SIGKILL', // a run that should have failed at once must not linger
  });
  return { code: result.status, signal: result.signal, out: result.stdout, err: result.stderr };
}

/** A running `dale` child process, with its output so far and its end. */
export interface DaleChild {
  readonly child: ChildProcess;
  /** Standard error so far. */
  err(): string;
  /** Standard output so far. */
  out(): string;
  /** Resolves once standard error matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The exit code (or the signal that killed it). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `dale` in a child process. */
export function daleChild(args: readonly string[], env: NodeJS.ProcessEnv = {}): DaleChild {
  const child = spawn(process.execPath, ['--conditions=@dale/source', DALE_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    err: () => err,
    out: () => out,
    exit,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(err)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern} in:\n${err}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}
