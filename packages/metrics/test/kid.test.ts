/** KID against a direct triple-loop computation on the same subsets, and its unbiasedness. */
import { Rng } from '@dale/core';
import { describe, expect, it } from 'vitest';
import { kid } from '../src/index.ts';
import { gaussianRows, relative } from './helpers.ts';

/** k(x, y) = (xᵀy/d + 1)³ by a plain loop. */
function kernel(x: Float64Array, i: number, y: Float64Array, j: number, d: number) {
  let dot = 0;
  for (let k = 0; k < d; k++) dot += x[i * d + k]! * y[j * d + k]!;
  return (dot / d + 1) ** 3;
}

/** MMD² (unbiased or biased V-statistic) over explicit index subsets, by direct loops. */
function mmd2(
  x: Float64Array,
  xi: ArrayLike<number>,
  y: Float64Array,
  yi: ArrayLike<number>,
  d: number,
  m: number,
  biased: boolean,
) {
  let kxx = 0;
  let kyy = 0;
  let kxy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      kxy += kernel(x, xi[i]!, y, yi[j]!, d);
      if (i === j && !biased) continue;
      kxx += kernel(x, xi[i]!, x, xi[j]!, d);
      kyy += kernel(y, yi[i]!, y, yi[j]!, d);
    }
  }
  const norm = biased ? m * m : m * (m - 1);
  return (kxx + kyy) / norm - (2 * kxy) / (m * m);
}

describe('kid', () => {
  const d = 12;

  it('equals the direct triple loop on the same seeded subsets to 1e-10 relative', () => {
    const rng = Rng.fromSeed(7);
    const x = gaussianRows(rng, 90, d);
    const y = gaussianRows(rng, 80, d, 1.2, 0.3);
    const result = kid(
      { data: x, rows: 90, dim: d },
      { data: y, rows: 80, dim: d },
      {
        subsets: 5,
        subsetSize: 20,
        rng: Rng.fromSeed(11),
      },
    );
    // The documented draws: per subset, rng.permutation of each set, first m indices.
    const draws = Rng.fromSeed(11);
    const expected = Array.from({ length: 5 }, () => {
      const xi = draws.permutation(90);
      const yi = draws.permutation(80);
      return mmd2(x, xi, y, yi, d, 20, false);
    });
    expected.forEach((e, s) => expect(relative(result.values[s]!, e)).toBeLessThan(1e-10));
    const mean = expected.reduce((a, b) => a + b) / 5;
    const std = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
    expect(relative(result.mean, mean)).toBeLessThan(1e-10);
    expect(relative(result.std, std)).toBeLessThan(1e-9);
  });

  it('is unbiased: ≈ 0 on average for two samples of one distribution, unlike the biased estimator', () => {
    // 40 seeds × 4 subsets of 16 in d = 12. Mean over seeds of the unbiased estimate must be within
    // 3 standard errors of 0; the biased V-statistic's mean is positive by > 5 standard errors.
    const unbiased: number[] = [];
    const biased: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const rng = Rng.fromSeed(100 + seed);
      const x = gaussianRows(rng, 16, d);
      const y = gaussianRows(rng, 16, d);
      unbiased.push(
        kid(
          { data: x, rows: 16, dim: d },
          { data: y, rows: 16, dim: d },
          { subsets: 4, subsetSize: 16, rng },
        ).mean,
      );
      const all = Array.from({ length: 16 }, (_, i) => i);
      biased.push(mmd2(x, all, y, all, d, 16, true));
    }
    const stats = (v: number[]) => {
      const mean = v.reduce((a, b) => a + b) / v.length;
      const se = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length);
      return { mean, se };
    };
    const u = stats(unbiased);
    const b = stats(biased);
    expect(Math.abs(u.mean)).toBeLessThan(3 * u.se);
    expect(b.mean).toBeGreaterThan(5 * b.se);
  });

  it('rejects mismatched dimensions and too small subsets', () => {
    const x = { data: new Float64Array(20), rows: 10, dim: 2 };
    expect(() => kid(x, { data: new Float64Array(30), rows: 10, dim: 3 })).toThrow(
      /dimension of a \(2\), got 3/,
    );
    expect(() => kid(x, x, { subsetSize: 1 })).toThrow(/at least 2 samples/);
  });
});
