import { GaussianMixture, LogNormalMixture } from '@dale/data';
import type { ScoreFn, Time } from '@dale/sde';
import { onCpu, take } from '@dale/testing';
import * as tf from '@tensorflow/tfjs-core';

export { onCpu, take };

/** One scalar value of a tensor, then dispose it. */
export function value(t: tf.Tensor): number {
  return take(t)[0]!;
}

/** Sample mean and its standard error (unbiased variance / n), in double precision. */
export function meanAndSE(values: ArrayLike<number>): { mean: number; se: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (n - 1) / n) };
}

/** Elementwise a − b of two equally long arrays. */
export function minus(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
}

/**
 * Statistical bound used by every Monte-Carlo assertion: |estimate − truth| < Z standard errors.
 * Under the null hypothesis the estimate is asymptotically normal (n ≥ 1000 iid examples), so a
 * correct implementation fails with probability ≈ 6e-7; at a fixed seed the outcome is fixed.
 */
export const Z = 5;

/**
 * Evaluate `score` once per distinct time: rows that share a time go through together with a
 * scalar time. The exact mixture scores from @dale/data evaluate one row at a time for
 * per-example times; on a time grid this is many times faster and gives the same values.
 */
export function groupByTime(score: ScoreFn): ScoreFn {
  return (x: tf.Tensor, t: Time) =>
    tf.tidy(() => {
      if (typeof t === 'number') return score(x, t);
      const groups = new Map<number, number[]>();
      for (let b = 0; b < t.length; b++) {
        const rows = groups.get(t[b]!) ?? [];
        rows.push(b);
        groups.set(t[b]!, rows);
      }
      const order: number[] = [];
      const parts: tf.Tensor[] = [];
      for (const [time, rows] of groups) {
        parts.push(score(tf.gather(x, rows), time));
        order.push(...rows);
      }
      const inverse = new Array<number>(order.length);
      order.forEach((row, i) => {
        inverse[row] = i;
      });
      return tf.gather(tf.concat(parts, 0), inverse);
    });
}

/**
 * Remember the last results of a (variable-free) score function by the values of (x, t).
 * With common random numbers the losses call the exact score repeatedly at identical (x_t, t);
 * this returns a fresh tensor with the stored values instead of recomputing.
 */
export function memoize(score: ScoreFn): ScoreFn {
  const cache: { t: number[]; x: Float32Array; out: Float32Array }[] = [];
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);
  return (x: tf.Tensor, t: Time) => {
    const xs = x.dataSync() as Float32Array;
    const ts = typeof t === 'number' ? [t] : Array.from(t);
    const hit = cache.find((e) => same(e.t, ts) && same(e.x, xs));
    if (hit) return tf.tensor(hit.out, x.shape);
    const out = score(x, t);
    cache.push({ t: ts, x: xs.slice(), out: (out.dataSync() as Float32Array).slice() });
    if (cache.length > 4) cache.shift();
    return out;
  };
}

/** One time per example as a [batch, 1] tensor (a scalar time broadcasts). */
export function timeColumn(t: Time, batch: number): tf.Tensor {
  return typeof t === 'number'
    ? tf.fill([batch, 1], t)
    : tf.tensor2d(Float32Array.from(t), [batch, 1]);
}

/** A 1-D log-normal mixture: two well-separated modes. */
export const LOGNORMAL_1D = new LogNormalMixture([
  { weight: 0.4, mean: [-0.3], std: [0.25] },
  { weight: 0.6, mean: [0.6], std: [0.15] },
]);

/** A 2-D log-normal mixture with different scales per coordinate. */
export const LOGNORMAL_2D = new LogNormalMixture([
  { weight: 0.5, mean: [0, 0.5], std: [0.2, 0.3] },
  { weight: 0.5, mean: [0.8, -0.4], std: [0.3, 0.15] },
]);

/** A 1-D Gaussian mixture (for VE). */
export const GAUSSIAN_1D = new GaussianMixture([
  { weight: 0.5, mean: [-2], std: [0.5] },
  { weight: 0.5, mean: [2], std: [0.3] },
]);

/** A 2-D Gaussian mixture (for VP). */
export const GAUSSIAN_2D = new GaussianMixture([
  { weight: 0.3, mean: [-1, 0.5], std: [0.3, 0.5] },
  { weight: 0.7, mean: [1, -0.5], std: [0.4, 0.2] },
]);
