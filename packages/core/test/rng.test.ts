import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.ts';

function draws(rng: Rng, n: number): Float64Array {
  return rng.fillNormal(new Float64Array(n));
}

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return { mean, variance: ss / (x.length - 1) };
}

describe('Rng', () => {
  it('gives identical draws for the same seed, run after run', () => {
    expect(draws(Rng.fromSeed(7), 1000)).toEqual(draws(Rng.fromSeed(7), 1000));
    expect(draws(Rng.fromSeed('mnist'), 10)).toEqual(draws(Rng.fromSeed('mnist'), 10));
  });

  it('implements xoshiro128** exactly (reference output for the state [1, 2, 3, 4])', () => {
    const rng = Rng.fromState({ s: [1, 2, 3, 4], splits: 0, spare: null });
    const out = Array.from({ length: 8 }, () => rng.nextUint32());
    expect(out).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
  });

  it('gives different draws for different seeds, including seeds that differ above 2^32', () => {
    expect(draws(Rng.fromSeed(1), 10)).not.toEqual(draws(Rng.fromSeed(2), 10));
    expect(draws(Rng.fromSeed(1), 10)).not.toEqual(draws(Rng.fromSeed(2 ** 32 + 1), 10));
  });

  it('splits independent streams without changing the parent stream', () => {
    const a = Rng.fromSeed(3);
    const b = Rng.fromSeed(3);
    const data = a.split('data');
    const noise = a.split('sampler');
    expect(draws(a, 100)).toEqual(draws(b, 100));
    const x = draws(data, 20_000);
    const y = draws(noise, 20_000);
    expect(x.slice(0, 10)).not.toEqual(y.slice(0, 10));
    // Independent streams: the sample correlation is within 4 standard errors (1/sqrt(n)) of 0.
    let c = 0;
    for (let i = 0; i < x.length; i++) c += x[i]! * y[i]!;
    expect(Math.abs(c / x.length)).toBeLessThan(4 / Math.sqrt(x.length));
    // Splits are reproducible, and the same label at a later split gives a new stream.
    expect(draws(Rng.fromSeed(3).split('data'), 5)).toEqual(x.slice(0, 5));
    const c1 = Rng.fromSeed(3);
    expect(draws(c1.split('data'), 5)).not.toEqual(draws(c1.split('data'), 5));
  });

  it('restores from a JSON round trip of its state mid-stream', () => {
    const rng = Rng.fromSeed(11);
    draws(rng, 3); // leaves a Box–Muller spare cached
    const saved = JSON.parse(JSON.stringify(rng.state()));
    expect(draws(Rng.fromState(saved), 50)).toEqual(draws(rng, 50));
  });

  it('draws standard normals with the right mean, variance and tails (200k draws)', () => {
    const x = draws(Rng.fromSeed(5), 200_000);
    const { mean, variance } = moments(x);
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(1 / x.length));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / x.length));
    const beyond2 = x.filter((v) => Math.abs(v) > 2).length / x.length;
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.003);
  });

  it('draws uniforms in [0, 1) and Rademacher signs with the right moments', () => {
    const rng = Rng.fromSeed(9);
    const u = rng.fillUniform(new Float64Array(100_000));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(moments(u).mean - 0.5)).toBeLessThan(0.005);
    const r = rng.fillRademacher(new Float32Array(100_001));
    expect(new Set(r)).toEqual(new Set([-1, 1]));
    expect(Math.abs(moments(r).mean)).toBeLessThan(0.015);
  });

  it('draws Gamma and Poisson variables with the right mean and variance', () => {
    const rng = Rng.fromSeed(13);
    for (const shape of [0.3, 1, 4.5, 60]) {
      const g = Float64Array.from({ length: 40_000 }, () => rng.gamma(shape));
      const m = moments(g);
      expect(Math.abs(m.mean - shape)).toBeLessThan(5 * Math.sqrt(shape / g.length));
      expect(Math.abs(m.variance / shape - 1)).toBeLessThan(0.06);
    }
    for (const mean of [0.5, 7, 120]) {
      const p = Float64Array.from({ length: 40_000 }, () => rng.poisson(mean));
      const m = moments(p);
      expect(Math.abs(m.mean - mean)).toBeLessThan(5 * Math.sqrt(mean / p.length));
      expect(Math.abs(m.variance / mean - 1)).toBeLessThan(0.06);
    }
  });

  it('returns a permutation of 0..n-1', () => {
    const p = Rng.fromSeed(1).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
    expect([...p.slice(0, 10)]).not.toEqual([...Array(10).keys()]);
  });

  it('rejects bad seeds and states with clear errors', () => {
    expect(() => Rng.fromSeed(Number.NaN)).toThrow(/finite/);
    expect(() => Rng.fromState({ s: [0, 0, 0, 0], splits: 0, spare: null })).toThrow(/all zeros/);
    expect(() => Rng.fromState({} as never)).toThrow(/expects/);
    expect(() => Rng.fromSeed(1).int(0)).toThrow(/positive integer/);
  });
});
