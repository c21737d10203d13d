import { DaleError, Rng } from '@dale/core';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Batch, classAverageStart, fitNoisedPrior, ImageDataset } from '../src/index.ts';
import { onCpu } from './helpers/env.ts';

beforeAll(onCpu);

/** 10 images 2×3×1 whose pixels encode (example, position) and labels i mod 3. */
function small(n = 10): ImageDataset {
  const pixels = Uint8Array.from(
    { length: n * 6 },
    (_, i) => (Math.floor(i / 6) * 20 + (i % 6)) & 0xff,
  );
  return new ImageDataset({
    pixels,
    labels: Array.from({ length: n }, (_, i) => i % 3),
    shape: [2, 3, 1],
    classNames: ['a', 'b', 'c'],
    name: 'small',
  });
}

function collect(batches: Iterable<Batch>): { indices: number[][]; epochs: number[] } {
  const indices: number[][] = [];
  const epochs: number[] = [];
  for (const b of batches) {
    indices.push(Array.from(b.indices));
    epochs.push(b.epoch);
    b.dispose();
  }
  return { indices, epochs };
}

describe('ImageDataset', () => {
  it('hands out float32 NHWC batches in [0, 1] = byte/255 and int32 labels matching the indices', () => {
    const ds = small();
    const batch = ds.batch([7, 2]);
    expect(batch.images.shape).toEqual([2, 2, 3, 1]);
    expect(batch.images.dtype).toBe('float32');
    expect(batch.labels.dtype).toBe('int32');
    expect(Array.from(batch.labels.dataSync())).toEqual([1, 2]);
    expect(Array.from(batch.labelValues)).toEqual([1, 2]);
    const values = batch.images.dataSync();
    for (let j = 0; j < 6; j++) {
      expect(values[j]).toBe(Math.fround((7 * 20 + j) / 255));
      expect(values[6 + j]).toBe(Math.fround((2 * 20 + j) / 255));
    }
    batch.dispose();
    expect(batch.images.isDisposed && batch.labels.isDisposed).toBe(true);
  });

  it('iterates in order without an rng, with keep / drop / wrap for the last partial batch', () => {
    const ds = small();
    expect(collect(ds.epoch({ batchSize: 4 })).indices).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(collect(ds.epoch({ batchSize: 4, lastBatch: 'drop' })).indices).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    const wrapped = collect(ds.batches({ batchSize: 4, lastBatch: 'wrap', epochs: 3 }));
    // 30 examples → 7 full batches; the batch spanning epochs 0 and 1 ends in epoch 1.
    expect(wrapped.indices).toHaveLength(7);
    expect(wrapped.indices[2]).toEqual([8, 9, 0, 1]);
    expect(wrapped.epochs).toEqual([0, 0, 1, 1, 1, 2, 2]);
    expect(wrapped.indices.every((b) => b.length === 4)).toBe(true);
  });

  it('shuffles with a seed: reproducible, a permutation every epoch, different across epochs and seeds', () => {
    const ds = small(50);
    const run = (seed: number) =>
      collect(ds.batches({ batchSize: 8, rng: Rng.fromSeed(seed), epochs: 3 }));
    const a = run(11);
    expect(run(11)).toEqual(a);
    expect(run(12).indices).not.toEqual(a.indices);
    const perEpoch = [0, 1, 2].map((e) => a.indices.filter((_, k) => a.epochs[k] === e).flat());
    for (const order of perEpoch)
      expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(perEpoch[0]).not.toEqual(perEpoch[1]);
    expect(perEpoch[0]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Every batch is 8 except each epoch's last (50 = 6 · 8 + 2).
    expect(a.indices.map((b) => b.length)).toEqual([
      8, 8, 8, 8, 8, 8, 2, 8, 8, 8, 8, 8, 8, 2, 8, 8, 8, 8, 8, 8, 2,
    ]);
  });

  it('streams endlessly without leaking tensors when batches are disposed', () => {
    const ds = small();
    const before = tf.memory().numTensors;
    let count = 0;
    for (const batch of ds.batches({ batchSize: 3, rng: Rng.fromSeed(1) })) {
      batch.dispose();
      if (++count === 500) break;
    }
    expect(count).toBe(500);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('filters classes by label or name (keeping labels), takes head(n) and subsets', () => {
    const ds = small();
    const bc = ds.filterClasses([1, 'c']);
    expect(Array.from(bc.labels)).toEqual([1, 2, 1, 2, 1, 2]);
    expect(bc.classCounts()).toEqual([0, 3, 3]);
    expect(Array.from(bc.values([0]))).toEqual(Array.from(ds.values([1])));
    expect(() => ds.filterClasses(['z'])).toThrow(/unknown class "z" \(classes: a, b, c\)/);
    const head = ds.head(4);
    expect(head.size).toBe(4);
    expect(Array.from(head.pixels)).toEqual(Array.from(ds.pixels.subarray(0, 24)));
    expect(ds.head(100).size).toBe(10);
    expect(() => ds.values([10])).toThrow(/index 10 is outside \[0, 10\)/);
  });

  it('class averages equal tf.mean over each class (a second computation)', () => {
    const ds = small(31);
    const averages = ds.classAverages();
    expect(averages.shape).toEqual([3, 2, 3, 1]);
    for (const k of [0, 1, 2]) {
      const members = ds.filterClasses([k]);
      const reference = tf.tidy(() => tf.mean(members.toTensor(), 0));
      const mine = tf.tidy(() => averages.slice([k], [1]).squeeze([0]));
      const gap = Math.max(
        ...Array.from(mine.dataSync(), (v, i) => Math.abs(v - reference.dataSync()[i]!)),
      );
      expect(gap).toBeLessThan(1e-6);
      tf.dispose([reference, mine]);
    }
    averages.dispose();
    expect(Array.from(ds.classAverageValues(['b']))).toEqual(
      Array.from(ds.classAverageValues([1])),
    );
  });

  it('classAverageStart noises the transformed class averages: log x_t − log(avg + 1) ~ N(0, σ²t) (guide: M2)', () => {
    const ds = small(30);
    const labels = Array.from({ length: 600 }, (_, i) => i % 3);
    const xt = classAverageStart(ds, { labels, rng: Rng.fromSeed(3) });
    expect(xt.shape).toEqual([600, 2, 3, 1]);
    const averages = ds.classAverageValues([0, 1, 2]);
    const values = xt.dataSync();
    const t = 0.999;
    const S2 = 0.64 * t; // σ = 0.8, μ = σ²/2 ⇒ M − S²/2 = 0
    let sum = 0;
    let sumSq = 0;
    for (let b = 0; b < 600; b++) {
      for (let j = 0; j < 6; j++) {
        const z = Math.log(values[b * 6 + j]!) - Math.log(averages[(b % 3) * 6 + j]! + 1);
        sum += z;
        sumSq += z * z;
      }
    }
    const n = 3600;
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    // 5 standard errors: SE(mean) = √(S²/n), SE(var) ≈ S²√(2/n).
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(S2 / n));
    expect(Math.abs(variance - S2)).toBeLessThan(5 * S2 * Math.sqrt(2 / n));
    xt.dispose();
    expect(() => classAverageStart(ds, { labels: [], rng: Rng.fromSeed(0), sde: gbm() })).toThrow(
      DaleError,
    );
  });

  it('fitNoisedPrior pools chunk fits exactly (any chunk size gives the same fit as one chunk) and leaks nothing', () => {
    const ds = small(40);
    const before = tf.memory().numTensors;
    const one = fitNoisedPrior(ds, { rng: Rng.fromSeed(8), batchSize: 40 });
    const chunked = fitNoisedPrior(ds, { rng: Rng.fromSeed(8), batchSize: 7 });
    expect(tf.memory().numTensors).toBe(before);
    // Same seed, same draws in the same order: only the pooling differs (float32 moments per chunk).
    expect(chunked.m as number).toBeCloseTo(one.m as number, 5);
    expect(chunked.s as number).toBeCloseTo(one.s as number, 5);
    const rgb = new ImageDataset({
      pixels: new Uint8Array(5 * 2 * 2 * 3).fill(255),
      labels: [0, 0, 0, 0, 0],
      shape: [2, 2, 3],
    });
    const perChannel = fitNoisedPrior(rgb, { rng: Rng.fromSeed(1), batchSize: 2 });
    expect((perChannel.m as number[]).length).toBe(3);
    // x = 1 → log(x + 1) = log 2 exactly, so m ≈ log 2 within 5 SE of 0.8 Z over 20 values per channel.
    for (const m of perChannel.m as number[])
      expect(Math.abs(m - Math.LN2)).toBeLessThan((5 * 0.8) / Math.sqrt(20));
  });

  it('validates its inputs with clear messages', () => {
    expect(
      () => new ImageDataset({ pixels: new Uint8Array(5), labels: [0], shape: [2, 3, 1] }),
    ).toThrow(/1 labels and images of shape \[2, 3, 1\] need 6 pixel values, got 5/);
    expect(
      () =>
        new ImageDataset({
          pixels: new Uint8Array(6),
          labels: [3],
          shape: [2, 3, 1],
          classNames: ['a'],
        }),
    ).toThrow(/label 3 of example 0 is not an integer in \[0, 1\)/);
    expect(
      () => new ImageDataset({ pixels: new Uint8Array(6), labels: [0.5], shape: [2, 3, 1] }),
    ).toThrow(/label 0.5/);
    expect(() => small().epoch({ batchSize: 0 }).next()).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    expect(() => small().batches({ batchSize: 20, lastBatch: 'drop' }).next()).toThrow(
      /would yield nothing forever/,
    );
  });
});
