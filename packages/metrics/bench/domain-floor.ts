// The floor of domain FID and KID: real training images against real test images, in the features of
// the shipped domain extractors. A perfect generator, evaluated with as many samples against the same
// test images, would land here on average (FID is biased upwards at finite sample sizes). MNIST and
// Fashion-MNIST: 10,000 training images (a seeded subset of the 60,000) against the 10,000 test
// images. KMNIST: the 8,000 test images its extractor was trained on against the other 2,000
// (kmnistTestSplit), since its training images are not available offline. wasm backend; prints a
// table and one JSON line.
// Run: node --conditions=@dale/source packages/metrics/bench/domain-floor.ts [trainImages]
import { Rng, useBackend } from '@dale/core';
import '@dale/backend-wasm';
import type { ImageDataset } from '@dale/data';
import { loadDataset } from '@dale/data/node';
import {
  type DomainDataset,
  domainExtractor,
  type FeatureExtractor,
  type FeatureMatrix,
  FeatureStatistics,
  fid,
  kid,
  kmnistTestSplit,
} from '@dale/metrics';
import * as tf from '@tensorflow/tfjs-core';

const trainImages = Number(process.argv[2] ?? 10_000);
const KID_OPTIONS = { subsets: 100, subsetSize: 1000 } as const; // Bińkowski et al.'s reference values
await useBackend('wasm');

/** The two real sets compared for `dataset`, and how they were chosen. */
async function realSets(
  dataset: DomainDataset,
): Promise<{ a: ImageDataset; b: ImageDataset; note: string }> {
  const test = await loadDataset(dataset, { split: 'test' });
  if (dataset === 'kmnist') {
    const split = kmnistTestSplit(test);
    return {
      a: split.train,
      b: split.test,
      note: 'test[8,000 trained on] vs test[2,000 held out]',
    };
  }
  const train = await loadDataset(dataset, { split: 'train' });
  const order = Rng.fromSeed(0).split(`floor-${dataset}`).permutation(train.size);
  const n = Math.min(trainImages, train.size);
  return {
    a: train.subset(order.subarray(0, n), `${dataset}/train[seeded ${n}]`),
    b: test,
    note: `train (seeded ${n} of ${train.size}) vs test (${test.size})`,
  };
}

/** All features of `data` as a float32 matrix, and their streaming statistics. */
function features(
  extractor: FeatureExtractor,
  data: ImageDataset,
): { matrix: FeatureMatrix; stats: FeatureStatistics } {
  const dim = extractor.featureDim;
  const out = new Float32Array(data.size * dim);
  const stats = new FeatureStatistics(dim);
  let row = 0;
  for (const batch of data.epoch({ batchSize: 500 })) {
    const f = extractor.extract(batch.images);
    stats.add(f);
    out.set(f.dataSync(), row * dim);
    row += f.shape[0];
    f.dispose();
    batch.dispose();
  }
  return { matrix: { data: out, rows: data.size, dim }, stats };
}

/** One dataset's floor; the seconds are wall times (features include loading the images). */
interface FloorResult {
  readonly dataset: DomainDataset;
  readonly sets: string;
  readonly sizes: readonly [number, number];
  readonly fid: number;
  readonly kidMean: number;
  readonly kidStd: number;
  readonly featureSeconds: number;
  readonly kidSeconds: number;
}

const results: FloorResult[] = [];
for (const dataset of ['mnist', 'fashion-mnist', 'kmnist'] as const) {
  const t0 = performance.now();
  const extractor = await domainExtractor(dataset);
  const { a, b, note } = await realSets(dataset);
  const fa = features(extractor, a);
  const fb = features(extractor, b);
  extractor.dispose();
  const featureSeconds = (performance.now() - t0) / 1000;
  const fidValue = fid(fa.stats, fb.stats);
  const t1 = performance.now();
  const { mean, std } = kid(fa.matrix, fb.matrix, { ...KID_OPTIONS, rng: Rng.fromSeed(0) });
  const kidSeconds = (performance.now() - t1) / 1000;
  results.push({
    dataset,
    sets: note,
    sizes: [a.size, b.size],
    fid: fidValue,
    kidMean: mean,
    kidStd: std,
    featureSeconds,
    kidSeconds,
  });
}

// KID ± its standard error over the subsets (std / √subsets), in units of 1e-3.
const kidText = (r: FloorResult) =>
  `${(r.kidMean * 1e3).toFixed(2)} ± ${((r.kidStd / Math.sqrt(KID_OPTIONS.subsets)) * 1e3).toFixed(2)}`;
console.log(
  `${'dataset'.padEnd(14)} ${'sets'.padEnd(46)} ${'FID'.padStart(7)} ${'KID × 1e3'.padStart(14)}`,
);
for (const r of results) {
  console.log(
    `${r.dataset.padEnd(14)} ${r.sets.padEnd(46)} ${r.fid.toFixed(3).padStart(7)} ${kidText(r).padStart(14)}`,
  );
}
console.log(
  JSON.stringify({
    bench: 'domain-floor',
    kid: KID_OPTIONS,
    results,
    tensors: tf.memory().numTensors,
    backend: tf.getBackend(),
    node: process.version,
  }),
);
