import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, useBackend } from '@dale/core';
import { decodePng, type ImageDataset } from '@dale/data';
import { type DisposableFeatureExtractor, domainExtractor } from '@dale/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EvalReport } from '../src/commands/eval.ts';
import { evaluateSamples, NN_SAMPLES, type SampleSource } from '../src/evaluate.ts';
import { bufferOutput, main } from '../src/index.ts';
import {
  type ReferenceFeatures,
  referenceFeatures,
  referenceImages,
  trainingImages,
} from '../src/reference.ts';
import { writeTinyCheckpoint } from './tiny-checkpoint.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
if (!hasData) console.warn('dale eval tests skipped: DALE_DATA_DIR is not set');

const root = mkdtempSync(join(tmpdir(), 'dale-cli-eval-'));
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(root, { recursive: true, force: true });
});

/** Images [offset, offset + n) of a dataset, batch after batch, as a sample source. */
function datasetSource(images: ImageDataset, offset = 0): SampleSource {
  let next = offset;
  return async (count) => {
    const batch = images.batch(Uint32Array.from({ length: count }, (_, i) => next + i));
    next += count;
    batch.labels.dispose();
    return batch.images;
  };
}

/** Uniform noise images in [0, 1]. */
function noiseSource(seed: number): SampleSource {
  const rng = Rng.fromSeed(seed);
  return async (count) =>
    tf.tensor4d(rng.fillUniform(new Float32Array(count * 784)), [count, 28, 28, 1]);
}

describe('dale eval refuses checkpoints it cannot measure (exit 2)', () => {
  const evalOf = async (checkpoint: string) => {
    const output = bufferOutput();
    const code = await main(['eval', '--checkpoint', checkpoint, '--backend', 'cpu'], { output });
    return { code, err: output.err };
  };

  it('CIFAR-10 has no domain extractor: --inception is the way', async () => {
    const dir = await writeTinyCheckpoint(join(root, 'cifar'), {
      dataset: 'cifar10',
      shape: [32, 32, 3],
    });
    const { code, err } = await evalOf(dir);
    expect(code).toBe(2);
    expect(err).toContain(
      "the checkpoint's dataset cifar10 has no domain feature extractor (mnist, fashion-mnist, kmnist have one): pass --inception PATH",
    );
  });

  it('a model of a folder of images has no test split to compare with', async () => {
    const dir = await writeTinyCheckpoint(join(root, 'folder'), { dataset: 'my-photos' });
    const { code, err } = await evalOf(dir);
    expect(code).toBe(2);
    expect(err).toContain(
      'expected meta.dataset to be one of mnist, fashion-mnist, kmnist, cifar10, got "my-photos"',
    );
  });
});

