/**
 * Exponential moving average (EMA) of a model's weights, the weights samplers usually evaluate.
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  assignParams,
  cloneParams,
  disposeParams,
  type ParamTree,
  pairParams,
  type TensorsOf,
  type TensorTree,
} from './params.ts';

/** Options of {@link createEma}. */
export interface EmaOptions {
  /**
   * Warm-up: use decay min(decay, (1 + k)/(10 + k)) at the k-th update (k = 0, 1, …; the
   * schedule of TensorFlow's `ExponentialMovingAverage` with `num_updates`), so early shadow
   * weights are not dominated by the random initialisation. Default false (constant decay).
   */
  readonly warmup?: boolean;
  /** Number of updates already made (when resuming from a checkpoint); default 0. */
  readonly updates?: number;
}

/**
 * Shadow weights θ̄ tracking a model's weights θ: each update sets θ̄ ← d θ̄ + (1 − d) θ.
 * With constant weights θ = c and a constant decay d, after n updates θ̄ₙ = dⁿ θ̄₀ + (1 − dⁿ) c.
 */
export interface Ema<P extends ParamTree = ParamTree> {
  /** The (maximal) decay d. */
  readonly decay: number;
  /** Whether the warm-up schedule is on. */
  readonly warmup: boolean;
  /** The shadow weights: non-trainable variables with the model's structure and names. */
  readonly params: P;
  /** How many updates have been made. */
  readonly updates: number;
  /** The decay the next {@link Ema.update} will use. */
  nextDecay(): number;
  /** θ̄ ← d θ̄ + (1 − d) θ for every weight. */
  update(params: P | TensorsOf<P>): void;
  /** Copy the shadow weights into `target` (e.g. the model's weights, before export). */
  copyTo(target: P): void;
  /**
   * Exchange the values of `target` and the shadow weights. Swap, evaluate with the model's
   * own weights, swap back: the training state is restored exactly.
   */
  swap(target: P): void;
  /** Dispose the shadow weights. */
  dispose(): void;
}

/**
 * Start an EMA of `params` with decay `decay` ∈ [0, 1] (e.g. 0.999; the reference uses 0.999
 * for the MNIST family and 0.9999 for CIFAR-10). The shadow weights start as a copy of `params`.
 */
export function createEma<P extends ParamTree>(
  params: P,
  decay: number,
  options: EmaOptions = {},
): Ema<P> {
  if (!(typeof decay === 'number' && decay >= 0 && decay <= 1)) {
    throw new DaleError('invalid-ema', `createEma: decay must be a number in [0, 1], got ${decay}`);
  }
  const warmup = options.warmup ?? false;
  let updates = options.updates ?? 0;
  if (!(Number.isInteger(updates) && updates >= 0)) {
    throw new DaleError(
      'invalid-ema',
      `createEma: updates must be an integer ≥ 0, got ${options.updates}`,
    );
  }
  const shadow = cloneParams(params, false);
  const nextDecay = () => (warmup ? Math.min(decay, (1 + updates) / (10 + updates)) : decay);

  const pair = (other: P | TensorsOf<P>) =>
    pairParams<tf.Variable>(shadow, other as TensorTree, 'EMA');

  return {
    decay,
    warmup,
    params: shadow,
    get updates() {
      return updates;
    },
    nextDecay,
    update(current) {
      const d = nextDecay();
      const pairs = pair(current);
      tf.tidy(() => {
        for (const [variable, value] of pairs) {
          variable.assign(tf.add(tf.mul(variable, d), tf.mul(value, 1 - d)));
        }
      });
      updates += 1;
    },
    copyTo(target) {
      assignParams(target, shadow);
    },
    swap(target) {
      const pairs = pair(target) as Array<[tf.Variable, tf.Variable]>;
      tf.tidy(() => {
        for (const [variable, other] of pairs) {
          const saved = tf.clone(other);
          other.assign(variable);
          variable.assign(saved);
        }
      });
    },
    dispose() {
      disposeParams(shadow);
    },
  };
}
