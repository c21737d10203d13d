/**
 * `@dale/models/node`: checkpoints as directories on a file system (Node only). The main entry
 * `@dale/models` has no Node imports and runs in browsers; it decodes checkpoints from bytes
 * (`checkpointFromBytes`) and encodes them (`encodeCheckpoint`).
 *
 * @example
 * ```ts
 * import { loadCheckpoint, saveCheckpoint } from '@dale/models/node';
 * await saveCheckpoint('runs/a/step-1000', { model, ema: ema.params, meta: { step: 1000 } });
 * const { model: restored, ema: weights, meta } = await loadCheckpoint('runs/a/step-1000');
 * ```
 * @packageDocumentation
 */
export { REPLACED_SUFFIX, writeDirectoryAtomic } from './node/atomic-directory.ts';
export { loadCheckpoint, saveCheckpoint } from './node/checkpoint-directory.ts';
