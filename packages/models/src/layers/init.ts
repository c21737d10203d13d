/**
 * Deterministic weight initialisation from an {@link Rng}: the same generator state gives the
 * same weights on every backend and every run.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a weight tensor is initialised:
 * - `'glorot-uniform'`: U(−a, a) with a = √(6 / (fanIn + fanOut)) (Glorot & Bengio 2010);
 * - `'he-uniform'`: U(−a, a) with a = √(6 / fanIn) (He et al. 2015);
 * - `'zeros'`: all zeros (biases, or an output layer that should start at 0).
 */
export type Initializer = 'glorot-uniform' | 'he-uniform' | 'zeros';

/** Fan-in and fan-out of a weight (for a dense layer [in, out]: in and out; for a k×k conv: k²·cᵢₙ and k²·cₒᵤₜ). */
export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

/** The half-width a of the uniform distribution U(−a, a) that `init` draws from (0 for `'zeros'`). */
export function uniformLimit(init: Initializer, fans: Fans): number {
  switch (init) {
    case 'glorot-uniform':
      return Math.sqrt(6 / (fans.fanIn + fans.fanOut));
    case 'he-uniform':
      return Math.sqrt(6 / fans.fanIn);
    case 'zeros':
      return 0;
    default:
      throw new DaleError(
        'invalid-model-config',
        `initializer must be 'glorot-uniform', 'he-uniform' or 'zeros', got ${JSON.stringify(init)}`,
      );
  }
}

/**
 * A new trainable variable of the given shape, initialised by `init` with draws from `rng`
 * (multiplied by `scale`, default 1). Only `rng`'s own stream is consumed.
 */
export function initVariable(
  rng: Rng,
  shape: readonly number[],
  init: Initializer,
  fans: Fans,
  scale = 1,
): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const limit = uniformLimit(init, fans) * scale;
  const values =
    limit === 0 ? new Float32Array(size) : rng.fillUniform(new Float32Array(size), -limit, limit);
  const initial = tf.tensor(values, [...shape], 'float32');
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}
