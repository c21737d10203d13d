/**
 * Features from a TensorFlow.js graph model (InceptionV3's pool features), preprocessed as the
 * reference FID code. No Node module: this runs in browsers too.
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureExtractor } from './feature-extractor.ts';

/**
 * The part of a TensorFlow.js `GraphModel` (`@tensorflow/tfjs-converter`) that
 * {@link graphModelExtractor} uses.
 */
export interface GraphModelLike {
  execute(inputs: tf.Tensor, outputs?: string): tf.Tensor | tf.Tensor[];
}

/** Options of {@link graphModelExtractor} and {@link loadInceptionV3}. */
export interface GraphModelExtractorOptions {
  /** Name for reports (default `'inception-v3-pool3'`). */
  name?: string;
  /** Input side the images are resized to (default 299). */
  inputSize?: number;
  /** Feature length (default 2048). */
  featureDim?: number;
  /** Output node to read (default: the model's single output). */
  outputNode?: string;
  /** Images per forward pass (default 50), to bound memory. */
  batchSize?: number;
  /**
   * Bilinear resizing with half-pixel centres (default true), as PyTorch's
   * `interpolate(mode='bilinear', align_corners=False)` used by pytorch-fid; false gives TF1's
   * legacy `resize_bilinear`.
   */
  halfPixelCenters?: boolean;
}

/**
 * Images NHWC in [0, 1] → the network's input: grey repeated to RGB, bilinear resize to
 * `size` × `size`, then scaled to [−1, 1].
 */
export function inceptionPreprocess(
  images: tf.Tensor4D,
  size = 299,
  halfPixelCenters = true,
): tf.Tensor4D {
  const channels = images.shape[3];
  if (channels !== 1 && channels !== 3) {
    throw new DaleError(
      'invalid-image',
      `inceptionPreprocess: images must have 1 or 3 channels, got ${channels}`,
    );
  }
  return tf.tidy(() => {
    const rgb = channels === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
    const resized =
      rgb.shape[1] === size && rgb.shape[2] === size
        ? rgb
        : tf.image.resizeBilinear(rgb, [size, size], false, halfPixelCenters);
    return tf.sub(tf.mul(resized, 2), 1);
  });
}

/** A {@link FeatureExtractor} running `model` on preprocessed images ({@link inceptionPreprocess}). */
export function graphModelExtractor(
  model: GraphModelLike,
  options: GraphModelExtractorOptions = {},
): FeatureExtractor {
  const featureDim = options.featureDim ?? 2048;
  const inputSize = options.inputSize ?? 299;
  const batchSize = options.batchSize ?? 50;
  const halfPixelCenters = options.halfPixelCenters ?? true;
  const name = options.name ?? 'inception-v3-pool3';
  const run = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const input = inceptionPreprocess(images, inputSize, halfPixelCenters);
      const out = (
        options.outputNode ? model.execute(input, options.outputNode) : model.execute(input)
      ) as tf.Tensor;
      if (out.size !== images.shape[0] * featureDim) {
        throw new DaleError(
          'invalid-model',
          `${name}: the model must give ${featureDim} features per image, got output shape [${out.shape}]`,
        );
      }
      return tf.reshape(out, [images.shape[0], featureDim]);
    });
  return {
    name,
    featureDim,
    extract(images) {
      const n = images.shape[0];
      if (n <= batchSize) return run(images);
      const parts: tf.Tensor2D[] = [];
      try {
        for (let start = 0; start < n; start += batchSize) {
          const batch = tf.slice(
            images,
            [start, 0, 0, 0],
            [Math.min(batchSize, n - start), -1, -1, -1],
          );
          parts.push(run(batch));
          batch.dispose();
        }
        return tf.concat(parts, 0);
      } finally {
        for (const p of parts) p.dispose();
      }
    },
  };
}
