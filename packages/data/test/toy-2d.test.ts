import { Rng } from '@dale/core';
import { describe, expect, it } from 'vitest';
import {
  checkerboard,
  ksDistance,
  positiveToy,
  ring,
  toyFromConfig,
  twoMoons,
} from '../src/index.ts';

/** One-sample Kolmogorov–Smirnov distance. */

const N = 20_000;
/** KS critical value at the 0.1% level. */
const KS = 1.95 / Math.sqrt(N);
const column = (v: Float32Array, c: number) =>
  Float64Array.from({ length: v.length / 2 }, (_, i) => v[2 * i + c]!);

describe('2-D toy shapes (exact sampling)', () => {
  it('two moons without noise: points on the arcs, θ uniform on [0, π], each moon with probability ½', () => {
    const v = twoMoons({ noise: 0 }).sampleValues(N, Rng.fromSeed(1));
    const thetas: number[] = [];
    let upper = 0;
    for (let i = 0; i < N; i++) {
      const [x, y] = [v[2 * i]!, v[2 * i + 1]!];
      const onUpper = Math.abs(Math.hypot(x, y) - 1) < 1e-6 && y >= -1e-7;
      const onLower = Math.abs(Math.hypot(1 - x, 0.5 - y) - 1) < 1e-6 && y <= 0.5 + 1e-7;
      expect(onUpper || onLower).toBe(true);
      if (onUpper && !onLower) {
        upper += 1;
        thetas.push(Math.atan2(y, x));
      }
    }
    expect(ksDistance(thetas, (t) => Math.min(1, Math.max(0, t / Math.PI)))).toBeLessThan(
      1.95 / Math.sqrt(thetas.length),
    );
    // Binomial(N, ½), 5 standard deviations (the arcs' rare intersection points are excluded above).
    expect(Math.abs(upper - N / 2)).toBeLessThan(5 * Math.sqrt(N / 4) + 10);
  });

  it('two moons with noise: E[x] = ½, E[y] = ¼, Var[x] = ¾ + noise² (closed forms)', () => {
    const noise = 0.1;
    const v = twoMoons({ noise }).sampleValues(N, Rng.fromSeed(2));
    const x = column(v, 0);
    const y = column(v, 1);
    const mean = (a: Float64Array) => a.reduce((s, b) => s + b, 0) / a.length;
    // x = cos θ or 1 − cos θ: E[cos θ] = 0, E[cos² θ] = ½, so E[x²] = ½·½ + ½·(1 + ½) = 1 and
    // Var x = 1 − ¼ = ¾; plus noise². The sample variance's SE is ≈ 0.007 here: 0.03 is > 4 SE.
    const varX = 0.75 + noise * noise;
    expect(Math.abs(mean(x) - 0.5)).toBeLessThan(5 * Math.sqrt(varX / N));
    expect(Math.abs(mean(y) - 0.25)).toBeLessThan(5 * Math.sqrt(1 / N));
    const mx = mean(x);
    expect(Math.abs(x.reduce((s, b) => s + (b - mx) ** 2, 0) / N - varX)).toBeLessThan(0.03);
  });

  it('ring: radius follows F(r) = (r² − r₀²)/(r₁² − r₀²) and the angle is uniform (KS)', () => {
    const v = ring({ radius: 2, width: 1 }).sampleValues(N, Rng.fromSeed(3));
    const r = Array.from({ length: N }, (_, i) => Math.hypot(v[2 * i]!, v[2 * i + 1]!));
    const angle = Array.from({ length: N }, (_, i) => Math.atan2(v[2 * i + 1]!, v[2 * i]!));
    expect(
      ksDistance(r, (q) => Math.min(1, Math.max(0, (q * q - 1.5 ** 2) / (2.5 ** 2 - 1.5 ** 2)))),
    ).toBeLessThan(KS);
    expect(ksDistance(angle, (a) => (a + Math.PI) / (2 * Math.PI))).toBeLessThan(KS);
  });

  it('checkerboard: only dark cells, equally often (χ²), uniform inside each cell (KS)', () => {
    const cells = 4;
    const v = checkerboard({ cells, size: 4 }).sampleValues(N, Rng.fromSeed(4));
    const counts = new Map<string, number>();
    const fractions: number[] = [];
    for (let k = 0; k < N; k++) {
      const x = v[2 * k]! + 2;
      const y = v[2 * k + 1]! + 2;
      const [i, j] = [Math.floor(x), Math.floor(y)];
      expect((i + j) % 2).toBe(0);
      counts.set(`${i},${j}`, (counts.get(`${i},${j}`) ?? 0) + 1);
      fractions.push(x - i);
    }
    expect(counts.size).toBe(8);
    const expected = N / 8;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(24.32); // χ²(7) at the 0.1% level
    expect(ksDistance(fractions, (f) => f)).toBeLessThan(KS);
  });

  it('positive versions: exp and shift map the same draws exactly; shift refuses unbounded shapes', () => {
    const base = checkerboard();
    const plain = base.sampleValues(100, Rng.fromSeed(5));
    const exp = positiveToy(base).sampleValues(100, Rng.fromSeed(5));
    const shifted = positiveToy(base, { kind: 'shift', c: 2.5 }).sampleValues(100, Rng.fromSeed(5));
    plain.forEach((p, i) => {
      expect(exp[i]).toBe(Math.fround(Math.exp(p)));
      expect(shifted[i]).toBe(Math.fround(p + 2.5));
      expect(shifted[i]! > 0 && exp[i]! > 0).toBe(true);
    });
    expect(() => positiveToy(base, { kind: 'shift', c: 2 })).toThrow(
      /leaves values down to 0; need c > 2/,
    );
    expect(() => positiveToy(twoMoons(), { kind: 'shift', c: 10 })).toThrow(
      /cannot make an unbounded shape \(two-moons\) positive/,
    );
    const moons = positiveToy(twoMoons({ noise: 0.3 }));
    expect(Math.min(...moons.sampleValues(5000, Rng.fromSeed(6)))).toBeGreaterThan(0);
    const config = JSON.parse(
      JSON.stringify(positiveToy(ring(), { kind: 'shift', c: 2 }).toJSON()),
    );
    expect(Array.from(toyFromConfig(config).sampleValues(10, Rng.fromSeed(7)))).toEqual(
      Array.from(positiveToy(ring(), { kind: 'shift', c: 2 }).sampleValues(10, Rng.fromSeed(7))),
    );
  });
});
