/**
 * The Fréchet distance between two Gaussians and FID (Heusel et al. 2017), in float64.
 * @module
 */
import { DaleError } from '@dale/core';
import type { FeatureStatistics } from './feature-statistics.ts';
import { addDotRows, mirrorUpper } from './linalg/dot-rows.ts';
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
 * Σ₁^{1/2} = V Λ^{1/2} Vᵀ comes from the symmetric eigendecomposition Σ₁ = V Λ Vᵀ, and the trace term
 * from the eigenvalues of the symmetric matrix Λ^{1/2} Vᵀ Σ₂ V Λ^{1/2} (orthogonally similar to
 * Σ₁^{1/2} Σ₂ Σ₁^{1/2}). Eigenvalues below zero (round-off of a rank-deficient, positive
 * semi-definite matrix) are clipped to 0, and directions where Σ₁ vanishes (eigenvalue at most
 * d·ε·λ_max, ε = 2⁻⁵²) are dropped, as are the same round-off eigenvalues of the product, so covariances from fewer samples than dimensions work. No Newton iteration, no complex parts.
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

/** Tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2} for symmetric positive semi-definite Σ₁, Σ₂ (d × d). */
export function traceSqrtProduct(s1: ArrayLike<number>, s2: ArrayLike<number>, d: number): number {
  const { values, vectors } = symmetricEigen(s1, d);
  // Keep the directions where Σ₁ is positive beyond round-off (d·ε·λ_max, the usual numerical-rank
  // threshold); the others are zero up to round-off and would only add √(round-off) noise.
  const tolerance = d * 2 ** -52 * Math.max(Math.abs(values[0]!), Math.abs(values[d - 1]!));
  const keep: number[] = [];
  for (let j = 0; j < d; j++) if (values[j]! > tolerance) keep.push(j);
  const r = keep.length;
  if (r === 0) return 0;
  // Scaled eigenvectors u_j = √λ_j v_j (rows), so U Σ₂ Uᵀ = Λ^{1/2} Vᵀ Σ₂ V Λ^{1/2}.
  const u = new Float64Array(r * d);
  keep.forEach((j, row) => {
    const scale = Math.sqrt(values[j]!);
    for (let k = 0; k < d; k++) u[row * d + k] = scale * vectors![j * d + k]!;
  });
  const sigma2 = s2 instanceof Float64Array ? s2 : Float64Array.from(s2);
  const uSigma = addDotRows(
    { data: u, rows: r, cols: d },
    { data: sigma2, rows: d, cols: d },
    new Float64Array(r * d),
  );
  const m = addDotRows(
    { data: uSigma, rows: r, cols: d },
    { data: u, rows: r, cols: d },
    new Float64Array(r * r),
    true,
  );
  const { values: mu } = symmetricEigen(mirrorUpper(m, r), r, { vectors: false });
  // Same threshold: when Σ₂ is singular, M's zero eigenvalues come out as ±round-off, whose square
  // roots (≈ 1e-8 each) would otherwise bias the trace.
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
