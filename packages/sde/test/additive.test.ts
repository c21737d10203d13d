import { Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sdeFromConfig, veSDE, vpSDE } from '../src/index.ts';
import { moments, onCpu, take, Z } from './helpers.ts';

beforeAll(onCpu);

const N = 100_000;

describe('VE and VP SDEs (Song et al. 2021)', () => {
  it('VE: x_t ~ N(x₀, σ_min²((σ_max/σ_min)^{2t} − 1)) by sampling', () => {
    const sde = veSDE({ sigmaMin: 0.01, sigmaMax: 50 });
    for (const t of [0.2, 0.9]) {
      const expectedVar = 0.01 ** 2 * ((50 / 0.01) ** (2 * t) - 1);
      expect(sde.variance(t) / expectedVar).toBeCloseTo(1, 10);
      const x0 = tf.fill([N], 2);
      const { mean, variance } = moments(take(sde.sampleMarginal(x0, t, Rng.fromSeed(1)).xt));
      expect(Math.abs(mean - 2)).toBeLessThan(Z * Math.sqrt(expectedVar / N));
      expect(Math.abs(variance / expectedVar - 1)).toBeLessThan(Z * Math.sqrt(2 / N));
      x0.dispose();
    }
  });

  it("VP: x_t ~ N(x₀ e^{−¼t²(β₁−β₀) − ½tβ₀}, 1 − e^{−½t²(β₁−β₀) − tβ₀}) (Song's closed form) by sampling", () => {
    const sde = vpSDE({ betaMin: 0.1, betaMax: 20 });
    for (const t of [0.1, 0.5]) {
      const logMeanCoeff = -0.25 * t * t * (20 - 0.1) - 0.5 * t * 0.1;
      const meanFactor = Math.exp(logMeanCoeff);
      const variance = 1 - Math.exp(2 * logMeanCoeff);
      expect(sde.meanFactor(t)).toBeCloseTo(meanFactor, 12);
      expect(sde.variance(t)).toBeCloseTo(variance, 12);
      const x0 = tf.fill([N], 1.5);
      const m = moments(take(sde.sampleMarginal(x0, t, Rng.fromSeed(2)).xt));
      expect(Math.abs(m.mean - 1.5 * meanFactor)).toBeLessThan(Z * Math.sqrt(variance / N));
      expect(Math.abs(m.variance / variance - 1)).toBeLessThan(Z * Math.sqrt(2 / N));
      x0.dispose();
    }
  });

  it('the conditional Stein score matches finite differences of the Gaussian log-density', () => {
    for (const sde of [veSDE(), vpSDE()]) {
      const t = 0.3;
      const mean = 0.8 * sde.meanFactor(t);
      const v = sde.variance(t);
      const logDensity = (x: number) =>
        -0.5 * Math.log(2 * Math.PI * v) - (x - mean) ** 2 / (2 * v);
      const xs = [-1, 0.2, 0.9, 3];
      const score = take(sde.conditionalScore(tf.tensor(xs), tf.fill([4], 0.8), t));
      xs.forEach((x, i) => {
        const fd = (logDensity(x + 1e-4) - logDensity(x - 1e-4)) / 2e-4;
        expect(Math.abs(score[i]! - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
      });
    }
  });

  it('the reverse drift is f − g² ∇log p and the probability flow f − ½ g² ∇log p', () => {
    const sde = vpSDE();
    const x = tf.tensor([0.5, -1]);
    const score = (v: tf.Tensor) => tf.neg(v); // standard normal score
    const beta = sde.schedule.sigmaSquared(0.4);
    const rev = take(sde.reverse(score).drift(x, 0.4));
    const pf = take(sde.probabilityFlow(score)(x, 0.4));
    [0.5, -1].forEach((xi, i) => {
      expect(rev[i]).toBeCloseTo(-0.5 * beta * xi + beta * xi, 4);
      expect(pf[i]).toBeCloseTo(-0.5 * beta * xi + 0.5 * beta * xi, 4);
    });
  });

  it('priors: VP ≈ N(0, 1), VE = N(0, v(T)); log-densities match the closed form', () => {
    const vp = vpSDE();
    const { mean, variance } = moments(take(vp.priorSample([N], Rng.fromSeed(3))));
    expect(Math.abs(mean)).toBeLessThan(Z / Math.sqrt(N));
    expect(variance).toBeCloseTo(1, 2);
    const ve = veSDE();
    const lp = take(ve.priorLogProb(tf.tensor([[1, 2]])));
    const v = ve.variance(1);
    expect(lp[0]).toBeCloseTo(-Math.log(2 * Math.PI * v) - (1 + 4) / (2 * v), 5);
  });

  it('survive a JSON round trip', () => {
    for (const sde of [veSDE({ sigmaMax: 10 }), vpSDE({ betaMax: 15 })]) {
      expect(sdeFromConfig(JSON.parse(JSON.stringify(sde.toJSON()))).toJSON()).toEqual(
        sde.toJSON(),
      );
    }
  });
});
