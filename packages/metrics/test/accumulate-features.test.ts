/**
 * accumulateFeatures owns only the features it computes: it disposes them and leaves the caller's
 * images alive (as its documentation says), over one call and over a long stream of batches.
 */
import { Rng, randomUniform } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { accumulateFeatures, type FeatureExtractor, FeatureStatistics } from '../src/index.ts';
import { onCpu } from './helpers.ts';

beforeAll(onCpu);

/** Features [mean, max] of each image: a cheap extractor made of tf ops (allocates tensors). */
const meanMax: FeatureExtractor = {
  name: 'mean-max',
  featureDim: 2,
  extract: (images) =>
    tf.tidy(() => {
      const flat = tf.reshape(images, [images.shape[0], -1]);
      return tf.stack([tf.mean(flat, 1), tf.max(flat, 1)], 1) as tf.Tensor2D;
    }),
};

it('disposes the features it computes and leaves the input images alive and unchanged', async () => {
  const rng = Rng.fromSeed(31);
  const batches = [3, 5, 2].map(
    (n) => randomUniform(rng.split(`batch-${n}`), [n, 4, 4, 1]) as tf.Tensor4D,
  );
  const copies = batches.map((b) => b.dataSync().slice());
  const before = tf.memory().numTensors;
  const stats = await accumulateFeatures(meanMax, batches);
  // Features freed, images kept: disposing the images would leave before − 3 tensors.
  expect(tf.memory().numTensors).toBe(before);
  batches.forEach((b, i) => {
    expect(b.isDisposed).toBe(false);
    expect(b.dataSync()).toEqual(copies[i]);
  });
  // The statistics are those of all features at once.
  const all = tf.concat(batches, 0) as tf.Tensor4D;
  const features = meanMax.extract(all);
  const direct = new FeatureStatistics(2).add(features);
  expect(stats.count).toBe(10);
  for (const [x, y] of [
    [stats.mean(), direct.mean()],
    [stats.covariance(), direct.covariance()],
  ]) {
    for (let i = 0; i < x!.length; i++) expect(Math.abs(x![i]! - y![i]!)).toBeLessThan(1e-12);
  }
  tf.dispose([all, features, ...batches]);
  expect(tf.memory().numTensors).toBe(before - 3);
});

it('does not grow the tensor count over 200 streamed batches disposed by their generator', async () => {
  const rng = Rng.fromSeed(32);
  let aliveOnResume = 0;
  function* stream() {
    for (let i = 0; i < 200; i++) {
      const images = randomUniform(rng, [4, 4, 4, 1]) as tf.Tensor4D;
      yield images;
      // accumulateFeatures has taken this batch's features: the images are still ours to free.
      if (!images.isDisposed) aliveOnResume++;
      images.dispose();
    }
  }
  const before = tf.memory().numTensors;
  const stats = await accumulateFeatures(meanMax, stream());
  expect(tf.memory().numTensors).toBe(before);
  expect(aliveOnResume).toBe(200);
  expect(stats.count).toBe(800);
});
