import { DaleError, Rng } from '@dale/core';
import { gbm, type ScoreFn, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annealedDaleLangevinSampler,
  annealedSignAgnosticSampler,
  daleLangevinSampler,
  edmSampler,
  eulerMaruyamaSampler,
  predictorCorrectorSampler,
  probabilityFlowSampler,
  REFERENCE_SAMPLER_PRESETS,
  referencePreset,
  resolveGrid,
  runChain,
  signAgnosticSampler,
} from '../src/index.ts';
import { onCpu } from './helpers.ts';

beforeAll(onCpu);

const sde = gbm();
const score: ScoreFn = (x) => tf.neg(tf.onesLike(x));
const base = { shape: [4, 2], rng: Rng.fromSeed(0) };

/** Expect a DaleError with this message, and no tensor left behind. */
async function rejects(run: () => Promise<tf.Tensor>, message: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaleError);
  expect((error as Error).message).toMatch(message);
  expect(tf.memory().numTensors).toBe(before);
}

describe('bad options give clear errors', () => {
  it('annealed samplers: δ ≤ 0, L < 1, N < 1, anneal ≤ 0, negative Tweedie steps', async () => {
    const run = (o: object) => () =>
      annealedDaleLangevinSampler(score, sde, { ...base, delta: 1e-3, ...o });
    await rejects(
      run({ delta: 0 }),
      /annealedDaleLangevinSampler: delta must be a finite number > 0, got 0/,
    );
    await rejects(run({ delta: -1 }), /delta must be a finite number > 0, got -1/);
    await rejects(run({ delta: Number.NaN }), /delta must be a finite number > 0, got NaN/);
    await rejects(run({ innerSteps: 0 }), /innerSteps must be an integer >= 1, got 0/);
    await rejects(run({ innerSteps: 1.5 }), /innerSteps must be an integer >= 1, got 1.5/);
    await rejects(run({ steps: 0 }), /steps must be an integer >= 1, got 0/);
    await rejects(run({ annealFactor: 0 }), /annealFactor must be a finite number > 0, got 0/);
    await rejects(run({ tweedieSteps: -1 }), /tweedieSteps must be an integer >= 0, got -1/);
    await rejects(
      () => annealedSignAgnosticSampler(score, sde, { ...base } as never),
      /annealedSignAgnosticSampler: delta must be a finite number > 0, got undefined/,
    );
  });

  it('grid samplers: steps < 1, eps outside [0, T), bad spacing, bad explicit grids', async () => {
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, steps: 0 }),
      /daleLangevinSampler: steps must be an integer >= 1, got 0/,
    );
    await rejects(
      () => signAgnosticSampler(score, sde, { ...base, eps: 1 }),
      /eps must be smaller than the SDE's final time T = 1, got 1/,
    );
    await rejects(
      () => signAgnosticSampler(score, sde, { ...base, eps: -0.1 }),
      /eps must be a finite number >= 0, got -0.1/,
    );
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, spacing: 'log' as never }),
      /spacing must be one of 'uniform', 'quadratic', got "log"/,
    );
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, times: [1] }),
      /times needs at least 2 points, got 1/,
    );
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, times: [1, 0.5, 0.5] }),
      /times must be strictly decreasing, got times\[1\] = 0.5 and times\[2\] = 0.5/,
    );
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, times: [2, 0] }),
      /times must lie in \[0, 1\], got times\[0\] = 2/,
    );
  });

  it('predictor–corrector and ODE options', async () => {
    await rejects(
      () => predictorCorrectorSampler(score, sde, { ...base, snr: 0 }),
      /snr must be a finite number > 0, got 0/,
    );
    await rejects(
      () => predictorCorrectorSampler(score, sde, { ...base, correctorSteps: -1 }),
      /correctorSteps must be an integer >= 0, got -1/,
    );
    await rejects(
      () => predictorCorrectorSampler(score, sde, { ...base, snrNorm: 'global' as never }),
      /snrNorm must be one of 'per-example', 'batch-mean', got "global"/,
    );
    await rejects(
      () => probabilityFlowSampler(score, sde, { ...base, method: 'rk4' as never }),
      /method must be one of 'euler', 'heun', 'rk45', got "rk4"/,
    );
    await rejects(
      () => probabilityFlowSampler(score, sde, { ...base, method: 'heun', steps: 0 }),
      /steps must be an integer >= 1, got 0/,
    );
    await rejects(
      () => probabilityFlowSampler(score, sde, { ...base, rtol: 0 }),
      /rtol must be a finite number > 0, got 0/,
    );
  });

  it('puts one name in front: the sampler name, or the one a building block is given', async () => {
    // A custom sampler names its grid; inside runChain, the chain's name names the start.
    expect(() => resolveGrid(sde, { steps: 0 }, 'mySampler')).toThrow(
      /^mySampler: steps must be an integer >= 1, got 0$/,
    );
    expect(() => resolveGrid(sde, { steps: 0 })).toThrow(/^steps must be an integer >= 1, got 0$/);
    await rejects(
      () =>
        runChain(
          score,
          sde,
          { rng: Rng.fromSeed(0) },
          { name: 'mine', times: [1, 0.5], step: (x) => x },
        ),
      /^mine: shape must be a non-empty list/,
    );
    // A sampler is its chain: the name goes in once, not once for each.
    await rejects(
      () => daleLangevinSampler(score, sde, { rng: Rng.fromSeed(0) }),
      /^daleLangevinSampler: shape must/,
    );
    // Samplers that call samplers (EDM is Heun with churn) keep the inner name, not both.
    await rejects(() => edmSampler(score, sde, { ...base, steps: 0 }), /^heunSampler: steps must/);
  });

  it('start and progress options', async () => {
    await rejects(
      () => daleLangevinSampler(score, sde, { rng: Rng.fromSeed(0) }),
      /shape must be a non-empty list of positive integers \(or give init \/ initFrom\), got undefined/,
    );
    const init = tf.ones([3, 2]);
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, init }),
      /shape \[4, 2\] does not match the shape of init \[3, 2\]/,
    );
    await rejects(
      () => daleLangevinSampler(score, sde, { rng: Rng.fromSeed(0), init, initFrom: init }),
      /give at most one of init .* and initFrom/,
    );
    init.dispose();
    await rejects(
      () => daleLangevinSampler(score, sde, { ...base, snapshotEvery: 0 }),
      /snapshotEvery must be an integer >= 1, got 0/,
    );
  });

  it('SDE families a sampler cannot run', async () => {
    const vp = vpSDE();
    await rejects(
      () => daleLangevinSampler(score, vp, base),
      /daleLangevinSampler: needs a positive SDE with a log-space form \(GBM, CIR\), got family 'vp'/,
    );
    await rejects(
      () => signAgnosticSampler(score, vp, base),
      /signAgnosticSampler: needs a multiplicative or positive SDE .* use eulerMaruyamaSampler/,
    );
    await rejects(
      () => annealedDaleLangevinSampler(score, vp, { ...base, delta: 1e-3 }),
      /log-space form/,
    );
    // Euler–Maruyama runs any SDE.
    const x = await eulerMaruyamaSampler(score, vp, { ...base, steps: 2 });
    expect(x.shape).toEqual([4, 2]);
    x.dispose();
  });
});

