import { constantSchedule, cosineSchedule, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GBM,
  gbm,
  latentScoreFromHyvarinen,
  logSpaceReverse,
  logSpaceVelocity,
  negativeEntropy,
  type ScoreFn,
  toLatent,
} from '../src/index.ts';
import { onCpu, take } from './helpers.ts';

beforeAll(onCpu);

/** An arbitrary smooth Hyvärinen score: the identities below hold for any score function. */
const someScore: ScoreFn = (x, t) =>
  tf.tidy(() =>
    tf.sub(tf.mul(tf.sin(tf.mul(3, x)), typeof t === 'number' ? t : 0.5), tf.square(tf.log(x))),
  );

const sdes = {
  constant: gbm({ sigma: 0.8, mu: 0.32 }),
  'cosine σ²': new GBM({
    schedule: cosineSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 2, mu: 0.4 }),
  }),
  'drifting (σ = 1.1, μ = −0.3)': new GBM({ schedule: constantSchedule({ sigma: 1.1, mu: -0.3 }) }),
};

describe('Lamperti transform / negative-entropy mirror map', () => {
  it('∇φ = log and ∇φ* = exp are inverse, and ∇φ is the gradient of φ', () => {
    const x = tf.tensor([0.05, 0.7, 1, 3.2, 40]);
    const roundTrip = take(negativeEntropy.gradPhiConjugate(negativeEntropy.gradPhi(x)));
    [0.05, 0.7, 1, 3.2, 40].forEach((v, i) => expect(roundTrip[i]! / v).toBeCloseTo(1, 5));
    const grad = take(tf.grad((v: tf.Tensor) => tf.sum(negativeEntropy.phi(v)))(x));
    [0.05, 0.7, 1, 3.2, 40].forEach((v, i) => expect(grad[i]).toBeCloseTo(Math.log(v), 5));
  });

  it('M4: the log-space score of a log-normal equals its Hyvärinen score + 1 (finite differences)', () => {
    // p(x) log-normal(m, s): log q(y) = log p(eʸ) + y.
    const m = 0.3;
    const s = 0.7;
    const logP = (x: number) =>
      -Math.log(x * s * Math.sqrt(2 * Math.PI)) - (Math.log(x) - m) ** 2 / (2 * s * s);
    const logQ = (y: number) => logP(Math.exp(y)) + y;
    const xs = [0.2, 1, 1.9, 6];
    const hyvarinen = xs.map((x) => -1 - (Math.log(x) - m) / (s * s));
    const latent = take(latentScoreFromHyvarinen(tf.tensor(hyvarinen)));
    xs.forEach((x, i) => {
      const y = Math.log(x);
      const h = 1e-5;
      expect(latent[i]).toBeCloseTo((logQ(y + h) - logQ(y - h)) / (2 * h), 4);
    });
  });

  for (const [name, sde] of Object.entries(sdes)) {
    it(`${name}: the ambient reverse SDE (M7) rewritten by Itô equals the log-space one (M7') at random points`, () => {
      const rng = Rng.fromSeed(21);
      const x = tf.tensor(
        Float32Array.from({ length: 64 }, () => Math.exp(rng.normal())),
        [8, 8],
      );
      const y = toLatent(x);
      for (const t of [0.05, 0.5, 0.95]) {
        const closed = sde.reverseLatent(someScore);
        const viaIto = logSpaceReverse(sde.reverse(someScore));
        const a = take(closed.drift(y, t));
        const b = take(viaIto.drift(y, t));
        a.forEach((v, i) =>
          expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))),
        );
        const ga = take(closed.diffusion(y, t));
        const gb = take(viaIto.diffusion(y, t));
        ga.forEach((v, i) => expect(v).toBeCloseTo(gb[i]!, 5));
        // And the closed form itself: M7' drift = (μ − σ²/2) − σ²(s_H + 1).
        const sigma2 = sde.schedule.sigmaSquared(t);
        const mu = sde.schedule.mu(t);
        const sH = take(someScore(x, t));
        a.forEach((v, i) => expect(v).toBeCloseTo(mu - sigma2 / 2 - sigma2 * (sH[i]! + 1), 4));
      }
      tf.dispose([x, y]);
    });

    it(`${name}: the log-space probability flow (M10) equals the ambient one divided by x`, () => {
      const x = tf.tensor([0.3, 0.9, 1.4, 2.8]);
      const y = toLatent(x);
      const a = take(sde.probabilityFlowLatent(someScore)(y, 0.4));
      const b = take(logSpaceVelocity(sde.probabilityFlow(someScore))(y, 0.4));
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
      tf.dispose([x, y]);
    });
  }

  it('M7 written out: the ambient reverse drift is μx − 2σ²x − σ² x s_H and M8a follows from it', () => {
    const sde = gbm({ sigma: 0.8, mu: 0.32 });
    const x = tf.tensor([0.4, 1.5]);
    const drift = take(sde.reverse(someScore).drift(x, 0.3));
    const sH = take(someScore(x, 0.3));
    [0.4, 1.5].forEach((xi, i) =>
      expect(drift[i]).toBeCloseTo(xi * (0.32 - 2 * 0.64 - 0.64 * sH[i]!), 5),
    );
  });
});
