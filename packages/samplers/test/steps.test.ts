import { DaleError, Rng, randomNormal } from '@dale/core';
import { gbm, type ScoreFn, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annealedDaleLangevinSampler,
  annealedSignAgnosticSampler,
  annealedSteps,
  daleLangevinSampler,
  eulerMaruyamaStep,
  initialSample,
  langevinCorrectorStep,
  predictorCorrectorSampler,
  signAgnosticSampler,
} from '../src/index.ts';
import { onCpu, take } from './helpers.ts';

beforeAll(onCpu);

// A GBM away from the reference (μ ≠ σ²/2), so every μ and σ term of M8/M8a matters.
const sde = gbm({ sigma: 0.5, mu: 1.2, T: 2 });
const sigma2 = 0.25;
const mu = 1.2;

/**
 * The exact Hyvärinen score of a single log-normal, log X₀ ~ N(m, s²), noised by `sde`:
 * s_H(x, t) = −1 − (log x − m_t)/v_t with m_t = m + M(t) − S²(t)/2, v_t = s² + S²(t) (M2, M4).
 */
const m = 0.2;
const s2 = 0.09;
const meanAt = (t: number) => m + sde.logMeanShift(t);
const varAt = (t: number) => s2 + sde.schedule.sigmaSquaredIntegral(t);
const score: ScoreFn = (x, t) =>
  tf.tidy(() => {
    const time = t as number;
    return tf.sub(-1, tf.div(tf.sub(tf.log(x), meanAt(time)), varAt(time)));
  });
const scoreJS = (x: number, t: number) => -1 - (Math.log(x) - meanAt(t)) / varAt(t);

/** M8a written out: x ∘ [1 + 2δσ² − δμ + δσ² s_H + a√δ σ z]. */
const m8a = (x: number, sH: number, delta: number, a: number, z: number) =>
  x *
  (1 + 2 * delta * sigma2 - delta * mu + delta * sigma2 * sH + a * Math.sqrt(delta * sigma2) * z);
/** M8 written out: x ∘ exp(δσ² s_H − δ(μ − 3σ²/2) + a√δ σ z). */
const m8 = (x: number, sH: number, delta: number, a: number, z: number) =>
  x *
  Math.exp(delta * sigma2 * sH - delta * (mu - 1.5 * sigma2) + a * Math.sqrt(delta * sigma2) * z);

function positiveBatch(seed: number, shape: number[]): tf.Tensor {
  return tf.tidy(() => tf.exp(tf.mul(0.4, randomNormal(Rng.fromSeed(seed), shape))));
}

describe('one step against the hand-written guide formulas', () => {
  const t = 0.7;
  const delta = 0.013;
  const a = 0.8;

  it('Euler–Maruyama on sde.reverse is M8a (sign-agnostic), with and without noise', () => {
    const x = positiveBatch(1, [40, 3]);
    const z = randomNormal(Rng.fromSeed(2), [40, 3]);
    const xs = x.dataSync();
    const zs = z.dataSync();
    for (const [noise, factor] of [
      [z, a],
      [undefined, 0],
    ] as const) {
      const got = take(eulerMaruyamaStep(sde.reverse(score), x, t, delta, noise, factor));
      for (let i = 0; i < got.length; i++) {
        const want = m8a(xs[i]!, scoreJS(xs[i]!, t), delta, factor, zs[i]!);
        expect(got[i]).toBeCloseTo(want, 5);
      }
    }
    tf.dispose([x, z]);
  });

  it('Euler–Maruyama on sde.reverseLatent in log space, then exp, is M8 (Dale–Langevin)', () => {
    const x = positiveBatch(3, [40, 3]);
    const z = randomNormal(Rng.fromSeed(4), [40, 3]);
    const xs = x.dataSync();
    const zs = z.dataSync();
    for (const [noise, factor] of [
      [z, a],
      [undefined, 0],
    ] as const) {
      const got = take(
        tf.tidy(() =>
          tf.exp(eulerMaruyamaStep(sde.reverseLatent(score), tf.log(x), t, delta, noise, factor)),
        ),
      );
      for (let i = 0; i < got.length; i++) {
        const want = m8(xs[i]!, scoreJS(xs[i]!, t), delta, factor, zs[i]!);
        expect(got[i]! / want).toBeCloseTo(1, 5);
      }
    }
    tf.dispose([x, z]);
  });

  it('the grid samplers take exactly one M8 / M8a step on the grid [t, t − δ]', async () => {
    const x = positiveBatch(5, [30, 2]);
    const xs = x.dataSync();
    const zs = randomNormal(Rng.fromSeed(6), [30, 2]).dataSync(); // what the sampler will draw
    const options = { init: x, times: [t, t - delta] };
    const dl = take(await daleLangevinSampler(score, sde, { ...options, rng: Rng.fromSeed(6) }));
    const sa = take(await signAgnosticSampler(score, sde, { ...options, rng: Rng.fromSeed(6) }));
    for (let i = 0; i < xs.length; i++) {
      const sH = scoreJS(xs[i]!, t);
      expect(dl[i]! / m8(xs[i]!, sH, delta, 1, zs[i]!)).toBeCloseTo(1, 5);
      expect(sa[i]).toBeCloseTo(m8a(xs[i]!, sH, delta, 1, zs[i]!), 5);
    }
    x.dispose();
  });
});

