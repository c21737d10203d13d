import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Time } from './types.ts';

/** The batch size a {@link Time} array must match, or throw a clear error. */
function checkLength(t: ArrayLike<number>, x: tf.Tensor): void {
  if (x.rank === 0 || t.length !== x.shape[0]) {
    throw new DaleError(
      'invalid-time',
      `a time array must hold one time per batch element: got ${t.length} times for a tensor of shape [${x.shape.join(', ')}]`,
    );
  }
}

/**
 * The coefficient c(t) as a tensor that broadcasts against `x`: a scalar for a scalar time,
 * shape [B, 1, …, 1] for one time per batch element.
 */
export function coefficient(t: Time, x: tf.Tensor, c: (t: number) => number): tf.Tensor {
  if (typeof t === 'number') return tf.scalar(c(t));
  checkLength(t, x);
  const values = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) values[i] = c(t[i]!);
  const shape = [t.length, ...new Array<number>(x.rank - 1).fill(1)];
  return tf.tensor(values, shape, 'float32');
}

/** Apply `f` to a time or to each time of an array. */
export function mapTime(t: Time, f: (t: number) => number): number | Float64Array {
  if (typeof t === 'number') return f(t);
  return Float64Array.from({ length: t.length }, (_, i) => f(t[i]!));
}

/** Validate that every time lies in [0, T], naming the offending value. */
export function checkTime(t: Time, T: number, what: string): void {
  const ok = (v: number) => Number.isFinite(v) && v >= 0 && v <= T * (1 + 1e-12);
  if (typeof t === 'number' ? !ok(t) : Array.prototype.some.call(t, (v: number) => !ok(v))) {
    const bad = typeof t === 'number' ? t : Array.prototype.find.call(t, (v: number) => !ok(v));
    throw new DaleError('invalid-time', `${what}: time must lie in [0, ${T}], got ${bad}`);
  }
}

/** The first time of a {@link Time} (for families whose coefficients do not depend on t). */
export function firstTime(t: Time): number {
  return typeof t === 'number' ? t : (t[0] ?? 0);
}
