import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  besselRatio,
  cirSDE,
  logBesselI,
  logGamma,
  logSpaceReverse,
  sdeFromConfig,
} from '../src/index.ts';
import { moments, onCpu, take, Z } from './helpers.ts';

beforeAll(onCpu);

const N = 100_000;
const sde = cirSDE({ kappa: 1.5, theta: 1.2, sigma: 0.9 });

describe('special functions', () => {
  it('log Γ matches factorials and Γ(½) = √π', () => {
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 11);
  });

  it('I_ν: half-integer closed forms, and the ratio I_{ν+1}/I_ν agrees with the series', () => {
    // I_{1/2}(z) = sqrt(2/(πz)) sinh z, I_{-1/2}(z) = sqrt(2/(πz)) cosh z.
    for (const z of [0.1, 1, 7.5, 30]) {
      expect(logBesselI(0.5, z)).toBeCloseTo(
        0.5 * Math.log(2 / (Math.PI * z)) + Math.log(Math.sinh(z)),
        9,
      );
      expect(besselRatio(-0.5, z)).toBeCloseTo(Math.tanh(z), 10);
      for (const nu of [-0.3, 0, 2.2, 9]) {
        expect(besselRatio(nu, z)).toBeCloseTo(
          Math.exp(logBesselI(nu + 1, z) - logBesselI(nu, z)),
          9,
        );
      }
    }
  });
});

describe('CIR (dX = κ(θ − X)dt + σ√X dW)', () => {
  it('the exact marginal has the known conditional mean and variance', () => {
    for (const [x0Value, t] of [
      [0.4, 0.3],
      [2.5, 1],
    ] as const) {
      const x0 = tf.fill([N], x0Value);
      const draws = take(sde.sampleMarginal(x0, t, Rng.fromSeed(1)).xt);
      const { mean, variance } = moments(draws);
      const m = sde.conditionalMean(x0Value, t);
      const v = sde.conditionalVariance(x0Value, t);
      expect(m).toBeCloseTo(1.2 + (x0Value - 1.2) * Math.exp(-1.5 * t), 12);
      expect(Math.abs(mean - m)).toBeLessThan(Z * Math.sqrt(v / N));
      expect(Math.abs(variance / v - 1)).toBeLessThan(0.03);
      expect(Math.min(...draws)).toBeGreaterThan(0);
      x0.dispose();
    }
  });

  it('the transition density integrates to 1 and has the conditional mean', () => {
    const x0 = 0.7;
    const t = 0.5;
    let mass = 0;
    let first = 0;
    const h = 1e-4;
    for (let x = h / 2; x < 12; x += h) {
      const p = Math.exp(sde.conditionalLogDensity(x, x0, t));
      mass += p * h;
      first += x * p * h;
    }
    expect(mass).toBeCloseTo(1, 4);
    expect(first).toBeCloseTo(sde.conditionalMean(x0, t), 4);
  });

  it('the conditional Hyvärinen score matches x times finite differences of the log-density', () => {
    const x0 = 0.9;
    for (const t of [0.1, 0.6]) {
      const xs = [0.2, 0.8, 1.5, 3];
      const score = take(sde.conditionalScore(tf.tensor(xs), tf.fill([4], x0), t));
      xs.forEach((x, i) => {
        const dx = 1e-5 * x;
        const fd =
          (x *
            (sde.conditionalLogDensity(x + dx, x0, t) - sde.conditionalLogDensity(x - dx, x0, t))) /
          (2 * dx);
        expect(Math.abs(score[i]! - fd)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
      });
    }
  });

  it('the prior is the stationary Gamma law (mean θ, variance θσ²/(2κ))', () => {
    const { mean, variance } = moments(take(sde.priorSample([N], Rng.fromSeed(2))));
    const v = (1.2 * 0.81) / 3;
    expect(Math.abs(mean - 1.2)).toBeLessThan(Z * Math.sqrt(v / N));
    expect(Math.abs(variance / v - 1)).toBeLessThan(0.03);
  });

  it('its log-space reverse process is the Itô rewrite of the ambient one', () => {
    const score = (x: tf.Tensor) => tf.sub(1, x);
    const y = tf.log(tf.tensor([0.5, 1, 2]));
    const a = take(sde.reverseLatent(score).drift(y, 0.5));
    const b = take(logSpaceReverse(sde.reverse(score)).drift(y, 0.5));
    expect(a).toEqual(b);
    // Written out: b_Y = b/x + σ²/(2x) with b = κ(θ − x) − σ² − σ² s_H.
    [0.5, 1, 2].forEach((x, i) => {
      const bx = 1.5 * (1.2 - x) - 0.81 - 0.81 * (1 - x);
      expect(a[i]).toBeCloseTo(bx / x + 0.81 / (2 * x), 4);
    });
  });

  it('validates parameters and data', () => {
    expect(() => cirSDE({ kappa: 0, theta: 1, sigma: 1 })).toThrow(
      /kappa must be a finite number > 0/,
    );
    expect(() => sde.sampleMarginal(tf.tensor([1, -2]), 0.5, Rng.fromSeed(0))).toThrow(DaleError);
    expect(sdeFromConfig(sde.toJSON()).toJSON()).toEqual(sde.toJSON());
  });
});
