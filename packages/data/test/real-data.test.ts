import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Rng } from '@dale/core';
import { REFERENCE_PRIORS } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  affineTransform,
  DatasetFormatError,
  DatasetUnavailableError,
  dequantizeTransform,
  fitNoisedPrior,
  type ImageDataset,
  readIdxLabels,
  readNpzArray,
  shiftTransform,
  toPixelBytes,
  transformFromConfig,
} from '../src/index.ts';
import {
  type LoadOptions,
  loadDataset,
  loadFashionMnist,
  loadKmnist,
  loadMnist,
} from '../src/node.ts';
import { idxBytes, npyBytes } from './helpers/builders.ts';
import { announceSkip, DATA_DIR, NEEDS_DATA, onCpu, tempDir } from './helpers/env.ts';

announceSkip('tests on MNIST, Fashion-MNIST and KMNIST');

beforeAll(onCpu);

/**
 * Loads read $DALE_DATA_DIR; a cache folder that does not exist (offline loads never create it)
 * and no downloads keep them hermetic.
 */
const cache = { dir: join(tmpdir(), `dale-test-no-cache-${process.pid}`) };
const offline: LoadOptions = { cacheDir: cache.dir, download: false };

const file = (dataset: string, name: string) => readFileSync(join(DATA_DIR ?? '', dataset, name));

function pixelStats(ds: ImageDataset): { mean: number; std: number } {
  let sum = 0;
  let sumSq = 0;
  for (const p of ds.pixels) {
    sum += p;
    sumSq += p * p;
  }
  const n = ds.pixels.length;
  const mean = sum / n / 255;
  return { mean, std: Math.sqrt(sumSq / n / 255 ** 2 - mean * mean) };
}

