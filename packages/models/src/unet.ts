/**
 * A DDPM-style U-Net score network for NHWC images (Ho et al. 2020; Song et al. 2021, DDPM++),
 * with the reference configuration `unet-small` of DESIGN.md.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import type { Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import {
  requireInteger,
  requireIntegerList,
  requireKnownKeys,
  requireNumber,
  requireOneOf,
} from './config-checks.ts';
import {
  type AttentionBlockParams,
  attentionBlock,
  initAttentionBlock,
} from './layers/attention.ts';
import { type Conv2dParams, conv2d, initConv2d } from './layers/conv2d.ts';
import { type GroupNormParams, groupNorm, initGroupNorm } from './layers/group-norm.ts';
import { initVariable } from './layers/init.ts';
import { initMlpBlock, type MlpBlockParams, mlpBlock } from './layers/mlp-block.ts';
import { initResBlock, type ResBlockParams, resBlock } from './layers/res-block.ts';
import { downsample, initResample, upsample } from './layers/resample.ts';
import {
  DEFAULT_MAX_PERIOD,
  DEFAULT_TIME_SCALE,
  sinusoidalEmbedding,
} from './layers/time-embedding.ts';
import { INPUT_TRANSFORMS, type InputTransform } from './mlp.ts';
import {
  type ApplyOptions,
  type Model,
  type ModelConfig,
  PARAMETERISATIONS,
  type Parameterisation,
} from './model.ts';
import type { TensorsOf } from './params.ts';
import { checkPreconditioning, type Preconditioning } from './preconditioning.ts';

/** The JSON form of a U-Net score network; every field is explicit. */
export interface UnetConfig extends ModelConfig {
  readonly kind: 'unet';
  /** [H, W, C] of one image (NHWC without the batch axis), e.g. [28, 28, 1] or [32, 32, 3]. */
  readonly inputShape: readonly [number, number, number];
  /** Channels of the first level, c. */
  readonly baseChannels: number;
  /** Level ℓ has c · channelMultipliers[ℓ] channels; there is one level per entry. */
  readonly channelMultipliers: readonly number[];
  /** Residual blocks per level on the way down (the way up has one more, as in DDPM). */
  readonly resBlocksPerLevel: number;
  /** Spatial sizes (height) whose levels get one attention block after their residual blocks. */
  readonly attentionResolutions: readonly number[];
  /** Groups of every group norm (must divide every channel count). */
  readonly groups: number;
  /** Size E of the sinusoidal time embedding and of the time MLP's layers (even). */
  readonly timeEmbedding: number;
  /** Longest period of the time embedding's sinusoids (in units of timeScale · t). */
  readonly maxPeriod: number;
  /** Factor applied to t before the time embedding. */
  readonly timeScale: number;
  /** Dropout rate in the residual blocks (active only when `apply` gets an `rng`). */
  readonly dropout: number;
  /** What the output means. */
  readonly predicts: Parameterisation;
  /** Transform applied to the input before the first layer (`'log'` needs x > 0). */
  readonly inputTransform: InputTransform;
  /**
   * Number of classes K of a class-conditional model (labels 0…K − 1, and K for "no class", the
   * unconditional branch of classifier-free guidance); 0 for an unconditional model.
   */
  readonly classes: number;
  /** The data statistics of a `'denoiser'` model (see `Preconditioning`); `null` otherwise. */
  readonly preconditioning: Preconditioning | null;
}

/** Options of {@link createUnet}: a {@link UnetConfig} in which every field but `inputShape` has a default. */
export type UnetOptions = Partial<UnetConfig> & {
  readonly inputShape: readonly [number, number, number];
};

/**
 * The defaults of {@link createUnet}: those of {@link UNET_SMALL} (base 32, multipliers [1, 2, 2],
 * 2 residual blocks per level, attention at 7×7, GroupNorm(8), time embedding 128, dropout 0.1,
 * noise prediction, log input).
 */
