/**
 * Noise levels for few-step samplers: Karras et al.'s (2022) ρ-spaced levels of the log-space
 * noise S (guide: M14), dense near the data where the denoiser changes fastest.
 * @module
 */
import { DaleError } from '@dale/core';

/** Options of {@link karrasNoiseLevels}. */
export interface NoiseLevelOptions {
  /** Largest level S_max > 0 (the chain's start, usually S(T)). */
  readonly max: number;
  /** Smallest positive level S_min, 0 < S_min < S_max; default 0.002. */
  readonly min?: number;
  /** Spacing exponent ρ > 0; default 7 (ρ = 1 is uniform in S, ρ → ∞ uniform in ln S). */
  readonly rho?: number;
}

/** The default smallest level S_min of the few-step samplers. */
export const DEFAULT_MIN_NOISE_LEVEL = 0.002;

/** The default spacing exponent ρ. */
export const DEFAULT_RHO = 7;

/**
 * `steps` levels S_i = (S_max^{1/ρ} + i/(steps − 1) (S_min^{1/ρ} − S_max^{1/ρ}))^ρ from S_max
 * down to S_min, followed by a final 0: `steps + 1` numbers, strictly decreasing.
 */
export function karrasNoiseLevels(steps: number, options: NoiseLevelOptions): Float64Array {
  const { max, min = DEFAULT_MIN_NOISE_LEVEL, rho = DEFAULT_RHO } = options;
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw new DaleError(
      'invalid-sampler-options',
      `noise levels: steps must be an integer >= 1, got ${steps}`,
    );
  }
  if (!(Number.isFinite(max) && max > 0)) {
    throw new DaleError(
      'invalid-sampler-options',
      `noise levels: the largest level must be > 0, got ${max}`,
    );
  }
  if (!(min > 0 && min < max)) {
    throw new DaleError(
      'invalid-sampler-options',
      `noise levels: sMin must satisfy 0 < sMin < S_max = ${max}, got ${min}`,
    );
  }
  if (!(Number.isFinite(rho) && rho > 0)) {
    throw new DaleError('invalid-sampler-options', `noise levels: rho must be > 0, got ${rho}`);
  }
  const levels = new Float64Array(steps + 1);
  const a = max ** (1 / rho);
  const b = min ** (1 / rho);
  for (let i = 0; i < steps; i++)
    levels[i] = steps === 1 ? max : (a + (i / (steps - 1)) * (b - a)) ** rho;
  levels[steps] = 0;
  return levels;
}
