/**
 * Features as a plain row-major matrix (one sample per row), the input of every metric.
 * @module
 */
import { DaleError } from '@dale/core';
import type * as tf from '@tensorflow/tfjs-core';

/** `rows` feature vectors of length `dim`, row-major, float32 or float64. */
export interface FeatureMatrix {
  /** The values, sample after sample. */
  readonly data: Float32Array | Float64Array;
  /** Number of samples. */
  readonly rows: number;
  /** Feature dimension. */
  readonly dim: number;
}

/** What the metrics accept as features: a {@link FeatureMatrix} or a rank-2 tensor [samples, dim]. */
export type Features = FeatureMatrix | tf.Tensor2D;

/** A {@link FeatureMatrix} view of `features` (a tensor is read synchronously, not disposed). */
export function toFeatureMatrix(features: Features, field = 'features'): FeatureMatrix {
  if ('dataSync' in features) {
    if (features.rank !== 2) {
      throw new DaleError(
        'invalid-features',
        `${field} must be a rank-2 tensor, got rank ${features.rank}`,
      );
    }
    const [rows, dim] = features.shape as [number, number];
    return { data: features.dataSync() as Float32Array, rows, dim };
  }
  const { data, rows, dim } = features;
  if (
    !Number.isInteger(rows) ||
    !Number.isInteger(dim) ||
    rows < 0 ||
    dim < 1 ||
    data.length !== rows * dim
  ) {
    throw new DaleError(
      'invalid-features',
      `${field} must hold rows·dim = ${rows}·${dim} values, got ${data.length}`,
    );
  }
  return features;
}

/** Feature rows as a float64 row-major matrix (a copy unless the data is float64 already). */
export function asFloat64(m: FeatureMatrix): Float64Array {
  return m.data instanceof Float64Array ? m.data : Float64Array.from(m.data);
}
