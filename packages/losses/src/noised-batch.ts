/**
 * The draws shared by the time-dependent losses: times t, then x_t ~ p(x_t | x₀).
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import { logGaussianKernel, type ScoreFn, type SDE, type Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import {
  checkBatch,
  checkReduction,
  type LossReduction,
  reduce,
  sumPerExample,
} from './reduction.ts';
import { type LogNormalNoiseLevels, sampleTimes, type TimeSampling } from './time-sampling.ts';
import { type LossWeighting, resolveWeighting, weightsAt } from './weighting.ts';

/**
 * Options shared by {@link mdsmLoss} and {@link mesmLoss}.
 *
 * Random-number convention: a loss first draws the batch's times from `rng` with
 * {@link sampleTimes} (unless `t` is given), then x_t with `sde.sampleMarginal(x0, t, rng)`.
 * Two losses given generators in the same state therefore see the same (t, x_t, Z) — common
 * random numbers, which make differences between losses (or between models) low-variance.
 */
export interface ScoreMatchingOptions {
  /** The forward SDE. Its `scoreKind` says which score the model returns (Hyvärinen or Stein). */
  readonly sde: SDE;
  /** Source of the times and of the forward noise. */
  readonly rng: Rng;
  /** λ(t); default `'reference'` (see {@link WeightingName}). */
  readonly weighting?: LossWeighting;
  /** Smallest training time ε, 0 < ε < T; default 1e-5. */
  readonly eps?: number;
  /** `'uniform'` on [ε, T] (default) or `'grid'` (t = kT/N); see {@link sampleTimes}. */
  readonly timeSampling?: TimeSampling;
  /** N for `timeSampling: 'grid'`; default 1000. */
  readonly steps?: number;
  /** ln S ~ N(mean, std²) for `timeSampling: 'log-normal'` (needs a log-space Gaussian kernel). */
  readonly noiseLevels?: LogNormalNoiseLevels;
  /** Fixed times instead of drawn ones: one for the batch or one per example, each in (0, T]. */
  readonly t?: Time;
  /** How to reduce; default `'sum-over-pixels'` (the reference). */
  readonly reduction?: LossReduction;
}

/** A batch noised by the forward kernel, with its times and loss weights. */
export interface NoisedBatch {
  /** The times passed to score functions (a number or one per example). */
  readonly t: Time;
  /** x_t ~ p(x_t | x₀). */
  readonly xt: tf.Tensor;
  /** λ(t_b) per example, shape [batch]. */
  readonly weights: tf.Tensor1D;
  /** Elements per example (the 'mean' reduction divides by it). */
  readonly perExample: number;
  /** The validated reduction. */
  readonly reduction: LossReduction;
  /** The standard normal noise that drew x_t, where the SDE returns it (see `MarginalSample`). */
  readonly noise?: tf.Tensor;
}

function checkFixedTimes(t: Time, sde: SDE, batch: number): void {
  const values = typeof t === 'number' ? [t] : Array.from(t);
  if (typeof t !== 'number' && values.length !== batch) {
    throw new DaleError(
      'invalid-time',
      `t: give one time or one per example (${batch}), got ${values.length} times`,
    );
  }
  const bad = values.find((v) => !(Number.isFinite(v) && v > 0 && v <= sde.T));
  if (bad !== undefined) {
    throw new DaleError('invalid-time', `t: each time must lie in (0, T = ${sde.T}], got ${bad}`);
  }
}

/** Validate options, draw times (unless fixed) and x_t, and compute λ(t) — in that order. */
export function noiseBatch(
  x0: tf.Tensor,
  options: ScoreMatchingOptions,
  what: string,
): NoisedBatch {
  const { sde, rng } = options;
  if (!sde || typeof sde.sampleMarginal !== 'function') {
    throw new DaleError('invalid-sde', `${what}: options.sde must be an SDE from @dale/sde`);
  }
  if (sde.scoreKind !== 'hyvarinen' && sde.scoreKind !== 'stein') {
    throw new DaleError(
      'invalid-sde',
      `${what}: sde.scoreKind must be 'hyvarinen' or 'stein', got ${JSON.stringify(sde.scoreKind)}`,
    );
  }
  if (!rng || typeof rng.uniform !== 'function') {
    throw new DaleError('invalid-rng', `${what}: options.rng must be an Rng from @dale/core`);
  }
  const reduction = checkReduction(options.reduction);
  const weighting = resolveWeighting(options.weighting);
  const { batch, perExample } = checkBatch(x0, what);
  let t: Time;
  if (options.t === undefined) {
    const kernel = options.timeSampling === 'log-normal' ? logGaussianKernel(sde) : undefined;
    t = sampleTimes(batch, rng, {
      T: sde.T,
      eps: options.eps,
      timeSampling: options.timeSampling,
      steps: options.steps,
      ...(options.noiseLevels && { noiseLevels: options.noiseLevels }),
      ...(kernel && { kernel }),
    });
  } else {
    checkFixedTimes(options.t, sde, batch);
    t = options.t;
  }
  const lambda = weightsAt(weighting, sde, t, batch);
  const { xt, noise } = sde.sampleMarginal(x0, t, rng);
  return { t, xt, weights: tf.tensor1d(lambda), perExample, reduction, ...(noise && { noise }) };
}

/** Evaluate a score function and check that it returns one value per element of x. */
export function evaluateScore(score: ScoreFn, x: tf.Tensor, t: Time, what: string): tf.Tensor {
  const s = score(x, t);
  if (!(s instanceof tf.Tensor) || s.shape.join() !== x.shape.join()) {
    const got = s instanceof tf.Tensor ? `[${s.shape.join(', ')}]` : typeof s;
    throw new DaleError(
      'invalid-score',
      `${what} must return a tensor of the input's shape [${x.shape.join(', ')}], got ${got}`,
    );
  }
  return s;
}

/** λ(t_b) ‖prediction_b − target_b‖² per example, reduced as the batch's options say. */
export function weightedSquaredError(
  batch: NoisedBatch,
  prediction: tf.Tensor,
  target: tf.Tensor,
): tf.Tensor {
  const perExample = tf.mul(
    batch.weights,
    sumPerExample(tf.squaredDifference(prediction, target)),
  ) as tf.Tensor1D;
  return reduce(perExample, batch.perExample, batch.reduction);
}
