/**
 * Denoising score matching over time: M-DSM for multiplicative SDEs, standard DSM for additive ones.
 * @module
 */
import type { ScoreFn } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { conditionalScoreFromNoise } from './noise-target.ts';
import {
  evaluateScore,
  noiseBatch,
  type ScoreMatchingOptions,
  weightedSquaredError,
} from './noised-batch.ts';

/**
 * The denoising score-matching loss (guide: M12)
 *
 *   L(θ) = E_t λ(t) E_{x₀, x_t | x₀} ‖ s_θ(x_t, t) − s(x_t | x₀, t) ‖²,
 *
 * written once for every SDE through `sde.sampleMarginal` and `sde.conditionalScore`:
 *
 * - `sde.scoreKind === 'hyvarinen'` (GBM, CIR): `score` returns the Hyvärinen score
 *   x ∘ ∇log p_t and the target is the kernel's Hyvärinen score; for GBM −1 − Z/S(t)
 *   (guide: M6), so this is M-DSM, and with the default `'reference'` weighting λ = (S²(t))² it is
 *   the reference's ‖S² s_θ + log x_t − log x₀ − M(t) + 3S²(t)/2‖², summed over pixels and
 *   averaged over the batch.
 * - `sde.scoreKind === 'stein'` (VE, VP): `score` returns the Stein score and the target is
 *   −Z/√v(t): standard DSM (Song et al. 2021); `'noise-prediction'` gives their λ = v(t).
 *
 * It differs from {@link mesmLoss} by a constant independent of θ (Vincent 2011; the weight
 * x_t in the Hyvärinen score depends on x_t only, guide: §6), so both have the same minimiser.
 *
 * Draws times, then x_t, from `options.rng` (see {@link ScoreMatchingOptions}). Everything runs
 * in `tf.tidy`; gradients flow into the variables `score` closes over, so
 * `tf.variableGrads(() => mdsmLoss(score, x0, options))` trains the model.
 *
 * @param score - the model s_θ(x, t); it sees one time per example (or the fixed `options.t`).
 * @param x0 - a data batch, batch axis first; strictly positive for GBM/CIR (checked by the SDE).
 * @returns the loss: a scalar, or per-example values of shape [batch] for `reduction: 'none'`.
 *
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(() =>
 *   mdsmLoss(model, x0, { sde: gbm(), rng, weighting: 'reference' }),
 * );
 * ```
 */
export function mdsmLoss(
  score: ScoreFn,
  x0: tf.Tensor,
  options: ScoreMatchingOptions & { readonly reduction: 'none' },
): tf.Tensor1D;
export function mdsmLoss(score: ScoreFn, x0: tf.Tensor, options: ScoreMatchingOptions): tf.Scalar;
export function mdsmLoss(score: ScoreFn, x0: tf.Tensor, options: ScoreMatchingOptions): tf.Tensor {
  return tf.tidy(() => {
    const batch = noiseBatch(x0, options, 'mdsmLoss');
    // The target from the kept noise where the kernel allows it, else from x_t and x₀.
    const target =
      (batch.noise && conditionalScoreFromNoise(options.sde, batch.noise, batch.t)) ??
      options.sde.conditionalScore(batch.xt, x0, batch.t);
    const prediction = evaluateScore(score, batch.xt, batch.t, 'mdsmLoss: score(x, t)');
    return weightedSquaredError(batch, prediction, target);
  });
}

/**
 * Standard denoising score matching: the same function as {@link mdsmLoss}, under the name
 * used for additive SDEs (VE/VP, Stein-score target −Z/√v(t)).
 */
export const dsmLoss: typeof mdsmLoss = mdsmLoss;
