import { geometricSchedule, Rng } from '@dale/core';
import { GBM, gbm, logGaussianKernel, veSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dpmSolverSampler,
  edmSampler,
  getSampler,
  heunSampler,
  karrasNoiseLevels,
  type StepInfo,
} from '../src/index.ts';
import { fastLogNormalScore } from './exact-score.ts';
import { expectMatches, logNormalTarget, take } from './helpers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A wide-horizon GBM: geometric σ, μ = σ²/2, S(T) ≈ 6 (guide: M14). */
const wide = new GBM({
  schedule: geometricSchedule({ sigmaMin: 0.002, sigmaMax: 6, mu: { sigmaSquaredRatio: 0.5 } }),
});
const target = logNormalTarget();
const N = 4000;

describe('ρ-spaced noise levels', () => {
  it('run from S_max to S_min with the closed form, then 0', () => {
    const levels = karrasNoiseLevels(5, { max: 6, min: 0.002, rho: 7 });
    expect(levels.length).toBe(6);
    expect(levels[0]).toBeCloseTo(6, 12);
    expect(levels[4]).toBeCloseTo(0.002, 12);
    expect(levels[5]).toBe(0);
    const a = 6 ** (1 / 7);
    const b = 0.002 ** (1 / 7);
    expect(levels[2]).toBeCloseTo(((a + b) / 2) ** 7, 12);
    for (let i = 0; i < 5; i++) expect(levels[i]! > levels[i + 1]!).toBe(true);
  });
  it('reject bad options with the option named', () => {
    expect(() => karrasNoiseLevels(0, { max: 1 })).toThrow(/steps/);
    expect(() => karrasNoiseLevels(4, { max: 1, min: 2 })).toThrow(/sMin/);
    expect(() => karrasNoiseLevels(4, { max: 1, rho: 0 })).toThrow(/rho/);
  });
});

describe('log-space kernel', () => {
  it('inverts S(t) and gives the mean shift m(t) = M − S²/2', () => {
    const kernel = logGaussianKernel(wide)!;
    for (const t of [1e-4, 0.1, 0.5, 0.99, 1]) {
      expect(kernel.timeAt(kernel.noiseLevel(t))).toBeCloseTo(t, 10);
      expect(kernel.shift(t)).toBeCloseTo(0, 12);
    }
    const paper = logGaussianKernel(gbm({ sigma: 0.8, mu: 0.1 }))!;
    expect(paper.noiseLevel(0.5)).toBeCloseTo(0.8 * Math.sqrt(0.5), 12);
    expect(paper.shift(0.5)).toBeCloseTo(0.05 - 0.16, 12);
    expect(logGaussianKernel(veSDE())).toBeUndefined();
  });
});

describe('few-step log-space samplers reproduce a log-normal mixture from its exact score', () => {
  const score = fastLogNormalScore(target, wide);
  const start = () => target.sample(N, Rng.fromSeed(11));
  // The start is the exact t = T marginal (data noised to T), so any mismatch is the sampler's.
  const cases = [
    ['heun', heunSampler, 18, 35, 0.02],
    ['edm (churn)', edmSampler, 18, 35, 0.03],
    ['dpm-solver-2m', dpmSolverSampler, 20, 20, 0.02],
  ] as const;
  for (const [name, sampler, steps, nfe, slack] of cases) {
    it(`${name}: ${nfe} score evaluations, KS within noise + ${slack}, positive`, async () => {
      const clean = start();
      const infos: StepInfo[] = [];
      const x = await sampler(score, wide, {
        initFrom: clean,
        rng: Rng.fromSeed(3),
        steps,
        onStep: (info) => {
          infos.push(info);
        },
      });
      expect(infos.length).toBe(steps);
      expect(infos.at(-1)!.nfe).toBe(nfe);
      expect(infos.at(-1)!.t).toBe(0);
      expect(tf.min(x).dataSync()[0]! > 0).toBe(true);
      expectMatches(x, target, slack, 0.03); // disposes x
      clean.dispose();
    });
  }

  it('the same start and seed give the same samples; the registry names them', async () => {
    const clean = start();
    const a = await getSampler('edm')(score, wide, {
      initFrom: clean,
      rng: Rng.fromSeed(5),
      steps: 6,
    });
    const b = await edmSampler(score, wide, { initFrom: clean, rng: Rng.fromSeed(5), steps: 6 });
    const values = take(a);
    expect(take(b)).toEqual(values);
    const h = await getSampler('heun')(score, wide, {
      initFrom: clean,
      rng: Rng.fromSeed(5),
      steps: 6,
    });
    expect(take(h)).not.toEqual(values);
    clean.dispose();
  });

  it('keeps no tensors between runs', async () => {
    const clean = start();
    const run = async () => {
      const x = await dpmSolverSampler(score, wide, {
        initFrom: clean,
        rng: Rng.fromSeed(1),
        steps: 4,
      });
      x.dispose();
      const y = await edmSampler(score, wide, { initFrom: clean, rng: Rng.fromSeed(1), steps: 4 });
      y.dispose();
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
    clean.dispose();
  });

  it('needs a multiplicative SDE with a Gaussian log kernel', async () => {
    await expect(
      heunSampler(score, veSDE(), { shape: [4, 2], rng: Rng.fromSeed(0) }),
    ).rejects.toThrow(/log space/);
  });
});