export const UNET_DEFAULTS = Object.freeze({
  kind: 'unet',
  baseChannels: 32,
  channelMultipliers: Object.freeze([1, 2, 2]),
  resBlocksPerLevel: 2,
  attentionResolutions: Object.freeze([7]),
  groups: 8,
  timeEmbedding: 128,
  maxPeriod: DEFAULT_MAX_PERIOD,
  timeScale: DEFAULT_TIME_SCALE,
  dropout: 0.1,
  predicts: 'noise',
  inputTransform: 'log',
  classes: 0,
  preconditioning: null,
} as const) satisfies Partial<UnetConfig>;

/**
 * The reference benchmark network `unet-small` of DESIGN.md, for 28×28×1 images: base 32
 * channels, multipliers [1, 2, 2] (28×28×32, 14×14×64, 7×7×64), 2 residual blocks per level,
 * GroupNorm(8) + SiLU, a sinusoidal time embedding of size 128 through a 2-layer MLP added in
 * every residual block, single-head self-attention at 7×7, concatenated skip connections and a
 * 3×3 output convolution.
 */
export const UNET_SMALL: UnetConfig = Object.freeze({
  ...UNET_DEFAULTS,
  inputShape: Object.freeze([28, 28, 1]) as readonly [number, number, number],
});

/** Named reference configurations, e.g. `UNET_PRESETS['unet-small']`. */
export const UNET_PRESETS: Readonly<Record<string, UnetConfig>> = Object.freeze({
  'unet-small': UNET_SMALL,
});

/** Weights of one level of the U-Net. */
export type UnetLevelParams = {
  /** The residual blocks (resBlocksPerLevel down, resBlocksPerLevel + 1 up). */
  readonly blocks: readonly ResBlockParams[];
  /** The attention block, present when the level's size is in `attentionResolutions`. */
  readonly attention?: AttentionBlockParams;
  /** The stride-2 convolution (down, all levels but the last) or ×2 + convolution (up, all levels but the first). */
  readonly resample?: Conv2dParams;
};

/**
 * Weights of a U-Net: `time` (the 2-layer time MLP E → E → E), `input` (3×3 conv C → c),
 * `down[ℓ]` and `up[ℓ]` per level ℓ (index 0 = full resolution), `middle` (residual block,
 * attention when the lowest size is in `attentionResolutions`, residual block), `outputNorm` and
 * `output` (3×3 conv back to C).
 */
export type UnetParams = {
  readonly time: MlpBlockParams;
  /** The class embedding table [classes + 1, E] of a class-conditional model (row K: no class). */
  readonly label?: { readonly table: tf.Variable };
  readonly input: Conv2dParams;
  readonly down: readonly UnetLevelParams[];
  readonly middle: {
    readonly first: ResBlockParams;
    readonly attention?: AttentionBlockParams;
    readonly second: ResBlockParams;
  };
  readonly up: readonly UnetLevelParams[];
  readonly outputNorm: GroupNormParams;
  readonly output: Conv2dParams;
};

/** Options of a U-Net's `apply`: dropout's generator and class labels (see `ApplyOptions`). */
export type UnetApplyOptions = ApplyOptions;

/** A U-Net score network; `apply` takes {@link UnetApplyOptions} for dropout and class labels. */
export type UnetModel = Model<UnetConfig, UnetParams>;

const WHAT = 'U-Net config';

function invalid(message: string): never {
  throw new DaleError('invalid-model-config', `${WHAT}: ${message}`);
}

/**
 * Validate a complete U-Net config (as stored in a checkpoint), throwing a `DaleError` with code
 * `'invalid-model-config'` that names the offending field. The spatial size must be divisible by
 * 2^(levels − 1) (each downsampling halves it exactly, so the way up meets the stored skips), and
 * `groups` must divide every channel count. Returns a normalised copy.
 */
