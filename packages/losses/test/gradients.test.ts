/**
 * Parameter gradients of every loss (tf.variableGrads) against central finite differences.
 *
 * The loss is re-evaluated with a fresh Rng from the same seed, so it is a deterministic function
 * of the parameters. The DSM/ESM score models are linear in their parameters, so those losses are
 * exactly quadratic and central differences have no truncation error: only float32 rounding,
 * ≈ 1e-7 |L| / h. The non-negative score-matching model is nonlinear in its parameters
 * (truncation ≈ h² |L'''| / 6), and its gradient goes through second derivatives of the model.
 * With h = 1e-2 the observed worst error is below 4e-5 of the largest gradient entry; the bound
 * used, 1e-3, covers the rounding estimate 1e-7 · |L| / h for every loss here (|L| ≤ 16).
 */
import { linearSchedule, Rng, registerSecondOrderGradients } from '@dale/core';
import { GBM, gbm, type ScoreFn, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dsmLoss,
  mdsmLoss,
  mesmLoss,
  nonnegativeScoreMatchingLoss,
  type SteinScoreModel,
} from '../src/index.ts';
import { GAUSSIAN_2D, groupByTime, LOGNORMAL_2D, onCpu, timeColumn, value } from './helpers.ts';

beforeAll(onCpu);

/** Autodiff gradients of `loss` vs central differences with step h, for every parameter entry. */
function gradientErrors(loss: () => tf.Scalar, variables: tf.Variable[], h: number) {
  const { value: f, grads } = tf.variableGrads(loss, variables);
  f.dispose();
  let worst = 0;
  let scale = 0;
  for (const v of variables) {
    const autodiff = grads[v.name]!.dataSync();
    const base = v.dataSync().slice();
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) => {
        const shifted = base.slice();
        shifted[i]! += delta;
        v.assign(tf.tensor(shifted, v.shape));
        return value(loss());
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(base, v.shape));
      worst = Math.max(worst, Math.abs(autodiff[i]! - fd));
      scale = Math.max(scale, Math.abs(fd));
    }
  }
  tf.dispose(grads);
  return { worst, scale };
}

/** s(x, t) = a + g(x) B + c ∘ t ∘ tanh(g(x)): linear in (a, B, c); g = log for Hyvärinen scores. */
function linearScoreModel(g: (x: tf.Tensor) => tf.Tensor) {
  const a = tf.variable(tf.tensor1d([-0.8, -1.1]));
  const B = tf.variable(tf.tensor2d([-0.6, 0.1, 0.2, -0.9], [2, 2]));
  const c = tf.variable(tf.tensor1d([0.3, -0.2]));
  const score: ScoreFn = (x, t) =>
    tf.tidy(() => {
      const features = g(x);
      return tf.add(
        tf.add(a, tf.matMul(features, B)),
        tf.mul(tf.mul(c, timeColumn(t, x.shape[0]!)), tf.tanh(features)),
      );
    });
  return { score, variables: [a, B, c], dispose: () => tf.dispose([a, B, c]) };
}

/** ψ(x) = (u + c ∘ u / (1 + u²)) / x, u = log x · M + b: nonlinear, built from input-saving ops. */
function steinModel() {
  const M = tf.variable(tf.tensor2d([-1.1, 0.3, 0.2, -0.8], [2, 2]));
  const b = tf.variable(tf.tensor1d([0.3, -0.1]));
  const c = tf.variable(tf.tensor1d([0.5, 0.4]));
  const psi: SteinScoreModel = (x) =>
    tf.tidy(() => {
      const u = tf.add(tf.matMul(tf.log(x), M), b);
      const bump = tf.div(u, tf.add(1, tf.square(u)));
      return tf.div(tf.add(u, tf.mul(c, bump)), x);
    });
  return { psi, variables: [M, b, c], dispose: () => tf.dispose([M, b, c]) };
}

