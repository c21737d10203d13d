/**
 * Weighted divergences Σᵢ wᵢ ∂ᵢfᵢ(x) of a vector field, exactly or by Hutchinson's estimator.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch } from './reduction.ts';
import { evaluateForSecondOrder } from './second-order-check.ts';

/**
 * How {@link weightedDivergence} gets the diagonal of the Jacobian:
 * - `'exact'`: one vector–Jacobian product per coordinate, eᵢᵀ J (cost: d backward passes over a
 *   d-times larger batch); exact, for small dimension d;
 * - `'hutchinson'`: Rademacher probes v, the unbiased estimate (w ∘ v)ᵀ J v (one backward pass per
 *   probe), for images.
 */
export type DivergenceMethod = 'exact' | 'hutchinson';

/** Largest number of elements per example for which `'exact'` is the default. */
export const EXACT_DIVERGENCE_MAX_DIM = 16;

/** Options of {@link weightedDivergence}. */
export interface DivergenceOptions {
  /** Default `'exact'` up to {@link EXACT_DIVERGENCE_MAX_DIM} elements per example, else `'hutchinson'`. */
  readonly divergence?: DivergenceMethod;
  /** Source of the Rademacher probes; required for `'hutchinson'`. */
  readonly rng?: Rng;
  /** Number of Hutchinson probes per example (averaged); default 1. */
  readonly probes?: number;
}

/** Resolve the method for `perExample` elements, and check its options. */
function resolveMethod(options: DivergenceOptions, perExample: number, what: string) {
  const method =
    options.divergence ?? (perExample <= EXACT_DIVERGENCE_MAX_DIM ? 'exact' : 'hutchinson');
  if (method !== 'exact' && method !== 'hutchinson') {
    throw new DaleError(
      'invalid-divergence',
      `${what}: divergence must be 'exact' or 'hutchinson', got ${JSON.stringify(method)}`,
    );
  }
  const probes = options.probes ?? 1;
  if (method === 'hutchinson') {
    if (!options.rng || typeof options.rng.fillRademacher !== 'function') {
      throw new DaleError(
        'invalid-rng',
        `${what}: divergence 'hutchinson' needs options.rng (an Rng from @dale/core) for its probes`,
      );
    }
    if (!Number.isInteger(probes) || probes < 1) {
      throw new DaleError(
        'invalid-probes',
        `${what}: probes must be an integer >= 1, got ${probes}`,
      );
    }
  }
  return { method, probes };
}

/**
 * Probe vectors for `count` copies of a batch of `batch` examples with `d` elements each, as
 * one flat array (copy-major): coordinate vectors e₁ … e_d for `'exact'`, Rademacher draws for
 * `'hutchinson'`.
 */
function probeVectors(
  method: DivergenceMethod,
  count: number,
  batch: number,
  d: number,
  rng: Rng | undefined,
): Float32Array {
  const out = new Float32Array(count * batch * d);
  if (method === 'hutchinson') return rng!.fillRademacher(out);
  for (let k = 0; k < count; k++) {
    for (let b = 0; b < batch; b++) out[(k * batch + b) * d + k] = 1;
  }
  return out;
}

/**
 * Σᵢ wᵢ(x) ∂fᵢ/∂xᵢ(x) for each example of a batch: the trace of diag(w) J_f, J_f the Jacobian of
 * `fn` within one example. Every probe v gives vᵀ diag(w) J_f v = Σ_j v_j [(w ∘ v)ᵀ J_f]_j, and
 * (w ∘ v)ᵀ J_f is one vector–Jacobian product (`tf.grad` with `dy = w ∘ v`, w held fixed). The
 * coordinate probes v = eᵢ sum to the exact trace; for Rademacher probes E[v vᵀ] = I, so their
 * mean is unbiased (Hutchinson 1990). All probes go through `fn` at once, as copies of the batch
 * stacked on the first axis.
 *
 * `fn` must map each example independently (no batch statistics) and accept any batch size.
 * The result is differentiable w.r.t. variables `fn` uses, as long as its ops' gradients are
 * themselves differentiable. TensorFlow.js's own gradients for Exp, Tanh, Sigmoid, Softmax, … drop
 * second-order terms (tensorflow/tfjs#3252); `@dale/core` replaces them, and should an
 * output-saving gradient still be on the path, the loss reports it instead of giving wrong
 * gradients.
 *
 * @param weight - w, shape of `x` (held constant), or `null` for w = 1 (the plain divergence).
 * @returns shape [batch].
 */
export function weightedDivergence(
  fn: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  weight: tf.Tensor | null,
  options: DivergenceOptions = {},
): tf.Tensor1D {
  const what = 'weightedDivergence';
  const { batch, perExample: d } = checkBatch(x, what);
  const { method, probes } = resolveMethod(options, d, what);
  const count = method === 'exact' ? d : probes;
  return tf.tidy(() => {
    const stackedShape = [count * batch, ...x.shape.slice(1)];
    const v = tf.tensor(probeVectors(method, count, batch, d, options.rng), stackedShape);
    const stack = (t: tf.Tensor) => tf.concat(new Array<tf.Tensor>(count).fill(t), 0);
    const xs = stack(x);
    const u = weight ? tf.mul(stack(weight), v) : v;
    const vjp = tf.grad((z: tf.Tensor) => {
      const y = evaluateForSecondOrder(fn, z, what);
      if (y.shape.join() !== z.shape.join()) {
        throw new DaleError(
          'invalid-score',
          `${what}: fn must return a tensor of its input's shape [${z.shape.join(', ')}], got [${y.shape.join(', ')}]`,
        );
      }
      return y;
    })(xs, u);
    const perProbe = tf.sum(tf.reshape(tf.mul(vjp, v), [count, batch, d]), 2);
    const total = tf.sum(perProbe, 0);
    return (method === 'exact' ? total : tf.div(total, count)) as tf.Tensor1D;
  });
}
