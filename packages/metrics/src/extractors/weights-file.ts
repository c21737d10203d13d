/**
 * Float32 weights as a safetensors file, through the codec of `@dale/models` (which validates the
 * header, dtypes, shapes and byte ranges), adapted to named tf tensors.
 * @module
 */
import { decodeSafetensors, encodeSafetensors } from '@dale/models';
import * as tf from '@tensorflow/tfjs-core';

/** Encode named float32 tensors (read synchronously, not disposed) with string metadata. */
export function encodeWeights(
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  return encodeSafetensors(
    Object.entries(tensors).map(
      ([name, t]) =>
        [name, { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array }] as const,
    ),
    metadata,
  );
}

/** Decode {@link encodeWeights}' format into float32 tensors (the caller disposes them). */
export function decodeWeights(bytes: Uint8Array): {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
} {
  const { tensors, metadata } = decodeSafetensors(bytes, 'decodeWeights');
  const out: Record<string, tf.Tensor> = {};
  for (const [name, { shape, data }] of tensors)
    out[name] = tf.tensor(Float32Array.from(data), [...shape], 'float32');
  return { tensors: out, metadata };
}
