import { GaussianMixture, ksDistance, LogNormalMixture } from '@dale/data';
import { moments, onCpu, take } from '@dale/testing';
import type * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export { moments, onCpu, take };

/** Samples per statistical test. */
export const N_SAMPLES = 10_000;

/**
 * The 99.9% quantile of the Kolmogorov distribution (P(√n D_n > 1.949) = 0.001): the one-sample
 * KS distance of n exact draws stays below 1.949/√n with probability 0.999.
 */
export const KS_999 = 1.949;

/** The KS noise bound for n samples. */
export function ksNoiseBound(n: number): number {
  return KS_999 / Math.sqrt(n);
}

/** A 2-D log-normal mixture with log-stds 0.2–0.3 (the multiplicative target). */
export function logNormalTarget(dim = 2): LogNormalMixture {
  const pick = (even: number, odd: number) =>
    Array.from({ length: dim }, (_, j) => (j % 2 ? odd : even));
  return new LogNormalMixture([
    { weight: 0.4, mean: pick(0, 0.3), std: pick(0.25, 0.3) },
    { weight: 0.6, mean: pick(0.8, -0.2), std: pick(0.3, 0.2) },
  ]);
}

/** A 2-D Gaussian mixture (the additive target). */
export function gaussianTarget(): GaussianMixture {
  return new GaussianMixture([
    { weight: 0.4, mean: [-1, 0.5], std: [0.3, 0.4] },
    { weight: 0.6, mean: [1, -0.5], std: [0.4, 0.3] },
  ]);
}

/** Something with an exact marginal CDF, mean and variance per dimension. */
export interface ExactLaw {
  readonly dim: number;
  marginalCdf(dim: number, x: number): number;
  mean(dim: number): number;
  variance(dim: number): number;
}

/** Column `dim` of row-major [n, d] values. */
export function column(values: ArrayLike<number>, d: number, dim: number): Float64Array {
  const n = values.length / d;
  return Float64Array.from({ length: n }, (_, i) => values[i * d + dim]!);
}

export { ksDistance };

/**
 * Check samples [n, d] against an exact law, dimension by dimension (all, or those in `dims`):
 * - KS distance < 1.949/√n (noise, 99.9%) + `ksSlack` (discretisation);
 * - |mean − E| < 5 SE + `momentSlack` · sd and |var − Var| < 5 SE(var) + 2 · `momentSlack` · Var,
 *   with SE(var) from the sample's fourth central moment.
 * Returns the KS distances for reporting.
 */
export function expectMatches(
  samples: tf.Tensor,
  law: ExactLaw,
  ksSlack: number,
  momentSlack = 0.01,
  dims: readonly number[] = Array.from({ length: law.dim }, (_, i) => i),
): number[] {
  const values = take(samples);
  const d = law.dim;
  const distances: number[] = [];
  for (const dim of dims) {
    const col = column(values, d, dim);
    const n = col.length;
    const D = ksDistance(col, (x) => law.marginalCdf(dim, x));
    distances.push(D);
    expect(D, `KS distance of dimension ${dim}`).toBeLessThan(ksNoiseBound(n) + ksSlack);
    const { mean, variance } = moments(col);
    let m4 = 0;
    for (const v of col) m4 += (v - mean) ** 4;
    m4 /= n;
    const trueVar = law.variance(dim);
    const sd = Math.sqrt(trueVar);
    expect(Math.abs(mean - law.mean(dim)), `mean of dimension ${dim}`).toBeLessThan(
      5 * (sd / Math.sqrt(n)) + momentSlack * sd,
    );
    expect(Math.abs(variance - trueVar), `variance of dimension ${dim}`).toBeLessThan(
      5 * Math.sqrt((m4 - variance ** 2) / n) + 2 * momentSlack * trueVar,
    );
  }
  return distances;
}