export function validateUnetConfig(config: unknown): UnetConfig {
  requireKnownKeys(WHAT, config, ['inputShape', ...Object.keys(UNET_DEFAULTS)]);
  requireOneOf(WHAT, 'kind', config['kind'], ['unet']);
  const shape = config['inputShape'];
  if (!Array.isArray(shape) || shape.length !== 3) {
    invalid(`inputShape must be [height, width, channels], got ${JSON.stringify(shape)}`);
  }
  const inputShape = requireIntegerList(WHAT, 'inputShape', shape, 1) as unknown as [
    number,
    number,
    number,
  ];
  const baseChannels = requireInteger(WHAT, 'baseChannels', config['baseChannels'], 1);
  const channelMultipliers = requireIntegerList(
    WHAT,
    'channelMultipliers',
    config['channelMultipliers'],
    1,
  );
  const attention = config['attentionResolutions'];
  if (!Array.isArray(attention)) {
    invalid(`attentionResolutions must be an array of sizes, got ${JSON.stringify(attention)}`);
  }
  const attentionResolutions = attention.map((v, i) =>
    requireInteger(WHAT, `attentionResolutions[${i}]`, v, 1),
  );
  const groups = requireInteger(WHAT, 'groups', config['groups'], 1);
  const timeEmbedding = requireInteger(WHAT, 'timeEmbedding', config['timeEmbedding'], 2);
  if (timeEmbedding % 2 !== 0) {
    invalid(`timeEmbedding must be even (half sines, half cosines), got ${timeEmbedding}`);
  }
  const factor = 2 ** (channelMultipliers.length - 1);
  if (inputShape[0] % factor !== 0 || inputShape[1] % factor !== 0) {
    invalid(
      `inputShape [${inputShape.join(', ')}] must have height and width divisible by ${factor} ` +
        `(2^(levels − 1) for ${channelMultipliers.length} levels)`,
    );
  }
  for (const [i, m] of channelMultipliers.entries()) {
    if ((baseChannels * m) % groups !== 0) {
      invalid(
        `groups (${groups}) must divide every channel count, but level ${i} has ` +
          `baseChannels × channelMultipliers[${i}] = ${baseChannels * m}`,
      );
    }
  }
  const dropout = requireNumber(WHAT, 'dropout', config['dropout']);
  if (dropout < 0 || dropout >= 1) invalid(`dropout must be in [0, 1), got ${dropout}`);
  // Checkpoints written before class conditioning and preconditioning existed lack both fields.
  const classes =
    config['classes'] === undefined ? 0 : requireInteger(WHAT, 'classes', config['classes'], 0);
  const predicts = requireOneOf(WHAT, 'predicts', config['predicts'], PARAMETERISATIONS);
  const inputTransform = requireOneOf(
    WHAT,
    'inputTransform',
    config['inputTransform'],
    INPUT_TRANSFORMS,
  );
  const given = config['preconditioning'];
  const preconditioning =
    given === undefined || given === null ? null : checkPreconditioning(given, WHAT);
  if (predicts === 'denoiser' && (preconditioning === null || inputTransform !== 'identity')) {
    invalid(
      `a 'denoiser' model needs preconditioning { sigmaData, dataMean } and inputTransform 'identity' ` +
        `(its input is the preconditioned log state), got preconditioning ${JSON.stringify(given ?? null)} ` +
        `and inputTransform '${inputTransform}'`,
    );
  }
  return {
    kind: 'unet',
    inputShape,
    baseChannels,
    channelMultipliers,
    resBlocksPerLevel: requireInteger(WHAT, 'resBlocksPerLevel', config['resBlocksPerLevel'], 1),
    attentionResolutions,
    groups,
    timeEmbedding,
    maxPeriod: requireNumber(WHAT, 'maxPeriod', config['maxPeriod'], 1),
    timeScale: requireNumber(WHAT, 'timeScale', config['timeScale'], 0),
    dropout,
    predicts,
    inputTransform,
    classes,
    preconditioning,
  };
}

/** The height of level ℓ (the input height halved ℓ times). */
function levelSize(config: UnetConfig, level: number): number {
  return config.inputShape[0] / 2 ** level;
}

function hasAttention(config: UnetConfig, level: number): boolean {
  return config.attentionResolutions.includes(levelSize(config, level));
}

