/**
 * Checkpoints: a directory with `config.json` (format, version, the model config, free-form
 * metadata and a SHA-256 per file), `model.safetensors` (weights, and EMA weights under `ema.`)
 * and optionally `optimizer.safetensors`, written atomically (see {@link writeDirectoryAtomic}).
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Model, ModelConfig } from '../model.ts';
import {
  disposeParams,
  flattenParams,
  mapParams,
  type ParamTree,
  type TensorTree,
} from '../params.ts';
import { modelFromConfig } from '../registry.ts';
import { writeDirectoryAtomic } from './atomic-directory.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsContents,
  type SafetensorsTensor,
} from './safetensors.ts';

/** The `format` field of a dale checkpoint's `config.json`. */
export const CHECKPOINT_FORMAT = 'dale-checkpoint';
/** The checkpoint layout version this code writes and reads. */
export const CHECKPOINT_VERSION = 1;
/** The prefix of EMA weights' names in `model.safetensors` (e.g. `ema.input.kernel`). */
export const EMA_PREFIX = 'ema.';
/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = Object.freeze({
  config: 'config.json',
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
});

/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * An optimizer's state as a checkpoint stores it: named tensors (e.g. Adam's first and second
 * moments per weight, float32 or int32) and JSON scalars (e.g. `{ step: 1200, beta1Power: … }`).
 */
export interface OptimizerState {
  readonly tensors: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>;
  readonly state?: JsonValue;
}

/** What {@link saveCheckpoint} writes. */
export interface SaveCheckpointOptions {
  /** The model: its config goes to `config.json`, its weights to `model.safetensors`. */
  readonly model: Model;
  /** EMA weights, a tree with the model's parameter names and shapes (e.g. `ema.params`). */
  readonly ema?: TensorTree;
  /** Optimizer state, written to `optimizer.safetensors`. */
  readonly optimizer?: OptimizerState;
  /**
   * Free-form JSON recorded in `config.json` and returned by {@link loadCheckpoint}: e.g. the SDE
   * config, schedule, data transform, training step and `rng.state()`.
   */
  readonly meta?: Readonly<Record<string, JsonValue>>;
}

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  /** The model rebuilt from its config with the stored weights. */
  readonly model: Model;
  /** The stored EMA weights as non-trainable variables (same tree as `model.params`), if any. */
  readonly ema?: ParamTree;
  /** The stored optimizer state, if any (tensors in file order). */
  readonly optimizer?: { readonly tensors: Map<string, tf.Tensor>; readonly state: JsonValue };
  /** The `meta` given to {@link saveCheckpoint} (`{}` if none). */
  readonly meta: Record<string, JsonValue>;
}

/** The `config.json` of a checkpoint. */
interface CheckpointConfig {
  format: string;
  version: number;
  model: ModelConfig;
  hasEma: boolean;
  meta: Record<string, JsonValue>;
  files: Record<string, { bytes: number; sha256: string }>;
}

