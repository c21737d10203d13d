import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DaleError } from '@dale/core';

/** What {@link recoverRunDirectory} did. */
export interface RunRecovery {
  /**
   * The `checkpoint.old-*` directory moved back to `checkpoint/` (a crash between the two renames
   * of an atomic checkpoint write left only it), or undefined.
   */
  readonly recovered?: string;
  /** Stale leftovers removed: `checkpoint.tmp-*`, `checkpoint.old-*`, `*.tmp-*` files. */
  readonly removed: readonly string[];
}

/** The step recorded in a checkpoint directory's config.json, or undefined if unreadable. */
function savedStep(dir: string): number | undefined {
  try {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      meta?: { step?: unknown };
    };
    const step = config.meta?.step;
    return typeof step === 'number' && Number.isSafeInteger(step) && step >= 0 ? step : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Put a run directory back in order before training resumes in it:
 *
 * - when `checkpoint/` is missing but a `checkpoint.old-*` survives (a crash between the two
 *   renames of `writeDirectoryAtomic`), the one of the highest step is renamed back to
 *   `checkpoint/`;
 * - once a complete `checkpoint/` exists, the leftovers of interrupted writes are removed:
 *   `checkpoint.tmp-*` and `checkpoint.old-*` directories (each a full checkpoint) and
 *   `metrics.jsonl.tmp-*`, `loss.png.tmp-*` files.
 *
 * Only for a directory no other process is training in.
 */
export function recoverRunDirectory(outDir: string): RunRecovery {
  if (!existsSync(outDir)) return { removed: [] };
  const checkpointDir = join(outDir, 'checkpoint');
  const entries = readdirSync(outDir);
  let recovered: string | undefined;
  if (!existsSync(checkpointDir)) {
    const olds = entries
      .filter((name) => name.startsWith('checkpoint.old-'))
      .map((name) => ({ name, step: savedStep(join(outDir, name)) }))
      .filter((c): c is { name: string; step: number } => c.step !== undefined)
      .sort((a, b) => b.step - a.step);
    if (olds[0]) {
      renameSync(join(outDir, olds[0].name), checkpointDir);
      recovered = join(outDir, olds[0].name);
    }
  }
  const removed: string[] = [];
  if (existsSync(join(checkpointDir, 'config.json'))) {
    for (const name of readdirSync(outDir)) {
      const stale =
        name.startsWith('checkpoint.tmp-') ||
        name.startsWith('checkpoint.old-') ||
        /^(metrics\.jsonl|loss\.png)\.tmp-/.test(name);
      if (!stale) continue;
      const path = join(outDir, name);
      try {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } catch (error) {
        throw new DaleError(
          'run-directory',
          `cannot remove the stale ${path} (${(error as Error).message}): remove it by hand`,
          { cause: error },
        );
      }
    }
  }
  return { ...(recovered && { recovered }), removed };
}

/**
 * The training step of a checkpoint's `meta.step`: a non-negative integer (absent: 0). Anything
 * else is a `DaleError` (`'invalid-checkpoint'`) that names the checkpoint and the value.
 */
export function checkpointStep(meta: Readonly<Record<string, unknown>>, where: string): number {
  const step = meta['step'] ?? 0;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new DaleError(
      'invalid-checkpoint',
      `${where}: meta.step must be a non-negative integer (the training step), got ${JSON.stringify(step)}: the checkpoint is damaged; restore it from a copy, or start a new run in another folder`,
    );
  }
  return step;
}
