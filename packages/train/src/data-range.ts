/**
 * The once-per-dataset positivity check that replaces a synchronous read on every step
 * (multiplicative and positive SDEs need x₀ > 0; a positivity transform guarantees it for data in
 * [0, 1]).
 * @module
 */
import { DaleError } from '@dale/core';
import type { PositivityTransform } from '@dale/data';
import type { SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingData } from './data.ts';

/** Examples read per chunk of the scan. */
const CHUNK = 1024;

/**
 * Check once that training can only give the SDE strictly positive data: with a positivity
 * transform the data must lie in [0, 1] (its domain), without one it must be > 0. Additive SDEs
 * take any data. Reads the dataset in chunks, asynchronously (so WebGPU in Node works too).
 * @throws DaleError `non-positive-data`, naming the first offending chunk and its extreme value.
 */
export async function checkTrainingDataRange(
  data: TrainingData,
  sde: SDE,
  transform: PositivityTransform | undefined,
): Promise<void> {
  if (sde.kind === 'additive') return;
  for (let start = 0; start < data.size; start += CHUNK) {
    const indices = Array.from({ length: Math.min(CHUNK, data.size - start) }, (_, i) => start + i);
    const batch = data.batch(indices);
    const extremes = tf.tidy(() => tf.stack([tf.min(batch.images), tf.max(batch.images)]));
    const [min, max] = (await extremes.data()) as Float32Array;
    extremes.dispose();
    batch.dispose();
    const where = `examples ${start}–${start + indices.length - 1}`;
    if (transform && !(min! >= 0 && max! <= 1)) {
      throw new DaleError(
        'non-positive-data',
        `train: the ${sde.family.toUpperCase()} SDE needs positive data; the positivity transform '${transform.kind}' ` +
          `guarantees it for data in [0, 1], but ${where} span [${min}, ${max}]. Scale the data to [0, 1] first.`,
      );
    }
    if (!transform && !(min! > 0)) {
      throw new DaleError(
        'non-positive-data',
        `train: the ${sde.family.toUpperCase()} SDE needs strictly positive data, but the smallest value of ${where} is ${min}. ` +
          'Map the data to positive values with a positivity transform from @dale/data (e.g. shiftTransform(1)), passed as `transform`.',
      );
    }
  }
}
