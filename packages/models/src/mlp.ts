/**
 * An MLP score network with a sinusoidal time embedding, for low-dimensional data [B, d].
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
import { ACTIVATIONS, type Activation, activate } from './layers/activation.ts';
import { type DenseParams, dense, initDense } from './layers/dense.ts';
import { initMlpBlock, type MlpBlockParams, mlpBlock } from './layers/mlp-block.ts';
import {
  DEFAULT_MAX_PERIOD,
  DEFAULT_TIME_SCALE,
  sinusoidalEmbedding,
} from './layers/time-embedding.ts';
import { type Model, type ModelConfig, PARAMETERISATIONS, type Parameterisation } from './model.ts';
import type { TensorsOf } from './params.ts';

/**
 * What the network sees of its input:
 * - `'log'`: log x. Use it for positive data under a multiplicative SDE. GBM moves data by
 *   multiplicative factors, so x_t spans scales: with σ = 0.8 at t = 1, ±3 standard deviations
 *   of log x_t are ±2.4, i.e. x_t ranges from x₀/11 to 11·x₀, a 120-fold range; in log space the
 *   same spread is an additive ±2.4 at every x₀, the kernel is Gaussian (guide: M2) and its
 *   Hyvärinen score is affine in log x (M6), so the network's inputs are O(1) and its targets
 *   are smooth functions of them. Needs x > 0.
 * - `'identity'`: x as is (additive SDEs, or data that may be ≤ 0).
 */
export type InputTransform = 'log' | 'identity';

/** The input transforms, in the order error messages list them. */
export const INPUT_TRANSFORMS: readonly InputTransform[] = ['log', 'identity'];

/** The JSON form of an MLP score network; every field is explicit. */
export interface MlpConfig extends ModelConfig {
  readonly kind: 'mlp';
  /** Data dimension d: input and output have shape [B, d]. */
  readonly inputDim: number;
  /** Widths of the hidden layers, e.g. [128, 128]. */
  readonly hidden: readonly number[];
  /** Size E of the sinusoidal time embedding (even). */
  readonly timeEmbedding: number;
  /** Longest period of the time embedding's sinusoids (in units of timeScale · t). */
  readonly maxPeriod: number;
  /** Factor applied to t before the time embedding. */
  readonly timeScale: number;
  /** Activation after each hidden layer and in the time MLP. */
  readonly activation: Activation;
  /** What the output means. */
  readonly predicts: Parameterisation;
  /** Transform applied to the input before the first layer. */
  readonly inputTransform: InputTransform;
  /**
   * Constant factor c on the network output. Under Adam (fixed step size per weight) c scales both
   * the initial output and how fast it moves: 1 suits the default `'noise'` target, which is
   * N(0, 1) at every t; a network predicting a score directly may use c ≈ its typical magnitude.
   */
  readonly outputScale: number;
}

/** Options of {@link createMlp}: an {@link MlpConfig} in which every field but `inputDim` has a default. */
export type MlpOptions = Partial<MlpConfig> & { readonly inputDim: number };

/**
 * The defaults of {@link createMlp}: hidden [128, 128], time embedding 64 with max period 10000
 * and time scale 1000, SiLU, noise prediction, log input, output scale 1.
 */
export const MLP_DEFAULTS = Object.freeze({
  kind: 'mlp',
  hidden: Object.freeze([128, 128]),
  timeEmbedding: 64,
  maxPeriod: DEFAULT_MAX_PERIOD,
  timeScale: DEFAULT_TIME_SCALE,
  activation: 'silu',
  predicts: 'noise',
  inputTransform: 'log',
  outputScale: 1,
} as const) satisfies Partial<MlpConfig>;

/**
 * Weights of an MLP: `time` maps the sinusoidal embedding through dense + activation (E → E);
 * `layers[i]` maps [h_{i−1}, time features] (concatenated, width h_{i−1} + E) to h_i; `output`
 * maps h_L to d.
 */
export type MlpParams = {
  readonly time: MlpBlockParams;
  readonly layers: readonly DenseParams[];
  readonly output: DenseParams;
};

/** An MLP score network. */
export type MlpModel = Model<MlpConfig, MlpParams>;

const WHAT = 'MLP config';

/**
 * Validate a complete MLP config (as stored in a checkpoint), throwing a `DaleError` with code
 * `'invalid-model-config'` that names the offending field. Returns a normalised copy.
 */
