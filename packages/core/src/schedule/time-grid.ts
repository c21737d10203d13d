import { DaleError } from '../errors.ts';

/** Options of {@link timeGrid}. */
export interface TimeGridOptions {
  /** Number of steps N (the grid has N + 1 points). */
  steps: number;
  /** Final time T; default 1. */
  T?: number;
  /** Smallest time ε ≥ 0 the grid reaches; default 0. */
  eps?: number;
  /** `'uniform'` (default) or `'quadratic'` (denser near ε, where the score changes fastest). */
  spacing?: 'uniform' | 'quadratic';
}

/**
 * Times for integrating backward from T to ε: `times[0] = T`, `times[steps] = ε`, decreasing.
 * `stepSizes[k] = times[k] − times[k + 1] > 0` is the δ of step k.
 */
export interface TimeGrid {
  readonly times: Float64Array;
  readonly stepSizes: Float64Array;
}

/** A decreasing time grid from T to ε for reverse-time samplers and ODE solvers. */
export function timeGrid(options: TimeGridOptions): TimeGrid {
  const { steps, T = 1, eps = 0, spacing = 'uniform' } = options;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new DaleError('invalid-grid', `timeGrid: steps must be an integer >= 1, got ${steps}`);
  }
  if (!(T > 0) || !Number.isFinite(T))
    throw new DaleError('invalid-grid', `timeGrid: T must be > 0, got ${T}`);
  if (!(eps >= 0 && eps < T)) {
    throw new DaleError(
      'invalid-grid',
      `timeGrid: eps must satisfy 0 <= eps < T (${T}), got ${eps}`,
    );
  }
  if (spacing !== 'uniform' && spacing !== 'quadratic') {
    throw new DaleError(
      'invalid-grid',
      `timeGrid: spacing must be 'uniform' or 'quadratic', got ${spacing}`,
    );
  }
  const times = new Float64Array(steps + 1);
  for (let k = 0; k <= steps; k++) {
    const u = 1 - k / steps; // 1 → 0
    times[k] = eps + (T - eps) * (spacing === 'uniform' ? u : u * u);
  }
  const stepSizes = new Float64Array(steps);
  for (let k = 0; k < steps; k++) stepSizes[k] = times[k]! - times[k + 1]!;
  return { times, stepSizes };
}

/**
 * The reference implementation's discrete times t_k = kT/N for k = N−1 … 0 (descending), as
 * used by its samplers, which take a separate constant step δ at each k.
 */
export function discreteTimes(N: number, T = 1): Float64Array {
  if (!Number.isInteger(N) || N < 1)
    throw new DaleError('invalid-grid', `discreteTimes: N must be an integer >= 1, got ${N}`);
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) times[i] = ((N - 1 - i) * T) / N;
  return times;
}
