/**
 * Loading the built-in datasets from disk or the network.
 * @module
 */

import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DaleError } from '@dale/core';
import { DATASETS, type DatasetName, type DatasetSpec, type Split } from '../catalog.ts';
import type { ImageDataset } from '../dataset/image-dataset.ts';
import {
  type DecodeInfo,
  datasetFromCifarArchive,
  datasetFromCifarBatches,
  datasetFromIdx,
  datasetFromNpz,
} from '../decode.ts';
import { resolveFiles, type SourceOptions, searchLocations } from './resolve.ts';

/** Options of {@link loadDataset}. */
export interface LoadOptions extends SourceOptions {
  /** `'train'` (default) or `'test'`. */
  readonly split?: Split;
  /** One of the dataset's formats (KMNIST: `'idx'` or `'npz'`); default its `defaultFormat`. */
  readonly format?: string;
}

async function read(path: string): Promise<{ bytes: Uint8Array; file: string }> {
  return { bytes: await readFile(path), file: path };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Extracted CIFAR batch files in a local folder (as `cifar-10-batches-bin/x.bin` or `x.bin`). */
async function findExtracted(
  dirs: readonly string[],
  members: readonly string[],
): Promise<string[] | undefined> {
  for (const dir of dirs) {
    for (const flat of [false, true]) {
      const paths = members.map((m) => join(dir, flat ? basename(m) : m));
      if ((await Promise.all(paths.map(exists))).every(Boolean)) return paths;
    }
  }
  return undefined;
}

/** The spec of a built-in dataset by id. */
export function datasetSpec(name: DatasetName | string): DatasetSpec {
  const spec = (DATASETS as Record<string, DatasetSpec>)[name];
  if (!spec) {
    throw new DaleError(
      'unknown-dataset',
      `unknown dataset ${JSON.stringify(name)} (known: ${Object.keys(DATASETS).join(', ')})`,
    );
  }
  return spec;
}

/**
 * Load one split of a dataset: from `options.path`, `$DALE_DATA_DIR/<id>/`, the cache, or the
 * mirrors (see {@link SourceOptions}). Images come out NHWC in [0, 1] with integer labels.
 *
 * CIFAR-10 is read from `cifar-10-binary.tar.gz`, or from extracted batch files in a local
 * folder (`cifar-10-batches-bin/*.bin` or `*.bin`), which carry no checksum.
 *
 * @example
 * ```ts
 * const test = await loadDataset('mnist', { split: 'test' });
 * test.size; // 10000
 * ```
 */
export async function loadDataset(
  dataset: DatasetName | DatasetSpec,
  options: LoadOptions = {},
): Promise<ImageDataset> {
  const spec = typeof dataset === 'string' ? datasetSpec(dataset) : dataset;
  const split = options.split ?? 'train';
  const format = options.format ?? spec.defaultFormat;
  const source = spec.formats[format]?.[split];
  if (!source) {
    throw new DaleError(
      'unknown-dataset',
      `${spec.id} has no ${split} split in format ${JSON.stringify(format)} (formats: ${Object.keys(spec.formats).join(', ')})`,
    );
  }
  const info: DecodeInfo = {
    name: `${spec.id}/${split}`,
    shape: spec.shape,
    classNames: spec.classNames,
  };
  if (source.format === 'cifar10') {
    const localDirs = searchLocations(spec, options).map((l) => l.dir);
    const extracted = await findExtracted(localDirs, source.members);
    if (extracted) return datasetFromCifarBatches(await Promise.all(extracted.map(read)), info);
    const [archive] = await resolveFiles(spec, [source.archive], options);
    return datasetFromCifarArchive(await read(archive!), source.members, info);
  }
  const [imagesPath, labelsPath] = await resolveFiles(
    spec,
    [source.images, source.labels],
    options,
  );
  const images = await read(imagesPath!);
  const labels = await read(labelsPath!);
  return source.format === 'npz'
    ? datasetFromNpz(images, labels, info)
    : datasetFromIdx(images, labels, info);
}

/** Load MNIST ({@link loadDataset} with `'mnist'`). */
export function loadMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadDataset('mnist', options);
}

/** Load Fashion-MNIST ({@link loadDataset} with `'fashion-mnist'`). */
export function loadFashionMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadDataset('fashion-mnist', options);
}

/** Load Kuzushiji-MNIST ({@link loadDataset} with `'kmnist'`; `format: 'npz'` for the NPZ files). */
export function loadKmnist(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadDataset('kmnist', options);
}

/** Load CIFAR-10 ({@link loadDataset} with `'cifar10'`). */
export function loadCifar10(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadDataset('cifar10', options);
}
