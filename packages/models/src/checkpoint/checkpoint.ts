/**
 * Checkpoints as bytes: `config.json` (format, version, the model config, free-form metadata and
 * a SHA-256 per file), `model.safetensors` (weights, and EMA weights under `ema.`) and optionally
 * `optimizer.safetensors`. Encoding and decoding need no file system, so they run in browsers
 * too; `@dale/models/node` reads and writes them as a directory.
 * @module
 */
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
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsContents,
  type SafetensorsTensor,
} from './safetensors.ts';
import { sha256Hex } from './sha256.ts';

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

/** What {@link encodeCheckpoint} encodes (and `saveCheckpoint` of `@dale/models/node` writes). */
export interface SaveCheckpointOptions {
  /** The model: its config goes to `config.json`, its weights to `model.safetensors`. */
  readonly model: Model;
  /** EMA weights, a tree with the model's parameter names and shapes (e.g. `ema.params`). */
  readonly ema?: TensorTree;
  /** Optimizer state, written to `optimizer.safetensors`. */
  readonly optimizer?: OptimizerState;
  /**
   * Free-form JSON recorded in `config.json` and returned by {@link checkpointFromBytes}: e.g. the
   * SDE config, schedule, data transform, training step and `rng.state()`.
   */
  readonly meta?: { readonly [key: string]: JsonValue | undefined };
}

/**
 * The files of a checkpoint as bytes, keyed like {@link CHECKPOINT_FILES}: what
 * {@link encodeCheckpoint} returns and {@link checkpointFromBytes} reads.
 */
export interface CheckpointBytes {
  /** `config.json`, as text or as its UTF-8 bytes. */
  readonly config: string | Uint8Array;
  /** `model.safetensors`. */
  readonly model: Uint8Array;
  /** `optimizer.safetensors`, when the optimizer state is wanted (and was saved). */
  readonly optimizer?: Uint8Array;
}

/** Options of {@link checkpointFromBytes}. */
export interface CheckpointFromBytesOptions {
  /**
   * Where the bytes came from (a directory or a URL), prefixed to the file names in error
   * messages: `runs/a` gives `runs/a/model.safetensors: …`. Default: the bare file names.
   */
  readonly source?: string;
}

/** What {@link checkpointFromBytes} (and `loadCheckpoint` of `@dale/models/node`) returns. */
export interface LoadedCheckpoint {
  /** The model rebuilt from its config with the stored weights. */
  readonly model: Model;
  /** The stored EMA weights as non-trainable variables (same tree as `model.params`), if any. */
  readonly ema?: ParamTree;
  /** The stored optimizer state, if any and if its bytes were read (tensors in file order). */
  readonly optimizer?: { readonly tensors: Map<string, tf.Tensor>; readonly state: JsonValue };
  /** The `meta` given when the checkpoint was saved (`{}` if none), its `sde` and `transform` checked. */
  readonly meta: CheckpointMeta;
}

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * The `meta` of a checkpoint as dale's training loop writes it: free-form JSON in which `sde`
 * (`sde.toJSON()`, rebuilt with `sdeFromConfig` of `@dale/sde`) and `transform` (the positivity
 * transform's JSON form, rebuilt with `transformFromConfig` of `@dale/data`) are typed and
 * checked when the checkpoint is read, so they can be passed on without casts.
 */
export interface CheckpointMeta {
  /** The SDE the model was trained with: an object with a string `family` (or null: none recorded). */
  readonly sde?: (JsonObject & { readonly family: string }) | null;
  /** The positivity transform: an object with a string `kind` (null: the data was used as it is). */
  readonly transform?: (JsonObject & { readonly kind: string }) | null;
  readonly [key: string]: JsonValue | undefined;
}

/** Check the typed members of {@link CheckpointMeta}. */
function checkMeta(label: string, meta: unknown): CheckpointMeta {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    fail(label, `"meta" must be an object, got ${JSON.stringify(meta)}`);
  }
  const { sde, transform } = meta as { sde?: unknown; transform?: unknown };
  const isObjectWith = (value: unknown, key: string) =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>)[key] === 'string';
  if (sde != null && !isObjectWith(sde, 'family')) {
    fail(
      label,
      `meta.sde must be an SDE's JSON form with a string family, got ${JSON.stringify(sde)}`,
    );
  }
  if (transform != null && !isObjectWith(transform, 'kind')) {
    fail(
      label,
      `meta.transform must be a transform's JSON form with a string kind, got ${JSON.stringify(transform)}`,
    );
  }
  return meta as CheckpointMeta;
}

/** The parsed `config.json` of a checkpoint. */
export interface CheckpointConfig {
  format: string;
  version: number;
  model: ModelConfig;
  hasEma: boolean;
  meta: CheckpointMeta;
  files: Record<string, { bytes: number; sha256: string }>;
}

