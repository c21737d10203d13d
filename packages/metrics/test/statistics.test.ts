/** Streaming statistics equal a two-pass float64 computation; the file round trip is exact. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureStatistics, loadFeatureStatistics, saveFeatureStatistics } from '../src/index.ts';
import { gaussianRows, onCpu, twoPassMoments } from './helpers.ts';

beforeAll(onCpu);
const dir = mkdtempSync(join(tmpdir(), 'dale-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FeatureStatistics', () => {
  const d = 7;
  const n = 503;
  // A large common offset: the naive Σxxᵀ − nμμᵀ would lose ~8 digits here.
  const x = gaussianRows(Rng.fromSeed(5), n, d, 0.01, 1000);
  const reference = twoPassMoments(x, n, d);

  it('batch by batch (uneven batches) equals the two-pass mean and covariance to 1e-10 relative', () => {
    const stats = new FeatureStatistics(d);
    for (const [start, end] of [
      [0, 1],
      [1, 100],
      [100, 100],
      [100, 377],
      [377, n],
    ] as const) {
      stats.add({ data: x.subarray(start * d, end * d), rows: end - start, dim: d });
    }
    expect(stats.count).toBe(n);
    const mean = stats.mean();
    const cov = stats.covariance();
    for (let i = 0; i < d; i++)
      expect(Math.abs(mean[i]! - reference.mean[i]!)).toBeLessThan(1e-10 * 1000);
    for (let i = 0; i < d * d; i++) {
      expect(Math.abs(cov[i]! - reference.covariance[i]!)).toBeLessThan(1e-10 * 1e-4);
    }
  });

  it('accepts float32 tensors and gives the same as their float64 values', () => {
    const data = Float32Array.from(x.subarray(0, 50 * d));
    const t = tf.tensor2d(data, [50, d]);
    const fromTensor = new FeatureStatistics(d).add(t).covariance();
    t.dispose();
    const fromArray = new FeatureStatistics(d)
      .add({ data: Float64Array.from(data), rows: 50, dim: d })
      .covariance();
    expect(fromTensor).toEqual(fromArray);
  });

  it('save → load round trip is exact (bytes, count, mean, covariance)', async () => {
    const stats = new FeatureStatistics(d).add({ data: x, rows: n, dim: d });
    const path = join(dir, 'stats.bin');
    await saveFeatureStatistics(path, stats);
    const loaded = await loadFeatureStatistics(path);
    expect(loaded.count).toBe(n);
    expect(loaded.mean()).toEqual(stats.mean());
    expect(loaded.covariance()).toEqual(stats.covariance());
    expect(loaded.toBytes()).toEqual(stats.toBytes());
    // Adding more after loading continues exactly as without the round trip.
    const more = { data: x.subarray(0, 10 * d), rows: 10, dim: d };
    expect(loaded.add(more).covariance()).toEqual(stats.add(more).covariance());
  });

  it('rejects wrong dimensions, too few samples and corrupt files, naming the field', () => {
    const stats = new FeatureStatistics(d);
    expect(() => stats.add({ data: new Float64Array(6), rows: 2, dim: 3 })).toThrow(/dim 7, got 3/);
    expect(() => stats.covariance()).toThrow(/at least 2 feature vectors, got 0/);
    const bytes = new FeatureStatistics(d).add({ data: x, rows: n, dim: d }).toBytes();
    expect(() => FeatureStatistics.fromBytes(bytes.subarray(0, bytes.length - 8))).toThrow(
      /expected \d+ bytes/,
    );
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => FeatureStatistics.fromBytes(bad)).toThrow(/magic DALESTAT/);
  });
});
