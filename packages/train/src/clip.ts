import * as tf from '@tensorflow/tfjs-core';

/**
 * Scale gradients so that their global L2 norm is at most `maxNorm` (no-op when it already is,
 * or when `maxNorm` is undefined). Returns the clipped gradients and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number | undefined,
): { grads: Map<string, tf.Tensor>; norm: number } {
  const norm = tf.tidy(
    () => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0]!,
  );
  if (maxNorm === undefined || !(norm > maxNorm)) return { grads: new Map(grads), norm };
  const scale = maxNorm / norm;
  const clipped = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) clipped.set(name, tf.mul(g, scale));
  return { grads: clipped, norm };
}