function initParams(config: UnetConfig, rng: Rng): UnetParams {
  const { baseChannels: c, channelMultipliers: mults, resBlocksPerLevel: R } = config;
  const E = config.timeEmbedding;
  const L = mults.length;
  const channels = mults.map((m) => c * m);
  const skips: number[] = [c];
  const down: UnetLevelParams[] = [];
  let width = c;
  for (let level = 0; level < L; level++) {
    const r = rng.split(`down.${level}`);
    const blocks: ResBlockParams[] = [];
    for (let i = 0; i < R; i++) {
      blocks.push(initResBlock(r.split(`blocks.${i}`), width, channels[level]!, E));
      width = channels[level]!;
      skips.push(width);
    }
    const attention = hasAttention(config, level)
      ? initAttentionBlock(r.split('attention'), width)
      : undefined;
    const resample = level < L - 1 ? initResample(r.split('resample'), width) : undefined;
    if (resample) skips.push(width);
    down.push({ blocks, ...(attention && { attention }), ...(resample && { resample }) });
  }
  const m = rng.split('middle');
  const middleAttention = hasAttention(config, L - 1)
    ? initAttentionBlock(m.split('attention'), width)
    : undefined;
  const middle = {
    first: initResBlock(m.split('first'), width, width, E),
    ...(middleAttention && { attention: middleAttention }),
    second: initResBlock(m.split('second'), width, width, E),
  };
  const up: UnetLevelParams[] = [];
  for (let level = L - 1; level >= 0; level--) {
    const r = rng.split(`up.${level}`);
    const blocks: ResBlockParams[] = [];
    for (let i = 0; i <= R; i++) {
      const skip = skips.pop()!;
      blocks.push(initResBlock(r.split(`blocks.${i}`), width + skip, channels[level]!, E));
      width = channels[level]!;
    }
    const attention = hasAttention(config, level)
      ? initAttentionBlock(r.split('attention'), width)
      : undefined;
    const resample = level > 0 ? initResample(r.split('resample'), width) : undefined;
    up[level] = { blocks, ...(attention && { attention }), ...(resample && { resample }) };
  }
  const label =
    config.classes > 0
      ? {
          table: initVariable(rng.split('label'), [config.classes + 1, E], 'glorot-uniform', {
            fanIn: config.classes + 1,
            fanOut: E,
          }),
        }
      : undefined;
  return {
    time: initMlpBlock(rng.split('time'), [E, E, E]),
    ...(label && { label }),
    input: initConv2d(rng.split('input'), 3, config.inputShape[2], c),
    down,
    middle,
    up,
    outputNorm: initGroupNorm(width),
    // Small initial output (Glorot × 0.1): the ε-prediction starts near 0 but gradients reach every layer.
    output: initConv2d(rng.split('output'), 3, width, config.inputShape[2], { scale: 0.1 }),
  };
}

/**
 * The class embedding of each batch element: one-hot labels (the "no class" row K where no
 * labels are given) times the table, a matrix product so that every backend has its gradient.
 */
function labelEmbedding(
  config: UnetConfig,
  table: tf.Tensor,
  batch: number,
  options: UnetApplyOptions,
): tf.Tensor {
  const K = config.classes;
  const labels = Int32Array.from({ length: batch }, () => K);
  if (options.labels !== undefined) {
    if (options.labels.length !== batch) {
      throw new DaleError(
        'invalid-input',
        `U-Net: labels must hold one label per batch element: got ${options.labels.length} for a batch of ${batch}`,
      );
    }
    for (let i = 0; i < batch; i++) {
      const label = options.labels[i]!;
      if (!(Number.isInteger(label) && label >= 0 && label <= K)) {
        throw new DaleError(
          'invalid-input',
          `U-Net: labels must be integers in [0, ${K}] (${K}: no class), got ${label} at ${i}`,
        );
      }
      labels[i] = label;
    }
  }
  return tf.matMul(tf.oneHot(tf.tensor1d(labels, 'int32'), K + 1), table);
}

