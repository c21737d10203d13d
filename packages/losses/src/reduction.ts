/**
 * How per-element squared errors become a loss.
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a loss is reduced:
 * - `'sum-over-pixels'` (default): each example's terms are summed over all of its elements
 *   (every axis but the first), then averaged over the batch — the reference implementation's
 *   reduction;
 * - `'mean'`: averaged over every element (the per-example sum divided by the number of
 *   elements per example);
 * - `'none'`: the per-example sums, shape [batch].
 */
export type LossReduction = 'sum-over-pixels' | 'mean' | 'none';

const REDUCTIONS: readonly LossReduction[] = ['sum-over-pixels', 'mean', 'none'];

/** Validate a reduction name (default `'sum-over-pixels'`). */
export function checkReduction(reduction: LossReduction | undefined): LossReduction {
  const r = reduction ?? 'sum-over-pixels';
  if (!REDUCTIONS.includes(r)) {
    throw new DaleError(
      'invalid-reduction',
      `reduction must be one of ${REDUCTIONS.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(reduction)}`,
    );
  }
  return r;
}

/** Validate a data batch: rank ≥ 1 (the first axis is the batch) with at least one example. */
export function checkBatch(x: tf.Tensor, what: string): { batch: number; perExample: number } {
  if (x.rank < 1 || x.shape[0] === 0 || x.size === 0) {
    throw new DaleError(
      'invalid-batch',
      `${what}: data must have a batch axis first and at least one example, got shape [${x.shape.join(', ')}]`,
    );
  }
  return { batch: x.shape[0]!, perExample: x.size / x.shape[0]! };
}

/** Sum over every axis but the first: one value per example, shape [batch]. */
export function sumPerExample(x: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(x, [x.shape[0]!, -1]), 1) as tf.Tensor1D;
}

/** Reduce per-example sums (shape [batch]) as `reduction` says. */
export function reduce(
  perExample: tf.Tensor1D,
  elementsPerExample: number,
  reduction: LossReduction,
): tf.Tensor {
  if (reduction === 'none') return perExample;
  const batchMean = tf.mean(perExample);
  return reduction === 'mean' ? tf.div(batchMean, elementsPerExample) : batchMean;
}
