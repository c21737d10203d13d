import {
  constantSchedule,
  cosineSchedule,
  DaleError,
  linearSchedule,
  Rng,
  registerBackendPlugin,
  useBackend,
} from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GBM, gbm, REFERENCE_PRIORS, sdeFromConfig } from '../src/index.ts';
import { moments, onCpu, take, Z } from './helpers.ts';

beforeAll(onCpu);

const N = 100_000;

const cases = {
  'constant (σ = 0.8, μ = 0.32)': gbm(),
  'constant, strong drift (σ = 0.5, μ = 1.2, T = 2)': gbm({ sigma: 0.5, mu: 1.2, T: 2 }),
  'linear σ²': new GBM({
    schedule: linearSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 1.5, mu: 0.3 }),
  }),
  'cosine σ², μ = σ²/2': new GBM({
    schedule: cosineSchedule({
      sigmaSquaredStart: 0.05,
      sigmaSquaredEnd: 1.0,
      mu: { sigmaSquaredRatio: 0.5 },
    }),
  }),
};

describe('GBM marginals (M2)', () => {
  for (const [name, sde] of Object.entries(cases)) {
    it(`${name}: log X_t has mean log x₀ + M − S²/2 and variance S² (${N} draws, ±${Z} SE)`, () => {
      const t = 0.7 * sde.T;
      const x0Value = 1.6;
      const x0 = tf.fill([N], x0Value);
      const { xt, noise } = sde.sampleMarginal(x0, t, Rng.fromSeed(1));
      const logX = take(tf.log(xt));
      const M = sde.schedule.muIntegral(t);
      const S2 = sde.schedule.sigmaSquaredIntegral(t);
      const { mean, variance } = moments(logX);
      expect(Math.abs(mean - (Math.log(x0Value) + M - S2 / 2))).toBeLessThan(Z * Math.sqrt(S2 / N));
      expect(Math.abs(variance - S2)).toBeLessThan(Z * S2 * Math.sqrt(2 / N));
      // The returned noise is exactly the Z that produced x_t.
      const z = take(noise!);
      expect(
        Math.abs(logX[17]! - (Math.log(x0Value) + M - S2 / 2 + Math.sqrt(S2) * z[17]!)),
      ).toBeLessThan(1e-5);
      tf.dispose([x0, xt]);
    });
  }

  it('applies one time per batch element', () => {
    const sde = gbm();
    const x0 = tf.ones([3, 2, 2, 1]);
    const times = [0.1, 0.5, 1];
    const { xt, noise } = sde.sampleMarginal(x0, times, Rng.fromSeed(2));
    const logX = take(tf.log(xt)).slice();
    const z = take(noise!);
    for (let b = 0; b < 3; b++) {
      const expected = sde.logMeanShift(times[b]!) + 0.8 * Math.sqrt(times[b]!) * z[b * 4]!;
      expect(logX[b * 4]).toBeCloseTo(expected, 5);
    }
    expect(() => sde.sampleMarginal(x0, [0.1, 0.2], Rng.fromSeed(0))).toThrow(
      /one time per batch element: got 2 times/,
    );
    x0.dispose();
  });

  it('is reproducible: the same seed gives identical draws, split streams differ', () => {
    const sde = gbm();
    const x0 = tf.fill([1000], 1.5);
    const a = take(sde.sampleMarginal(x0, 0.5, Rng.fromSeed(9)).xt);
    const b = take(sde.sampleMarginal(x0, 0.5, Rng.fromSeed(9)).xt);
    expect(a).toEqual(b);
    const root = Rng.fromSeed(9);
    const c = take(sde.sampleMarginal(x0, 0.5, root.split('training')).xt);
    const d = take(sde.sampleMarginal(x0, 0.5, root.split('sampling')).xt);
    expect(c).not.toEqual(d);
    x0.dispose();
  });
});

