import { describe, expect, it } from 'vitest';
import {
  constantSchedule,
  cosineSchedule,
  DaleError,
  discreteTimes,
  geometricSchedule,
  linearSchedule,
  type NoiseSchedule,
  scheduleFromConfig,
  timeGrid,
} from '../src/index.ts';

/** Composite Simpson quadrature: the second implementation the closed forms are checked against. */
function simpson(f: (t: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

const schedules: Record<string, NoiseSchedule> = {
  'constant (reference GBM)': constantSchedule({ sigma: 0.8, mu: 0.32 }),
  'constant, ratio drift, T = 2': constantSchedule({
    sigma: 0.5,
    mu: { sigmaSquaredRatio: 0.5 },
    T: 2,
  }),
  'linear (VP β)': linearSchedule({
    sigmaSquaredStart: 0.1,
    sigmaSquaredEnd: 20,
    mu: { sigmaSquaredRatio: -0.5 },
  }),
  'linear, constant drift': linearSchedule({
    sigmaSquaredStart: 0.2,
    sigmaSquaredEnd: 1.5,
    mu: 0.1,
    T: 3,
  }),
  cosine: cosineSchedule({
    sigmaSquaredStart: 0.05,
    sigmaSquaredEnd: 1.2,
    mu: { sigmaSquaredRatio: 0.5 },
  }),
  'geometric (VE)': geometricSchedule({ sigmaMin: 0.01, sigmaMax: 50 }),
};

describe('noise schedules', () => {
  for (const [name, schedule] of Object.entries(schedules)) {
    it(`${name}: M(t) and S²(t) equal the integrals of μ and σ² (Simpson quadrature)`, () => {
      for (const fraction of [0.1, 0.37, 0.8, 1]) {
        const t = fraction * schedule.T;
        const s2 = simpson((s) => schedule.sigmaSquared(s), 0, t);
        const m = simpson((s) => schedule.mu(s), 0, t);
        // Relative tolerance: Simpson with 2000 panels is accurate to ~1e-10 relative here.
        expect(Math.abs(schedule.sigmaSquaredIntegral(t) - s2)).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(s2)),
        );
        expect(Math.abs(schedule.muIntegral(t) - m)).toBeLessThan(1e-9 * Math.max(1, Math.abs(m)));
        expect(schedule.sigma(t) ** 2 / schedule.sigmaSquared(t)).toBeCloseTo(1, 12);
        expect(schedule.sigma(t)).toBeGreaterThan(0);
      }
      expect(schedule.sigmaSquaredIntegral(0)).toBe(0);
      expect(Math.abs(schedule.muIntegral(0))).toBe(0);
    });

    it(`${name}: survives a JSON round trip`, () => {
      const copy = scheduleFromConfig(JSON.parse(JSON.stringify(schedule.toJSON())));
      for (const t of [0, 0.3, schedule.T]) {
        expect(copy.sigmaSquaredIntegral(t)).toBe(schedule.sigmaSquaredIntegral(t));
        expect(copy.mu(t)).toBe(schedule.mu(t));
      }
    });
  }

  it('matches the reference constants: σ = 0.8, μ = σ²/2 gives M(1) = 0.32 and S²(1) = 0.64', () => {
    const s = constantSchedule({ sigma: 0.8, mu: { sigmaSquaredRatio: 0.5 } });
    expect(s.muIntegral(1)).toBeCloseTo(0.32, 12);
    expect(s.sigmaSquaredIntegral(1)).toBeCloseTo(0.64, 12);
  });

  it('rejects invalid coefficients with errors that name the field', () => {
    expect(() => constantSchedule({ sigma: 0 })).toThrow(
      /sigma must be a finite number > 0, got 0/,
    );
    expect(() => constantSchedule({ sigma: -1 })).toThrow(DaleError);
    expect(() => constantSchedule({ sigma: 1, T: 0 })).toThrow(/T must be a finite number > 0/);
    expect(() => constantSchedule({ sigma: 1, mu: Number.NaN })).toThrow(
      /mu must be a finite number/,
    );
    expect(() => linearSchedule({ sigmaSquaredStart: 0, sigmaSquaredEnd: 1 })).toThrow(
      /sigmaSquaredStart/,
    );
    expect(() => geometricSchedule({ sigmaMin: 2, sigmaMax: 1 })).toThrow(/must exceed sigmaMin/);
    expect(() => scheduleFromConfig({ kind: 'exotic' } as never)).toThrow(
      /unknown schedule kind "exotic"/,
    );
  });
});

describe('time grids', () => {
  it('runs from T down to eps with positive steps that sum to T − eps', () => {
    for (const spacing of ['uniform', 'quadratic'] as const) {
      const { times, stepSizes } = timeGrid({ steps: 50, T: 2, eps: 1e-3, spacing });
      expect(times[0]).toBe(2);
      expect(times[50]).toBeCloseTo(1e-3, 15);
      expect(Math.min(...stepSizes)).toBeGreaterThan(0);
      expect(stepSizes.reduce((a, b) => a + b, 0)).toBeCloseTo(2 - 1e-3, 12);
    }
    const q = timeGrid({ steps: 10, spacing: 'quadratic' }).stepSizes;
    expect(q[9]!).toBeLessThan(q[0]!); // denser near eps
  });

  it('gives the reference discrete times k/N for k = N−1 … 0', () => {
    const t = discreteTimes(1000);
    expect(t.length).toBe(1000);
    expect(t[0]).toBeCloseTo(0.999, 15);
    expect(t[999]).toBe(0);
  });

  it('rejects bad grids', () => {
    expect(() => timeGrid({ steps: 0 })).toThrow(/steps must be an integer >= 1/);
    expect(() => timeGrid({ steps: 10, eps: 1 })).toThrow(/eps must satisfy/);
    expect(() => discreteTimes(2.5)).toThrow(/N must be an integer/);
  });
});