describe('denoiseLast', () => {
  it('makes only the last grid step noise-free (M8 / M8a with a = 0), drawing no noise for it', async () => {
    const x = positiveBatch(12, [20, 2]);
    const xs = x.dataSync();
    const times = [0.5, 0.3, 0.2];
    const zs = randomNormal(Rng.fromSeed(4), [20, 2]).dataSync(); // the first step's draw only
    for (const [sampler, update] of [
      [daleLangevinSampler, m8],
      [signAgnosticSampler, m8a],
    ] as const) {
      const got = take(
        await sampler(score, sde, { init: x, times, rng: Rng.fromSeed(4), denoiseLast: true }),
      );
      for (let i = 0; i < xs.length; i++) {
        const mid = update(xs[i]!, scoreJS(xs[i]!, 0.5), 0.2, 1, zs[i]!);
        const want = update(mid, scoreJS(mid, 0.3), 0.1, 0, 0);
        expect(got[i]! / want).toBeCloseTo(1, 4);
      }
    }
    x.dispose();
  });
});

describe('the annealed loop (guide: section 7) against a hand-written reference loop', () => {
  const schedule = { steps: 5, delta: 0.02, innerSteps: 2, annealFactor: 0.8, tweedieSteps: 3 };

  it('visits k = N−1 … 0 with L updates each, anneals a per level, then Tweedie steps at t = 0', () => {
    const steps = annealedSteps(schedule, 2);
    const expectedTimes = [1.6, 1.6, 1.2, 1.2, 0.8, 0.8, 0.4, 0.4, 0, 0, 0, 0, 0];
    expect(steps.map((s) => s.t)).toEqual(expectedTimes.map((v) => expect.closeTo(v, 12)));
    expect(steps.map((s) => s.noiseScale)).toEqual(
      [1, 1, 0.8, 0.8, 0.64, 0.64, 0.512, 0.512, 0.4096, 0.4096, 0, 0, 0].map((v) =>
        expect.closeTo(v, 12),
      ),
    );
    expect(steps.every((s) => s.delta === 0.02)).toBe(true);
  });

  it('timeFloor raises every time below it (the last level and the Tweedie steps) and no other', () => {
    const steps = annealedSteps({ ...schedule, timeFloor: 0.4 }, 2);
    const expectedTimes = [1.6, 1.6, 1.2, 1.2, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4];
    expect(steps.map((s) => s.t)).toEqual(expectedTimes.map((v) => expect.closeTo(v, 12)));
    expect(() => annealedSteps({ ...schedule, timeFloor: -1 }, 2)).toThrow(/timeFloor/);
  });

  it('with timeFloor = T/N a score that has no value at t = 0 (a noise model) can be sampled', async () => {
    const singular: ScoreFn = (x, t) => {
      const times = typeof t === 'number' ? [t] : Array.from(t);
      if (times.some((v) => v <= 0)) throw new Error('no score at t = 0');
      return score(x, t);
    };
    const x = positiveBatch(9, [4, 2]);
    const options = { ...schedule, init: x, rng: Rng.fromSeed(3) };
    await expect(annealedDaleLangevinSampler(singular, sde, options)).rejects.toThrow(/t = 0/);
    const out = take(
      await annealedDaleLangevinSampler(singular, sde, { ...options, timeFloor: 2 / 5 }),
    );
    expect(out.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    x.dispose();
  });

  for (const [name, sampler, update] of [
    ['annealedDaleLangevinSampler (M8)', annealedDaleLangevinSampler, m8],
    ['annealedSignAgnosticSampler (M8a)', annealedSignAgnosticSampler, m8a],
  ] as const) {
    it(`${name} equals the reference loop run in double precision with the same noise`, async () => {
      const shape = [6, 2];
      const x = positiveBatch(7, shape);
      const got = take(await sampler(score, sde, { ...schedule, init: x, rng: Rng.fromSeed(8) }));
      // The reference loop: same draws, in the same order (one normal tensor per noisy update).
      const rng = Rng.fromSeed(8);
      const state = Float64Array.from(x.dataSync());
      const times = [1.6, 1.2, 0.8, 0.4, 0];
      let a = 1;
      for (const tk of times) {
        for (let j = 0; j < schedule.innerSteps; j++) {
          const z = rng.fillNormal(new Float32Array(state.length));
          for (let i = 0; i < state.length; i++) {
            state[i] = update(state[i]!, scoreJS(state[i]!, tk), schedule.delta, a, z[i]!);
          }
        }
        a *= schedule.annealFactor;
      }
      for (let j = 0; j < schedule.tweedieSteps; j++) {
        for (let i = 0; i < state.length; i++) {
          state[i] = update(state[i]!, scoreJS(state[i]!, 0), schedule.delta, 0, 0);
        }
      }
      for (let i = 0; i < state.length; i++) expect(got[i]! / state[i]!).toBeCloseTo(1, 4);
      x.dispose();
    });
  }
});

describe('langevinCorrectorStep: the signal-to-noise step rule', () => {
  it('uses ε = 2α(r‖z‖/‖g‖)² per example, or from batch-mean norms', () => {
    const y = tf.tensor2d([
      [0.1, 0.2, 0.3],
      [1, -1, 0.5],
    ]);
    const g = tf.tensor2d([
      [1, 2, 2],
      [0.5, 0, 0],
    ]);
    const z = tf.tensor2d([
      [0.3, -0.4, 0],
      [1, 0, 0],
    ]);
    const [r, alpha] = [0.2, 0.9];
    // ‖g‖ = (3, 0.5) and ‖z‖ = (0.5, 1) per row; batch means 1.75 and 0.75.
    const eps = (zn: number, gn: number) => 2 * alpha * ((r * zn) / gn) ** 2;
    const perExample = [eps(0.5, 3), eps(1, 0.5)];
    const batch = eps(0.75, 1.75);
    const ys = y.dataSync();
    const gs = g.dataSync();
    const zs = z.dataSync();
    const got = take(langevinCorrectorStep(y, g, z, r, alpha, 'per-example'));
    const gotBatch = take(langevinCorrectorStep(y, g, z, r, alpha, 'batch-mean'));
    for (let i = 0; i < 6; i++) {
      const e = perExample[Math.floor(i / 3)]!;
      expect(got[i]).toBeCloseTo(ys[i]! + e * gs[i]! + Math.sqrt(2 * e) * zs[i]!, 5);
      expect(gotBatch[i]).toBeCloseTo(ys[i]! + batch * gs[i]! + Math.sqrt(2 * batch) * zs[i]!, 5);
    }
    tf.dispose([y, g, z]);
  });
});

describe('one predictor–corrector step against the hand-written update', () => {
  const [t, s] = [0.6, 0.55];
  const [r, rows, cols] = [0.3, 3, 4];

  /** ε = 2α(r‖z‖/‖g‖)² for one row. */
  function rowEpsilon(g: number[], z: number[], alpha: number): number {
    const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
    return 2 * alpha * ((r * norm(z)) / norm(g)) ** 2;
  }

  it('GBM: an M8 predictor to t − δ, then a log-space Langevin step at t − δ with g = s_H + 1', async () => {
    const x = positiveBatch(11, [rows, cols]);
    const xs = x.dataSync();
    const draws = Rng.fromSeed(12);
    const z1 = randomNormal(draws, [rows, cols]).dataSync();
    const z2 = randomNormal(draws, [rows, cols]).dataSync();
    const got = take(
      await predictorCorrectorSampler(score, sde, {
        init: x,
        rng: Rng.fromSeed(12),
        times: [t, s],
        snr: r,
        snrNorm: 'per-example',
      }),
    );
    for (let i = 0; i < rows; i++) {
      const row = [...Array(cols).keys()].map((j) => i * cols + j);
      const y1 = row.map((k) => Math.log(m8(xs[k]!, scoreJS(xs[k]!, t), t - s, 1, z1[k]!)));
      const g = y1.map((y) => scoreJS(Math.exp(y), s) + 1);
      const z = row.map((k) => z2[k]!);
      const e = rowEpsilon(g, z, 1);
      row.forEach((k, j) => {
        const want = Math.exp(y1[j]! + e * g[j]! + Math.sqrt(2 * e) * z[j]!);
        expect(got[k]! / want).toBeCloseTo(1, 4);
      });
    }
    x.dispose();
  });

  it('VP: an Euler–Maruyama predictor, then a Langevin step with α = e^{2(M(t) − M(t − δ))} ≈ 1 − βδ', async () => {
    const vp = vpSDE();
    const u = t - 1e-3; // a small step, where α ≈ 1 − βδ
    // The exact Stein score of N(m₀, s₀²) under VP: −(x − e^{M} m₀)/(e^{2M} s₀² + v(t)).
    const [m0, s0] = [0.4, 0.5];
    const steinJS = (x: number, time: number) => {
      const factor = vp.meanFactor(time);
      return -(x - factor * m0) / (factor * factor * s0 * s0 + vp.variance(time));
    };
    const stein: ScoreFn = (x, time) =>
      tf.tidy(() => {
        const factor = vp.meanFactor(time as number);
        const variance = factor * factor * s0 * s0 + vp.variance(time as number);
        return tf.div(tf.sub(x, factor * m0), -variance);
      });
    const x = randomNormal(Rng.fromSeed(13), [rows, cols]);
    const xs = x.dataSync();
    const draws = Rng.fromSeed(14);
    const z1 = randomNormal(draws, [rows, cols]).dataSync();
    const z2 = randomNormal(draws, [rows, cols]).dataSync();
    const got = take(
      await predictorCorrectorSampler(stein, vp, {
        init: x,
        rng: Rng.fromSeed(14),
        times: [t, u],
        snr: r,
        snrNorm: 'per-example',
      }),
    );
    const [beta, delta] = [vp.schedule.sigmaSquared(t), t - u];
    const alpha = Math.exp(2 * (vp.schedule.muIntegral(t) - vp.schedule.muIntegral(u)));
    expect(alpha).toBeCloseTo(1 - beta * delta, 3); // Song et al.'s α_i = 1 − β_i for small steps
    for (let i = 0; i < rows; i++) {
      const row = [...Array(cols).keys()].map((j) => i * cols + j);
      // Reverse drift −½βx − β∇log p, diffusion √β (forward notation, step t → t − δ).
      const x1 = row.map(
        (k) =>
          xs[k]! -
          delta * (-0.5 * beta * xs[k]! - beta * steinJS(xs[k]!, t)) +
          Math.sqrt(delta * beta) * z1[k]!,
      );
      const g = x1.map((v) => steinJS(v, u));
      const z = row.map((k) => z2[k]!);
      const e = rowEpsilon(g, z, alpha);
      row.forEach((k, j) => {
        expect(got[k]).toBeCloseTo(x1[j]! + e * g[j]! + Math.sqrt(2 * e) * z[j]!, 4);
      });
    }
    x.dispose();
  });
});

describe('where chains start', () => {
  it('draws from the fitted log-normal prior sde.priorSample by default', () => {
    const fitted = gbm({ prior: { m: 0.3, s: 0.7 } });
    const got = take(initialSample(fitted, { shape: [100, 2], rng: Rng.fromSeed(9) }, 'test'));
    const want = take(fitted.priorSample([100, 2], Rng.fromSeed(9)));
    expect(got).toEqual(want);
  });

  it('noises given images to t = T (class-average start) with sde.sampleMarginal', () => {
    const images = tf.fill([4, 3, 3, 1], 1.5);
    const got = take(initialSample(sde, { initFrom: images, rng: Rng.fromSeed(10) }, 'test'));
    const want = take(sde.sampleMarginal(images, sde.T, Rng.fromSeed(10)).xt);
    expect(got).toEqual(want);
    images.dispose();
  });

  it('copies an explicit start and leaves the caller’s tensor alive', () => {
    const init = tf.ones([3, 2]);
    const got = initialSample(vpSDE(), { init, rng: Rng.fromSeed(0) }, 'test');
    expect(got).not.toBe(init);
    got.dispose();
    expect(init.isDisposed).toBe(false);
    expect(() =>
      initialSample(vpSDE(), { init, initFrom: init, rng: Rng.fromSeed(0) }, 'x'),
    ).toThrow(DaleError);
    init.dispose();
  });
});
