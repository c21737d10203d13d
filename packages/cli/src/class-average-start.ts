/**
 * `--start class-average` of `dale sample` and `dale eval`: the reference sampler's alternative
 * start (guide: §7). Sample i starts from the average training image of class i mod K, mapped by
 * the positivity transform and noised to t = T, instead of a draw from the log-normal prior; the
 * classes are therefore represented equally at the start.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '@dale/models';
import * as tf from '@tensorflow/tfjs-core';
import { isDatasetName, loadTrainingSet } from './dataset.ts';
import { UsageError } from './errors.ts';

/** The starts `--start` chooses from. */
export const START_CHOICES = ['prior', 'class-average'] as const;

/** `prior` (the SDE's log-normal prior) or `class-average`. */
export type StartChoice = (typeof START_CHOICES)[number];

/** The file in a checkpoint directory that holds its training set's class averages. */
export const CLASS_AVERAGES_FILE = 'class-averages.safetensors';

/** The average image of each class of a training set, in pixel space ([0, 1]). */
export interface ClassAverages {
  /** K images, row-major [K, ...shape]. */
  readonly values: Float32Array;
  /** The shape of one image, e.g. [28, 28, 1]. */
  readonly shape: readonly number[];
  /** Where they came from, for messages: the file, or the dataset they were computed from. */
  readonly source: string;
}

/** Encode class averages as the bytes of {@link CLASS_AVERAGES_FILE} (F32 tensor `averages`, [K, ...shape]). */
export function encodeClassAverages(values: Float32Array, shape: readonly number[]): Uint8Array {
  const size = tf.util.sizeFromShape([...shape]);
  return encodeSafetensors(
    [['averages', { dtype: 'F32', shape: [values.length / size, ...shape], data: values }]],
    { content: 'class-average images in [0, 1], class k at index k' },
  );
}

/**
 * The class averages of a checkpoint: `DIR/class-averages.safetensors` when present (the
 * pretrained models ship it), else computed from the training split of the checkpoint's dataset
 * (`meta.dataset`: a built-in dataset or an image folder). Anything else is a {@link UsageError}
 * that says what is missing.
 */
export async function loadClassAverages(
  checkpointDir: string,
  dataset: unknown,
  command: string,
): Promise<ClassAverages> {
  const file = join(checkpointDir, CLASS_AVERAGES_FILE);
  if (existsSync(file)) {
    const tensor = decodeSafetensors(readFileSync(file)).tensors.get('averages');
    if (tensor?.dtype !== 'F32' || tensor.shape.length < 2) {
      throw new UsageError(
        `${file}: expected an F32 tensor 'averages' of shape [K, ...image shape], got ${tensor ? `${tensor.dtype} [${tensor.shape.join(', ')}]` : 'none'}`,
        command,
      );
    }
    return { values: tensor.data as Float32Array, shape: tensor.shape.slice(1), source: file };
  }
  const isFolder = typeof dataset === 'string' && existsSync(dataset);
  if (typeof dataset !== 'string' || !(isDatasetName(dataset) || isFolder)) {
    throw new UsageError(
      `--start class-average needs the class averages of the training set: ${checkpointDir} has no ${CLASS_AVERAGES_FILE} and its dataset (${JSON.stringify(dataset)}) is neither a built-in dataset nor an existing folder`,
      command,
    );
  }
  const training = await loadTrainingSet(dataset, null);
  return {
    values: training.classAverageValues(),
    shape: training.shape,
    source: `the ${training.size} training images of ${dataset}`,
  };
}

/**
 * The clean start images of samples `offset … offset + n − 1`: sample i gets the average of class
 * (i mod K), so every batch of a run continues the same cycle. [n, ...shape], pixel space.
 */
export function classAverageImages(averages: ClassAverages, n: number, offset = 0): tf.Tensor {
  const size = tf.util.sizeFromShape([...averages.shape]);
  const classes = averages.values.length / size;
  const values = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const k = (offset + i) % classes;
    values.set(averages.values.subarray(k * size, (k + 1) * size), i * size);
  }
  return tf.tensor(values, [n, ...averages.shape], 'float32');
}