describe.skipIf(!DATA_DIR)(`real datasets from $DALE_DATA_DIR${NEEDS_DATA}`, () => {
  let mnistTest: ImageDataset;
  beforeAll(async () => {
    mnistTest = await loadMnist({ ...offline, split: 'test' });
  });

  it('MNIST test: 10,000 × 28×28×1, the published class counts, pixels = node:zlib’s gunzip of the file', () => {
    expect(mnistTest.size).toBe(10_000);
    expect(mnistTest.shape).toEqual([28, 28, 1]);
    expect(mnistTest.classCounts()).toEqual([
      980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]);
    expect(Array.from(mnistTest.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
    const independent = gunzipSync(file('mnist', 't10k-images-idx3-ubyte.gz')).subarray(16);
    expect(Buffer.from(mnistTest.pixels as Uint8Array).equals(independent)).toBe(true);
    const { mean, std } = pixelStats(mnistTest);
    expect(mean).toBeCloseTo(0.132515, 5);
    expect(std).toBeCloseTo(0.31048, 5);
  });

  it('MNIST train: counts, the usual normalisation constants (0.1307, 0.3081), and the fitted log-normal prior (§7)', async () => {
    const train = await loadMnist(offline);
    expect(train.size).toBe(60_000);
    expect(train.classCounts()).toEqual([
      5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]);
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    const { mean, std } = pixelStats(train);
    expect(mean).toBeCloseTo(0.13066, 4);
    expect(std).toBeCloseTo(0.30811, 4);

    // The fit runs on 10,000 random training images (the CPU backend needs ~0.45 s per 1,000
    // MNIST images; the whole set works the same, only slower).
    // Exact target: with x + 1 and GBM(σ = 0.8, μ = σ²/2) at T = 1, log x_T = log(x₀ + 1) + 0.8 Z
    // (M − S²/2 = 0, guide: M2), so m = E[log(x₀ + 1)] and s² = Var[log(x₀ + 1)] + 0.64 over
    // the pixels of those images — computed here in float64 straight from the bytes.
    const rng = Rng.fromSeed(2024);
    const subset = train.subset(rng.permutation(train.size).subarray(0, 10_000));
    const logs = Float64Array.from({ length: 256 }, (_, k) => Math.log(k / 255 + 1));
    let sum = 0;
    let sumSq = 0;
    for (const p of subset.pixels) {
      sum += logs[p]!;
      sumSq += logs[p]! ** 2;
    }
    const n = subset.pixels.length;
    const mExact = sum / n;
    const sExact = Math.sqrt(sumSq / n - mExact ** 2 + 0.64);
    const prior = fitNoisedPrior(subset, { rng, batchSize: 2000 });
    const m = prior.m as number;
    const s = prior.s as number;
    console.log(
      `MNIST noised prior: fitted (m, s) = (${m.toFixed(6)}, ${s.toFixed(6)}), exact (${mExact.toFixed(6)}, ${sExact.toFixed(6)}), reference (0.156517, 0.835278)`,
    );
    // Sampling error of the noise alone: SE(m) = 0.8/√n ≈ 1.2e-4, SE(s) ≈ s/√(2n) ≈ 8.6e-5; float32
    // moments per chunk add ~1e-5. Bound: 5 SE.
    expect(Math.abs(m - mExact)).toBeLessThan(5 * (0.8 / Math.sqrt(n)));
    expect(Math.abs(s - sExact)).toBeLessThan(5 * (sExact / Math.sqrt(2 * n)));
    // The reference constants differ from this exact value by Δm ≈ 0.062, Δs ≈ 0.006 (see the
    // README): "near" here means the priors are close as distributions, KL < 0.005 nats per pixel.
    const ref = REFERENCE_PRIORS.mnist;
    const kl = Math.log(ref.s / s) + (s * s + (m - ref.m) ** 2) / (2 * ref.s * ref.s) - 0.5;
    expect(kl).toBeLessThan(0.005);
  });

  it('positivity transforms round-trip real MNIST pixels (2,000 test images): shift and affine to float32 rounding, dequantize exactly', () => {
    const sample = mnistTest.head(2000); // 1.57 million pixels, every grey level present
    const x = sample.toTensor();
    const bytes = sample.pixels as Uint8Array;
    for (const t of [
      shiftTransform(),
      affineTransform(0.5, 1.5),
      transformFromConfig(shiftTransform().toJSON()),
    ]) {
      const back = tf.tidy(() => t.inverse(t.forward(x)));
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]!);
      // One float32 rounding of a value in [1, 2] (or [0.5, 1.5]) costs at most 2⁻²⁴ · 2.
      expect(err).toBeLessThanOrEqual(2 ** -23);
      expect(Buffer.from(toPixelBytes(back)).equals(Buffer.from(bytes))).toBe(true);
      back.dispose();
    }
    const dq = transformFromConfig(JSON.parse(JSON.stringify(dequantizeTransform().toJSON())));
    const y = dq.forward(x, Rng.fromSeed(4));
    const back = dq.inverse(y);
    const equal = tf.tidy(() => tf.all(tf.equal(back, x)).dataSync()[0]);
    expect(equal).toBe(1);
    tf.dispose([x, y, back]);
  });

  it('Fashion-MNIST test: 1,000 images per class, first labels as published', async () => {
    const test = await loadFashionMnist({ ...offline, split: 'test' });
    expect(test.size).toBe(10_000);
    expect(test.classCounts()).toEqual(new Array(10).fill(1000));
    expect(Array.from(test.labels.subarray(0, 8))).toEqual([9, 2, 1, 1, 6, 1, 4, 6]);
    expect(test.classNames[9]).toBe('Ankle boot');
  });

  it('KMNIST test: the IDX and NPZ distributions hold identical images and labels; train labels too', async () => {
    const idx = await loadKmnist({ ...offline, split: 'test' });
    const npz = await loadKmnist({ ...offline, split: 'test', format: 'npz' });
    expect(idx.size).toBe(10_000);
    expect(
      Buffer.from(idx.pixels as Uint8Array).equals(Buffer.from(npz.pixels as Uint8Array)),
    ).toBe(true);
    expect(Array.from(idx.labels)).toEqual(Array.from(npz.labels));
    expect(idx.classCounts()).toEqual(new Array(10).fill(1000));
    const trainIdx = readIdxLabels(
      file('kmnist', 'train-labels-idx1-ubyte.gz'),
      'train-labels-idx1-ubyte.gz',
    );
    const trainNpz = readNpzArray(
      file('kmnist', 'kmnist-train-labels.npz'),
      'kmnist-train-labels.npz',
    );
    expect(trainNpz.shape).toEqual([60_000]);
    expect(Buffer.from(trainNpz.data).equals(Buffer.from(trainIdx))).toBe(true);
  });

  it('KMNIST train offline: the error lists the missing images, every folder searched and how to point dale at copies', async () => {
    const error = await loadKmnist(offline).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    const e = error as DatasetUnavailableError;
    expect(e.missing).toEqual(['train-images-idx3-ubyte.gz']);
    expect(e.searched).toEqual([join(DATA_DIR!, 'kmnist'), join(cache.dir, 'kmnist')]);
    expect(e.message).toContain(
      'Kuzushiji-MNIST (kmnist): 1 file missing: train-images-idx3-ubyte.gz.',
    );
    expect(e.message).toContain(`${join(DATA_DIR!, 'kmnist')} ($DALE_DATA_DIR)`);
    expect(e.message).toContain(`${join(cache.dir, 'kmnist')} (cache)`);
    expect(e.message).toContain('Downloading is disabled (download: false)');
    expect(e.message).toContain("pass { path: '/folder/with/the/files' }");
    expect(e.message).toContain(
      'DALE_DATA_DIR=/path/to/datasets so that /path/to/datasets/kmnist/train-images-idx3-ubyte.gz exists',
    );
  });

  it('KMNIST train from generated images in the published layouts (raw IDX, NPZ) with the real labels', async () => {
    const { dir, remove } = tempDir();
    try {
      const labels = readIdxLabels(file('kmnist', 'train-labels-idx1-ubyte.gz'), 'labels');
      // Image i: every pixel = 20 · label_i + (i mod 7), so pairing and order are checked.
      const pixels = new Uint8Array(60_000 * 784);
      for (let i = 0; i < 60_000; i++)
        pixels.fill(20 * labels[i]! + (i % 7), i * 784, (i + 1) * 784);
      writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes([60_000, 28, 28], pixels));
      writeFileSync(
        join(dir, 'kmnist-train-imgs.npz'),
        zipSync({ 'arr_0.npy': npyBytes([60_000, 28, 28], pixels) }, { level: 0 }),
      );
      for (const format of ['idx', 'npz']) {
        // Images from `path`, labels from $DALE_DATA_DIR/kmnist: each file resolves on its own.
        const train = await loadKmnist({ ...offline, path: dir, format, verify: false });
        expect(train.size).toBe(60_000);
        expect(train.classCounts()).toEqual(new Array(10).fill(6000));
        for (const i of [0, 1, 12_345, 59_999])
          expect(train.pixels[i * 784 + 400]).toBe(20 * train.labels[i]! + (i % 7));
      }
      // With verification on, the generated NPZ is not the published file: its MD5 is checked.
      const error = await loadKmnist({ ...offline, path: dir, format: 'npz' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as DatasetFormatError).file).toBe(join(dir, 'kmnist-train-imgs.npz'));
      expect((error as DatasetFormatError).problem).toMatch(
        /^MD5 mismatch: expected a183fbc01ed9a345513b145673d3d0bb, got [0-9a-f]{32}\. This is not the published kmnist-train-imgs.npz/,
      );
      // Mismatched counts between generated images and the real labels are refused, naming both files.
      writeFileSync(
        join(dir, 'train-images-idx3-ubyte'),
        idxBytes([100, 28, 28], pixels.subarray(0, 78_400)),
      );
      const mismatch = await loadKmnist({ ...offline, path: dir, verify: false }).catch(
        (e: unknown) => e,
      );
      expect((mismatch as DatasetFormatError).message).toMatch(
        /train-images-idx3-ubyte: holds 100 images but .*train-labels-idx1-ubyte.gz holds 60000 labels/,
      );
    } finally {
      remove();
    }
  });

  it('an unknown dataset or format is a clear error', async () => {
    await expect(loadDataset('svhn' as 'mnist', offline)).rejects.toThrow(
      /unknown dataset "svhn" \(known: mnist, fashion-mnist, kmnist, cifar10\)/,
    );
    await expect(loadMnist({ ...offline, format: 'npz' })).rejects.toThrow(
      /mnist has no train split in format "npz" \(formats: idx\)/,
    );
  });
});
