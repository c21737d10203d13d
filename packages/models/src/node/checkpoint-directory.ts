/**
 * Checkpoints as directories on a file system (Node): {@link saveCheckpoint} writes the files of
 * `encodeCheckpoint` atomically, {@link loadCheckpoint} reads them back through the same decoder
 * as `checkpointFromBytes`.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaleError } from '@dale/core';
import {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  decodeCheckpoint,
  encodeCheckpoint,
  type LoadedCheckpoint,
  parseCheckpointConfig,
  type SaveCheckpointOptions,
} from '../checkpoint/checkpoint.ts';
import { writeDirectoryAtomic } from './atomic-directory.ts';

/**
 * Save a checkpoint to the directory `dir` (created, or replaced atomically if it holds a dale
 * checkpoint; any other existing path is refused). Tensor values are read synchronously.
 */
export async function saveCheckpoint(dir: string, options: SaveCheckpointOptions): Promise<void> {
  const { config, model, optimizer } = await encodeCheckpoint(options);
  const files: Array<[string, Uint8Array | string]> = [
    [CHECKPOINT_FILES.config, config],
    [CHECKPOINT_FILES.model, model],
  ];
  if (optimizer) files.push([CHECKPOINT_FILES.optimizer, optimizer]);
  await writeDirectoryAtomic(dir, files, async (existing) => {
    const text = await readFile(join(existing, CHECKPOINT_FILES.config), 'utf8').catch(() => '');
    if (!text.includes(`"format": "${CHECKPOINT_FORMAT}"`)) {
      throw new DaleError(
        'checkpoint-exists',
        `saveCheckpoint: ${existing} exists and is not a dale checkpoint; refusing to replace it`,
      );
    }
  });
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new DaleError(
      'invalid-checkpoint',
      `${path}: cannot be read (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/**
 * Load a checkpoint written by {@link saveCheckpoint}, with every check of `checkpointFromBytes`
 * (format and version, model config, safetensors headers, weight names, shapes and dtypes, each
 * file's SHA-256). The optimizer state is read when config.json records one, unless
 * `options.optimizer` is false (sampling never needs it). Any problem throws a `DaleError` (code
 * `'invalid-checkpoint'`) whose message starts with the file's path.
 */
export async function loadCheckpoint(
  dir: string,
  options: { readonly optimizer?: boolean } = {},
): Promise<LoadedCheckpoint> {
  const label = (file: string) => join(dir, file);
  const configPath = label(CHECKPOINT_FILES.config);
  const config = parseCheckpointConfig(
    new TextDecoder().decode(await readBytes(configPath)),
    configPath,
  );
  const model = await readBytes(label(CHECKPOINT_FILES.model));
  const optimizer =
    options.optimizer !== false && config.files[CHECKPOINT_FILES.optimizer]
      ? await readBytes(label(CHECKPOINT_FILES.optimizer))
      : undefined;
  return decodeCheckpoint(config, { model, optimizer }, label);
}
