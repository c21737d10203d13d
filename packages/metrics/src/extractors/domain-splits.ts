/**
 * The training and test images of the domain classifiers (scripts/train-classifier.ts), including
 * KMNIST's fixed 8,000 / 2,000 split of its test images for when its training images are absent.
 * @module
 */
import { DaleError, Rng } from '@dale/core';
import { DatasetUnavailableError, type ImageDataset } from '@dale/data';
import { type LoadOptions, loadDataset } from '@dale/data/node';
import type { DomainDataset } from './domain-extractor.ts';

/** A dataset's training and test images, and where they came from. */
export interface DomainSplits {
  /** Images to train on. */
  readonly train: ImageDataset;
  /** Images to evaluate on, disjoint from `train`. */
  readonly test: ImageDataset;
  /** `'train/test'`, or how the split was made. */
  readonly note: string;
}

/** Size of KMNIST's test split, which {@link kmnistTestSplit} divides. */
const KMNIST_TEST_SIZE = 10_000;
/** Test images {@link kmnistTestSplit} gives to training. */
const KMNIST_SPLIT_TRAIN = 8000;

/**
 * KMNIST's fixed split of its 10,000 test images: a seeded permutation
 * (`Rng.fromSeed(0).split('kmnist-split')`), the first 8,000 for training and the other 2,000 held
 * out. The shipped KMNIST domain classifier was trained on `train` and evaluated on `test`, so only
 * `test` measures it fairly.
 */
export function kmnistTestSplit(testImages: ImageDataset): {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
} {
  if (testImages.size !== KMNIST_TEST_SIZE) {
    throw new DaleError(
      'invalid-dataset',
      `kmnistTestSplit: testImages must be KMNIST's ${KMNIST_TEST_SIZE} test images, got ${testImages.size} images (${testImages.name})`,
    );
  }
  const order = Rng.fromSeed(0).split('kmnist-split').permutation(KMNIST_TEST_SIZE);
  return {
    train: testImages.subset(
      order.subarray(0, KMNIST_SPLIT_TRAIN),
      `kmnist/test[0:${KMNIST_SPLIT_TRAIN}]`,
    ),
    test: testImages.subset(
      order.subarray(KMNIST_SPLIT_TRAIN),
      `kmnist/test[${KMNIST_SPLIT_TRAIN}:]`,
    ),
  };
}

/**
 * The training and test splits of `dataset`, loaded with `options` (see `loadDataset` of
 * `@dale/data/node`). KMNIST whose training images cannot be found (a `DatasetUnavailableError`) falls
 * back to {@link kmnistTestSplit}; any other error, or a corrupt training file, is thrown.
 */
export async function domainSplits(
  dataset: DomainDataset,
  options: Omit<LoadOptions, 'split'> = {},
): Promise<DomainSplits> {
  const test = await loadDataset(dataset, { ...options, split: 'test' });
  try {
    const train = await loadDataset(dataset, { ...options, split: 'train' });
    return { train, test, note: 'train/test' };
  } catch (error) {
    if (dataset !== 'kmnist' || !(error instanceof DatasetUnavailableError)) throw error;
    return {
      ...kmnistTestSplit(test),
      note: 'fixed 8,000/2,000 split of the test images (training images absent)',
    };
  }
}
