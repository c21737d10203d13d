import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  affineTransform,
  ImageDataset,
  logDataStatistics,
  priorMismatchNats,
  shiftTransform,
  wideHorizon,
} from '../src/index.ts';
import { loadMnist } from '../src/node.ts';
import { DATA_DIR, NEEDS_DATA } from './helpers/env.ts';

/** Three 1×1×2 images with pixel values (k/255 bytes) chosen by hand. */
const tiny = new ImageDataset({
  name: 'tiny',
  shape: [1, 2, 1],
  labels: [0, 1, 0],
  pixels: Float32Array.from([0, 1, 0.5, 1, 1, 0]),
});

describe('log-data statistics and the wide horizon (guide: §9)', () => {
  it('are the moments of log T(x), per pixel and pooled', () => {
    const stats = logDataStatistics(tiny, shiftTransform(1));
    const y = [0, 1, 0.5, 1, 1, 0].map((v) => Math.log(1 + v));
    const p0 = [y[0]!, y[2]!, y[4]!];
    const p1 = [y[1]!, y[3]!, y[5]!];
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const variance = (a: number[]) => mean(a.map((v) => v * v)) - mean(a) ** 2;
    expect(stats.pixelMeans[0]).toBeCloseTo(mean(p0), 12);
    expect(stats.pixelVariances[1]).toBeCloseTo(variance(p1), 12);
    expect(stats.mean).toBeCloseTo(mean(y), 12);
    expect(stats.std).toBeCloseTo(Math.sqrt(variance(y)), 12);
    const affine = logDataStatistics(tiny, affineTransform(0.5, 2));
    expect(affine.pixelMeans[0]).toBeCloseTo(
      mean([0, 0.5, 1].map((v) => Math.log(0.5 + 1.5 * v))),
      12,
    );
  });

  it('the prior mismatch is ½ Σ ln(s² / (vᵢ + S²)), falls with S, and the horizon meets 0.1 nats', () => {
    const stats = logDataStatistics(tiny, shiftTransform(1));
    const S = 0.3;
    const v = Array.from(stats.pixelVariances);
    const m = Array.from(stats.pixelMeans);
    const mBar = (m[0]! + m[1]!) / 2;
    const s2 = (v[0]! + v[1]!) / 2 + ((m[0]! - mBar) ** 2 + (m[1]! - mBar) ** 2) / 2 + S * S;
    const want = 0.5 * (Math.log(s2 / (v[0]! + S * S)) + Math.log(s2 / (v[1]! + S * S)));
    expect(priorMismatchNats(stats, S)).toBeCloseTo(want, 12);
    expect(priorMismatchNats(stats, 1)).toBeLessThan(priorMismatchNats(stats, 0.5));
    const horizon = wideHorizon(stats, 0.001);
    expect(priorMismatchNats(stats, horizon)).toBeLessThanOrEqual(0.001);
    // Rounded up to two digits, so 10% less is already above the bound.
    expect(priorMismatchNats(stats, horizon * 0.9)).toBeGreaterThan(0.001);
    expect(() => wideHorizon(stats, 0)).toThrow(/nats/);
  });

  it.skipIf(!DATA_DIR)(
    `MNIST: σ_data 0.219 and the guide's 8.9 / 2.2 / 0.6 / 0.1 nats${NEEDS_DATA}`,
    async () => {
      const mnist = await loadMnist({
        split: 'train',
        cacheDir: join(tmpdir(), 'dale-no-cache'),
        download: false,
      });
      const stats = logDataStatistics(mnist, shiftTransform(1));
      expect(stats.std).toBeCloseTo(0.219, 3);
      const nats = [0.8, 1.6, 3.2, 6.4].map((S) => priorMismatchNats(stats, S));
      expect(nats[0]).toBeCloseTo(8.9, 1);
      expect(nats[1]).toBeCloseTo(2.2, 1);
      expect(nats[2]).toBeCloseTo(0.55, 1);
      expect(nats[3]).toBeCloseTo(0.14, 1);
      expect(wideHorizon(stats)).toBe(7.6);
    },
  );
});