describe.skipIf(!hasData)('dale eval (MNIST test split, domain features, wasm)', () => {
  let extractor: DisposableFeatureExtractor;
  let reference: ReferenceFeatures;
  let training: ImageDataset;

  beforeAll(async () => {
    await useBackend('wasm');
    // The reference features go to this cache; `dale eval` below finds them there.
    vi.stubEnv('DALE_CACHE', join(root, 'cache'));
    extractor = await domainExtractor('mnist');
    reference = await referenceFeatures(await referenceImages('mnist', 'domain'), extractor);
    training = await trainingImages('mnist');
  });
  afterAll(() => extractor?.dispose());

  it('caches the reference: the same features come back from disk', async () => {
    expect(reference.cached).toBe(false);
    expect([reference.images.name, reference.features.rows, reference.stats.count]).toEqual([
      'mnist/test',
      10_000,
      10_000,
    ]);
    const again = await referenceFeatures(reference.images, extractor);
    expect(again.cached).toBe(true);
    expect(again.features.data).toEqual(reference.features.data);
    expect(again.stats.mean()).toEqual(reference.stats.mean());
    expect(again.stats.covariance()).toEqual(reference.stats.covariance());
  });

  it('real test images score as real (FID, KID ≈ 0, high precision/recall), noise does not', async () => {
    const n = 500;
    const tensors = tf.memory().numTensors;
    const evaluate = (source: SampleSource) =>
      evaluateSamples({
        source,
        n,
        batchSize: 200,
        metrics: ['fid', 'kid', 'pr'],
        extractor,
        reference,
        classifier: extractor,
      });
    const real = (await evaluate(datasetSource(reference.images))).figures;
    const noise = (await evaluate(noiseSource(1))).figures;
    expect(tf.memory().numTensors).toBe(tensors); // every batch and intermediate was freed
    // 500 of the 10,000 test images against the whole split: FID is only the small-sample bias
    // (measured 6.4; bound 15 for other backends' round-off); noise measured 520, 80 times more.
    expect(real.fid!).toBeGreaterThan(0);
    expect(real.fid!).toBeLessThan(15);
    expect(noise.fid!).toBeGreaterThan(30 * real.fid!);
    // KID is unbiased: for real images the mean of 64 subsets is within 3 standard errors of 0
    // (measured 1.4 ± 7.2/√64); noise measured 166.
    expect(Math.abs(real.kid!.mean)).toBeLessThan((3 * real.kid!.std) / Math.sqrt(64));
    expect(noise.kid!.mean).toBeGreaterThan(20 * real.kid!.std);
    // Precision/recall of real images measured 0.89 / 0.88; noise 0.004 / 0.
    expect(real.precisionRecall!.precision).toBeGreaterThan(0.8);
    expect(real.precisionRecall!.recall).toBeGreaterThan(0.8);
    expect(noise.precisionRecall!.precision).toBeLessThan(0.05);
    expect(noise.precisionRecall!.recall).toBeLessThan(0.05);
    // The classifier (99.07% on the test split) is confident on real digits (measured 0.964 with
    // p >= 0.9; noise 0), and its class counts match the labels up to its errors: |Δ|₁ ≤ 2 · errors
    // (about 5 in 500; bound 16). A histogram shifted by one class would be off by hundreds.
    const { confidentFraction, histogram } = real.classifier!;
    expect(confidentFraction).toBeGreaterThan(0.9);
    expect(histogram.reduce((a, b) => a + b, 0)).toBe(n);
    const labels = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) labels[reference.images.labels[i]!]! += 1;
    const l1 = histogram.reduce((sum, count, k) => sum + Math.abs(count - labels[k]!), 0);
    expect(l1).toBeLessThanOrEqual(16);
    expect(noise.classifier!.confidentFraction).toBeLessThan(0.1);
  });

  it('classified as asked: the true labels score the accuracy, shifted labels almost nothing', async () => {
    const n = 300;
    const asked = (shift: number) => (count: number, index: number) =>
      Int32Array.from(
        { length: count },
        (_, i) => (reference.images.labels[index * 100 + i]! + shift) % 10,
      );
    const run = async (shift: number) =>
      (
        await evaluateSamples({
          source: datasetSource(reference.images),
          n,
          batchSize: 100,
          metrics: [],
          extractor,
          reference,
          classifier: extractor,
          requestedLabels: asked(shift),
        })
      ).figures.classifier!;
    // The classifier is 99.07% accurate on the test split; a label shifted by one class is wrong
    // unless the classifier errs into exactly that class.
    expect((await run(0)).asRequestedFraction).toBeGreaterThan(0.97);
    expect((await run(1)).asRequestedFraction).toBeLessThan(0.03);
    const unasked = await evaluateSamples({
      source: datasetSource(reference.images),
      n: 10,
      batchSize: 10,
      metrics: [],
      extractor,
      reference,
      classifier: extractor,
    });
    expect(unasked.figures.classifier!.asRequestedFraction).toBeNull();
  });

  it('one class of real digits: high precision, low recall (precision and recall are not swapped)', async () => {
    const ones = reference.images.filterClasses([1]);
    const { figures } = await evaluateSamples({
      source: datasetSource(ones),
      n: 500,
      batchSize: 250,
      metrics: ['pr'],
      extractor,
      reference,
      classifier: extractor,
    });
    // Real 1s lie on the real manifold, but cover only the 1s among its ten classes, about 11% of
    // the test split (measured precision 0.874, recall 0.14).
    expect(figures.precisionRecall!.precision).toBeGreaterThan(0.75);
    expect(figures.precisionRecall!.recall).toBeLessThan(0.3);
    expect(figures.classifier!.histogram[1]).toBeGreaterThan(490); // measured 496
  });

  it('reuses cached features only while the extractor still gives them', async () => {
    const few = reference.images.head(50);
    const first = await referenceFeatures(few, extractor);
    const again = await referenceFeatures(few, extractor);
    expect([first.cached, again.cached]).toEqual([false, true]);
    expect(again.features.data).toEqual(first.features.data);
    // The same name with other weights (here: features doubled) must not read the old entry.
    const retrained = {
      name: extractor.name,
      featureDim: extractor.featureDim,
      extract: (images: tf.Tensor4D) =>
        tf.tidy(() => tf.mul(extractor.extract(images), 2) as tf.Tensor2D),
    };
    const recomputed = await referenceFeatures(few, retrained);
    expect(recomputed.cached).toBe(false);
    expect(recomputed.features.data[5]).toBeCloseTo(2 * first.features.data[5]!, 4);
    expect((await referenceFeatures(few, retrained)).cached).toBe(true);
  });

  it('training images are their own nearest training neighbours', async () => {
    const n = 12;
    const { figures, sheet } = await evaluateSamples({
      source: datasetSource(training, 100),
      n,
      batchSize: 5,
      metrics: ['nn'],
      extractor,
      reference,
      training,
    });
    const nn = figures.nearestNeighbours!;
    expect(nn.samples).toBe(NN_SAMPLES);
    for (let i = 0; i < NN_SAMPLES; i++) {
      expect(nn.indices[i]![0]).toBe(100 + i);
      expect(nn.distances[i]![0]).toBeLessThan(1e-3);
      expect(nn.distances[i]![1]).toBeGreaterThan(1); // the next one is another image
    }
    expect(nn.heldOutMeanNearestDistance).toBeGreaterThan(1);
    expect(nn.ratio).toBeLessThan(1e-3);
    expect([figures.fid, figures.kid, figures.precisionRecall, figures.classifier]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    // The sheet: each row is the sample, then its neighbours; the first neighbour is itself.
    const png = decodePng(sheet!, 'sheet');
    expect([png.width, png.height]).toEqual([4 * 28 + 6 * 2, NN_SAMPLES * 28 + 9 * 2]);
    for (let row = 0; row < NN_SAMPLES; row++) {
      const y0 = 2 + row * 30;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const sample = png.values[(y0 + y) * png.width + 2 + x]!;
          const neighbour = png.values[(y0 + y) * png.width + 2 + 28 + 4 + x]!;
          expect(neighbour).toBe(sample);
        }
      }
    }
  });

  it('dale eval --n 64 writes a JSON report with every figure and a sheet', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'tiny'));
    const out = join(root, 'report.json');
    const sheet = join(root, 'nn.png');
    const output = bufferOutput();
    const tensors = tf.memory().numTensors;
    const code = await main(
      [
        'eval',
        '--checkpoint',
        checkpoint,
        '--n',
        '64',
        '--steps',
        '2',
        '--batch',
        '32',
        '--backend',
        'wasm',
        '--out',
        out,
        '--sheet',
        sheet,
      ],
      { output },
    );
    expect(output.err).not.toContain('error');
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
    expect(report.settings).toMatchObject({
      checkpoint,
      model: null,
      dataset: 'mnist',
      step: 0,
      weights: 'trained', // the tiny checkpoint has no EMA
      sampler: 'dale-langevin',
      steps: 2,
      n: 64,
      batch: 32,
      seed: 0,
      backend: 'wasm',
      metrics: ['fid', 'kid', 'pr', 'nn'],
      extractor: 'mnist-classifier-dense128',
      featureDim: 128,
      reference: { images: 'mnist/test', size: 10_000, cached: true },
    });
    expect(report.settings.wallTimeSeconds).toBeGreaterThan(0);
    const figures = [
      report.fid,
      report.kid!.mean,
      report.kid!.std,
      report.precisionRecall!.precision,
      report.precisionRecall!.recall,
      report.nearestNeighbours!.meanNearestDistance,
      report.nearestNeighbours!.ratio,
      report.classifier!.confidentFraction,
      report.classifier!.meanMaxProbability,
    ];
    for (const value of figures) expect(Number.isFinite(value)).toBe(true);
    expect(report.kid).toMatchObject({ subsets: 64, subsetSize: 64 });
    expect(report.precisionRecall).toMatchObject({ k: 3, realSamples: 64, generatedSamples: 64 });
    expect(report.classifier!.confidentFraction).toBeGreaterThanOrEqual(0);
    expect(report.classifier!.confidentFraction).toBeLessThanOrEqual(1);
    expect(report.classifier!.histogram).toHaveLength(10);
    expect(report.classifier!.histogram.reduce((a, b) => a + b, 0)).toBe(64);
    expect(report.nearestNeighbours!.indices).toHaveLength(NN_SAMPLES);
    expect(report.sheet).toBe(sheet);
    expect(report.notes.join('\n')).toContain('FID from 64 samples is biased upwards');
    const png = decodePng(readFileSync(sheet), sheet);
    expect([png.width, png.height]).toEqual([124, 242]);
    // The table on stdout; progress with an ETA on stderr.
    expect(output.out).toMatch(/^ {2}FID {2,}\d+\.\d{3}$/m);
    expect(output.out).toMatch(/^ {2}KID \(64 subsets of 64\) +-?\d+\.\d{5} ± \d+\.\d{5}$/m);
    expect(output.out).toMatch(/^ {2}predicted classes +0:\d+ 1:\d+ .* 9:\d+$/m);
    expect(output.out).toContain(`wrote ${out} and ${sheet}`);
    expect(output.err).toContain(
      'reference: mnist-classifier-dense128 features of mnist/test from',
    );
    expect(output.err).toMatch(/^eval 4\/4 {2}[\d.]+ steps\/s {2}batch 2\/2 {2}ETA 0s$/m);
  });

  it('dale eval --model mnist: the class-conditional default, with dpm-solver-2m and guidance', async () => {
    const out = join(root, 'report-mnist.json');
    const output = bufferOutput();
    const args = ['--n', '20', '--batch', '20', '--steps', '3', '--guidance', '1'];
    const code = await main(
      ['eval', '--model', 'mnist', ...args, '--metrics', 'fid', '--backend', 'wasm', '--out', out],
      { output },
    );
    expect(code, output.err).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
    expect(report.settings).toMatchObject({
      model: 'mnist',
      dataset: 'mnist',
      weights: 'ema',
      sampler: 'dpm-solver-2m',
      steps: 3,
      class: 'all',
      guidance: 1,
      n: 20,
    });
    expect(Number.isFinite(report.fid)).toBe(true);
    // Every digit in turn was asked for, so the classifier says how many came out as asked.
    expect(report.classifier!.asRequestedFraction).toBeGreaterThanOrEqual(0);
  });

  it('--floor measures n real training images the same way, beside the samples', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'tiny-floor'));
    const out = join(root, 'floor.json');
    const output = bufferOutput();
    const args = ['eval', '--checkpoint', checkpoint, '--n', '200', '--steps', '2'];
    const code = await main([...args, '--backend', 'wasm', '--out', out, '--floor'], { output });
    expect(code, output.err).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
    const floor = report.floor!;
    // Real digits: near-zero FID and KID, confident, every class present — unlike the untrained
    // tiny model's samples measured in the same run.
    expect(floor.fid!).toBeLessThan(15);
    expect(floor.fid!).toBeLessThan(report.fid! / 5);
    expect(Math.abs(floor.kid!.mean)).toBeLessThan(3 * floor.kid!.std + 1e-3);
    expect(floor.classifier!.confidentFraction).toBeGreaterThan(0.9);
    expect(floor.classifier!.histogram.every((count) => count > 0)).toBe(true);
    expect(floor.nearestNeighbours).toBeNull();
    expect(output.out).toMatch(/samples +real training images \(floor\)/);
    expect(output.out).toMatch(/^ {2}FID +\d+\.\d{3} +\d+\.\d{3}$/m);
    const plain = JSON.parse(readFileSync(join(root, 'report.json'), 'utf8')) as EvalReport;
    expect(plain.floor).toBeNull();
  });

  it('--floor of a KMNIST model draws from the images dale train takes (the 8,000 of the test split)', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'tiny-kmnist'), { dataset: 'kmnist' });
    const out = join(root, 'kmnist-floor.json');
    const output = bufferOutput();
    const args = [
      'eval',
      '--checkpoint',
      checkpoint,
      '--n',
      '20',
      '--steps',
      '2',
      '--metrics',
      'fid',
    ];
    const code = await main([...args, '--backend', 'wasm', '--out', out, '--floor'], { output });
    expect(code, output.err).toBe(0);
    expect(output.err).toMatch(/floor: 20 images of kmnist\/test\[0:8000\]/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
    expect(Number.isFinite(report.floor!.fid)).toBe(true);
  });

  it('Ctrl-C during generation exits 130 without a report', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'tiny-abort'));
    const out = join(root, 'aborted.json');
    const controller = new AbortController();
    const output = bufferOutput();
    const stderr = output.stderr;
    output.stderr = (text: string) => {
      stderr(text);
      if (text.startsWith('eval 1/')) controller.abort(); // as if Ctrl-C came during step 1
    };
    const args = ['eval', '--checkpoint', checkpoint, '--n', '8', '--steps', '3'];
    const code = await main([...args, '--backend', 'wasm', '--out', out], {
      output,
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(output.err).toContain('dale: evaluation interrupted');
    expect(existsSync(out)).toBe(false);
  });
});
