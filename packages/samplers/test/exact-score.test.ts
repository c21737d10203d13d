import { Rng } from '@dale/core';
import { gbm, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastGaussianScore, fastLogNormalScore } from './exact-score.ts';
import { gaussianTarget, logNormalTarget, onCpu, take } from './helpers.ts';

beforeAll(onCpu);

// The statistical tests drive the samplers with a JavaScript re-implementation of the exact
// mixture scores (fast on the CPU backend); it must agree with @dale/data's own scoreFn.
describe('the fast exact scores used by the tests', () => {
  it('equal LogNormalMixture.scoreFn (Hyvärinen score of p_t under GBM) at every t', () => {
    const sde = gbm();
    for (const dim of [2, 8]) {
      const target = logNormalTarget(dim);
      const x = target.noised(sde, 0.5).sample(500, Rng.fromSeed(dim));
      for (const t of [0, 1e-3, 0.3, 1]) {
        const fast = take(fastLogNormalScore(target, sde)(x, t));
        const slow = take(target.scoreFn(sde)(x, t));
        for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(slow[i]!, 4);
      }
      x.dispose();
    }
  });

  it('equal GaussianMixture.scoreFn (Stein score of p_t under VP) at every t', () => {
    const sde = vpSDE();
    const target = gaussianTarget();
    const x = target.sample(500, Rng.fromSeed(3));
    for (const t of [0, 1e-3, 0.3, 1]) {
      const fast = take(fastGaussianScore(target, sde)(x, t));
      const slow = take(target.scoreFn(sde)(x, t));
      for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(slow[i]!, 4);
    }
    tf.dispose(x);
  });
});
