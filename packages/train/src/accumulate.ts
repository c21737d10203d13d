/**
 * Gradient accumulation: the loss and gradients of a batch computed over micro-batches, so that a
 * large batch fits into a backend's memory (the wasm backend's heap is at most 4 GiB).
 */
import type { Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** The examples of the batch a micro-batch holds: `size` of them from index `start`. */
export interface BatchRange {
  readonly start: number;
  readonly size: number;
}

/**
 * A batch-mean loss of clean examples `x0` with its own random stream; `range` says which
 * examples of the whole batch `x0` holds (e.g. to take their labels).
 */
export type BatchLoss = (x0: tf.Tensor, rng: Rng, range?: BatchRange) => tf.Scalar;

/** What {@link accumulatedGradients} returns; the caller disposes `value` and every gradient. */
export interface AccumulatedGradients {
  /** The batch-mean loss. */
  readonly value: tf.Scalar;
  /** The gradient of `value` for each variable, by variable name (as `tf.variableGrads`). */
  readonly grads: tf.NamedTensorMap;
}

/**
 * The loss of the batch `x0` and its gradients for `variables`. With `microBatchSize` smaller
 * than the batch, the batch is cut into consecutive micro-batches of that size (the last one may be
 * smaller), each micro-batch's loss draws its noise from `rng.split('micro-<i>')`, and the
 * batch-mean loss and gradients are the micro-batch ones weighted by size / batch size — the
 * same expectation as one pass over the whole batch, with peak memory of one micro-batch.
 * Without it (or when it covers the batch) this is one `tf.variableGrads` with `rng` itself.
 */
export function accumulatedGradients(
  loss: BatchLoss,
  x0: tf.Tensor,
  rng: Rng,
  variables: tf.Variable[],
  microBatchSize?: number,
): AccumulatedGradients {
  const batch = x0.shape[0]!;
  if (microBatchSize === undefined || microBatchSize >= batch) {
    return tf.variableGrads(() => loss(x0, rng, { start: 0, size: batch }), variables);
  }
  let value: tf.Scalar = tf.scalar(0);
  const grads: tf.NamedTensorMap = {};
  for (let start = 0, i = 0; start < batch; start += microBatchSize, i++) {
    const size = Math.min(microBatchSize, batch - start);
    const weight = size / batch;
    const part = tf.slice(x0, start, size);
    const result = tf.variableGrads(
      () => loss(part, rng.split(`micro-${i}`), { start, size }),
      variables,
    );
    part.dispose();
    const previous = value;
    value = tf.tidy(() => tf.add(previous, tf.mul(result.value, weight)));
    tf.dispose([previous, result.value]);
    for (const [name, grad] of Object.entries(result.grads)) {
      const sum = grads[name];
      grads[name] = tf.tidy(() => (sum ? tf.add(sum, tf.mul(grad, weight)) : tf.mul(grad, weight)));
      tf.dispose(sum === undefined ? [grad] : [sum, grad]);
    }
  }
  return { value, grads };
}