export function validateMlpConfig(config: unknown): MlpConfig {
  requireKnownKeys(WHAT, config, ['inputDim', ...Object.keys(MLP_DEFAULTS)]);
  requireOneOf(WHAT, 'kind', config['kind'], ['mlp']);
  const timeEmbedding = requireInteger(WHAT, 'timeEmbedding', config['timeEmbedding'], 2);
  if (timeEmbedding % 2 !== 0) {
    throw new DaleError(
      'invalid-model-config',
      `${WHAT}: timeEmbedding must be even (half sines, half cosines), got ${timeEmbedding}`,
    );
  }
  return {
    kind: 'mlp',
    inputDim: requireInteger(WHAT, 'inputDim', config['inputDim'], 1),
    hidden: requireIntegerList(WHAT, 'hidden', config['hidden'], 1),
    timeEmbedding,
    maxPeriod: requireNumber(WHAT, 'maxPeriod', config['maxPeriod'], 1),
    timeScale: requireNumber(WHAT, 'timeScale', config['timeScale'], 0),
    activation: requireOneOf(WHAT, 'activation', config['activation'], ACTIVATIONS),
    // A log-space denoiser needs the U-Net's preconditioning fields; the MLP predicts scores or noise.
    predicts: requireOneOf(
      WHAT,
      'predicts',
      config['predicts'],
      PARAMETERISATIONS.filter((p) => p !== 'denoiser'),
    ),
    inputTransform: requireOneOf(
      WHAT,
      'inputTransform',
      config['inputTransform'],
      INPUT_TRANSFORMS,
    ),
    outputScale: requireNumber(WHAT, 'outputScale', config['outputScale']),
  };
}

/** The network output for weights `params` (guide: the model contract in DESIGN.md). */
function applyMlp(config: MlpConfig, params: TensorsOf<MlpParams>, x: tf.Tensor, t: Time) {
  if (x.rank !== 2 || x.shape[1] !== config.inputDim) {
    throw new DaleError(
      'invalid-input',
      `MLP: the input must have shape [batch, ${config.inputDim}], got [${x.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const embedding = sinusoidalEmbedding(t, x.shape[0]!, {
      dim: config.timeEmbedding,
      maxPeriod: config.maxPeriod,
      scale: config.timeScale,
    });
    const time = mlpBlock(params.time, embedding, {
      activation: config.activation,
      activateLast: true,
    });
    let h = config.inputTransform === 'log' ? tf.log(x) : x;
    for (const layer of params.layers) {
      h = activate(config.activation, dense(layer, tf.concat([h, time], 1)));
    }
    const out = dense(params.output, h);
    return config.outputScale === 1 ? out : tf.mul(out, config.outputScale);
  });
}

/**
 * Build an MLP from a complete config (e.g. read from a checkpoint), with weights drawn from
 * `rng`: Glorot-uniform weights and zero biases, each layer from its own split of `rng`
 * (`'time'`, `'layers.i'`, `'output'`), so the same seed gives identical weights.
 */
export function mlpFromConfig(config: MlpConfig, rng: Rng): MlpModel {
  const checked = validateMlpConfig(config);
  const { inputDim, hidden, timeEmbedding: E } = checked;
  const widths = [inputDim, ...hidden];
  const params: MlpParams = {
    time: initMlpBlock(rng.split('time'), [E, E]),
    layers: hidden.map((width, i) => initDense(rng.split(`layers.${i}`), widths[i]! + E, width)),
    output: initDense(rng.split('output'), hidden[hidden.length - 1]!, inputDim),
  };
  return {
    config: checked,
    params,
    predicts: checked.predicts,
    apply: (p, x, t) => applyMlp(checked, p, x, t),
  };
}

/**
 * Create an MLP score network for data of shape [B, inputDim]; unspecified fields take
 * {@link MLP_DEFAULTS}. `model.config` holds the complete config (JSON-serialisable).
 *
 * @example
 * ```ts
 * const model = createMlp({ inputDim: 2, hidden: [64, 64], predicts: 'noise' }, Rng.fromSeed(0));
 * const out = model.apply(model.params, x, 0.5); // [B, 2]
 * ```
 */
export function createMlp(options: MlpOptions, rng: Rng): MlpModel {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return mlpFromConfig({ ...MLP_DEFAULTS, ...given } as MlpConfig, rng);
}
