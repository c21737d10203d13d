/**
 * The Fréchet distance against closed forms (diagonal, rotated, non-commuting 2×2), a second
 * implementation (Denman–Beavers on Σ₁Σ₂, and on the n × n Gram form when n < d), and scipy.
 */
import { Rng } from '@dale/core';
import { describe, expect, it } from 'vitest';
import {
  FeatureStatistics,
  fid,
  frechetDistance,
  symmetricEigen,
  traceSqrtProduct,
} from '../src/index.ts';
import {
  gaussianRows,
  hasScipy,
  jacobiEigenvalues,
  matmul,
  python,
  relative,
  traceSqrtDenmanBeavers,
  twoPassMoments,
} from './helpers.ts';

/** A random rotation (orthonormal eigenvectors of a random symmetric matrix), row-major d × d. */
function rotation(rng: Rng, d: number): Float64Array {
  const a = gaussianRows(rng, d, d);
  const s = a.map((_, i) => a[i]! + a[(i % d) * d + Math.floor(i / d)]!);
  return symmetricEigen(s, d).vectors!; // rows are orthonormal
}

function diag(values: number[]): Float64Array {
  const d = values.length;
  const out = new Float64Array(d * d);
  values.forEach((v, i) => {
    out[i * d + i] = v;
  });
  return out;
}

function transposeOf(a: Float64Array, d: number) {
  return a.map((_, i) => a[(i % d) * d + Math.floor(i / d)]!);
}

