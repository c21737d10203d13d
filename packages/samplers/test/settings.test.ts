import { Rng } from '@dale/core';
import { gbm, REFERENCE_PRIORS, type ScoreFn } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annealedTimeFloor,
  DEFAULT_STEPS,
  getSampler,
  isFewStepSampler,
  listSamplers,
  REFERENCE_SAMPLER_PRESETS,
  recommendedSteps,
  samplerSettings,
} from '../src/index.ts';
import { onCpu } from './helpers.ts';

describe('sampler settings by name', () => {
  it('recommends 100 steps, and noise levels for the few-step samplers', () => {
    expect(recommendedSteps('dale-langevin')).toBe(100);
    expect(recommendedSteps('my-sampler')).toBe(100);
    expect([
      recommendedSteps('heun'),
      recommendedSteps('edm'),
      recommendedSteps('dpm-solver-2m'),
    ]).toEqual([18, 18, 12]);
    expect(isFewStepSampler('edm')).toBe(true);
    expect(isFewStepSampler('predictor-corrector')).toBe(false);
  });

  it('gives each sampler its own options', () => {
    const T = 1;
    expect(samplerSettings('dale-langevin', 50, { T })).toEqual({
      steps: 50,
      spacing: 'quadratic',
      denoiseLast: true,
    });
    expect(
      samplerSettings('sign-agnostic', 50, { T, spacing: 'uniform', denoiseLast: false }),
    ).toEqual({
      steps: 50,
      spacing: 'uniform',
      denoiseLast: false,
    });
    expect(samplerSettings('probability-flow', 40, { T })).toEqual({ method: 'heun', steps: 40 });
    expect(samplerSettings('probability-flow', 40, { T, odeMethod: 'rk45' })).toEqual({
      method: 'rk45',
    });
    expect(samplerSettings('dpm-solver-2m', 12, { T })).toEqual({ steps: 12 });
    expect(samplerSettings('annealed-dale-langevin', 300, { T, dataset: 'mnist' })).toEqual({
      ...REFERENCE_SAMPLER_PRESETS.mnist['dale-langevin'],
      steps: 300,
    });
  });

  it('floors the annealed levels at T/N for a noise-predicting model, and needs a dataset with a preset', () => {
    expect(annealedTimeFloor('noise', 2, 1000)).toBe(0.002);
    expect(annealedTimeFloor('hyvarinen', 2, 1000)).toBe(0);
    expect(
      samplerSettings('annealed-sign-agnostic', 500, {
        T: 1,
        dataset: 'kmnist',
        predicts: 'noise',
      }),
    ).toMatchObject({
      steps: 500,
      timeFloor: 1 / 500,
    });
    expect(() =>
      samplerSettings('annealed-dale-langevin', 10, { T: 1, dataset: 'my-folder' }),
    ).toThrow(/'my-folder' has none \(known: mnist, fashion-mnist, kmnist, cifar10\)/);
  });
});

describe('one default for the steps of each sampler', () => {
  beforeAll(onCpu);

  it('DEFAULT_STEPS lists every built-in sampler, and each runs that many updates when steps is not given', async () => {
    expect(Object.keys(DEFAULT_STEPS).sort()).toEqual(listSamplers().sort());
    const sde = gbm({ prior: REFERENCE_PRIORS.mnist });
    const score: ScoreFn = (x) => tf.neg(tf.onesLike(x));
    const own: Readonly<Record<string, object>> = {
      'annealed-sign-agnostic': { delta: 1e-5 },
      'annealed-dale-langevin': { delta: 1e-5 },
      'probability-flow': { method: 'euler' },
    };
    for (const [name, steps] of Object.entries(DEFAULT_STEPS)) {
      let total: number | undefined;
      const x = await getSampler(name)(score, sde, {
        shape: [1, 1],
        rng: Rng.fromSeed(0),
        yieldEveryMs: 1e9,
        onStep: (info) => {
          total = info.total;
        },
        ...own[name],
      });
      x.dispose();
      expect([name, total]).toEqual([name, steps]);
    }
  });
});