/** Names the checkpoint's files in error messages (e.g. `runs/a/model.safetensors`). */
export type FileLabel = (file: string) => string;

function fail(label: string, problem: string, cause?: unknown): never {
  throw new DaleError('invalid-checkpoint', `${label}: ${problem}`, cause ? { cause } : undefined);
}

/** Reads asynchronously: TensorFlow.js's WebGPU backend cannot read synchronously in Node. */
async function toSafetensors(tensor: tf.Tensor, name: string): Promise<SafetensorsTensor> {
  const shape = [...tensor.shape];
  if (tensor.dtype === 'float32')
    return { dtype: 'F32', shape, data: (await tensor.data()) as Float32Array };
  if (tensor.dtype === 'int32')
    return { dtype: 'I32', shape, data: (await tensor.data()) as Int32Array };
  throw new DaleError(
    'invalid-checkpoint',
    `saveCheckpoint: tensor ${JSON.stringify(name)} must be float32 or int32, got ${tensor.dtype}`,
  );
}

/**
 * Encode a checkpoint as bytes (no file system: this runs in browsers too, where crypto.subtle
 * exists). Tensor values are read asynchronously (so this works on every backend, WebGPU in Node
 * included). The EMA must have exactly the model's parameter
 * names and shapes; any other tree is refused with a `DaleError` (code `'invalid-params'`).
 */
export async function encodeCheckpoint(
  options: SaveCheckpointOptions,
): Promise<CheckpointBytes & { readonly config: string }> {
  const { model, ema, optimizer, meta = {} } = options;
  const weights: Array<[string, SafetensorsTensor]> = await Promise.all(
    flattenParams(model.params).map(
      async ([name, v]): Promise<[string, SafetensorsTensor]> => [
        name,
        await toSafetensors(v, name),
      ],
    ),
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
      weights.push([`${EMA_PREFIX}${name}`, await toSafetensors(v, name)]);
    }
    if (emaWeights.length !== names.size) {
      throw new DaleError(
        'invalid-params',
        `saveCheckpoint: the EMA has ${emaWeights.length} weights, the model ${names.size}`,
      );
    }
  }
  const modelBytes = encodeSafetensors(weights, { format: CHECKPOINT_FORMAT });
  const files: Array<[string, Uint8Array]> = [[CHECKPOINT_FILES.model, modelBytes]];
  let optimizerBytes: Uint8Array | undefined;
  if (optimizer) {
    const entries =
      optimizer.tensors instanceof Map
        ? [...optimizer.tensors.entries()]
        : Object.entries(optimizer.tensors as Record<string, tf.Tensor>);
    const tensors = await Promise.all(
      entries.map(
        async ([name, t]): Promise<[string, SafetensorsTensor]> => [
          name,
          await toSafetensors(t, name),
        ],
      ),
    );
    optimizerBytes = encodeSafetensors(tensors, { state: JSON.stringify(optimizer.state ?? null) });
    files.push([CHECKPOINT_FILES.optimizer, optimizerBytes]);
  }
  const recorded: CheckpointConfig['files'] = {};
  for (const [name, bytes] of files) {
    recorded[name] = { bytes: bytes.length, sha256: await sha256Hex(bytes, 'saveCheckpoint') };
  }
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    model: model.config,
    hasEma: ema !== undefined,
    meta: meta as Record<string, JsonValue>,
    files: recorded,
  };
  return {
    config: `${JSON.stringify(config, null, 2)}\n`,
    model: modelBytes,
    ...(optimizerBytes && { optimizer: optimizerBytes }),
  };
}

/** Parse and check `config.json` (format, version and the fields the loader relies on). */
export function parseCheckpointConfig(text: string, label: string): CheckpointConfig {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    fail(label, `is not valid JSON (${(error as Error).message})`, error);
  }
  const c = config as Partial<CheckpointConfig> | null;
  if (c === null || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT) {
    fail(label, `format must be "${CHECKPOINT_FORMAT}", got ${JSON.stringify(c?.format)}`);
  }
  if (c.version !== CHECKPOINT_VERSION) {
    fail(
      label,
      `version ${JSON.stringify(c.version)} is not supported (this dale reads version ${CHECKPOINT_VERSION})`,
    );
  }
  if (c.model === null || typeof c.model !== 'object') fail(label, 'the "model" config is missing');
  if (typeof c.hasEma !== 'boolean')
    fail(label, `hasEma must be a boolean, got ${JSON.stringify(c.hasEma)}`);
  if (c.files === null || typeof c.files !== 'object' || !c.files[CHECKPOINT_FILES.model]) {
    fail(label, `"files" must list ${CHECKPOINT_FILES.model} with its size and SHA-256`);
  }
  return { ...(c as CheckpointConfig), meta: checkMeta(label, c.meta ?? {}) };
}