function fail(file: string, problem: string, cause?: unknown): never {
  throw new DaleError('invalid-checkpoint', `${file}: ${problem}`, cause ? { cause } : undefined);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toSafetensors(tensor: tf.Tensor, name: string): SafetensorsTensor {
  const shape = [...tensor.shape];
  if (tensor.dtype === 'float32')
    return { dtype: 'F32', shape, data: tensor.dataSync() as Float32Array };
  if (tensor.dtype === 'int32')
    return { dtype: 'I32', shape, data: tensor.dataSync() as Int32Array };
  throw new DaleError(
    'invalid-checkpoint',
    `saveCheckpoint: tensor ${JSON.stringify(name)} must be float32 or int32, got ${tensor.dtype}`,
  );
}

/**
 * Save a checkpoint to the directory `dir` (created, or replaced atomically if it holds a dale
 * checkpoint; any other existing path is refused). Tensor values are read synchronously.
 */
export async function saveCheckpoint(dir: string, options: SaveCheckpointOptions): Promise<void> {
  const { model, ema, optimizer, meta = {} } = options;
  const weights: Array<[string, SafetensorsTensor]> = flattenParams(model.params).map(
    ([name, v]) => [name, toSafetensors(v, name)],
  );
  if (ema) {
    const names = new Set(weights.map(([name]) => name));
    const emaWeights = flattenParams(ema);
    const shapes = new Map(flattenParams(model.params).map(([n, v]) => [n, v.shape]));
    for (const [name, v] of emaWeights) {
      if (!names.has(name) || !tf.util.arraysEqual(shapes.get(name)!, v.shape)) {
        throw new DaleError(
          'invalid-params',
          `saveCheckpoint: EMA weight ${JSON.stringify(name)} [${v.shape.join(', ')}] has no model parameter of that name and shape`,
        );
      }
      weights.push([`${EMA_PREFIX}${name}`, toSafetensors(v, name)]);
    }
    if (emaWeights.length !== names.size) {
      throw new DaleError(
        'invalid-params',
        `saveCheckpoint: the EMA has ${emaWeights.length} weights, the model ${names.size}`,
      );
    }
  }
  const files: Array<[string, Uint8Array | string]> = [
    [CHECKPOINT_FILES.model, encodeSafetensors(weights, { format: CHECKPOINT_FORMAT })],
  ];
  if (optimizer) {
    const entries =
      optimizer.tensors instanceof Map
        ? [...optimizer.tensors.entries()]
        : Object.entries(optimizer.tensors as Record<string, tf.Tensor>);
    const tensors = entries.map(([name, t]): [string, SafetensorsTensor] => [
      name,
      toSafetensors(t, name),
    ]);
    files.push([
      CHECKPOINT_FILES.optimizer,
      encodeSafetensors(tensors, { state: JSON.stringify(optimizer.state ?? null) }),
    ]);
  }
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    model: model.config,
    hasEma: ema !== undefined,
    meta: meta as Record<string, JsonValue>,
    files: Object.fromEntries(
      files.map(([name, bytes]) => [
        name,
        { bytes: (bytes as Uint8Array).length, sha256: sha256(bytes as Uint8Array) },
      ]),
    ),
  };
  files.unshift([CHECKPOINT_FILES.config, `${JSON.stringify(config, null, 2)}\n`]);
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
    return fail(path, `cannot be read (${(error as Error).message})`, error);
  }
}

function readConfig(path: string, text: string): CheckpointConfig {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    fail(path, `is not valid JSON (${(error as Error).message})`, error);
  }
  const c = config as Partial<CheckpointConfig> | null;
  if (c === null || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT) {
    fail(path, `format must be "${CHECKPOINT_FORMAT}", got ${JSON.stringify(c?.format)}`);
  }
  if (c.version !== CHECKPOINT_VERSION) {
    fail(
      path,
      `version ${JSON.stringify(c.version)} is not supported (this dale reads version ${CHECKPOINT_VERSION})`,
    );
  }
  if (c.model === null || typeof c.model !== 'object') fail(path, 'the "model" config is missing');
  if (typeof c.hasEma !== 'boolean')
    fail(path, `hasEma must be a boolean, got ${JSON.stringify(c.hasEma)}`);
  if (c.files === null || typeof c.files !== 'object' || !c.files[CHECKPOINT_FILES.model]) {
    fail(path, `"files" must list ${CHECKPOINT_FILES.model} with its size and SHA-256`);
  }
  return { ...(c as CheckpointConfig), meta: (c.meta ?? {}) as Record<string, JsonValue> };
}

/**
 * Read and decode one safetensors file of the checkpoint; `verify()` then checks it against the
 * size and SHA-256 recorded in config.json (called after the structural checks, whose messages
 * say more about what is wrong than a hash mismatch does).
 */
async function readSafetensors(
  dir: string,
  name: string,
  recorded: { bytes: number; sha256: string },
): Promise<SafetensorsContents & { verify(): void }> {
  const path = join(dir, name);
  const bytes = await readBytes(path);
  const contents = decodeSafetensors(bytes, path);
  const verify = () => {
    const hash = sha256(bytes);
    if (bytes.length !== recorded.bytes || hash !== recorded.sha256) {
      fail(
        path,
        `the contents do not match config.json (${bytes.length} bytes with SHA-256 ${hash}, recorded ${recorded.bytes} bytes with ${recorded.sha256}): the file was modified or corrupted`,
      );
    }
  };
  return { ...contents, verify };
}

