/**
 * The Gaussian kernel of a multiplicative SDE in log space, parameterised by its noise level:
 * log X_t | X₀ ~ N(log X₀ + m(t), S²(t)) (guide: M2, M14). Few-step samplers, the
 * preconditioned denoiser and the log-normal noise-level sampling of training all work in these
 * terms.
 * @module
 */
import { DaleError } from '@dale/core';
import type { SDE } from './types.ts';

/**
 * The log-space kernel of a multiplicative family: y_t = y₀ + m(t) + S(t) z with y = log x
 * (guide: M14), and the inverse of the noise level S.
 */
export interface LogGaussianKernel {
  /** Final time T of the SDE. */
  readonly T: number;
  /** m(t) = M(t) − S²(t)/2, the mean shift of log X_t − log X₀ (0 when μ = σ²/2). */
  shift(t: number): number;
  /** S(t) = √∫₀ᵗ σ², the standard deviation of log X_t given X₀. */
  noiseLevel(t: number): number;
  /**
   * The time t ∈ [0, T] at which S(t) = `level` (S is increasing), found by bisection to double
   * precision; levels above S(T) give T and levels ≤ 0 give 0.
   */
  timeAt(level: number): number;
}

/**
 * The log-space kernel of `sde`, or `undefined` where it has none: any SDE that declares a
 * Gaussian kernel in log coordinates with a ≡ 1 (`sde.kernel` without `logMeanScale`: GBM with
 * any schedule and drift) has one.
 */
export function logGaussianKernel(sde: SDE): LogGaussianKernel | undefined {
  const declared = sde.kernel;
  if (declared?.coordinates !== 'log' || declared.logMeanScale) return undefined;
  const T = sde.T;
  const S2 = (t: number) => declared.variance(t);
  const shift = declared.meanShift ? (t: number) => declared.meanShift!(t) : () => 0;
  const maxLevel = Math.sqrt(S2(T));
  return {
    T,
    shift,
    noiseLevel: (t) => Math.sqrt(S2(t)),
    timeAt(level) {
      if (!(level > 0)) return 0;
      if (level >= maxLevel) return T;
      const target = level * level;
      let lo = 0;
      let hi = T;
      for (let i = 0; i < 200 && hi - lo > 1e-15 * T; i++) {
        const mid = (lo + hi) / 2;
        if (S2(mid) < target) lo = mid;
        else hi = mid;
      }
      return (lo + hi) / 2;
    },
  };
}

/** {@link logGaussianKernel}, or a `DaleError` naming `where` and what is needed. */
export function requireLogGaussianKernel(sde: SDE, where: string): LogGaussianKernel {
  const kernel = logGaussianKernel(sde);
  if (!kernel) {
    throw new DaleError(
      'unsupported-sde',
      `${where}: needs a multiplicative SDE whose kernel is Gaussian in log space with unit ` +
        `scale, log X_t = log X₀ + m(t) + S(t) Z (GBM); the '${sde.family}' SDE (kind ` +
        `'${sde.kind}') declares none`,
    );
  }
  return kernel;
}
