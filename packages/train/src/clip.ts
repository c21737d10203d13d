import * as tf from '@tensorflow/tfjs-core';

/**
 * The sum of many tensors of one shape, four at a time: one `tf.addN` over all of them needs one
 * GPU storage buffer per input, and WebGPU allows about 8 per shader stage.
 */
function sumMany(tensors: tf.Tensor[]): tf.Tensor {
  let level = tensors;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 4) next.push(tf.addN(level.slice(i, i + 4)));
    level = next;
  }
  return level[0]!;
}

/** The global L2 norm √(Σ ‖g‖²) of the gradients, as a scalar tensor (no read). */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(
    () => tf.sqrt(sumMany([...grads.values()].map((g) => tf.sum(tf.square(g))))) as tf.Scalar,
  );
}

/**
 * Scale gradients so that their global L2 norm is at most `maxNorm` (no-op when it already is,
 * or when `maxNorm` is undefined). Returns the clipped gradients and the norm before clipping.
 * Pass `norm` when it is already known (e.g. read asynchronously from {@link globalNorm}, as the
 * trainer does so that it runs on backends without synchronous reads); otherwise it is computed
 * and read synchronously.
 */
export function clipByGlobalNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number | undefined,
  norm?: number,
): { grads: Map<string, tf.Tensor>; norm: number } {
  norm ??= tf.tidy(() => globalNorm(grads).dataSync()[0]!);
  if (maxNorm === undefined || !(norm > maxNorm)) return { grads: new Map(grads), norm };
  const scale = maxNorm / norm;
  const clipped = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) clipped.set(name, tf.mul(g, scale));
  return { grads: clipped, norm };
}