describe('GBM conditional Hyvärinen score (M6)', () => {
  it('matches central finite differences of the log-normal log-density', () => {
    for (const sde of Object.values(cases)) {
      const t = 0.4 * sde.T;
      const M = sde.schedule.muIntegral(t);
      const S2 = sde.schedule.sigmaSquaredIntegral(t);
      const x0 = 1.3;
      const logDensity = (x: number) =>
        -Math.log(x) -
        0.5 * Math.log(2 * Math.PI * S2) -
        (Math.log(x) - Math.log(x0) - M + S2 / 2) ** 2 / (2 * S2);
      const points = [0.2, 0.9, 1.3, 2.5, 7];
      const score = take(sde.conditionalScore(tf.tensor(points), tf.fill([points.length], x0), t));
      points.forEach((x, i) => {
        const h = 1e-5 * x;
        const fd = (x * (logDensity(x + h) - logDensity(x - h))) / (2 * h);
        expect(Math.abs(score[i]! - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      });
    }
  });

  it('equals −1 − Z/S(t) at a sampled point, the training target of M-DSM', () => {
    const sde = gbm();
    const x0 = tf.fill([5], 1.2);
    const { xt, noise } = sde.sampleMarginal(x0, 0.3, Rng.fromSeed(4));
    const score = take(sde.conditionalScore(xt, x0, 0.3));
    const z = take(noise!);
    z.forEach((zi, i) => expect(score[i]).toBeCloseTo(-1 - zi / Math.sqrt(0.64 * 0.3), 3));
    tf.dispose([x0, xt]);
  });
});

describe('GBM Tweedie estimate (M9)', () => {
  it('recovers log x₀ exactly when the data is a point mass (the kernel score is the exact score)', () => {
    const sde = new GBM({
      schedule: linearSchedule({ sigmaSquaredStart: 0.2, sigmaSquaredEnd: 1, mu: 0.1 }),
    });
    const x0 = tf.fill([200], 1.7);
    for (const t of [0.05, 0.5, 1]) {
      const { xt } = sde.sampleMarginal(x0, t, Rng.fromSeed(3));
      const estimate = take(sde.tweedieLogMean(xt, t, sde.conditionalScore(xt, x0, t)));
      for (const v of estimate) expect(v).toBeCloseTo(Math.log(1.7), 4);
      xt.dispose();
    }
    x0.dispose();
  });

  it('reduces to M9 for constant coefficients: log x − (μ − 3σ²/2)t + σ²t s_H', () => {
    const sde = gbm({ sigma: 0.8, mu: 0.32 });
    const x = tf.tensor([0.5, 1.5, 3]);
    const s = tf.tensor([-1.2, 0.3, 2]);
    const got = take(sde.tweedieLogMean(x, 0.6, s));
    [0.5, 1.5, 3].forEach((xi, i) => {
      const sH = [-1.2, 0.3, 2][i]!;
      expect(got[i]).toBeCloseTo(Math.log(xi) - (0.32 - 1.5 * 0.64) * 0.6 + 0.64 * 0.6 * sH, 5);
    });
  });
});

describe('GBM prior', () => {
  it('default prior is the marginal at T of data at 1: log X_T ~ N(M − S²/2, S²)', () => {
    const sde = gbm();
    expect(sde.prior).toEqual({ m: 0.32 - 0.32, s: 0.8 });
  });

  it('samples the fitted per-channel CIFAR-10 prior with the right log-moments per channel', () => {
    const prior = REFERENCE_PRIORS.cifar10;
    const sde = gbm({ prior });
    const x = sde.priorSample([4000, 4, 4, 3], Rng.fromSeed(5));
    const logX = take(tf.log(x));
    for (let c = 0; c < 3; c++) {
      const channel = logX.filter((_, i) => i % 3 === c);
      const { mean, variance } = moments(channel);
      expect(Math.abs(mean - prior.m[c]!)).toBeLessThan(
        (Z * prior.s[c]!) / Math.sqrt(channel.length),
      );
      expect(Math.abs(Math.sqrt(variance) - prior.s[c]!)).toBeLessThan(0.01);
    }
    x.dispose();
  });

  it('log-density equals the closed form, summed per example', () => {
    const sde = gbm({ prior: REFERENCE_PRIORS.mnist });
    const { m, s } = REFERENCE_PRIORS.mnist;
    const values = [0.3, 1.1, 2.2, 5];
    const got = take(sde.priorLogProb(tf.tensor(values, [2, 2])));
    const lp = (x: number) =>
      -Math.log(x * s * Math.sqrt(2 * Math.PI)) - (Math.log(x) - m) ** 2 / (2 * s * s);
    expect(got[0]).toBeCloseTo(lp(0.3) + lp(1.1), 4);
    expect(got[1]).toBeCloseTo(lp(2.2) + lp(5), 4);
  });

  it('rejects a prior whose channels do not match the data', () => {
    const sde = gbm({ prior: REFERENCE_PRIORS.cifar10 });
    expect(() => sde.priorSample([2, 28, 28, 1], Rng.fromSeed(0))).toThrow(
      /3 channels but the data's last axis has 1/,
    );
    expect(() => gbm({ prior: { m: 0, s: -1 } })).toThrow(/s must be finite and > 0/);
  });
});

describe('GBM input validation', () => {
  it('skips the synchronous positivity check where the backend cannot read synchronously', async () => {
    // A plugin on the cpu kernels that says what WebGPU in Node says: no synchronous reads.
    const unregister = registerBackendPlugin({
      name: 'no-sync-reads',
      priority: 0,
      isAvailable: () => true,
      async init() {
        await tf.setBackend('cpu');
        return { device: 'cpu', software: false, tfBackend: 'cpu', synchronousReads: false };
      },
    });
    try {
      await useBackend('no-sync-reads');
      const sample = gbm({ checkPositive: true }).sampleMarginal(
        tf.tensor([-1, 2]),
        0.5,
        Rng.fromSeed(0),
      );
      // No error: x_t = x₀ ∘ exp(…) keeps the sign of the bad element.
      expect(sample.xt.dataSync()[0]).toBeLessThan(0);
      tf.dispose([sample.xt, sample.noise!]);
    } finally {
      await useBackend('cpu');
      unregister();
    }
    expect(() =>
      gbm({ checkPositive: true }).sampleMarginal(tf.tensor([-1, 2]), 0.5, Rng.fromSeed(0)),
    ).toThrow(/smallest value is -1/);
  });

  it('on demand, non-positive data fails with an error that names the positivity transform', () => {
    const sde = gbm({ checkPositive: true });
    const x0 = tf.tensor([0.5, 0, 0.3]);
    let error: unknown;
    try {
      sde.sampleMarginal(x0, 0.5, Rng.fromSeed(0));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('non-positive-data');
    expect((error as Error).message).toMatch(
      /smallest value is 0.*positivity transform from @dale\/data.*x \+ 1/s,
    );
    expect(() => sde.sampleMarginal(tf.tensor([-1, 2]), 0.5, Rng.fromSeed(0))).toThrow(
      /smallest value is -1/,
    );
    expect(() => sde.sampleMarginal(tf.tensor([1, 2]), 1.5, Rng.fromSeed(0))).toThrow(
      /time must lie in \[0, 1\], got 1.5/,
    );
  });

  it('by default reads nothing back: no positivity check on the hot path', () => {
    const x0 = tf.tensor([0.5, 0, 0.3]);
    const { xt, noise } = gbm().sampleMarginal(x0, 0.5, Rng.fromSeed(0));
    // x₀ = 0 maps to x_t = 0, which a loss shows as non-finite; train() checks its data once.
    expect(Array.from(xt.dataSync())[1]).toBe(0);
    tf.dispose([x0, xt, noise!]);
  });
});

describe('GBM bookkeeping', () => {
  it('survives a JSON round trip through sdeFromConfig', () => {
    const sde = new GBM({
      schedule: constantSchedule({ sigma: 0.6, mu: 0.1, T: 2 }),
      prior: REFERENCE_PRIORS.kmnist,
    });
    const copy = sdeFromConfig(JSON.parse(JSON.stringify(sde.toJSON()))) as GBM;
    expect(copy).toBeInstanceOf(GBM);
    expect(copy.toJSON()).toEqual(sde.toJSON());
    expect(() => sdeFromConfig({ family: 'heston' })).toThrow(
      /unknown SDE family "heston"; registered: gbm, ve, vp, cir/,
    );
  });

  it('leaks no tensors', () => {
    const sde = gbm();
    const x = tf.fill([4, 3], 1.5);
    const score = (v: tf.Tensor) => tf.neg(tf.log(v));
    const before = tf.memory().numTensors;
    const outputs = [
      sde.drift(x, 0.5),
      sde.diffusion(x, [0.1, 0.2, 0.3, 0.4]),
      sde.conditionalScore(x, x, 0.5),
      sde.reverse(score).drift(x, 0.5),
      sde.reverseLatent(score).drift(x, 0.5),
      sde.reverseLatent(score).diffusion(x, 0.5),
      sde.probabilityFlow(score)(x, 0.5),
      sde.probabilityFlowLatent(score)(x, 0.5),
      sde.tweedieLogMean(x, 0.5, x),
      sde.priorLogProb(x),
    ];
    expect(tf.memory().numTensors).toBe(before + outputs.length);
    tf.dispose([...outputs, x]);
  });
});
