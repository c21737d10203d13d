/**
 * The `--dataset` of `dale train`: a built-in dataset by name or a folder of PNG images, with the
 * log-normal prior of its noised data.
 * @module
 */
import { statSync } from 'node:fs';
import type { Rng } from '@dale/core';
import { fitNoisedPrior, type ImageDataset, type PositivityTransform } from '@dale/data';
import { loadDataset, loadImageFolder } from '@dale/data/node';
import { domainSplits } from '@dale/metrics';
import { type LogNormalPrior, REFERENCE_PRIORS } from '@dale/sde';
import { UsageError } from './errors.ts';

/** The built-in datasets `--dataset` names. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'kmnist', 'cifar10'] as const;

/** A built-in dataset name. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** True for the name of a built-in dataset. */
export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/**
 * The training split of a built-in dataset, or the PNG images of a folder; with `limit`, only its
 * first `limit` images. KMNIST without its training files (the offline copy has only the test
 * split) trains on the 8,000 test images its domain classifier was trained on
 * (`kmnistTestSplit` of `@dale/metrics`), so that `dale eval` still measures on 2,000 images the
 * model never saw.
 */
export async function loadTrainingSet(
  dataset: string,
  limit: number | null,
): Promise<ImageDataset> {
  let data: ImageDataset;
  if (dataset === 'kmnist') {
    data = (await domainSplits('kmnist')).train;
  } else if (isDatasetName(dataset)) {
    data = await loadDataset(dataset, { split: 'train' });
  } else {
    const isFolder = (() => {
      try {
        return statSync(dataset).isDirectory();
      } catch {
        return false;
      }
    })();
    if (!isFolder) {
      throw new UsageError(
        `option --dataset of 'dale train': expected ${DATASET_NAMES.join(', ')} or a folder of PNG images, got '${dataset}' (no such folder)`,
        'train',
      );
    }
    data = await loadImageFolder(dataset);
  }
  return limit !== null && limit < data.size ? data.head(limit) : data;
}

/**
 * The log-normal prior of the noised data (MATH.md §7): the reference's constants
 * (`REFERENCE_PRIORS`) for a built-in dataset, else fitted per channel on up to 1,000 images.
 */
export function datasetPrior(
  dataset: string,
  data: ImageDataset,
  transform: PositivityTransform,
  rng: Rng,
): LogNormalPrior {
  if (isDatasetName(dataset)) return REFERENCE_PRIORS[dataset];
  return fitNoisedPrior(data.head(Math.min(1000, data.size)), { rng, transform });
}
