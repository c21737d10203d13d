import { DaleError, timeGrid } from '@dale/core';
import type { SDE } from '@dale/sde';
import { requireInteger, requireNonNegative, requireOneOf } from './validate.ts';

/** The time grid of a sampler that integrates the reverse process from T down to ε. */
export interface GridOptions {
  /** Number of steps; default 1000. Ignored when `times` is given. */
  steps?: number;
  /** The end time ε ≥ 0 (score models are not trained at t = 0); default 1e-3. Ignored when `times` is given. */
  eps?: number;
  /** `'uniform'` (default) or `'quadratic'` (denser near ε). Ignored when `times` is given. */
  spacing?: 'uniform' | 'quadratic';
  /** Any strictly decreasing grid in [0, T] (at least 2 points): step k goes from `times[k]` to `times[k + 1]`. */
  times?: ArrayLike<number>;
  /**
   * Make the last update noise-free (its drift only: a Tweedie-style denoising step, as the
   * `denoise` option of Song et al.'s samplers), so that the noise of the last step — the largest
   * relative to the signal left at ε — does not stay in the samples; default false.
   */
  denoiseLast?: boolean;
}

/**
 * The decreasing grid t₀ = T > t₁ > … > t_N = ε a sampler walks: `times` as given (checked),
 * or `timeGrid` of @dale/core from `steps`, `eps` and `spacing`.
 */
export function resolveGrid(sde: SDE, options: GridOptions, where: string): Float64Array {
  if (options.times !== undefined) {
    const times = Float64Array.from(options.times);
    const bad = (message: string) =>
      new DaleError('invalid-sampler-options', `${where}: times ${message}`);
    if (times.length < 2) throw bad(`needs at least 2 points, got ${times.length}`);
    for (let k = 0; k < times.length; k++) {
      const t = times[k]!;
      if (!(Number.isFinite(t) && t >= 0 && t <= sde.T)) {
        throw bad(`must lie in [0, ${sde.T}], got times[${k}] = ${t}`);
      }
      if (k > 0 && !(t < times[k - 1]!)) {
        throw bad(
          `must be strictly decreasing, got times[${k - 1}] = ${times[k - 1]} and times[${k}] = ${t}`,
        );
      }
    }
    return times;
  }
  const steps = requireInteger(where, 'steps', options.steps ?? 1000, 1);
  const eps = requireNonNegative(where, 'eps', options.eps ?? 1e-3);
  const spacing = requireOneOf(where, 'spacing', options.spacing ?? 'uniform', [
    'uniform',
    'quadratic',
  ] as const);
  if (!(eps < sde.T)) {
    throw new DaleError(
      'invalid-sampler-options',
      `${where}: eps must be smaller than the SDE's final time T = ${sde.T}, got ${eps}`,
    );
  }
  return timeGrid({ steps, T: sde.T, eps, spacing }).times;
}
