/**
 * The JSON `--config` file of `dale train`: every field is optional and checked, and a mistake
 * names the field, what was expected and what was found.
 * @module
 */
import { readFileSync } from 'node:fs';
import { DaleError } from '@dale/core';
import { UNET_DEFAULTS, UNET_SMALL, type UnetConfig, validateUnetConfig } from '@dale/models';
import { UsageError } from './errors.ts';

/** The U-Net fields a config file may set (`inputShape` comes from the dataset). */
export type ModelOverrides = Partial<
  Pick<
    UnetConfig,
    | 'baseChannels'
    | 'channelMultipliers'
    | 'resBlocksPerLevel'
    | 'attentionResolutions'
    | 'groups'
    | 'timeEmbedding'
    | 'maxPeriod'
    | 'timeScale'
    | 'dropout'
    | 'predicts'
    | 'inputTransform'
    | 'classes'
    | 'preconditioning'
  >
>;

/**
 * Training settings: a preset's values, then a `--config` file's, then command-line flags
 * override each other in that order.
 */
export interface TrainSettings {
  /** Total optimisation steps. */
  readonly steps: number;
  readonly batchSize: number;
  /** Peak learning rate of Adam. */
  readonly learningRate: number;
  /** Linear warm-up steps. */
  readonly warmupSteps: number;
  /** Global gradient-norm clipping, or `null` for none. */
  readonly gradClipNorm: number | null;
  /** EMA decay of the weights. */
  readonly emaDecay: number;
  readonly checkpointEvery: number;
  /** Write a sample grid every this many steps (and at the end); 0 never. */
  readonly sampleEvery: number;
  /** Images in each sample grid. */
  readonly sampleCount: number;
  /** Steps of the sampler that draws the grids (levels, for the annealed reference sampler). */
  readonly sampleSteps: number;
  /** Seed of the model's initial weights, the data order and every step's noise. */
  readonly seed: number;
  /** Train on the first `limit` images only, or `null` for all. */
  readonly limit: number | null;
  /** Without a terminal, print a progress line every this many steps. */
  readonly logEvery: number;
  /**
   * For a class-conditional model (the `edm` preset): the probability that a training label is
   * replaced by "no class", which trains the unconditional score that guidance needs.
   */
  readonly labelDropout: number;
  /** U-Net fields that replace the preset's. */
  readonly model: ModelOverrides;
}

/** What a `--config` file may contain: any subset of {@link TrainSettings}. */
export type TrainConfig = Partial<TrainSettings>;

type Check = (value: unknown) => string | undefined;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `${JSON.stringify(value)} (an array)`;
  if (typeof value === 'object') return 'an object';
  return `${JSON.stringify(value)} (a ${typeof value})`;
}

const integer =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min
      ? undefined
      : `an integer >= ${min}`;
const positive: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a number > 0';
const decay: Check = (v) =>
  typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)';
const orNull =
  (check: Check): Check =>
  (v) => {
    if (v === null) return undefined;
    const expected = check(v);
    return expected && `${expected} or null`;
  };

const CHECKS: Readonly<Record<Exclude<keyof TrainSettings, 'model'>, Check>> = {
  steps: integer(1),
  batchSize: integer(1),
  learningRate: positive,
  warmupSteps: integer(0),
  gradClipNorm: orNull(positive),
  emaDecay: decay,
  checkpointEvery: integer(1),
  sampleEvery: integer(0),
  sampleCount: integer(1),
  sampleSteps: integer(1),
  seed: integer(0),
  limit: orNull(integer(1)),
  logEvery: integer(1),
  labelDropout: decay,
};

/** The fields a config file may set, in the order `--help` and errors list them. */
export const CONFIG_FIELDS: readonly string[] = [...Object.keys(CHECKS), 'model'];

// `preconditioning` is measured on the data by the `edm` preset, never set by hand.
const MODEL_FIELDS = Object.keys(UNET_DEFAULTS).filter(
  (k) => k !== 'kind' && k !== 'preconditioning',
);

function fail(source: string, field: string, expected: string, got: unknown): never {
  throw new UsageError(
    `${source}: field "${field}": expected ${expected}, got ${describe(got)}`,
    'train',
  );
}

function unknownField(source: string, field: string, known: readonly string[]): never {
  throw new UsageError(
    `${source}: unknown field "${field}" (known fields: ${known.join(', ')})`,
    'train',
  );
}

/** Check the U-Net fields (on a size every level count divides; the dataset's is checked later). */
function checkModel(source: string, model: Record<string, unknown>): void {
  try {
    validateUnetConfig({ ...UNET_SMALL, ...model, inputShape: [1024, 1024, 1] });
  } catch (error) {
    if (!(error instanceof DaleError)) throw error;
    throw new UsageError(`${source}: field "model": ${error.message}`, 'train');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Check a parsed config against {@link TrainSettings}: unknown fields and wrong types are
 * {@link UsageError}s such as `run.json: field "steps": expected an integer >= 1, got "10" (a string)`.
 * The `model` object's values are checked with `validateUnetConfig` of @dale/models.
 */
export function validateTrainConfig(value: unknown, source = 'config'): TrainConfig {
  if (!isRecord(value)) fail(source, '(top level)', 'a JSON object', value);
  for (const [field, v] of Object.entries(value)) {
    if (field === 'model') {
      if (!isRecord(v)) fail(source, 'model', 'an object of U-Net fields', v);
      for (const key of Object.keys(v)) {
        if (!MODEL_FIELDS.includes(key)) unknownField(source, `model.${key}`, MODEL_FIELDS);
      }
      checkModel(source, v);
      continue;
    }
    const check = (CHECKS as Record<string, Check>)[field];
    if (!check) unknownField(source, field, CONFIG_FIELDS);
    const expected = check(v);
    if (expected) fail(source, field, expected, v);
  }
  return value as TrainConfig;
}

/** Read and check a `--config` file; a missing file or invalid JSON is a {@link UsageError}. */
export function loadTrainConfig(path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read the config file ${path}: ${(error as Error).message}`,
      'train',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON: ${(error as Error).message}`, 'train');
  }
  return validateTrainConfig(value, path);
}