describe('parameter gradients match central finite differences', () => {
  it('M-DSM (GBM, reference weighting, uniform times)', () => {
    const sde = gbm();
    const x0 = LOGNORMAL_2D.sample(256, Rng.fromSeed(1));
    const model = linearScoreModel(tf.log);
    const loss = () => mdsmLoss(model.score, x0, { sde, rng: Rng.fromSeed(2) });
    const { worst, scale } = gradientErrors(loss, model.variables, 1e-2);
    expect(worst).toBeLessThan(1e-3 * scale);
    model.dispose();
    x0.dispose();
  });

  it("M-DSM (scheduled GBM, 'none' weighting, grid times, 'mean' reduction)", () => {
    const sde = new GBM({
      schedule: linearSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 1.2, mu: 0.2 }),
    });
    const x0 = LOGNORMAL_2D.sample(256, Rng.fromSeed(3));
    const model = linearScoreModel(tf.log);
    const loss = () =>
      mdsmLoss(model.score, x0, {
        sde,
        rng: Rng.fromSeed(4),
        weighting: 'none',
        timeSampling: 'grid',
        steps: 20,
        reduction: 'mean',
      });
    const { worst, scale } = gradientErrors(loss, model.variables, 1e-2);
    expect(worst).toBeLessThan(1e-3 * scale);
    model.dispose();
    x0.dispose();
  });

  it("standard DSM (VP, 'noise-prediction')", () => {
    const sde = vpSDE();
    const x0 = GAUSSIAN_2D.sample(256, Rng.fromSeed(5));
    const model = linearScoreModel((x) => x);
    const loss = () =>
      dsmLoss(model.score, x0, { sde, rng: Rng.fromSeed(6), weighting: 'noise-prediction' });
    const { worst, scale } = gradientErrors(loss, model.variables, 1e-2);
    expect(worst).toBeLessThan(1e-3 * scale);
    model.dispose();
    x0.dispose();
  });

  it('M-ESM (GBM, against the exact score of a log-normal mixture)', () => {
    const sde = gbm();
    const x0 = LOGNORMAL_2D.sample(256, Rng.fromSeed(7));
    const model = linearScoreModel(tf.log);
    const trueScore = groupByTime(LOGNORMAL_2D.scoreFn(sde));
    const loss = () =>
      mesmLoss(model.score, x0, {
        sde,
        rng: Rng.fromSeed(8),
        trueScore,
        timeSampling: 'grid',
        steps: 20,
      });
    const { worst, scale } = gradientErrors(loss, model.variables, 1e-2);
    expect(worst).toBeLessThan(1e-3 * scale);
    model.dispose();
    x0.dispose();
  });

  for (const divergence of ['exact', 'hutchinson'] as const) {
    it(`non-negative score matching, ${divergence} divergence (second derivatives of ψ)`, () => {
      const x = LOGNORMAL_2D.sample(256, Rng.fromSeed(9));
      const model = steinModel();
      const loss = () =>
        nonnegativeScoreMatchingLoss(model.psi, x, {
          divergence,
          rng: Rng.fromSeed(10),
          probes: 2,
        });
      const { worst, scale } = gradientErrors(loss, model.variables, 1e-2);
      expect(worst).toBeLessThan(1e-3 * scale);
      model.dispose();
      x.dispose();
    });
  }
});

describe('second derivatives through ops whose TensorFlow.js gradient reuses the output (tfjs#3252)', () => {
  const x = LOGNORMAL_2D.sample(32, Rng.fromSeed(11));

  it("a model with tanh, sigmoid and exp: @dale/core's input-saving gradients make its parameter gradient right", () => {
    const W = tf.variable(tf.tensor2d([0.5, 0.2, -0.3, 0.7], [2, 2]));
    const b = tf.variable(tf.tensor1d([0.1, -0.2]));
    const psi: SteinScoreModel = (z) =>
      tf.tidy(() => {
        const u = tf.add(tf.matMul(tf.log(z), W), b);
        return tf.div(tf.add(tf.tanh(u), tf.mul(tf.sigmoid(u), tf.exp(tf.mul(-0.5, u)))), z);
      });
    const { worst, scale } = gradientErrors(
      () => nonnegativeScoreMatchingLoss(psi, x),
      [W, b],
      1e-2,
    );
    expect(worst).toBeLessThan(1e-3 * scale);
    tf.dispose([W, b]);
  });

  it("with TensorFlow.js's own output-saving Tanh gradient, the parameter gradient is refused with a clear error", () => {
    // TensorFlow.js's registration for Tanh: dy (1 − y²) from the saved output y.
    tf.registerGradient({
      kernelName: 'Tanh',
      outputsToSave: [true],
      gradFunc: (dy, [y]) => ({
        x: () => tf.mul(tf.sub(1, tf.square(y!)), dy as tf.Tensor),
      }),
    });
    const W = tf.variable(tf.tensor2d([0.5, 0.2, -0.3, 0.7], [2, 2]));
    try {
      const psi: SteinScoreModel = (z) =>
        tf.tidy(() => tf.div(tf.tanh(tf.matMul(tf.log(z), W)), z));
      expect(Number.isFinite(value(nonnegativeScoreMatchingLoss(psi, x)))).toBe(true);
      const before = tf.memory().numTensors;
      expect(() => tf.variableGrads(() => nonnegativeScoreMatchingLoss(psi, x))).toThrow(
        /second derivatives.*tfjs#3252.*uses Tanh/,
      );
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      registerSecondOrderGradients();
      W.dispose();
    }
  });

  it('exp of the data alone (no parameter behind it) is allowed and its gradient is right', () => {
    const a = tf.variable(tf.tensor1d([0.4, -0.3]));
    const psi: SteinScoreModel = (z) =>
      tf.tidy(() => tf.sub(tf.mul(a, tf.exp(tf.neg(z))), tf.div(1, z)));
    const { worst, scale } = gradientErrors(() => nonnegativeScoreMatchingLoss(psi, x), [a], 1e-2);
    expect(worst).toBeLessThan(1e-3 * scale);
    a.dispose();
  });
});
