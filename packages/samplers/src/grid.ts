import { timeGrid } from '@dale/core';
import type { SDE } from '@dale/sde';
import {
  named,
  requireInteger,
  requireNonNegative,
  requireOneOf,
  samplerError,
} from './validate.ts';

/** The steps of the grid samplers when `steps` is not given: 1000. */
export const DEFAULT_GRID_STEPS = 1000;

/** The spacings of a grid from `steps` ({@link GridOptions.spacing}). */
export const GRID_SPACINGS: readonly NonNullable<GridOptions['spacing']>[] = [
  'uniform',
  'quadratic',
];

/** The time grid of a sampler that integrates the reverse process from T down to ε. */
export interface GridOptions {
  /** Number of steps; default {@link DEFAULT_GRID_STEPS} (1000). Ignored when `times` is given. */
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
 * or `timeGrid` of @dale/core from `steps`, `eps` and `spacing`. `name` (a custom sampler's)
 * goes in front of the messages of its errors; inside a sampler, the sampler's name does.
 */
export function resolveGrid(sde: SDE, options: GridOptions, name?: string): Float64Array {
  return named(name, () => checkedGrid(sde, options));
}

function checkedGrid(sde: SDE, options: GridOptions): Float64Array {
  if (options.times !== undefined) {
    const times = Float64Array.from(options.times);
    const bad = (message: string) => samplerError(`times ${message}`);
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
  const steps = requireInteger('steps', options.steps ?? DEFAULT_GRID_STEPS, 1);
  const eps = requireEndTime(sde, options.eps);
  const spacing = requireOneOf('spacing', options.spacing ?? 'uniform', GRID_SPACINGS);
  return timeGrid({ steps, T: sde.T, eps, spacing }).times;
}

/** The end time ε of a run from T (default 1e-3): ≥ 0 and below T. */
export function requireEndTime(sde: SDE, eps: unknown = 1e-3): number {
  const end = requireNonNegative('eps', eps);
  if (!(end < sde.T)) {
    throw samplerError(`eps must be smaller than the SDE's final time T = ${sde.T}, got ${end}`);
  }
  return end;
}