/** The network output (guide: the model contract in DESIGN.md; architecture of {@link UnetParams}). */
function applyUnet(
  config: UnetConfig,
  params: TensorsOf<UnetParams>,
  x: tf.Tensor,
  t: Time,
  options: UnetApplyOptions,
): tf.Tensor {
  const [H, W, C] = config.inputShape;
  if (x.rank !== 4 || x.shape[1] !== H || x.shape[2] !== W || x.shape[3] !== C) {
    throw new DaleError(
      'invalid-input',
      `U-Net: the input must have shape [batch, ${H}, ${W}, ${C}], got [${x.shape.join(', ')}]`,
    );
  }
  const { groups, dropout } = config;
  const rng = options.rng;
  return tf.tidy(() => {
    const embedding = sinusoidalEmbedding(t, x.shape[0]!, {
      dim: config.timeEmbedding,
      maxPeriod: config.maxPeriod,
      scale: config.timeScale,
    });
    const time = mlpBlock(
      params.time,
      params.label
        ? tf.add(embedding, labelEmbedding(config, params.label.table, x.shape[0]!, options))
        : embedding,
    );
    const block = (p: TensorsOf<ResBlockParams>, h: tf.Tensor, label: string) =>
      resBlock(p, h, time, { groups, dropout, ...(rng && { rng: rng.split(label) }) });
    let h: tf.Tensor = conv2d(params.input, config.inputTransform === 'log' ? tf.log(x) : x);
    const skips: tf.Tensor[] = [h];
    params.down.forEach((level, l) => {
      level.blocks.forEach((p, i) => {
        h = block(p, h, `down.${l}.${i}`);
        if (i === level.blocks.length - 1 && level.attention) {
          h = attentionBlock(level.attention, h, groups);
        }
        skips.push(h);
      });
      if (level.resample) {
        h = downsample(level.resample, h);
        skips.push(h);
      }
    });
    h = block(params.middle.first, h, 'middle.first');
    if (params.middle.attention) h = attentionBlock(params.middle.attention, h, groups);
    h = block(params.middle.second, h, 'middle.second');
    for (let l = params.up.length - 1; l >= 0; l--) {
      const level = params.up[l]!;
      for (const [i, p] of level.blocks.entries()) {
        h = block(p, tf.concat([h, skips.pop()!], 3), `up.${l}.${i}`);
      }
      if (level.attention) h = attentionBlock(level.attention, h, groups);
      if (level.resample) h = upsample(level.resample, h);
    }
    return conv2d(params.output, groupNorm(params.outputNorm, h, { groups, activation: 'silu' }));
  });
}

/**
 * Build a U-Net from a complete config (e.g. read from a checkpoint), with weights drawn from
 * `rng`: Glorot-uniform kernels and zero biases, group norms at γ = 1, β = 0, each layer from its
 * own labelled split of `rng`, so the same seed gives identical weights.
 */
export function unetFromConfig(config: UnetConfig, rng: Rng): UnetModel {
  const checked = validateUnetConfig(config);
  const params = initParams(checked, rng);
  return {
    config: checked,
    params,
    predicts: checked.predicts,
    apply: (p, x, t, options: UnetApplyOptions = {}) => applyUnet(checked, p, x, t, options),
  };
}

/**
 * Create a U-Net score network for images of shape [B, ...inputShape]; unspecified fields take
 * {@link UNET_DEFAULTS} (so `createUnet({ inputShape: [28, 28, 1] }, rng)` is `unet-small`).
 * `model.config` holds the complete config (JSON-serialisable).
 *
 * @example
 * ```ts
 * const model = createUnet(UNET_SMALL, Rng.fromSeed(0));
 * const eps = model.apply(model.params, x, 0.5); // x: [B, 28, 28, 1], x > 0
 * ```
 */
export function createUnet(options: UnetOptions, rng: Rng): UnetModel {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return unetFromConfig({ ...UNET_DEFAULTS, ...given } as UnetConfig, rng);
}
