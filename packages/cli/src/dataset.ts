/**
 * The `--dataset` of `dale train`: a built-in dataset by name or a folder of PNG images, with the
 * log-normal prior of its noised data.
 * @module
 */
import { statSync } from 'node:fs';
import type { Rng } from '@dale/core';
import { fitNoisedPrior, type ImageDataset, type PositivityTransform } from '@dale/data';
import { inspectImageFolder, loadDataset, loadImageFolder } from '@dale/data/node';
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

/** The image sizes the presets are made for (MNIST's 28×28, CIFAR-10's 32×32). */
const PRESET_SIZES = '28×28 and 32×32';

/** Above this side a folder's images need `--resize`: the U-Net would not train on a CPU. */
export const MAX_TRAINING_SIDE = 256;

/** Above this side `dale train` notes that training will be slow. */
const LARGE_SIDE = 64;

/** How `dale train` reads a folder of images (`--resize`, `--channels`). */
export interface FolderOptions {
  /** Resize every image to N×N (area averaging when smaller, bilinear when larger), or null. */
  readonly resize: number | null;
  /** Read every image as grey (1) or RGB (3), or null: grey unless one image has colour. */
  readonly channels: 1 | 3 | null;
}

/**
 * Check a folder's images from their PNG headers before decoding any: a size far above the
 * presets' is an error that names `--resize` (and a large one a note), and colour in some images
 * only is a note that names `--channels`.
 */
async function checkFolder(dir: string, options: FolderOptions, notes: (text: string) => void) {
  const { files } = await inspectImageFolder(dir);
  const first = files[0]!;
  const side = options.resize ?? Math.max(first.width, first.height);
  const size = options.resize === null ? `${first.width}×${first.height}` : `${side}×${side}`;
  if (side > MAX_TRAINING_SIDE) {
    throw new UsageError(
      `option --dataset of 'dale train': the images of ${dir} are ${size} (${first.path}), far above the ${PRESET_SIZES} the presets are made for: a U-Net at that size does not train on a CPU. Pass --resize 28 (or --resize 32) to train at a preset's size`,
      'train',
    );
  }
  if (side > LARGE_SIDE) {
    notes(
      `note: the images are ${size}, above the ${PRESET_SIZES} the presets are made for: training will be slow; --resize 32 trains at a preset's size\n`,
    );
  }
  if (options.channels === null) {
    const coloured = files.filter((f) => f.channels >= 3);
    if (coloured.length > 0 && coloured.length < files.length) {
      const example = coloured[0]!;
      const kind = ['', 'grey', 'grey with alpha', 'RGB', 'RGBA'][example.channels];
      notes(
        `note: ${coloured.length} of ${files.length} images have colour (e.g. ${example.path}, ${kind}) and the others are grey, so every image is read as RGB (3 channels); pass --channels 1 to train in grey, or --channels 3 to keep colour and drop this note\n`,
      );
    }
  }
}

/**
 * The training split of a built-in dataset, or the PNG images of a folder (checked first, see
 * `folder` and `notes`); with `limit`, only its first `limit` images. KMNIST without its training files (the offline copy has only the test
 * split) trains on the 8,000 test images its domain classifier was trained on
 * (`kmnistTestSplit` of `@dale/metrics`), so that `dale eval` still measures on 2,000 images the
 * model never saw.
 */
export async function loadTrainingSet(
  dataset: string,
  limit: number | null,
  folder: FolderOptions = { resize: null, channels: null },
  notes: (text: string) => void = () => {},
): Promise<ImageDataset> {
  let data: ImageDataset;
  if (isDatasetName(dataset) && (folder.resize !== null || folder.channels !== null)) {
    throw new UsageError(
      `options --resize and --channels of 'dale train' are for a folder of images; ${dataset} has its own size and channels`,
      'train',
    );
  }
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
    await checkFolder(dataset, folder, notes);
    data = await loadImageFolder(dataset, {
      ...(folder.resize !== null && {
        size: [folder.resize, folder.resize] as const,
        resize: 'area' as const,
      }),
      ...(folder.channels !== null && { channels: folder.channels }),
    });
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
