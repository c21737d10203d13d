/**
 * Explicit score matching over time against a known score: M-ESM (guide: M11).
 * @module
 */
import { DaleError } from '@dale/core';
import type { ScoreFn } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import {
  evaluateScore,
  noiseBatch,
  type ScoreMatchingOptions,
  weightedSquaredError,
} from './noised-batch.ts';

/** Options of {@link mesmLoss}: the shared options plus the exact score. */
export interface ESMOptions extends ScoreMatchingOptions {
  /**
   * The exact score of the noised data law p_t, of kind `sde.scoreKind` (e.g.
   * `LogNormalMixture.scoreFn(sde)` or `GaussianMixture.scoreFn(sde)` from @dale/data).
   */
  readonly trueScore: ScoreFn;
}

/**
 * The explicit score-matching loss (guide: M11)
 *
 *   L(θ) = E_t λ(t) E_{x_t} ‖ s_θ(x_t, t) − s_true(x_t, t) ‖²,
 *
 * with x_t drawn from the forward marginal of the data batch `x0` — the same draws as
 * {@link mdsmLoss} makes from an `rng` in the same state (see {@link ScoreMatchingOptions}), so
 * that `mdsmLoss − mesmLoss` is the θ-independent constant of the equivalence theorem. Use it for
 * validation and synthetic data, where the score of p_t is known. For `scoreKind 'hyvarinen'`
 * both scores are Hyvärinen scores (M-ESM); for additive SDEs, Stein scores (ESM).
 *
 * @returns a scalar, or per-example values of shape [batch] for `reduction: 'none'`.
 */
export function mesmLoss(
  score: ScoreFn,
  x0: tf.Tensor,
  options: ESMOptions & { readonly reduction: 'none' },
): tf.Tensor1D;
export function mesmLoss(score: ScoreFn, x0: tf.Tensor, options: ESMOptions): tf.Scalar;
export function mesmLoss(score: ScoreFn, x0: tf.Tensor, options: ESMOptions): tf.Tensor {
  if (typeof options?.trueScore !== 'function') {
    throw new DaleError(
      'invalid-score',
      `mesmLoss: options.trueScore must be a score function (x, t) => tensor, got ${typeof options?.trueScore}`,
    );
  }
  return tf.tidy(() => {
    const batch = noiseBatch(x0, options, 'mesmLoss');
    const target = evaluateScore(options.trueScore, batch.xt, batch.t, 'mesmLoss: trueScore(x, t)');
    const prediction = evaluateScore(score, batch.xt, batch.t, 'mesmLoss: score(x, t)');
    return weightedSquaredError(batch, prediction, target);
  });
}

/** Explicit score matching for any SDE: the same function as {@link mesmLoss}. */
export const esmLoss: typeof mesmLoss = mesmLoss;
