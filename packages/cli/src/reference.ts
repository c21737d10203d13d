/**
 * The real images `dale eval` compares samples with (a dataset's test split) and their features,
 * cached on disk so the next evaluation skips the feature extraction.
 * @module
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaleError } from '@dale/core';
import { DatasetUnavailableError, type ImageDataset } from '@dale/data';
import { defaultCacheDir, loadDataset, writeFileAtomic } from '@dale/data/node';
import {
  domainSplits,
  type FeatureExtractor,
  type FeatureMatrix,
  FeatureStatistics,
  kmnistTestSplit,
  loadFeatureStatistics,
  saveFeatureStatistics,
} from '@dale/metrics';
import { decodeSafetensors, encodeSafetensors } from '@dale/models';
import type { DatasetName } from './dataset.ts';

/** A set of real images with its features: the reference of FID, KID and precision/recall. */
export interface ReferenceFeatures {
  /** The images, e.g. `mnist/test`. */
  readonly images: ImageDataset;
  /** Streaming statistics of the features (mean, covariance) for FID. */
  readonly stats: FeatureStatistics;
  /** Every image's features, one row per image, for KID and precision/recall. */
  readonly features: FeatureMatrix;
  /** The feature extractor's name. */
  readonly extractor: string;
  /** Whether they came from the cache. */
  readonly cached: boolean;
}

/** Options of {@link referenceFeatures}. */
export interface ReferenceFeaturesOptions {
  /** The cache folder; default `<dale cache>/eval` (`defaultCacheDir` of `@dale/data`). */
  readonly cacheDir?: string;
  /** Images per forward pass; default 500. */
  readonly batchSize?: number;
  /** Messages for people (what is computed or read). */
  readonly log?: (message: string) => void;
}

/** Images whose features identify the extractor's weights in a cache entry. */
const PROBE_IMAGES = 4;

/** The default cache folder of reference features: `<defaultCacheDir()>/eval`. */
export function referenceCacheDir(): string {
  return join(defaultCacheDir(), 'eval');
}

/**
 * The real images a model of `dataset` is compared with: the test split, except KMNIST under its
 * domain extractor, whose classifier was trained on 8,000 of the test images: then the other 2,000
 * (`kmnistTestSplit` of `@dale/metrics`).
 */
export async function referenceImages(
  dataset: DatasetName,
  extractor: 'domain' | 'inception',
): Promise<ImageDataset> {
  const test = await loadDataset(dataset, { split: 'test' });
  return dataset === 'kmnist' && extractor === 'domain' ? kmnistTestSplit(test).test : test;
}

/**
 * The images a model of `dataset` was trained on, as `dale train` takes them (for the
 * nearest-neighbour check and `--floor`): the training split, and for KMNIST the training split of
 * `domainSplits` (without KMNIST's training files, the 8,000 test images that
 * `kmnistTestSplit` sets apart from the 2,000 of the reference). Images that cannot be found are a `DaleError` that names what needed them.
 */
export async function trainingImages(
  dataset: DatasetName,
  purpose = 'the nearest-neighbour check (nn)',
  remedy = 'leave nn out of --metrics',
): Promise<ImageDataset> {
  try {
    if (dataset === 'kmnist') return (await domainSplits('kmnist')).train;
    return await loadDataset(dataset, { split: 'train' });
  } catch (error) {
    if (!(error instanceof DatasetUnavailableError)) throw error;
    throw new DaleError(
      'dataset-unavailable',
      `${purpose} needs the training images of ${dataset}, which cannot be found (${error.message}); ${remedy}`,
      { cause: error },
    );
  }
}

/** Features [rows, dim] of images [start, start + count) of `images`, as float32. */
function extractRange(
  extractor: FeatureExtractor,
  images: ImageDataset,
  start: number,
  count: number,
): Float32Array {
  const batch = images.batch(Uint32Array.from({ length: count }, (_, i) => start + i));
  try {
    const features = extractor.extract(batch.images);
    try {
      return features.dataSync() as Float32Array;
    } finally {
      features.dispose();
    }
  } finally {
    batch.dispose();
  }
}

interface CacheEntry {
  readonly images: string;
  readonly size: number;
  readonly extractor: string;
  readonly featureDim: number;
  /** Features of the first {@link PROBE_IMAGES} images when the entry was written. */
  readonly probe: number[];
}

