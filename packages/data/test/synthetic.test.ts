import { Rng, useBackend } from '@dale/core';
import { gbm, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianMixture, ksDistance, LogNormalMixture, normalCdf } from '../src/index.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const target = new LogNormalMixture([
  { weight: 0.3, mean: [0, 0.5], std: [0.2, 0.25] },
  { weight: 0.7, mean: [0.9, -0.4], std: [0.3, 0.15] },
]);

describe('synthetic ground truths', () => {
  it('Φ is accurate to 1.5e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 7);
  });

  it('log-normal mixture: exact samples follow the CDF and moments (KS below the 0.1% critical value)', () => {
    const n = 20_000;
    const x = target.sample(n, Rng.fromSeed(1));
    const values = x.dataSync();
    for (const dim of [0, 1]) {
      const column = Float64Array.from({ length: n }, (_, i) => values[i * 2 + dim]!);
      expect(ksDistance(column, (v) => target.marginalCdf(dim, v))).toBeLessThan(
        1.95 / Math.sqrt(n),
      );
      const mean = column.reduce((a, b) => a + b, 0) / n;
      expect(Math.abs(mean - target.mean(dim))).toBeLessThan(
        5 * Math.sqrt(target.variance(dim) / n),
      );
    }
    x.dispose();
  });

  it('log-normal mixture: Hyvärinen and Stein scores match finite differences of the log-density', () => {
    const points = tf.tensor2d([
      [0.8, 1.4],
      [2.5, 0.7],
      [1.1, 1.0],
    ]);
    const sH = target.hyvarinenScore(points).arraySync();
    const stein = target.steinScore(points).arraySync();
    const base = points.arraySync();
    base.forEach((row, i) => {
      for (const dim of [0, 1]) {
        const h = 1e-3 * row[dim]!;
        const plus = row.slice();
        const minus = row.slice();
        plus[dim]! += h;
        minus[dim]! -= h;
        const lp = target.logProb(tf.tensor2d([plus, minus])).dataSync();
        const fd = (lp[0]! - lp[1]!) / (2 * h);
        expect(stein[i]![dim]).toBeCloseTo(fd, 2);
        expect(sH[i]![dim]).toBeCloseTo(row[dim]! * fd, 2);
      }
    });
  });

  it('the noised law under GBM equals the GBM marginal of the samples (KS)', () => {
    const sde = gbm();
    const n = 20_000;
    const x0 = target.sample(n, Rng.fromSeed(2));
    const { xt } = sde.sampleMarginal(x0, 0.6, Rng.fromSeed(3));
    const law = target.noised(sde, 0.6);
    const v = xt.dataSync();
    const column = Float64Array.from({ length: n }, (_, i) => v[i * 2]!);
    expect(ksDistance(column, (u) => law.marginalCdf(0, u))).toBeLessThan(1.95 / Math.sqrt(n));
    tf.dispose([x0, xt]);
  });

  it('the score function accepts one time per row and agrees with the scalar-time score', () => {
    const sde = gbm();
    const score = target.scoreFn(sde);
    const x = tf.tensor2d([
      [1, 1],
      [2, 0.5],
    ]);
    const perRow = score(x, [0.2, 0.8]).arraySync() as number[][];
    expect(perRow[0]).toEqual((score(x, 0.2).arraySync() as number[][])[0]);
    expect(perRow[1]).toEqual((score(x, 0.8).arraySync() as number[][])[1]);
  });

  it('Gaussian mixture under VP: noised law matches the sampled marginal (KS)', () => {
    const gm = new GaussianMixture([
      { weight: 0.5, mean: [-2], std: [0.3] },
      { weight: 0.5, mean: [2], std: [0.5] },
    ]);
    const sde = vpSDE();
    const n = 20_000;
    const x0 = gm.sample(n, Rng.fromSeed(4));
    const { xt } = sde.sampleMarginal(x0, 0.3, Rng.fromSeed(5));
    const law = gm.noised(sde, 0.3);
    expect(ksDistance(Float64Array.from(xt.dataSync()), (u) => law.marginalCdf(0, u))).toBeLessThan(
      1.95 / Math.sqrt(n),
    );
    tf.dispose([x0, xt]);
  });

  it('rejects malformed mixtures', () => {
    expect(() => new LogNormalMixture([])).toThrow(/at least one component/);
    expect(() => new GaussianMixture([{ weight: 1, mean: [0], std: [0] }])).toThrow(
      /std must be finite and > 0/,
    );
    expect(() => new GaussianMixture([{ weight: 1, mean: [0, 1], std: [1] }])).toThrow(
      /same non-zero length/,
    );
  });
});
