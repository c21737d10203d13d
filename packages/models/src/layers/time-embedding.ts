/**
 * Sinusoidal time embedding (Vaswani et al. 2017; Ho et al. 2020, DDPM), computed in double
 * precision in JavaScript: times are plain numbers (see `Time` in @dale/sde), so no kernel or
 * device round trip is needed and the values are exact to float32 rounding.
 * @module
 */
import { DaleError } from '@dale/core';
import type { Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link sinusoidalEmbedding}. */
export interface TimeEmbeddingOptions {
  /** Embedding size, an even integer ≥ 2. */
  readonly dim: number;
  /** Longest period of the sinusoids, in units of `scale · t`; default 10000. */
  readonly maxPeriod?: number;
  /**
   * Factor applied to t before embedding; default 1000, so that t ∈ [0, 1] spans the same range
   * as DDPM's integer steps 0…999 (with t ∈ [0, 1] unscaled, every sinusoid would be nearly flat).
   */
  readonly scale?: number;
}

/** The default longest period of {@link TimeEmbeddingOptions.maxPeriod}. */
export const DEFAULT_MAX_PERIOD = 10_000;
/** The default time scale of {@link TimeEmbeddingOptions.scale}. */
export const DEFAULT_TIME_SCALE = 1000;

/**
 * One time per batch element as a Float64Array of length `batch`: a number is repeated, an
 * array must have exactly `batch` entries. Throws a `DaleError` otherwise or for non-finite times.
 */
export function batchTimes(t: Time, batch: number): Float64Array {
  let out: Float64Array;
  if (typeof t === 'number') {
    out = new Float64Array(batch).fill(t);
  } else {
    if (t.length !== batch) {
      throw new DaleError(
        'invalid-time',
        `a time array must hold one time per batch element: got ${t.length} times for a batch of ${batch}`,
      );
    }
    out = Float64Array.from({ length: batch }, (_, i) => t[i]!);
  }
  const bad = out.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new DaleError('invalid-time', `times must be finite, got ${bad}`);
  return out;
}

function check(name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) {
    throw new DaleError(
      'invalid-model-config',
      `time embedding: ${name} must be ${expected}, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * The sinusoidal embedding of `t` for a batch of `batch`, shape [batch, dim]: with h = dim/2,
 * frequencies fᵢ = maxPeriod^(−i/h) for i = 0…h−1 and s = scale · t,
 * column i is sin(s fᵢ) and column h + i is cos(s fᵢ).
 */
export function sinusoidalEmbedding(
  t: Time,
  batch: number,
  options: TimeEmbeddingOptions,
): tf.Tensor2D {
  const { dim, maxPeriod = DEFAULT_MAX_PERIOD, scale = DEFAULT_TIME_SCALE } = options;
  check('dim', dim, Number.isInteger(dim) && dim >= 2 && dim % 2 === 0, 'an even integer ≥ 2');
  check('maxPeriod', maxPeriod, Number.isFinite(maxPeriod) && maxPeriod > 1, 'a finite number > 1');
  check('scale', scale, Number.isFinite(scale) && scale > 0, 'a finite number > 0');
  const times = batchTimes(t, batch);
  const half = dim / 2;
  const frequencies = Float64Array.from({ length: half }, (_, i) => maxPeriod ** (-i / half));
  const values = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    const s = scale * times[b]!;
    for (let i = 0; i < half; i++) {
      const angle = s * frequencies[i]!;
      values[b * dim + i] = Math.sin(angle);
      values[b * dim + half + i] = Math.cos(angle);
    }
  }
  return tf.tensor2d(values, [batch, dim], 'float32');
}
