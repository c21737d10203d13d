import * as tf from '@tensorflow/tfjs-core';

/**
 * What the training loop needs from a dataset: its size and a batch of given examples as an
 * NHWC (or [B, d]) float32 tensor in the data's own range. `ImageDataset` of `@dale/data`
 * satisfies it; {@link arrayData} wraps plain arrays.
 */
export interface TrainingData {
  readonly size: number;
  /**
   * The examples `indices` as one tensor, with their integer class labels where the data has
   * them (a class-conditional model needs them).
   */
  batch(indices: ArrayLike<number>): {
    readonly images: tf.Tensor;
    readonly labelValues?: Int32Array;
    dispose(): void;
  };
}

/** Training data from a row-major array of `size` examples of shape `exampleShape`. */
export function arrayData(values: Float32Array, exampleShape: readonly number[]): TrainingData {
  const per = exampleShape.reduce((a, b) => a * b, 1);
  const size = values.length / per;
  return {
    size,
    batch(indices) {
      const out = new Float32Array(indices.length * per);
      for (let i = 0; i < indices.length; i++)
        out.set(values.subarray(indices[i]! * per, (indices[i]! + 1) * per), i * per);
      const images = tf.tensor(out, [indices.length, ...exampleShape], 'float32');
      return { images, dispose: () => images.dispose() };
    },
  };
}
