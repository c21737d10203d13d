// Train the domain classifier (src/extractors/domain-classifier.ts) whose 128 penultimate units are
// the `domainExtractor` features, on the wasm backend, with Adam; reports time per epoch and test
// accuracy, and saves the float32 weights as safetensors when the test accuracy reaches --target.
// Run: node --conditions=@dale/source packages/metrics/scripts/train-classifier.ts \
//        --dataset mnist|fashion-mnist|kmnist [--epochs 3] [--minutes 10] [--batch 64] [--lr 1e-3]
//        [--decay 1] (learning rate × decay after each epoch)
//        [--target 0.99] [--out packages/metrics/weights/<dataset>] [--backend wasm|cpu]
//        [--format idx|npz] (the files to read; default idx)
// Images come from $DALE_DATA_DIR/<dataset>/ (else the cache, else a download; see @dale/data/node).
// KMNIST: with its training images (train-images-idx3-ubyte.gz, or kmnist-train-imgs.npz with
// --format npz) in $DALE_DATA_DIR/kmnist/, the full 60,000 / 10,000 split; when they cannot be found,
// the fixed 8,000 / 2,000 split of its test images (kmnistTestSplit in src/extractors/domain-splits.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng, useBackend } from '@dale/core';
import type { ImageDataset } from '@dale/data';
import * as tf from '@tensorflow/tfjs-core';
import { domainClassifier, initDomainClassifier } from '../src/extractors/domain-classifier.ts';
import { domainSplits } from '../src/extractors/domain-splits.ts';
import { encodeWeights } from '../src/extractors/weights-file.ts';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'mnist' },
    epochs: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '10' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '1e-3' },
    decay: { type: 'string', default: '1' },
    target: { type: 'string', default: '0.99' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    seed: { type: 'string', default: '0' },
    format: { type: 'string' },
  },
});
const DATASETS = ['mnist', 'fashion-mnist', 'kmnist'] as const;
const dataset = args.dataset as (typeof DATASETS)[number];
if (!DATASETS.includes(dataset)) {
  throw new Error(`--dataset must be mnist, fashion-mnist or kmnist, got ${dataset}`);
}
const epochs = Number(args.epochs);
const budgetMs = Number(args.minutes) * 60_000;
const batchSize = Number(args.batch);
const target = Number(args.target);
const out = args.out ?? join(import.meta.dirname, '..', 'weights', dataset);
const rng = Rng.fromSeed(Number(args.seed));

if (args.backend === 'wasm') await import('@dale/backend-wasm');
await useBackend(args.backend!);
console.log(`backend ${tf.getBackend()}`);

const { train, test, note } = await domainSplits(
  dataset,
  args.format ? { format: args.format } : {},
);
console.log(`${dataset}: ${train.size} training, ${test.size} test images (${note})`);
const params = initDomainClassifier(rng.split('init'));
const optimizer = tf.train.adam(Number(args.lr));

function accuracy(data: ImageDataset): number {
  let correct = 0;
  for (const batch of data.epoch({ batchSize: 500 })) {
    const predicted = tf.tidy(() => tf.argMax(domainClassifier(params, batch.images).logits, 1));
    const values = predicted.dataSync();
    for (let i = 0; i < values.length; i++) if (values[i] === batch.labelValues[i]) correct++;
    predicted.dispose();
    batch.dispose();
  }
  return correct / data.size;
}

const start = performance.now();
let testAccuracy = 0;
let stopped = false;
for (let epoch = 0; epoch < epochs && !stopped; epoch++) {
  const epochStart = performance.now();
  // Adam reads its learning rate at every step (a protected field in tfjs-core).
  (optimizer as unknown as { learningRate: number }).learningRate =
    Number(args.lr) * Number(args.decay) ** epoch;
  let lossSum = 0;
  let steps = 0;
  for (const batch of train.epoch({ batchSize, rng: rng.split(`epoch-${epoch}`) })) {
    const loss = optimizer.minimize(
      () => {
        const { logits } = domainClassifier(params, batch.images);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, 10), logits) as tf.Scalar;
      },
      true,
      Object.values(params),
    );
    if (steps % 50 === 0) lossSum += loss!.dataSync()[0]!;
    loss!.dispose();
    batch.dispose();
    steps++;
    if (performance.now() - start > budgetMs) {
      stopped = true;
      break;
    }
  }
  const epochSeconds = (performance.now() - epochStart) / 1000;
  testAccuracy = accuracy(test);
  console.log(
    JSON.stringify({
      epoch: epoch + 1,
      steps,
      epochSeconds: Number(epochSeconds.toFixed(1)),
      secondsPerStep: Number((epochSeconds / steps).toFixed(4)),
      sampledLoss: Number((lossSum / Math.ceil(steps / 50)).toFixed(4)),
      testAccuracy,
      elapsedSeconds: Number(((performance.now() - start) / 1000).toFixed(1)),
      partialEpoch: stopped,
      tensors: tf.memory().numTensors,
    }),
  );
}

if (testAccuracy >= target) {
  await mkdir(out, { recursive: true });
  const tensors = Object.fromEntries(Object.entries(params).map(([name, v]) => [name, v]));
  const bytes = encodeWeights(tensors, {
    dataset,
    testAccuracy: String(testAccuracy),
    split: `${train.name} (${train.size} images) / ${test.name} (${test.size} images): ${note}`,
    architecture: 'conv3x3x32-pool-conv3x3x64-pool-conv3x3x64-pool-dense128-dense10',
  });
  await writeFile(join(out, 'classifier.safetensors'), bytes);
  console.log(`saved ${bytes.length} bytes to ${join(out, 'classifier.safetensors')}`);
} else {
  console.log(`test accuracy ${testAccuracy} below --target ${target}: weights not saved`);
}
