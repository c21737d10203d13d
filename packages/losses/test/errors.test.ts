/** Bad input fails early with a DaleError whose message names the field, the expectation and the value. */
import { DaleError, Rng } from '@dale/core';
import { gbm, type ScoreFn, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mdsmLoss, mesmLoss } from '../src/index.ts';
import { LOGNORMAL_2D, onCpu } from './helpers.ts';

beforeAll(onCpu);

const score: ScoreFn = (x) => tf.tidy(() => tf.sub(-1, tf.log(x)));

function failure(run: () => unknown): DaleError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DaleError);
    return error as DaleError;
  }
  throw new Error('expected a DaleError');
}

describe('input errors', () => {
  const sde = gbm();
  const x0 = LOGNORMAL_2D.sample(8, Rng.fromSeed(1));
  const rng = Rng.fromSeed(2);

  it('eps outside (0, T)', () => {
    for (const eps of [0, -1e-3, 1, 2]) {
      const error = failure(() => mdsmLoss(score, x0, { sde, rng, eps }));
      expect(error.code).toBe('invalid-eps');
      expect(error.message).toContain(`eps must satisfy 0 < eps < T (1), got ${eps}`);
    }
  });

  it('unknown weighting, reduction or time sampling; a weighting that returns a negative value', () => {
    // biome-ignore-start lint/suspicious/noExplicitAny: invalid values on purpose
    expect(failure(() => mdsmLoss(score, x0, { sde, rng, weighting: 'sigma' as any })).code).toBe(
      'invalid-weighting',
    );
    expect(failure(() => mdsmLoss(score, x0, { sde, rng, reduction: 'sum' as any })).code).toBe(
      'invalid-reduction',
    );
    expect(
      failure(() => mdsmLoss(score, x0, { sde, rng, timeSampling: 'random' as any })).code,
    ).toBe('invalid-time-sampling');
    // biome-ignore-end lint/suspicious/noExplicitAny: invalid values on purpose
    expect(() => mdsmLoss(score, x0, { sde, rng, weighting: (t) => -t })).toThrow(
      /λ\(t\) must be a finite number >= 0, got -/,
    );
  });

  it('non-positive data for GBM is caught by the SDE when it checks (checkPositive)', () => {
    const bad = tf.tensor2d([
      [1, 2],
      [0, 1],
    ]);
    const error = failure(() => mdsmLoss(score, bad, { sde: gbm({ checkPositive: true }), rng }));
    expect(error.code).toBe('non-positive-data');
    expect(error.message).toMatch(/smallest value is 0/);
    bad.dispose();
  });

  it('fixed times outside (0, T] or of the wrong length', () => {
    expect(() => mdsmLoss(score, x0, { sde, rng, t: 0 })).toThrow(
      /each time must lie in \(0, T = 1\], got 0/,
    );
    expect(() => mdsmLoss(score, x0, { sde, rng, t: [0.5, 0.5] })).toThrow(
      /one per example \(8\), got 2 times/,
    );
  });

  it('a score of the wrong shape, a missing true score, a missing SDE or Rng, an empty batch', () => {
    expect(() => mdsmLoss((x) => tf.sum(x, 1), x0, { sde, rng })).toThrow(
      /score\(x, t\) must return a tensor of the input's shape \[8, 2\], got \[8\]/,
    );
    // biome-ignore-start lint/suspicious/noExplicitAny: invalid values on purpose
    expect(() => mesmLoss(score, x0, { sde, rng } as any)).toThrow(/options.trueScore must be/);
    expect(() => mdsmLoss(score, x0, { rng } as any)).toThrow(/options.sde must be an SDE/);
    expect(() => mdsmLoss(score, x0, { sde } as any)).toThrow(/options.rng must be an Rng/);
    // biome-ignore-end lint/suspicious/noExplicitAny: invalid values on purpose
    expect(() => mdsmLoss(score, tf.zeros([0, 2]), { sde: vpSDE(), rng })).toThrow(
      /at least one example, got shape \[0, 2\]/,
    );
    expect(() => mdsmLoss(score, tf.scalar(1), { sde: vpSDE(), rng })).toThrow(/batch axis first/);
  });
});
