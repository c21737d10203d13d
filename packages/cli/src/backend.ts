/**
 * Backend selection for the commands: the backends `dale` ships with are registered here.
 * @module
 */
// Each import registers a plugin: 'tensorflow' (when tfjs-node(-gpu) is installed), 'webgpu'
// (hardware adapters for auto; software ones when named) and 'wasm' (above 'cpu').
import '@dale/backend-node';
import '@dale/backend-wasm';
import '@dale/backend-webgpu';
import { type BackendSelection, listBackendPlugins, useBackend } from '@dale/core';
import type { Output } from './output.ts';

/** Backend names accepted by `--backend`: `auto` and every registered plugin. */
export function backendChoices(): string[] {
  return ['auto', ...listBackendPlugins()];
}

/** Initialise the named backend (`auto` picks the best available) and report it on stderr. */
export async function selectBackend(name: string, output: Output): Promise<BackendSelection> {
  const selection = await useBackend(name);
  output.stderr(`backend: ${selection.name} (${selection.device})\n`);
  return selection;
}