describe('symmetricEigen', () => {
  it('recovers a rotated diagonal matrix: eigenvalues, A v = λ v and orthonormal vectors', () => {
    const d = 40;
    const r = rotation(Rng.fromSeed(1), d);
    const lambdas = Array.from({ length: d }, (_, i) => (i < 5 ? 0 : i - 10.5)); // repeated zeros, negatives
    const a = matmul(matmul(transposeOf(r, d), diag(lambdas), d, d, d), r, d, d, d);
    const { values, vectors } = symmetricEigen(a, d);
    const sorted = [...lambdas].sort((x, y) => x - y);
    for (let i = 0; i < d; i++) expect(Math.abs(values[i]! - sorted[i]!)).toBeLessThan(1e-12);
    const v = vectors!;
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let k = 0; k < d; k++) av += a[i * d + k]! * v[j * d + k]!;
        expect(Math.abs(av - values[j]! * v[j * d + i]!)).toBeLessThan(1e-12);
      }
      for (let l = 0; l < d; l++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += v[j * d + k]! * v[l * d + k]!;
        expect(Math.abs(dot - (j === l ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });
});

describe('frechetDistance against closed forms', () => {
  it('diagonal Gaussians: ‖μ₁ − μ₂‖² + Σ (σ₁ − σ₂)²', () => {
    const s1 = [1, 4, 0.25, 9];
    const s2 = [2, 1, 0.5, 9];
    const m1 = [0, 1, 2, 3];
    const m2 = [1, 1, 0, 3];
    let expected = 0;
    for (let i = 0; i < 4; i++)
      expected += (m1[i]! - m2[i]!) ** 2 + (Math.sqrt(s1[i]!) - Math.sqrt(s2[i]!)) ** 2;
    const got = frechetDistance(
      { mean: m1, covariance: diag(s1) },
      { mean: m2, covariance: diag(s2) },
    );
    expect(relative(got, expected)).toBeLessThan(1e-12);
  });

  it('a rotated pair (common eigenvectors) gives the same closed form', () => {
    const d = 12;
    const r = rotation(Rng.fromSeed(2), d);
    const s1 = Array.from({ length: d }, (_, i) => 0.5 + i);
    const s2 = Array.from({ length: d }, (_, i) => (i % 3) + 0.1);
    const rot = (s: number[]) => matmul(matmul(transposeOf(r, d), diag(s), d, d, d), r, d, d, d);
    const mean = new Float64Array(d);
    let expected = 0;
    for (let i = 0; i < d; i++) expected += (Math.sqrt(s1[i]!) - Math.sqrt(s2[i]!)) ** 2;
    const got = frechetDistance({ mean, covariance: rot(s1) }, { mean, covariance: rot(s2) });
    expect(relative(got, expected)).toBeLessThan(1e-10);
  });

  it('non-commuting 2×2: Tr √(Σ₁Σ₂) = √(Tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂))', () => {
    const a = Float64Array.from([2, 0.8, 0.8, 1]);
    const b = Float64Array.from([1, -0.3, -0.3, 3]);
    const ab = matmul(a, b, 2, 2, 2);
    const det = (m: Float64Array) => m[0]! * m[3]! - m[1]! * m[2]!;
    const traceSqrt = Math.sqrt(ab[0]! + ab[3]! + 2 * Math.sqrt(det(a) * det(b)));
    const expected = 1 + 2 + 1 + 3 - 2 * traceSqrt + 0.5 ** 2;
    const got = frechetDistance({ mean: [0.5, 0], covariance: a }, { mean: [0, 0], covariance: b });
    expect(relative(got, expected)).toBeLessThan(1e-12);
  });
});

describe('fid of features', () => {
  const d = 16;
  const rng = Rng.fromSeed(3);
  const mix = gaussianRows(rng, d, d, 0.4);
  const features = (n: number, shift: number) =>
    matmul(gaussianRows(rng, n, d, 1, shift), mix, n, d, d);

  it('of a set against itself is ≈ 0', () => {
    const x = features(300, 0.2);
    const stats = new FeatureStatistics(d).add({ data: x, rows: 300, dim: d });
    expect(Math.abs(fid(stats, stats))).toBeLessThan(1e-10);
  });

  it('equals Denman–Beavers on Σ₁Σ₂ to 1e-9 relative', () => {
    const x = features(400, 0);
    const y = matmul(gaussianRows(rng, 500, d, 1.3, 0.3), mix, 500, d, d);
    const a = twoPassMoments(x, 400, d);
    const b = twoPassMoments(y, 500, d);
    let meanTerm = 0;
    let traces = 0;
    for (let i = 0; i < d; i++) {
      meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
      traces += a.covariance[i * d + i]! + b.covariance[i * d + i]!;
    }
    const expected =
      meanTerm +
      traces -
      2 * traceSqrtDenmanBeavers(matmul(a.covariance, b.covariance, d, d, d), d);
    const sa = new FeatureStatistics(d).add({ data: x, rows: 400, dim: d });
    const sb = new FeatureStatistics(d).add({ data: y, rows: 500, dim: d });
    expect(relative(fid(sa, sb), expected)).toBeLessThan(1e-9);
  });

  it('works for rank-deficient covariances (n < d): equals the n × n Gram-form route', () => {
    const dim = 30;
    const n = 10;
    const x = gaussianRows(rng, n, dim);
    const y = gaussianRows(rng, 200, dim, 0.8, 0.1);
    const a = twoPassMoments(x, n, dim);
    const b = twoPassMoments(y, 200, dim);
    // Σ₁ = X̃ᵀX̃/(n−1) with X̃ centred: Tr √(Σ₁^{1/2}Σ₂Σ₁^{1/2}) = Tr √(X̃Σ₂X̃ᵀ/(n−1)) (n × n).
    const centred = x.map((v, i) => (v - a.mean[i % dim]!) / Math.sqrt(n - 1));
    const gram = matmul(
      matmul(centred, b.covariance, n, dim, dim),
      transposeOf2(centred, n, dim),
      n,
      dim,
      n,
    );
    // X̃ has rank n − 1 (its rows sum to 0): the Gram matrix's round-off eigenvalue is dropped.
    const mu = jacobiEigenvalues(gram, n);
    const top = Math.max(...mu);
    const traceSqrt = mu.reduce((t, v) => t + (v > n * 2 ** -52 * top ? Math.sqrt(v) : 0), 0);
    let meanTerm = 0;
    let traces = 0;
    for (let i = 0; i < dim; i++) {
      meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
      traces += a.covariance[i * dim + i]! + b.covariance[i * dim + i]!;
    }
    const expected = meanTerm + traces - 2 * traceSqrt;
    const got = frechetDistance(a, b);
    expect(Number.isFinite(got)).toBe(true);
    expect(relative(got, expected)).toBeLessThan(1e-9);
    // Either order: Σ₂ full rank and Σ₁ singular, or the reverse.
    expect(relative(frechetDistance(b, a), expected)).toBeLessThan(1e-9);
  });

  it('equals the eigenvector route Tr √(Λ^{1/2}VᵀΣ₂VΛ^{1/2}) at d = 300 (several product blocks)', () => {
    // d = 300 spans two 256-deep blocks and five 64-row blocks of the products, with the pivoted
    // factor's zero triangle skipped; the second implementation is the former eigenvector route.
    const dim = 300;
    const x = gaussianRows(rng, 400, dim);
    const y = matmul(gaussianRows(rng, 350, dim, 0.9, 0.2), mixing(dim), 350, dim, dim);
    const a = twoPassMoments(x, 400, dim);
    const b = twoPassMoments(y, 350, dim);
    const { values, vectors } = symmetricEigen(a.covariance, dim);
    const u = new Float64Array(dim * dim); // rows √λ_j v_j
    for (let j = 0; j < dim; j++)
      for (let k = 0; k < dim; k++)
        u[j * dim + k] = Math.sqrt(Math.max(0, values[j]!)) * vectors![j * dim + k]!;
    const m = matmul(matmul(u, b.covariance, dim, dim, dim), transposeOf(u, dim), dim, dim, dim);
    const mu = symmetricEigen(m, dim).values;
    const traceSqrt = mu.reduce((t, v) => t + Math.sqrt(Math.max(0, v)), 0);
    expect(relative(traceSqrtProduct(a.covariance, b.covariance, dim), traceSqrt)).toBeLessThan(
      1e-11,
    );
  });

  it.runIf(hasScipy)(
    'equals scipy (pytorch-fid formula with scipy.linalg.sqrtm) to 1e-6 relative',
    () => {
      const x = features(300, 0);
      const y = features(250, 0.5);
      const a = twoPassMoments(x, 300, d);
      const b = twoPassMoments(y, 250, d);
      const script = `
import json, sys, numpy as np, scipy.linalg as la
i = json.load(sys.stdin); d = i['d']
x = np.array(i['x']).reshape(-1, d); y = np.array(i['y']).reshape(-1, d)
m1, m2 = x.mean(0), y.mean(0); s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
covmean = la.sqrtm(s1.dot(s2)).real
print(json.dumps(float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))))`;
      const expected = python(script, { d, x: Array.from(x), y: Array.from(y) }) as number;
      expect(relative(frechetDistance(a, b), expected)).toBeLessThan(1e-6);
    },
  );
});

/** A banded mixing matrix (each feature mixes with its next two), so the covariance is not diagonal. */
function mixing(d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    out[i * d + i] = 1;
    out[i * d + ((i + 1) % d)] = 0.5;
    out[i * d + ((i + 2) % d)] = -0.3;
  }
  return out;
}

function transposeOf2(a: Float64Array, rows: number, cols: number) {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}
