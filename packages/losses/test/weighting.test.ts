import { linearSchedule, Rng } from '@dale/core';
import { cirSDE, GBM, gbm, veSDE, vpSDE } from '@dale/sde';
import { describe, expect, it } from 'vitest';
import { LOSS_WEIGHTINGS, noiseVariance, resolveWeighting, sampleTimes } from '../src/index.ts';
import { meanAndSE, Z } from './helpers.ts';

describe('loss weightings λ(t)', () => {
  it("'reference' is (σ²t)² for the constant GBM and (S²(t))² for a scheduled one", () => {
    const constant = gbm({ sigma: 0.8 });
    const schedule = linearSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 1.2, mu: 0.2 });
    const scheduled = new GBM({ schedule });
    for (const t of [1e-3, 0.25, 0.7, 1]) {
      expect(LOSS_WEIGHTINGS.reference(t, constant)).toBeCloseTo((0.64 * t) ** 2, 12);
      // S²(t) = ∫₀ᵗ (0.1 + 1.1 s) ds for the linear schedule on [0, 1].
      const S2 = 0.1 * t + 0.55 * t * t;
      expect(LOSS_WEIGHTINGS.reference(t, scheduled)).toBeCloseTo(S2 ** 2, 12);
      expect(LOSS_WEIGHTINGS['noise-prediction'](t, scheduled)).toBeCloseTo(S2, 12);
      expect(LOSS_WEIGHTINGS.none(t, scheduled)).toBe(1);
    }
  });

  it('uses the kernel variance v(t) for the additive SDEs (VE: S², VP: 1 − e^{−S²})', () => {
    const ve = veSDE({ sigmaMin: 0.01, sigmaMax: 50 });
    const vp = vpSDE({ betaMin: 0.1, betaMax: 20 });
    for (const t of [0.1, 0.5, 1]) {
      const veVariance = 0.01 ** 2 * ((50 / 0.01) ** (2 * t) - 1);
      expect(noiseVariance(ve, t) / veVariance).toBeCloseTo(1, 10);
      const vpS2 = 0.1 * t + (19.9 * t * t) / 2;
      expect(noiseVariance(vp, t)).toBeCloseTo(1 - Math.exp(-vpS2), 10);
      expect(LOSS_WEIGHTINGS['noise-prediction'](t, vp)).toBe(noiseVariance(vp, t));
      expect(LOSS_WEIGHTINGS.reference(t, ve)).toBe(noiseVariance(ve, t) ** 2);
    }
  });

  it('names the problem for a family without Gaussian noise (CIR) and for unknown names', () => {
    const cir = cirSDE({ kappa: 2, theta: 1.5, sigma: 0.8 });
    expect(() => LOSS_WEIGHTINGS.reference(0.5, cir)).toThrow(
      /family 'cir' .*weighting: 'none' or a function/,
    );
    expect(LOSS_WEIGHTINGS.none(0.5, cir)).toBe(1);
    // biome-ignore lint/suspicious/noExplicitAny: an invalid name on purpose
    expect(() => resolveWeighting('sigma2' as any)).toThrow(
      /weighting must be one of 'reference', 'noise-prediction', 'none' .* got "sigma2"/,
    );
    const custom = (t: number) => t;
    expect(resolveWeighting(custom)).toBe(custom);
    expect(resolveWeighting()).toBe(LOSS_WEIGHTINGS.reference);
  });
});

describe('sampleTimes', () => {
  const n = 20_000;

  it(`'uniform' draws lie in [ε, T) with mean (ε + T)/2 (±${Z} SE)`, () => {
    const t = sampleTimes(n, Rng.fromSeed(1), { T: 2, eps: 0.1 });
    expect(Math.min(...t)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...t)).toBeLessThan(2);
    const { mean, se } = meanAndSE(t);
    expect(Math.abs(mean - 1.05)).toBeLessThan(Z * se);
    // Same seed, same times (the losses rely on it for common random numbers).
    expect(sampleTimes(5, Rng.fromSeed(1), { T: 2, eps: 0.1 })).toEqual(t.slice(0, 5));
  });

  it("'grid' draws t = kT/N with k uniform on {1, …, N − 1} (each count within 5 SE)", () => {
    const N = 10;
    const t = sampleTimes(n, Rng.fromSeed(2), { T: 1, timeSampling: 'grid', steps: N });
    const counts = new Array<number>(N + 1).fill(0);
    for (const v of t) {
      const k = Math.round(v * N);
      expect(Math.abs(v - k / N)).toBeLessThan(1e-12);
      counts[k]! += 1;
    }
    expect(counts[0]).toBe(0);
    expect(counts[N]).toBe(0);
    const p = 1 / (N - 1);
    const se = Math.sqrt(n * p * (1 - p));
    for (let k = 1; k < N; k++) expect(Math.abs(counts[k]! - n * p)).toBeLessThan(Z * se);
  });

  it("'grid' skips grid points below ε and scales with T", () => {
    const t = sampleTimes(2000, Rng.fromSeed(3), {
      T: 2,
      eps: 0.5,
      timeSampling: 'grid',
      steps: 8,
    });
    // Grid 2k/8 = k/4; k₀ = ⌈0.5 · 8 / 2⌉ = 2, so t ∈ {0.5, 0.75, …, 1.75}.
    expect(new Set(t)).toEqual(new Set([0.5, 0.75, 1, 1.25, 1.5, 1.75]));
  });

  it('rejects bad options with messages that name the field', () => {
    const rng = Rng.fromSeed(0);
    expect(() => sampleTimes(4, rng, { T: 1, eps: 0 })).toThrow(/eps must satisfy 0 < eps < T/);
    expect(() => sampleTimes(4, rng, { T: 1, eps: 1 })).toThrow(/got 1$/);
    expect(() => sampleTimes(4, rng, { T: 1, timeSampling: 'grid', steps: 1.5 })).toThrow(
      /steps must be an integer >= 2, got 1.5/,
    );
    expect(() => sampleTimes(4, rng, { T: 1, eps: 0.95, timeSampling: 'grid', steps: 10 })).toThrow(
      /no grid time/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: an invalid name on purpose
    expect(() => sampleTimes(4, rng, { T: 1, timeSampling: 'stratified' as any })).toThrow(
      /timeSampling must be 'uniform', 'grid' or 'log-normal', got "stratified"/,
    );
    expect(() => sampleTimes(0, rng, { T: 1 })).toThrow(/batch must be an integer >= 1/);
  });
});
