/**
 * KID, the kernel inception distance (Bińkowski et al. 2018): the unbiased MMD² with the cubic
 * polynomial kernel, averaged over random subsets.
 * @module
 */
import { DaleError, Rng } from '@dale/core';
import { type FeatureMatrix, type Features, toFeatureMatrix } from './feature-matrix.ts';
import { addDotRows } from './linalg/dot-rows.ts';

/** Options of {@link kid}. */
export interface KidOptions {
  /** Number of subset pairs drawn (default 64, as the reference). */
  subsets?: number;
  /** Samples per subset, drawn without replacement from each set (default 64, capped by set sizes). */
  subsetSize?: number;
  /** The subset draws (default `Rng.fromSeed(0)`). */
  rng?: Rng;
}

/** KID's mean over subsets and the (population, ddof 0) standard deviation of the subset values. */
export interface KidResult {
  /** Mean of the per-subset unbiased MMD² estimates. */
  readonly mean: number;
  /** Standard deviation of the per-subset estimates. */
  readonly std: number;
  /** The per-subset estimates. */
  readonly values: Float64Array;
}

/**
 * KID between features `a` and `b` (same dimension d). For each subset pair X, Y of size m, with
 * k(x, y) = (xᵀy/d + 1)³:
 * MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ)/(m(m−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ)/m².
 * Subsets are the first m indices of `rng.permutation` of each set, a fresh permutation per subset.
 */
export function kid(a: Features, b: Features, options: KidOptions = {}): KidResult {
  const x = toFeatureMatrix(a, 'a');
  const y = toFeatureMatrix(b, 'b');
  if (x.dim !== y.dim) {
    throw new DaleError(
      'invalid-features',
      `kid: b must have the dimension of a (${x.dim}), got ${y.dim}`,
    );
  }
  const subsets = options.subsets ?? 64;
  const m = Math.min(options.subsetSize ?? 64, x.rows, y.rows);
  if (!Number.isInteger(subsets) || subsets < 1) {
    throw new DaleError(
      'invalid-option',
      `kid: subsets must be a positive integer, got ${subsets}`,
    );
  }
  if (!Number.isInteger(m) || m < 2) {
    throw new DaleError(
      'invalid-option',
      `kid: subsets need at least 2 samples from each set, got ${m}`,
    );
  }
  const rng = options.rng ?? Rng.fromSeed(0);
  const values = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    const xs = gather(x, rng.permutation(x.rows), m);
    const ys = gather(y, rng.permutation(y.rows), m);
    values[s] = unbiasedMmd2(xs, ys, m, x.dim);
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= subsets;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, std: Math.sqrt(variance / subsets), values };
}

/** Unbiased MMD² with the cubic kernel between the m × d float64 row matrices x and y. */
function unbiasedMmd2(x: Float64Array, y: Float64Array, m: number, d: number): number {
  const kernelSum = (p: Float64Array, q: Float64Array, offDiagonal: boolean) => {
    const gram = addDotRows(
      { data: p, rows: m, cols: d },
      { data: q, rows: m, cols: d },
      new Float64Array(m * m),
    );
    let sum = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (offDiagonal && i === j) continue;
        sum += (gram[i * m + j]! / d + 1) ** 3;
      }
    }
    return sum;
  };
  return (
    (kernelSum(x, x, true) + kernelSum(y, y, true)) / (m * (m - 1)) -
    (2 * kernelSum(x, y, false)) / (m * m)
  );
}

/** The first `count` rows of `m` in the order `index`, as float64. */
function gather(m: FeatureMatrix, index: Uint32Array, count: number): Float64Array {
  const out = new Float64Array(count * m.dim);
  for (let r = 0; r < count; r++) {
    const from = index[r]! * m.dim;
    for (let j = 0; j < m.dim; j++) out[r * m.dim + j] = m.data[from + j]!;
  }
  return out;
}