/** Check `bytes` against the size and SHA-256 that config.json records for them. */
async function verify(
  bytes: Uint8Array,
  recorded: { bytes: number; sha256: string },
  label: string,
): Promise<void> {
  const hash = await sha256Hex(bytes, label);
  if (bytes.length !== recorded.bytes || hash !== recorded.sha256) {
    fail(
      label,
      `the contents do not match config.json (${bytes.length} bytes with SHA-256 ${hash}, recorded ${recorded.bytes} bytes with ${recorded.sha256}): the file was modified or corrupted`,
    );
  }
}

/**
 * Rebuild a checkpoint from its parsed config and file bytes (shared by
 * {@link checkpointFromBytes} and the Node loader). See {@link checkpointFromBytes} for the checks.
 */
export async function decodeCheckpoint(
  config: CheckpointConfig,
  files: { readonly model: Uint8Array; readonly optimizer?: Uint8Array | undefined },
  label: FileLabel,
): Promise<LoadedCheckpoint> {
  let model: Model;
  try {
    model = modelFromConfig(config.model, Rng.fromSeed(0));
  } catch (error) {
    return fail(
      label(CHECKPOINT_FILES.config),
      `the model config is invalid: ${(error as Error).message}`,
      error,
    );
  }
  const created: tf.Tensor[] = [];
  let ema: ParamTree | undefined;
  try {
    const modelLabel = label(CHECKPOINT_FILES.model);
    const { tensors } = decodeSafetensors(files.model, modelLabel);
    const params = flattenParams(model.params);
    const expected = new Map(params.map(([name, v]) => [name, v.shape]));
    if (config.hasEma)
      for (const [name, v] of params) expected.set(`${EMA_PREFIX}${name}`, v.shape);
    const missing = [...expected.keys()].filter((name) => !tensors.has(name));
    if (missing.length > 0)
      fail(modelLabel, `missing tensors for the model config: ${missing.join(', ')}`);
    const extra = [...tensors.keys()].filter((name) => !expected.has(name));
    if (extra.length > 0)
      fail(modelLabel, `tensors the model config does not have: ${extra.join(', ')}`);
    for (const [name, shape] of expected) {
      const stored = tensors.get(name)!;
      if (stored.dtype !== 'F32' || !tf.util.arraysEqual(stored.shape as number[], shape)) {
        fail(
          modelLabel,
          `tensor ${JSON.stringify(name)} must be F32 of shape [${shape.join(', ')}] for the model config, got ${stored.dtype} [${stored.shape.join(', ')}]`,
        );
      }
    }
    // After the structural checks, whose messages say more about what is wrong than a hash does.
    await verify(files.model, config.files[CHECKPOINT_FILES.model]!, modelLabel);
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
    if (files.optimizer) {
      const optimizerLabel = label(CHECKPOINT_FILES.optimizer);
      if (!recorded) fail(optimizerLabel, 'given, but config.json records no optimizer state');
      const contents: SafetensorsContents = decodeSafetensors(files.optimizer, optimizerLabel);
      await verify(files.optimizer, recorded, optimizerLabel);
      let state: JsonValue;
      try {
        state = JSON.parse(contents.metadata['state'] ?? 'null');
      } catch (error) {
        return fail(optimizerLabel, `__metadata__.state is not valid JSON`, error);
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

/**
 * Rebuild a checkpoint from the bytes of its files, e.g. fetched in a browser: the model is rebuilt
 * with `modelFromConfig` and its weights replaced by the stored ones. Everything is validated
 * before it is used: format and version, the model config, every safetensors header, that the
 * weight names are exactly the model's parameter names (plus `ema.` copies when an EMA was saved),
 * each with the parameter's shape and dtype F32, and each file's size and SHA-256 against
 * config.json. Any problem throws a `DaleError` (code `'invalid-checkpoint'`) naming the file and
 * the problem. The optimizer state is decoded only when its bytes are given. Hashing uses the Web
 * Crypto API, which browsers provide in secure contexts (https:// and http://localhost).
 *
 * @example
 * ```ts
 * const [config, weights] = await Promise.all([fetch(configUrl), fetch(weightsUrl)]);
 * const { model, ema, meta } = await checkpointFromBytes({
 *   config: await config.text(),
 *   model: new Uint8Array(await weights.arrayBuffer()),
 * });
 * ```
 */
export async function checkpointFromBytes(
  files: CheckpointBytes,
  options: CheckpointFromBytesOptions = {},
): Promise<LoadedCheckpoint> {
  const label: FileLabel = (file) =>
    options.source === undefined ? file : `${options.source.replace(/\/+$/, '')}/${file}`;
  const text =
    typeof files.config === 'string' ? files.config : new TextDecoder().decode(files.config);
  const config = parseCheckpointConfig(text, label(CHECKPOINT_FILES.config));
  return decodeCheckpoint(config, files, label);
}
