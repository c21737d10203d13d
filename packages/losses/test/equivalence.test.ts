/**
 * The equivalence theorem (guide: §6): denoising and explicit score matching differ by a constant
 * that does not depend on the score model, for GBM (M-DSM vs M-ESM, Hyvärinen scores) and for the
 * additive VE/VP SDEs (DSM vs ESM, Stein scores); and the exact score minimises both.
 *
 * Every loss below is evaluated with an Rng in the same state, so all of them see the same
 * (x₀, t, Z) — common random numbers. Per example b,
 *   (dsm_k − esm_k)_b − (dsm_0 − esm_0)_b = −2 λ(t_b) (s_k − s_0)·(target − s_true),
 * which has mean zero under the theorem (E[target | x_t] = s_true) and is iid over examples, so its
 * sample mean must lie within Z = 5 standard errors of 0 (see helpers.ts).
 */
import { linearSchedule, Rng } from '@dale/core';
import { GBM, gbm, type ScoreFn, type SDE, type Time, veSDE, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LossWeighting, mdsmLoss, mesmLoss, type TimeSampling } from '../src/index.ts';
import {
  GAUSSIAN_1D,
  GAUSSIAN_2D,
  groupByTime,
  LOGNORMAL_1D,
  LOGNORMAL_2D,
  meanAndSE,
  memoize,
  minus,
  onCpu,
  take,
  Z,
} from './helpers.ts';

beforeAll(onCpu);

interface Case {
  readonly sde: SDE;
  readonly data: { sample(n: number, rng: Rng): tf.Tensor };
  readonly exact: ScoreFn;
  readonly n: number;
  readonly weighting: LossWeighting;
  readonly timeSampling: TimeSampling;
  readonly steps?: number;
  readonly eps: number;
  /** Score functions other than the exact one, by description. */
  readonly others: Record<string, ScoreFn>;
}

const halve = (t: Time): Time =>
  typeof t === 'number' ? t / 2 : Float64Array.from(t as ArrayLike<number>, (v) => v / 2);

/** Score functions built around the exact one, for either kind of score. */
function perturbations(exact: ScoreFn, kind: 'hyvarinen' | 'stein'): Record<string, ScoreFn> {
  const log = kind === 'hyvarinen';
  return {
    '0.5 × exact': (x, t) => tf.tidy(() => tf.mul(0.5, exact(x, t))),
    'exact + tanh(·)': (x, t) =>
      tf.tidy(() => tf.add(exact(x, t), tf.tanh(tf.sub(log ? tf.log(x) : x, 0.3)))),
    'linear model': (x, _t) =>
      tf.tidy(() => (log ? tf.sub(-1.2, tf.mul(0.7, tf.log(x))) : tf.add(0.2, tf.mul(-0.5, x)))),
    'exact score of p_{t/2}': (x, t) => exact(x, halve(t)),
  };
}

function gbmCase(): Case {
  const sde = gbm();
  const exact = memoize(LOGNORMAL_1D.scoreFn(sde));
  return {
    sde,
    data: LOGNORMAL_1D,
    exact,
    n: 2000,
    weighting: 'reference',
    timeSampling: 'uniform',
    eps: 1e-3,
    others: perturbations(exact, 'hyvarinen'),
  };
}

function scheduledGbmCase(): Case {
  const sde = new GBM({
    schedule: linearSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 1.2, mu: 0.2 }),
  });
  const exact = memoize(groupByTime(LOGNORMAL_2D.scoreFn(sde)));
  return {
    sde,
    data: LOGNORMAL_2D,
    exact,
    n: 4000,
    weighting: 'none',
    timeSampling: 'grid',
    steps: 50,
    eps: 0.1,
    others: perturbations(exact, 'hyvarinen'),
  };
}

function vpCase(): Case {
  const sde = vpSDE();
  const exact = memoize(groupByTime(GAUSSIAN_2D.scoreFn(sde)));
  return {
    sde,
    data: GAUSSIAN_2D,
    exact,
    n: 2000,
    weighting: 'noise-prediction',
    timeSampling: 'grid',
    steps: 50,
    eps: 1e-5,
    others: perturbations(exact, 'stein'),
  };
}

function veCase(): Case {
  const sde = veSDE({ sigmaMin: 0.05, sigmaMax: 5 });
  const exact = memoize(GAUSSIAN_1D.scoreFn(sde));
  return {
    sde,
    data: GAUSSIAN_1D,
    exact,
    n: 2000,
    weighting: 'reference',
    timeSampling: 'uniform',
    eps: 1e-3,
    others: perturbations(exact, 'stein'),
  };
}

const cases: Record<string, () => Case> = {
  'GBM σ = 0.8, μ = 0.32, 1-D log-normal mixture, λ = (σ²t)², t ~ U[ε, T]': gbmCase,
  'GBM with linear σ², 2-D log-normal mixture, λ = 1, t on a 50-step grid above ε = 0.1':
    scheduledGbmCase,
  'VP, 2-D Gaussian mixture, λ = v(t), t on a 50-step grid': vpCase,
  'VE (σ_max = 5), 1-D Gaussian mixture, λ = v(t)², t ~ U[ε, T]': veCase,
};

for (const [name, build] of Object.entries(cases)) {
  describe(name, () => {
    let c: Case;
    let reference: { dsm: Float64Array; esm: Float64Array };
    const losses = (score: ScoreFn) => {
      const options = {
        sde: c.sde,
        weighting: c.weighting,
        timeSampling: c.timeSampling,
        steps: c.steps,
        eps: c.eps,
        reduction: 'none' as const,
      };
      return {
        dsm: take(mdsmLoss(score, x0, { ...options, rng: Rng.fromSeed(20) })),
        esm: take(mesmLoss(score, x0, { ...options, rng: Rng.fromSeed(20), trueScore: c.exact })),
      };
    };
    let x0: tf.Tensor;

    beforeAll(() => {
      c = build();
      x0 = c.data.sample(c.n, Rng.fromSeed(10));
      reference = losses(c.exact);
      return () => x0.dispose();
    });

    it('(i) the exact score has zero explicit loss and the lowest denoising loss', () => {
      expect(reference.esm.every((v) => v === 0)).toBe(true);
      for (const [label, score] of Object.entries(c.others)) {
        const { dsm, esm } = losses(score);
        expect(meanAndSE(esm).mean, label).toBeGreaterThan(0);
        // The denoising loss alone also ranks the exact score first, beyond Monte-Carlo error.
        const gap = meanAndSE(minus(dsm, reference.dsm));
        expect(gap.mean, label).toBeGreaterThan(Z * gap.se);
      }
    });

    it(`(ii) denoising − explicit is the same constant for every score (±${Z} SE)`, () => {
      const constant = meanAndSE(minus(reference.dsm, reference.esm)).mean;
      expect(constant).toBeGreaterThan(0);
      for (const [label, score] of Object.entries(c.others)) {
        const { dsm, esm } = losses(score);
        const shift = meanAndSE(minus(minus(dsm, esm), minus(reference.dsm, reference.esm)));
        expect(Math.abs(shift.mean), label).toBeLessThan(Z * shift.se);
        // The test has power: the explicit losses differ by far more than the tolerance.
        expect(meanAndSE(esm).mean, label).toBeGreaterThan(2 * Z * shift.se);
      }
    });
  });
}
