import type * as tf from '@tensorflow/tfjs-core';

/**
 * One batch of images and labels. The tensors belong to the caller: call {@link Batch.dispose}
 * (or dispose `images` and `labels`) when done, e.g. at the end of each training step.
 */
export interface Batch {
  /** [B, H, W, C] float32 images in [0, 1]. */
  readonly images: tf.Tensor4D;
  /** [B] int32 labels. */
  readonly labels: tf.Tensor1D;
  /** The same labels as a plain array (no device read needed). */
  readonly labelValues: Int32Array;
  /** Index of each example in its dataset. */
  readonly indices: Uint32Array;
  /** The epoch (0-based) in which the batch ends. */
  readonly epoch: number;
  /** Dispose `images` and `labels`. */
  dispose(): void;
}

/** What to do with the last, partial batch of an epoch. */
export type LastBatchPolicy = 'keep' | 'drop' | 'wrap';