describe('reference presets (guide: section 7)', () => {
  it('hold the per-dataset (δ, L, anneal) of the reference implementation, N = 1000', () => {
    const table = {
      mnist: [
        [1.43845e-4, 4, 0.995],
        [6.16545e-4, 1, 0.995],
      ],
      'fashion-mnist': [
        [1.4678e-3, 3, 0.9995],
        [5.86273e-4, 1, 0.995],
      ],
      kmnist: [
        [2.11316e-4, 3, 1.0],
        [2.11316e-4, 3, 0.995],
      ],
      cifar10: [
        [1.43845e-4, 5, 0.9995],
        [1.14211e-4, 6, 0.9995],
      ],
    } as const;
    for (const [dataset, [signAgnostic, daleLangevin]] of Object.entries(table)) {
      for (const [method, [delta, innerSteps, annealFactor]] of [
        ['sign-agnostic', signAgnostic],
        ['dale-langevin', daleLangevin],
      ] as const) {
        expect(referencePreset(dataset, method)).toEqual({
          steps: 1000,
          delta,
          innerSteps,
          annealFactor,
          tweedieSteps: dataset === 'cifar10' ? 25 : 0,
        });
      }
    }
    expect(Object.keys(REFERENCE_SAMPLER_PRESETS)).toEqual(Object.keys(table));
  });

  it('names the known datasets and methods on a typo', () => {
    expect(() => referencePreset('mnsit', 'dale-langevin')).toThrow(
      /unknown dataset 'mnsit'; known datasets: mnist, fashion-mnist, kmnist, cifar10/,
    );
    expect(() => referencePreset('mnist', 'langevin')).toThrow(
      /unknown method 'langevin'; known methods: sign-agnostic, dale-langevin/,
    );
    expect(() => referencePreset('toString', 'dale-langevin')).toThrow(/unknown dataset/);
  });
});