/**
 * Load a checkpoint written by {@link saveCheckpoint}: the model is rebuilt with
 * `modelFromConfig` and its weights replaced by the stored ones. Everything is validated before
 * it is used: format and version, the model config, every safetensors header, that the weight
 * names are exactly the model's parameter names (plus `ema.` copies when an EMA was saved), each
 * with the parameter's shape and dtype F32, and each file's SHA-256. Any problem throws a
 * `DaleError` (code `'invalid-checkpoint'`) naming the file and the problem.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const configPath = join(dir, CHECKPOINT_FILES.config);
  const text = new TextDecoder().decode(await readBytes(configPath));
  const config = readConfig(configPath, text);
  let model: Model;
  try {
    model = modelFromConfig(config.model, Rng.fromSeed(0));
  } catch (error) {
    return fail(configPath, `the model config is invalid: ${(error as Error).message}`, error);
  }
  const created: tf.Tensor[] = [];
  let ema: ParamTree | undefined;
  try {
    const modelPath = join(dir, CHECKPOINT_FILES.model);
    const { tensors, verify } = await readSafetensors(
      dir,
      CHECKPOINT_FILES.model,
      config.files[CHECKPOINT_FILES.model]!,
    );
    const params = flattenParams(model.params);
    const expected = new Map(params.map(([name, v]) => [name, v.shape]));
    if (config.hasEma)
      for (const [name, v] of params) expected.set(`${EMA_PREFIX}${name}`, v.shape);
    const missing = [...expected.keys()].filter((name) => !tensors.has(name));
    if (missing.length > 0)
      fail(modelPath, `missing tensors for the model config: ${missing.join(', ')}`);
    const extra = [...tensors.keys()].filter((name) => !expected.has(name));
    if (extra.length > 0)
      fail(modelPath, `tensors the model config does not have: ${extra.join(', ')}`);
    for (const [name, shape] of expected) {
      const stored = tensors.get(name)!;
      if (stored.dtype !== 'F32' || !tf.util.arraysEqual(stored.shape as number[], shape)) {
        fail(
          modelPath,
          `tensor ${JSON.stringify(name)} must be F32 of shape [${shape.join(', ')}] for the model config, got ${stored.dtype} [${stored.shape.join(', ')}]`,
        );
      }
    }
    verify();
    const value = (name: string) => {
      const stored = tensors.get(name)!;
      const t = tf.tensor(stored.data, [...stored.shape], 'float32');
      created.push(t);
      return t;
    };
    for (const [name, variable] of params) variable.assign(value(name));
    ema = config.hasEma
      ? (mapParams(model.params, (_, name) =>
          tf.variable(value(`${EMA_PREFIX}${name}`), false),
        ) as ParamTree)
      : undefined;
    let optimizer: LoadedCheckpoint['optimizer'];
    const recorded = config.files[CHECKPOINT_FILES.optimizer];
    if (recorded) {
      const optimizerPath = join(dir, CHECKPOINT_FILES.optimizer);
      const contents = await readSafetensors(dir, CHECKPOINT_FILES.optimizer, recorded);
      contents.verify();
      let state: JsonValue;
      try {
        state = JSON.parse(contents.metadata['state'] ?? 'null');
      } catch (error) {
        return fail(optimizerPath, `__metadata__.state is not valid JSON`, error);
      }
      const optimizerTensors = new Map(
        [...contents.tensors].map(([name, t]) => [
          name,
          tf.tensor(
            t.data as Float32Array | Int32Array,
            [...t.shape],
            t.dtype === 'I32' ? 'int32' : 'float32',
          ),
        ]),
      );
      optimizer = { tensors: optimizerTensors, state };
    }
    tf.dispose(created);
    return { model, ...(ema && { ema }), ...(optimizer && { optimizer }), meta: config.meta };
  } catch (error) {
    tf.dispose(created);
    disposeParams(model.params);
    if (ema) disposeParams(ema);
    throw error;
  }
}
