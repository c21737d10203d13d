/**
 * The Fréchet distance between two Gaussians and FID (Heusel et al. 2017), in float64.
 * @module
 */
import { DaleError } from '@dale/core';
import type { FeatureStatistics } from './feature-statistics.ts';
import { addDotRows, mirrorUpper } from './linalg/dot-rows.ts';
import { pivotedCholesky } from './linalg/pivoted-cholesky.ts';
import { symmetricEigen } from './linalg/symmetric-eigen.ts';

/** A Gaussian's mean (d) and covariance (d × d, row-major), float64. */
export interface GaussianMoments {
  /** The mean μ. */
  readonly mean: ArrayLike<number>;
  /** The covariance Σ, symmetric positive semi-definite. */
  readonly covariance: ArrayLike<number>;
}

/**
 * The squared Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂):
 * ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}.
 *
 * The trace term is Σᵢ √λᵢ(Σ₁Σ₂) ({@link traceSqrtProduct}): a pivoted Cholesky factor Σ₁ = LLᵀ of
 * Σ₁'s numerical rank r makes LᵀΣ₂L (r × r, symmetric) similar in spectrum to Σ₁Σ₂ up to zeros, and
 * only its eigenvalues are computed. Round-off eigenvalues (at most r·ε·|λ|_max, ε = 2⁻⁵², and below
 * zero) are dropped, so covariances from fewer samples than dimensions work. No Newton iteration, no
 * complex parts, no eigenvectors.
 */
export function frechetDistance(a: GaussianMoments, b: GaussianMoments): number {
  const d = a.mean.length;
  for (const [name, g] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (g.mean.length !== d || g.covariance.length !== d * d) {
      throw new DaleError(
        'invalid-moments',
        `frechetDistance: ${name} must have a mean of length ${d} and a ${d}×${d} covariance, got ${g.mean.length} and ${g.covariance.length} values`,
      );
    }
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a.covariance[i * d + i]! + b.covariance[i * d + i]!;
  return meanTerm + traces - 2 * traceSqrtProduct(a.covariance, b.covariance, d);
}

/**
 * Tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2} = Σᵢ √λᵢ(Σ₁Σ₂) for symmetric positive semi-definite Σ₁, Σ₂ (d × d,
 * row-major). With the pivoted Cholesky factor PᵀΣ₁P = LLᵀ (L: d × r, r = numerical rank of Σ₁),
 * Σ₁Σ₂ has the nonzero eigenvalues of M = Lᵀ(PᵀΣ₂P)L; M's eigenvalues come from Householder
 * tridiagonalisation and implicit QL without eigenvectors. O(d³·2/3) multiply–adds in products
 * that skip L's zero triangle, plus O(d³·2/3) for the tridiagonalisation.
 */
export function traceSqrtProduct(s1: ArrayLike<number>, s2: ArrayLike<number>, d: number): number {
  const { rank: r, pivots, factorT } = pivotedCholesky(s1, d);
  if (r === 0) return 0;
  // Σ₂ in pivot order, so that it meets L's rows.
  const permuted = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const from = pivots[i]! * d;
    const to = i * d;
    for (let j = 0; j < d; j++) permuted[to + j] = s2[from + pivots[j]!]!;
  }
  const lt = { data: factorT, rows: r, cols: d };
  // W = Lᵀ Σ̃₂ (r × d; Σ̃₂ symmetric, so its rows are its columns), then M = W L (upper triangle).
  const w = addDotRows(lt, { data: permuted, rows: d, cols: d }, new Float64Array(r * d), {
    aUpperTrapezoidal: true,
  });
  const m = addDotRows({ data: w, rows: r, cols: d }, lt, new Float64Array(r * r), {
    upperOnly: true,
    bUpperTrapezoidal: true,
  });
  const { values: mu } = symmetricEigen(mirrorUpper(m, r), r, { vectors: false });
  // When Σ₂ is singular, M's zero eigenvalues come out as ±round-off, whose square roots (≈ 1e-8
  // each) would otherwise bias the trace: keep only those above the numerical-rank threshold.
  const muTolerance = r * 2 ** -52 * Math.max(Math.abs(mu[0]!), Math.abs(mu[r - 1]!));
  let trace = 0;
  for (let i = 0; i < r; i++) if (mu[i]! > muTolerance) trace += Math.sqrt(mu[i]!);
  return trace;
}

/**
 * FID: the Fréchet distance between the Gaussians fitted to two sets of features (each given as
 * {@link FeatureStatistics} or as mean and covariance).
 */
export function fid(
  a: FeatureStatistics | GaussianMoments,
  b: FeatureStatistics | GaussianMoments,
): number {
  return frechetDistance(moments(a), moments(b));
}

function moments(s: FeatureStatistics | GaussianMoments): GaussianMoments {
  return 'add' in s ? { mean: s.mean(), covariance: s.covariance() } : s;
}
