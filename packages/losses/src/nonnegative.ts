/**
 * Non-negative score matching (Hyvärinen 2007) for data on x ≥ 0 (guide: M13).
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { type DivergenceOptions, weightedDivergence } from './divergence.ts';
import {
  checkBatch,
  checkReduction,
  type LossReduction,
  reduce,
  sumPerExample,
} from './reduction.ts';

/** A model ψ(x) of the Stein score ∇log p(x), one value per element of x (no time argument). */
export type SteinScoreModel = (x: tf.Tensor) => tf.Tensor;

/** Options of {@link nonnegativeScoreMatchingLoss}. */
export interface NonnegativeScoreMatchingOptions extends DivergenceOptions {
  /** How to reduce; default `'sum-over-pixels'`. */
  readonly reduction?: LossReduction;
}

/**
 * Hyvärinen's (2007) score-matching objective for non-negative data (guide: M13):
 *
 *   J₊(ψ) = E Σᵢ [ 2 xᵢ ψᵢ(x) + xᵢ² ∂ᵢψᵢ(x) + ½ xᵢ² ψᵢ(x)² ],
 *
 * which equals ½ E ‖x ∘ ψ − x ∘ ∇log p‖² − ½ E ‖x ∘ ∇log p‖² when p(x) xᵢ² vanishes on the
 * boundary (integration by parts); so it fits the Hyvärinen score x ∘ ψ without knowing p. It is
 * the single-noise-level, t → 0 member of the multiplicative family.
 *
 * The divergence term Σᵢ xᵢ² ∂ᵢψᵢ comes from {@link weightedDivergence} with weight x²:
 * `divergence: 'exact'` (default for at most 16 elements per example) sums one
 * vector–Jacobian product per coordinate and is exact; `'hutchinson'` (default above that, needs
 * `rng`) uses E_v[(x² ∘ v)ᵀ J_ψ v] with Rademacher v, unbiased, so J₊ is estimated without bias
 * and so is its parameter gradient. ψ must map examples independently; parameter gradients
 * need second derivatives (see {@link weightedDivergence} for the TensorFlow.js caveat).
 *
 * @param psi - the Stein-score model ψ.
 * @param x - a data batch (batch axis first), every element ≥ 0 (checked: one device read).
 * @returns a scalar, or per-example values of shape [batch] for `reduction: 'none'`.
 */
export function nonnegativeScoreMatchingLoss(
  psi: SteinScoreModel,
  x: tf.Tensor,
  options: NonnegativeScoreMatchingOptions & { readonly reduction: 'none' },
): tf.Tensor1D;
export function nonnegativeScoreMatchingLoss(
  psi: SteinScoreModel,
  x: tf.Tensor,
  options?: NonnegativeScoreMatchingOptions,
): tf.Scalar;
export function nonnegativeScoreMatchingLoss(
  psi: SteinScoreModel,
  x: tf.Tensor,
  options: NonnegativeScoreMatchingOptions = {},
): tf.Tensor {
  const what = 'nonnegativeScoreMatchingLoss';
  const reduction = checkReduction(options.reduction);
  const { perExample } = checkBatch(x, what);
  const min = tf.tidy(() => tf.min(x).dataSync()[0]!);
  if (!(min >= 0)) {
    throw new DaleError(
      'negative-data',
      `${what}: data must be non-negative (x ≥ 0), but the smallest value is ${min}`,
    );
  }
  return tf.tidy(() => {
    const psiX = psi(x);
    if (psiX.shape.join() !== x.shape.join()) {
      throw new DaleError(
        'invalid-score',
        `${what}: psi must return a tensor of the input's shape [${x.shape.join(', ')}], got [${psiX.shape.join(', ')}]`,
      );
    }
    const xPsi = tf.mul(x, psiX);
    const pointwise = tf.add(tf.mul(2, xPsi), tf.mul(0.5, tf.square(xPsi)));
    const divergence = weightedDivergence(psi, x, tf.square(x), options);
    const perExampleLoss = tf.add(sumPerExample(pointwise), divergence) as tf.Tensor1D;
    return reduce(perExampleLoss, perExample, reduction);
  });
}
