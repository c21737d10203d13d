import { useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** Run `f` on a backend and return its outputs as plain arrays. */
export async function on(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  return tf.tidy(f).map((t) => {
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return values;
  });
}

/** max |a − b| / max |b|: the error of `a` relative to the scale of the reference `b`. */
export function maxRelativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let scale = 0;
  let error = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    error = Math.max(error, Math.abs(a[i]! - b[i]!));
  }
  return error / scale;
}
