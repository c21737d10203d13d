/**
 * Domain feature extractors: the 128 penultimate units of a small CNN trained on the dataset itself
 * (scripts/train-classifier.ts), a cheap in-domain alternative to InceptionV3 for 28 × 28 grey images.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { domainClassifier } from './domain-classifier.ts';
import type { FeatureExtractor } from './feature-extractor.ts';
import { decodeWeights } from './weights-file.ts';

/** Datasets the domain classifier can be trained on (28 × 28 grey, 10 classes). */
export type DomainDataset = 'mnist' | 'fashion-mnist' | 'kmnist';

/** Options of {@link domainExtractor}. */
export interface DomainExtractorOptions {
  /**
   * The weights file (safetensors written by scripts/train-classifier.ts); default the package's
   * `weights/<dataset>/classifier.safetensors` (shipped for all three datasets; KMNIST's was trained
   * on 8,000 of its test images, see `kmnistTestSplit`).
   */
  readonly weights?: string | URL;
  /** Images per forward pass; default 500. */
  readonly batchSize?: number;
}

/** A {@link FeatureExtractor} that holds tensors: `dispose()` frees its weights. */
export interface DisposableFeatureExtractor extends FeatureExtractor {
  /** Free the weights; the extractor must not be used afterwards. */
  dispose(): void;
  /** Class logits [N, 10] of images [N, 28, 28, 1] in [0, 1] (the caller disposes them). */
  classify(images: tf.Tensor4D): tf.Tensor2D;
  /** The weights file's metadata (dataset, test accuracy, architecture). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The domain feature extractor for `dataset`: 128 features per image [N, 28, 28, 1] in [0, 1],
 * the ReLU units before the classifier's last layer. Weights are read from `options.weights` or the
 * package's `weights/<dataset>/` folder; a file whose metadata names another dataset is rejected.
 */
export async function domainExtractor(
  dataset: DomainDataset = 'mnist',
  options: DomainExtractorOptions = {},
): Promise<DisposableFeatureExtractor> {
  const location =
    options.weights ?? new URL(`../../weights/${dataset}/classifier.safetensors`, import.meta.url);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(location);
  } catch (cause) {
    throw new DaleError(
      'weights-unavailable',
      `domainExtractor: weights for ${dataset} must be at ${String(location)} (train them with packages/metrics/scripts/train-classifier.ts --dataset ${dataset}), got ${String(cause)}`,
    );
  }
  const { tensors, metadata } = decodeWeights(bytes);
  if (metadata.dataset !== undefined && metadata.dataset !== dataset) {
    for (const t of Object.values(tensors)) t.dispose();
    throw new DaleError(
      'weights-mismatch',
      `domainExtractor: the weights at ${String(location)} must be trained on ${dataset}, got weights trained on ${metadata.dataset}`,
    );
  }
  const batchSize = options.batchSize ?? 500;
  const inBatches = (images: tf.Tensor4D, pick: 'features' | 'logits'): tf.Tensor2D => {
    const n = images.shape[0];
    if (n <= batchSize) return tf.tidy(() => domainClassifier(tensors, images)[pick]);
    const parts: tf.Tensor2D[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        parts.push(
          tf.tidy(() => {
            const batch = tf.slice(
              images,
              [start, 0, 0, 0],
              [Math.min(batchSize, n - start), -1, -1, -1],
            );
            return domainClassifier(tensors, batch)[pick];
          }),
        );
      }
      return tf.concat(parts, 0);
    } finally {
      for (const p of parts) p.dispose();
    }
  };
  return {
    name: `${dataset}-classifier-dense128`,
    featureDim: 128,
    metadata,
    extract: (images) => inBatches(images, 'features'),
    classify: (images) => inBatches(images, 'logits'),
    dispose() {
      for (const t of Object.values(tensors)) t.dispose();
    },
  };
}