function cacheFiles(dir: string, images: ImageDataset, extractor: FeatureExtractor) {
  const key = `${images.name}-${images.size}-${extractor.name}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  const base = join(dir, key);
  return {
    entry: `${base}.json`,
    stats: `${base}.stats`,
    features: `${base}.features.safetensors`,
  };
}

/** Whether features agree up to float32 round-off across backends (1e-3, absolute and relative). */
function sameFeatures(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= 1e-3 * (1 + Math.abs(b[i]!)))) return false;
  }
  return true;
}

async function readCache(
  files: ReturnType<typeof cacheFiles>,
  images: ImageDataset,
  extractor: FeatureExtractor,
  probe: Float32Array,
): Promise<{ stats: FeatureStatistics; features: FeatureMatrix } | undefined> {
  try {
    const entry = JSON.parse(readFileSync(files.entry, 'utf8')) as CacheEntry;
    if (
      entry.images !== images.name ||
      entry.size !== images.size ||
      entry.extractor !== extractor.name ||
      entry.featureDim !== extractor.featureDim ||
      !sameFeatures(probe, entry.probe)
    ) {
      return undefined;
    }
    const stats = await loadFeatureStatistics(files.stats);
    const stored = decodeSafetensors(readFileSync(files.features), files.features).tensors;
    const features = stored.get('features');
    if (
      stats.count !== images.size ||
      stats.dim !== extractor.featureDim ||
      !features ||
      features.dtype !== 'F32' ||
      features.shape[0] !== images.size ||
      features.shape[1] !== extractor.featureDim
    ) {
      return undefined;
    }
    const data = features.data as Float32Array;
    return { stats, features: { data, rows: images.size, dim: extractor.featureDim } };
  } catch {
    return undefined; // absent or unreadable: computed again
  }
}

/**
 * The features of `images` under `extractor` and their statistics, from the cache when an entry
 * for the same images and extractor exists and the extractor still gives the stored features for
 * the first images (so retrained weights are not mixed with old features); otherwise computed in
 * batches and written to the cache (`saveFeatureStatistics` for the statistics, safetensors for
 * the features, a JSON entry last).
 */
export async function referenceFeatures(
  images: ImageDataset,
  extractor: FeatureExtractor,
  options: ReferenceFeaturesOptions = {},
): Promise<ReferenceFeatures> {
  const dir = options.cacheDir ?? referenceCacheDir();
  const files = cacheFiles(dir, images, extractor);
  const probe = extractRange(extractor, images, 0, Math.min(PROBE_IMAGES, images.size));
  const cached = await readCache(files, images, extractor, probe);
  if (cached) {
    options.log?.(`reference: ${extractor.name} features of ${images.name} from ${files.stats}`);
    return { images, ...cached, extractor: extractor.name, cached: true };
  }
  options.log?.(
    `reference: computing ${extractor.name} features of ${images.name} (${images.size} images; cached for the next run in ${dir})`,
  );
  const dim = extractor.featureDim;
  const batchSize = options.batchSize ?? 500;
  const data = new Float32Array(images.size * dim);
  const stats = new FeatureStatistics(dim);
  for (let start = 0; start < images.size; start += batchSize) {
    const count = Math.min(batchSize, images.size - start);
    const rows = extractRange(extractor, images, start, count);
    data.set(rows, start * dim);
    stats.add({ data: rows, rows: count, dim });
  }
  const features: FeatureMatrix = { data, rows: images.size, dim };
  mkdirSync(dir, { recursive: true });
  await saveFeatureStatistics(files.stats, stats);
  await writeFileAtomic(
    files.features,
    encodeSafetensors([['features', { dtype: 'F32', shape: [images.size, dim], data }]], {
      images: images.name,
      extractor: extractor.name,
    }),
  );
  const entry: CacheEntry = {
    images: images.name,
    size: images.size,
    extractor: extractor.name,
    featureDim: dim,
    probe: Array.from(probe),
  };
  await writeFileAtomic(files.entry, new TextEncoder().encode(`${JSON.stringify(entry)}\n`));
  return { images, stats, features, extractor: extractor.name, cached: false };
}
