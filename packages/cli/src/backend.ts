/**
 * Backend selection for the commands: the backends `dale` ships with are registered here.
 * @module
 */
// Each import registers a plugin: 'tensorflow' (when tfjs-node(-gpu) is installed), 'webgpu'
// (hardware adapters for auto; software ones when named) and 'wasm' (above 'cpu').
import '@dale/backend-node';
import '@dale/backend-wasm';
import '@dale/backend-webgpu';
import { wasmThreadCount } from '@dale/backend-wasm';
import { type BackendSelection, DaleError, listBackendPlugins, useBackend } from '@dale/core';
import type { Output } from './output.ts';

/** Backend names accepted by `--backend`: `auto` and every registered plugin. */
export function backendChoices(): string[] {
  return ['auto', ...listBackendPlugins()];
}

/**
 * Check the environment variables that steer the backends, so that a typo is an error and never
 * a silent fall-back: `DALE_WASM_THREADS` must be an integer from 1 to 8 (else the wasm backend
 * fails to start and `auto` would quietly take the ~10× slower pure-JavaScript `cpu`).
 */
export function checkBackendEnvironment(): void {
  const threads = process.env.DALE_WASM_THREADS;
  try {
    wasmThreadCount(threads, 1);
  } catch (error) {
    throw new DaleError(
      'invalid-environment',
      `${(error as Error).message}: set it to a number of threads from 1 to 8, or unset it (one thread per CPU)`,
      { cause: error },
    );
  }
}

/** Initialise the named backend (`auto` picks the best available) and report it on stderr. */
export async function selectBackend(name: string, output: Output): Promise<BackendSelection> {
  checkBackendEnvironment();
  const selection = await useBackend(name);
  output.stderr(`backend: ${selection.name} (${selection.device})\n`);
  return selection;
}
