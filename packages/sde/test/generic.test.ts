import { constantSchedule, cosineSchedule, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cirSDE,
  GBM,
  gbm,
  logSpaceReverse,
  logSpaceVelocity,
  type PositiveSDE,
  probabilityFlowODE,
  reverseSDE,
  type ScoreFn,
  type SDE,
  type Time,
  toLatent,
  veSDE,
  vpSDE,
} from '../src/index.ts';
import { onCpu, take } from './helpers.ts';

beforeAll(onCpu);

/** Arbitrary smooth scores: the identities hold for any score function. */
const hyvarinen: ScoreFn = (x, t) =>
  tf.tidy(() =>
    tf.sub(tf.mul(tf.sin(tf.mul(3, x)), typeof t === 'number' ? t : 0.5), tf.square(tf.log(x))),
  );
const stein: ScoreFn = (x, t) =>
  tf.tidy(() => tf.sub(tf.mul(tf.cos(tf.mul(2, x)), typeof t === 'number' ? 1 + t : 1.5), x));

function expectClose(a: tf.Tensor, b: tf.Tensor, rtol = 2e-5): void {
  const x = take(a);
  const y = take(b);
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThan(rtol * Math.max(1, Math.abs(v))));
}

const positive: Record<string, PositiveSDE> = {
  'GBM (constant)': gbm({ sigma: 0.8, mu: 0.32 }),
  'GBM (cosine σ², μ = 0.4)': new GBM({
    schedule: cosineSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 2, mu: 0.4 }),
  }),
  'GBM (σ = 1.1, μ = −0.3)': new GBM({ schedule: constantSchedule({ sigma: 1.1, mu: -0.3 }) }),
  CIR: cirSDE({ kappa: 2, theta: 1.5, sigma: 0.7 }),
};
const additive: Record<string, SDE> = { VE: veSDE(), VP: vpSDE() };

/** Random points: positive x for positive families, any sign for additive ones; a scalar time and one per row. */
function points(positiveValues: boolean): { x: tf.Tensor; times: Time[] } {
  const rng = Rng.fromSeed(7);
  const values = Float32Array.from({ length: 48 }, () =>
    positiveValues ? Math.exp(0.6 * rng.normal()) : 2 * rng.normal(),
  );
  return {
    x: tf.tensor(values, [6, 8]),
    times: [0.05, 0.5, 0.95, Float64Array.from([0.1, 0.2, 0.4, 0.6, 0.8, 0.99])],
  };
}

describe('the closed-form reverse processes equal the generic derivation at random points', () => {
  for (const [name, sde] of Object.entries(positive)) {
    it(`${name}: reverse, probability flow and both in log space`, () => {
      const { x, times } = points(true);
      const y = toLatent(x);
      for (const t of times) {
        const generic = reverseSDE(sde, hyvarinen);
        expectClose(sde.reverse(hyvarinen).drift(x, t), generic.drift(x, t));
        expectClose(sde.reverse(hyvarinen).diffusion(x, t), generic.diffusion(x, t));
        expectClose(sde.probabilityFlow(hyvarinen)(x, t), probabilityFlowODE(sde, hyvarinen)(x, t));
        const latent = logSpaceReverse(generic);
        expectClose(sde.reverseLatent(hyvarinen).drift(y, t), latent.drift(y, t));
        expectClose(sde.reverseLatent(hyvarinen).diffusion(y, t), latent.diffusion(y, t));
        expectClose(
          sde.probabilityFlowLatent(hyvarinen)(y, t),
          logSpaceVelocity(probabilityFlowODE(sde, hyvarinen))(y, t),
        );
      }
    });
  }
  for (const [name, sde] of Object.entries(additive)) {
    it(`${name}: reverse and probability flow (Stein score)`, () => {
      const { x, times } = points(false);
      for (const t of times) {
        expectClose(sde.reverse(stein).drift(x, t), reverseSDE(sde, stein).drift(x, t));
        expectClose(sde.probabilityFlow(stein)(x, t), probabilityFlowODE(sde, stein)(x, t));
      }
    });
  }

  it('a closed-form ∂ₓg² replaces automatic differentiation', () => {
    const sde = gbm();
    const { x } = points(true);
    const parts = {
      scoreKind: 'hyvarinen' as const,
      drift: (v: tf.Tensor, t: Time) => sde.drift(v, t),
      diffusion: (v: tf.Tensor, t: Time) => sde.diffusion(v, t),
      diffusionSquaredDerivative: (v: tf.Tensor) => tf.mul(2 * 0.64, v),
    };
    expectClose(reverseSDE(parts, hyvarinen).drift(x, 0.3), sde.reverse(hyvarinen).drift(x, 0.3));
  });

  it('derived processes leave no tensors behind', () => {
    const sde = positive.CIR!;
    const { x } = points(true);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => tf.add(sde.reverseLatent(hyvarinen).drift(x, 0.4), 0));
    out.dispose();
    reverseSDE(sde, hyvarinen).drift(x, 0.4).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
