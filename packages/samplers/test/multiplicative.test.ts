import { Rng } from '@dale/core';
import { gbm } from '@dale/sde';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annealedDaleLangevinSampler,
  annealedSignAgnosticSampler,
  daleLangevinSampler,
  signAgnosticSampler,
} from '../src/index.ts';
import { fastLogNormalScore } from './exact-score.ts';
import { expectMatches, ksNoiseBound, logNormalTarget, N_SAMPLES, onCpu, take } from './helpers.ts';

beforeAll(onCpu);

const sde = gbm(); // σ = 0.8, μ = 0.32, T = 1
const target = logNormalTarget();
const score = fastLogNormalScore(target, sde);
const eps = 1e-3;
/** The exact law the grid samplers aim at: p_ε (they stop at t = ε). */
const atEps = target.noised(sde, eps);
/** Exact draws from p_T: the only error left is the sampler's discretisation. */
const startAtT = (seed: number) => target.noised(sde, sde.T).sample(N_SAMPLES, Rng.fromSeed(seed));

/**
 * Discretisation slack on the KS distance, on top of the 99.9% noise bound 1.949/√n = 0.0195:
 * with 200 steps (δ = 5e-3) the measured KS distances of both samplers on this target stay within
 * 0.006–0.014, i.e. inside the noise band; 0.01 leaves room for the O(δ) weak error.
 */
const KS_SLACK = 0.01;

describe('the multiplicative samplers reproduce a log-normal mixture (exact score, 10k samples)', () => {
  it('reference: an exact sample of the same size passes the same checks without slack', () => {
    const distances = expectMatches(atEps.sample(N_SAMPLES, Rng.fromSeed(99)), atEps, 0, 0);
    expect(Math.max(...distances)).toBeLessThan(ksNoiseBound(N_SAMPLES));
  });

  for (const [name, sampler] of [
    ['signAgnosticSampler (M8a)', signAgnosticSampler],
    ['daleLangevinSampler (M8)', daleLangevinSampler],
  ] as const) {
    it(`${name}, 200 steps from T to ε`, async () => {
      const init = startAtT(1);
      const x = await sampler(score, sde, { init, rng: Rng.fromSeed(2), steps: 200, eps });
      init.dispose();
      expectMatches(x, atEps, KS_SLACK);
    });
  }

  for (const [name, sampler] of [
    ['annealedSignAgnosticSampler', annealedSignAgnosticSampler],
    ['annealedDaleLangevinSampler', annealedDaleLangevinSampler],
  ] as const) {
    it(`${name} without annealing (a = 1, δ = T/(N·L)), N = 100, L = 2, down to t = 0`, async () => {
      const init = startAtT(3);
      const x = await sampler(score, sde, {
        init,
        rng: Rng.fromSeed(4),
        steps: 100,
        innerSteps: 2,
        delta: sde.T / 200,
      });
      init.dispose();
      expectMatches(x, target, KS_SLACK);
    });
  }
});

describe('sign preservation', () => {
  it('Dale–Langevin never produces a non-positive or non-finite value, however large δ; sign-agnostic does', async () => {
    const n = 2000;
    for (const delta of [0.2, 5, 1e6]) {
      const init = target.noised(sde, sde.T).sample(n, Rng.fromSeed(5));
      const options = { init, rng: Rng.fromSeed(6), steps: 20, delta };
      const dl = take(await annealedDaleLangevinSampler(score, sde, options));
      const sa = take(await annealedSignAgnosticSampler(score, sde, options));
      init.dispose();
      expect(dl.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
      // The same steps in ambient space leave the positive orthant (or blow up), so the check above can fail.
      expect(sa.filter((v) => !(v > 0)).length).toBeGreaterThan(n / 100);
    }
  });
});

describe('sign-agnostic and Dale–Langevin agree as δ → 0 (same start, same noise)', () => {
  it('the per-path gap shrinks like √δ and the gap in the mean like δ', async () => {
    // One step of each differs by the Itô term: exp(b'δ + σΔW) = 1 + bδ + σΔW + ½σ²(ΔW² − δ) + …,
    // a martingale increment of size ~σ²δ, so paths drift apart like σ²√(δT/2) (strong order ½),
    // while expectations differ by O(δ) (weak order 1).
    const n = 2000;
    const stepCounts = [25, 50, 100, 200];
    const pathGap: number[] = [];
    const meanGap: number[] = [];
    for (const steps of stepCounts) {
      const init = target.noised(sde, sde.T).sample(n, Rng.fromSeed(7));
      const options = { init, steps, eps: 0.01 };
      const sa = take(await signAgnosticSampler(score, sde, { ...options, rng: Rng.fromSeed(8) }));
      const dl = take(await daleLangevinSampler(score, sde, { ...options, rng: Rng.fromSeed(8) }));
      init.dispose();
      let absolute = 0;
      let signed = 0;
      for (let i = 0; i < sa.length; i++) {
        absolute += Math.abs(sa[i]! - dl[i]!);
        signed += sa[i]! - dl[i]!;
      }
      pathGap.push(absolute / sa.length);
      meanGap.push(Math.abs(signed / sa.length));
    }
    const slope = (gaps: number[], from: number, to: number) =>
      Math.log(gaps[from]! / gaps[to]!) / Math.log(stepCounts[to]! / stepCounts[from]!);
    for (let k = 1; k < stepCounts.length; k++) expect(pathGap[k]).toBeLessThan(pathGap[k - 1]!);
    expect(slope(pathGap, 0, 3)).toBeGreaterThan(0.4);
    expect(slope(pathGap, 0, 3)).toBeLessThan(0.75);
    // The mean gap is resolved well above its Monte Carlo error (≈ 6e-4) up to 100 steps.
    expect(slope(meanGap, 0, 2)).toBeGreaterThan(0.75);
    expect(slope(meanGap, 0, 2)).toBeLessThan(1.3);
    expect(pathGap[3]).toBeLessThan(0.02);
  });
});
