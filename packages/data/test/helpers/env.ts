import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@dale/core';

/** Run tests on TensorFlow.js's CPU backend. */
export async function onCpu(): Promise<void> {
  await useBackend('cpu');
}

/** The offline dataset copies, from $DALE_DATA_DIR (set by CI); undefined when unset. */
export const DATA_DIR: string | undefined = process.env['DALE_DATA_DIR'] || undefined;

/** Suffix for the titles of tests that need the real datasets, saying why they are skipped. */
export const NEEDS_DATA = DATA_DIR
  ? ''
  : ' [SKIPPED: set DALE_DATA_DIR to the offline datasets folder to run]';

/** A fresh temporary folder and a function that deletes it. */
export function tempDir(prefix = 'dale-data-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Say, once per test file, why the real-data tests of `what` are skipped. */
export function announceSkip(what: string): void {
  if (!DATA_DIR)
    console.warn(
      `[@dale/data] ${what}: skipped because DALE_DATA_DIR is not set (point it at the offline datasets folder to run them).`,
    );
}
