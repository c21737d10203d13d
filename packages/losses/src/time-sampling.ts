/**
 * Training times t for score matching over [ε, T].
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import type { LogGaussianKernel } from '@dale/sde';

/**
 * How training times are drawn: `'uniform'` on the interval [ε, T] (continuous time, as in
 * score_sde), `'grid'` on the reference's N-step grid t = kT/N, or `'log-normal'` in the
 * log-space noise level, ln S(t) ~ N(P_mean, P_std²) (Karras et al. 2022; guide: M18).
 */
export type TimeSampling = 'uniform' | 'grid' | 'log-normal';

/** The distribution of `'log-normal'` time sampling: ln S ~ N(mean, std²). */
export interface LogNormalNoiseLevels {
  /** P_mean, the mean of ln S. */
  readonly mean: number;
  /** P_std > 0, the standard deviation of ln S. */
  readonly std: number;
}

/** Options of {@link sampleTimes}. */
export interface TimeSamplingOptions {
  /** Final time T > 0 (usually `sde.T`). */
  readonly T: number;
  /** Smallest time ε, 0 < ε < T; default 1e-5 (score_sde's continuous-time default). */
  readonly eps?: number;
  /** `'uniform'` (default) or `'grid'`. */
  readonly timeSampling?: TimeSampling;
  /** N, the number of grid steps for `'grid'`; default 1000 (the reference). */
  readonly steps?: number;
  /** The noise-level distribution of `'log-normal'` (required there). */
  readonly noiseLevels?: LogNormalNoiseLevels;
  /** The SDE's log-space kernel, which maps a noise level S to its time (required for `'log-normal'`). */
  readonly kernel?: LogGaussianKernel;
}

/** Default smallest training time ε. */
export const DEFAULT_EPS = 1e-5;

/** Default number of grid steps N (the reference implementation's). */
export const DEFAULT_STEPS = 1000;

/**
 * Draw `batch` training times from `rng`.
 *
 * - `'uniform'`: t = ε + (T − ε) u, u ~ U[0, 1).
 * - `'grid'`: t = kT/N with k uniform on {k₀, …, N − 1}, k₀ = max(1, ⌈εN/T⌉). These are exactly
 *   the times at which the reference samplers query the score (t_k = k/N, k = N − 1 … 0) except
 *   k = 0, where the kernel is a point mass and denoising score matching has no target; k = N
 *   (t = T) is never queried by a sampler. Grid points below ε are skipped.
 *
 * The draws use `rng.uniform()` (one per example) for `'uniform'` and `rng.int()` for `'grid'`.
 */
export function sampleTimes(batch: number, rng: Rng, options: TimeSamplingOptions): Float64Array {
  const { T, eps = DEFAULT_EPS, timeSampling = 'uniform', steps = DEFAULT_STEPS } = options;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new DaleError(
      'invalid-batch',
      `sampleTimes: batch must be an integer >= 1, got ${batch}`,
    );
  }
  if (!(Number.isFinite(T) && T > 0)) {
    throw new DaleError('invalid-time', `sampleTimes: T must be a finite number > 0, got ${T}`);
  }
  if (!(typeof eps === 'number' && eps > 0 && eps < T)) {
    throw new DaleError('invalid-eps', `eps must satisfy 0 < eps < T (${T}), got ${eps}`);
  }
  const out = new Float64Array(batch);
  if (timeSampling === 'uniform') {
    for (let b = 0; b < batch; b++) out[b] = eps + (T - eps) * rng.uniform();
    return out;
  }
  if (timeSampling === 'log-normal') return logNormalTimes(out, rng, options, eps);
  if (timeSampling !== 'grid') {
    throw new DaleError(
      'invalid-time-sampling',
      `timeSampling must be 'uniform', 'grid' or 'log-normal', got ${JSON.stringify(timeSampling)}`,
    );
  }
  if (!Number.isInteger(steps) || steps < 2) {
    throw new DaleError('invalid-grid', `steps must be an integer >= 2, got ${steps}`);
  }
  const first = Math.max(1, Math.ceil((eps * steps) / T - 1e-9));
  if (first > steps - 1) {
    throw new DaleError(
      'invalid-grid',
      `no grid time kT/N (N = ${steps}, k < N) lies in [eps, T) = [${eps}, ${T}); lower eps or raise steps`,
    );
  }
  for (let b = 0; b < batch; b++) out[b] = ((first + rng.int(steps - first)) * T) / steps;
  return out;
}

/**
 * `'log-normal'`: S = exp(P_mean + P_std n), n ~ N(0, 1) (one `rng.normal()` per example), mapped
 * to its time by the kernel and clamped to [ε, T] (levels above S(T) are trained at T).
 */
function logNormalTimes(
  out: Float64Array,
  rng: Rng,
  options: TimeSamplingOptions,
  eps: number,
): Float64Array {
  const { noiseLevels, kernel, T } = options;
  if (!kernel || typeof kernel.timeAt !== 'function') {
    throw new DaleError(
      'invalid-time-sampling',
      "timeSampling 'log-normal' needs the SDE's log-space kernel (logGaussianKernel(sde) of @dale/sde)",
    );
  }
  if (
    !noiseLevels ||
    !Number.isFinite(noiseLevels.mean) ||
    !(Number.isFinite(noiseLevels.std) && noiseLevels.std > 0)
  ) {
    throw new DaleError(
      'invalid-time-sampling',
      `timeSampling 'log-normal' needs noiseLevels { mean, std > 0 } (of ln S), got ${JSON.stringify(noiseLevels)}`,
    );
  }
  for (let b = 0; b < out.length; b++) {
    const level = Math.exp(noiseLevels.mean + noiseLevels.std * rng.normal());
    out[b] = Math.min(T, Math.max(eps, kernel.timeAt(level)));
  }
  return out;
}
