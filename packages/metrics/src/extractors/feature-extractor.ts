/**
 * The interface every feature extractor implements, and batched extraction into statistics.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { FeatureStatistics } from '../feature-statistics.ts';

/** Maps images to feature vectors: the network behind FID, KID and precision/recall. */
export interface FeatureExtractor {
  /** A name for reports, e.g. `'inception-v3-pool3'`. */
  readonly name: string;
  /** Length of each feature vector. */
  readonly featureDim: number;
  /** Features [N, featureDim] of images NHWC in [0, 1]; the caller disposes the result. */
  extract(images: tf.Tensor4D): tf.Tensor2D;
}

/**
 * Accumulate the features of image batches into {@link FeatureStatistics} (float64) without keeping
 * the features: each batch's features are disposed as soon as they are added. The images are only
 * read, never disposed: they stay the caller's (a generator that yields them can dispose each batch
 * when it resumes, after its features were taken).
 */
export async function accumulateFeatures(
  extractor: FeatureExtractor,
  batches: AsyncIterable<tf.Tensor4D> | Iterable<tf.Tensor4D>,
  stats: FeatureStatistics = new FeatureStatistics(extractor.featureDim),
): Promise<FeatureStatistics> {
  for await (const images of batches) {
    const features = extractor.extract(images);
    try {
      stats.add(features);
    } finally {
      features.dispose();
    }
  }
  return stats;
}
