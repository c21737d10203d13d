/** No loss leaks tensors: tf.memory().numTensors is unchanged after loops of evaluations and gradients. */
import { Rng } from '@dale/core';
import { cirSDE, gbm, type ScoreFn, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dsmLoss,
  mdsmLoss,
  mesmLoss,
  nonnegativeScoreMatchingLoss,
  type SteinScoreModel,
  weightedDivergence,
} from '../src/index.ts';
import { GAUSSIAN_2D, LOGNORMAL_2D, onCpu } from './helpers.ts';

beforeAll(onCpu);

describe('memory', () => {
  const w = tf.variable(tf.tensor2d([-0.6, 0.1, 0.2, -0.9], [2, 2]));
  const score: ScoreFn = (x) => tf.tidy(() => tf.sub(tf.matMul(tf.log(x), w), 1));
  const stein: ScoreFn = (x) => tf.tidy(() => tf.matMul(x, w));
  const psi: SteinScoreModel = (x) => tf.tidy(() => tf.div(tf.matMul(tf.log(x), w), x));
  const x0 = LOGNORMAL_2D.sample(64, Rng.fromSeed(1));
  const xg = GAUSSIAN_2D.sample(64, Rng.fromSeed(2));
  const rng = Rng.fromSeed(3);
  const losses: Record<string, () => tf.Tensor> = {
    'M-DSM (GBM)': () => mdsmLoss(score, x0, { sde: gbm(), rng }),
    'M-DSM (CIR)': () =>
      mdsmLoss(score, x0, {
        sde: cirSDE({ kappa: 2, theta: 1.5, sigma: 0.8 }),
        rng,
        weighting: 'none',
      }),
    'DSM (VP), per example': () => dsmLoss(stein, xg, { sde: vpSDE(), rng, reduction: 'none' }),
    'M-ESM': () =>
      mesmLoss(score, x0, { sde: gbm(), rng, trueScore: LOGNORMAL_2D.scoreFn(gbm()), t: 0.4 }),
    'J₊ exact': () => nonnegativeScoreMatchingLoss(psi, x0),
    'J₊ Hutchinson': () =>
      nonnegativeScoreMatchingLoss(psi, x0, { divergence: 'hutchinson', rng, probes: 3 }),
    'weighted divergence': () => weightedDivergence(psi, x0, null),
  };

  for (const [name, loss] of Object.entries(losses)) {
    it(`${name}: 10 evaluations and 10 tf.variableGrads leave numTensors unchanged`, () => {
      const gradients = () => {
        const { value, grads } = tf.variableGrads(() => tf.sum(loss()) as tf.Scalar, [w]);
        tf.dispose([value, grads]);
      };
      loss().dispose();
      gradients(); // warm-up
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) {
        loss().dispose();
        gradients();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
