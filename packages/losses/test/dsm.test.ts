/**
 * M-DSM and standard DSM against second implementations written out by hand in double precision:
 * the reference code's literal loss, the noise-prediction forms, and the kernel score of CIR.
 * The draws are reproduced through the documented convention: times from `sampleTimes`, then
 * x_t (and Z) from `sde.sampleMarginal`, from one Rng.
 */
import { Rng } from '@dale/core';
import { cirSDE, gbm, type ScoreFn, type SDE, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EPS, dsmLoss, mdsmLoss, sampleTimes } from '../src/index.ts';
import { GAUSSIAN_2D, LOGNORMAL_2D, onCpu, take, value } from './helpers.ts';

beforeAll(onCpu);

/** The per-example times as a tensor that broadcasts against a batch of rank `rank`. */
function perExample(t: ArrayLike<number> | number, batch: number, rank: number): tf.Tensor {
  const shape = [batch, ...new Array<number>(rank - 1).fill(1)];
  return typeof t === 'number' ? tf.fill(shape, t) : tf.tensor(Float32Array.from(t), shape);
}

/** A time-dependent Hyvärinen-score model: s(x, t) = −0.4 − 0.3 (1 + t) log x. */
const hyvarinenModel: ScoreFn = (x, t) =>
  tf.tidy(() =>
    tf.sub(-0.4, tf.mul(tf.mul(0.3, tf.add(1, perExample(t, x.shape[0]!, x.rank))), tf.log(x))),
  );
const hyvarinenModelValue = (x: number, t: number) => -0.4 - 0.3 * (1 + t) * Math.log(x);

/** Reproduce a loss's draws: times (or the fixed ones), then x_t and Z. */
function draws(sde: SDE, x0: tf.Tensor, seed: number, grid?: number) {
  const rng = Rng.fromSeed(seed);
  const t = sampleTimes(x0.shape[0]!, rng, {
    T: sde.T,
    ...(grid ? { timeSampling: 'grid' as const, steps: grid } : {}),
  });
  const { xt, noise } = sde.sampleMarginal(x0, t, rng);
  return { t, xt: take(xt), z: noise ? take(noise) : undefined };
}

describe('M-DSM with the reference weighting', () => {
  it("equals the reference's ‖σ²t s + log x_t − log x₀ − μt + 3σ²t/2‖², summed over pixels, averaged over the batch", () => {
    const sde = gbm(); // σ = 0.8, μ = 0.32
    const [sigma2, mu] = [0.64, 0.32];
    const B = 32;
    const x0 = tf.reshape(LOGNORMAL_2D.sample(B * 2, Rng.fromSeed(3)), [B, 2, 2, 1]);
    const x0s = take(x0.clone());
    for (const grid of [undefined, 1000]) {
      const loss = value(
        mdsmLoss(hyvarinenModel, x0, {
          sde,
          rng: Rng.fromSeed(5),
          ...(grid ? { timeSampling: 'grid' as const } : {}),
        }),
      );
      const { t, xt } = draws(sde, x0, 5, grid);
      let total = 0;
      for (let b = 0; b < B; b++) {
        const tb = t[b]!;
        for (let i = b * 4; i < b * 4 + 4; i++) {
          const s = hyvarinenModelValue(xt[i]!, tb);
          const r =
            sigma2 * tb * s +
            Math.log(xt[i]!) -
            Math.log(x0s[i]!) -
            mu * tb +
            (3 * sigma2 * tb) / 2;
          total += r * r;
        }
      }
      // float32 rounding of 128 squared terms (observed ~3e-8).
      expect(Math.abs(loss / (total / B) - 1)).toBeLessThan(1e-6);
    }
    x0.dispose();
  });

  it("with 'noise-prediction' is ‖S(t)(s + 1) + Z‖² per example (guide: M6)", () => {
    const sde = gbm({ sigma: 0.5, mu: 0.9 });
    const x0 = LOGNORMAL_2D.sample(16, Rng.fromSeed(1));
    const losses = take(
      mdsmLoss(hyvarinenModel, x0, {
        sde,
        rng: Rng.fromSeed(2),
        weighting: 'noise-prediction',
        reduction: 'none',
      }),
    );
    const { t, xt, z } = draws(sde, x0, 2);
    for (let b = 0; b < 16; b++) {
      const S = 0.5 * Math.sqrt(t[b]!);
      let expected = 0;
      for (let i = 2 * b; i < 2 * b + 2; i++) {
        expected += (S * (hyvarinenModelValue(xt[i]!, t[b]!) + 1) + z![i]!) ** 2;
      }
      expect(losses[b]! / expected).toBeCloseTo(1, 4);
    }
    x0.dispose();
  });
});

describe('standard DSM for additive SDEs (Stein scores)', () => {
  it("VP with 'noise-prediction' is ‖√v(t) s + Z‖² per example (target −Z/√v)", () => {
    const sde = vpSDE();
    const x0 = GAUSSIAN_2D.sample(16, Rng.fromSeed(4));
    const model: ScoreFn = (x, t) =>
      tf.tidy(() => tf.mul(-0.7, tf.mul(x, perExample(t, x.shape[0]!, 2))));
    const losses = take(
      dsmLoss(model, x0, {
        sde,
        rng: Rng.fromSeed(6),
        weighting: 'noise-prediction',
        reduction: 'none',
      }),
    );
    const { t, xt, z } = draws(sde, x0, 6);
    for (let b = 0; b < 16; b++) {
      const sqrtV = Math.sqrt(sde.variance(t[b]!));
      let expected = 0;
      for (let i = 2 * b; i < 2 * b + 2; i++) {
        expected += (sqrtV * (-0.7 * xt[i]! * t[b]!) + z![i]!) ** 2;
      }
      expect(losses[b]! / expected).toBeCloseTo(1, 4);
    }
    expect(dsmLoss).toBe(mdsmLoss);
    x0.dispose();
  });
});

describe('generic over SDEs and options', () => {
  it('works for CIR (Hyvärinen kernel score from the SDE) with a weighting that needs no Gaussian noise', () => {
    const sde = cirSDE({ kappa: 2, theta: 1.5, sigma: 0.8 });
    const x0 = LOGNORMAL_2D.sample(8, Rng.fromSeed(7));
    const lambda = (t: number) => 1 + t;
    const losses = take(
      mdsmLoss(hyvarinenModel, x0, {
        sde,
        rng: Rng.fromSeed(8),
        weighting: lambda,
        reduction: 'none',
      }),
    );
    const { t, xt } = draws(sde, x0, 8);
    const target = take(sde.conditionalScore(tf.tensor2d(Float32Array.from(xt), [8, 2]), x0, t));
    for (let b = 0; b < 8; b++) {
      let expected = 0;
      for (let i = 2 * b; i < 2 * b + 2; i++) {
        expected += (hyvarinenModelValue(xt[i]!, t[b]!) - target[i]!) ** 2;
      }
      expect(losses[b]! / (lambda(t[b]!) * expected)).toBeCloseTo(1, 4);
    }
    expect(() => mdsmLoss(hyvarinenModel, x0, { sde, rng: Rng.fromSeed(8) })).toThrow(
      /family 'cir'/,
    );
    x0.dispose();
  });

  it("reductions: 'mean' divides by the elements per example, 'none' keeps one value per example", () => {
    const sde = gbm();
    const x0 = tf.reshape(LOGNORMAL_2D.sample(12, Rng.fromSeed(9)), [6, 2, 2]);
    const run = (reduction?: 'mean' | 'none' | 'sum-over-pixels') =>
      mdsmLoss(hyvarinenModel, x0, { sde, rng: Rng.fromSeed(10), reduction });
    const sum = value(run());
    expect(value(run('sum-over-pixels'))).toBe(sum);
    expect(value(run('mean')) / (sum / 4)).toBeCloseTo(1, 6);
    const perExample = run('none');
    expect(perExample.shape).toEqual([6]);
    expect(take(perExample).reduce((a, v) => a + v, 0) / 6 / sum).toBeCloseTo(1, 6);
    x0.dispose();
  });

  it('fixed times: a scalar t reaches the model as a number and equals the same time per example', () => {
    const sde = gbm();
    const x0 = LOGNORMAL_2D.sample(8, Rng.fromSeed(11));
    const seen: unknown[] = [];
    const spy: ScoreFn = (x, t) => {
      seen.push(t);
      return hyvarinenModel(x, t);
    };
    const scalar = value(mdsmLoss(spy, x0, { sde, rng: Rng.fromSeed(12), t: 0.3 }));
    const array = value(
      mdsmLoss(spy, x0, { sde, rng: Rng.fromSeed(12), t: new Array(8).fill(0.3) }),
    );
    expect(seen[0]).toBe(0.3);
    expect(array / scalar).toBeCloseTo(1, 6);
    // Drawn times are per example, in [ε, T].
    value(mdsmLoss(spy, x0, { sde, rng: Rng.fromSeed(12) }));
    const drawn = seen[2] as Float64Array;
    expect(drawn).toHaveLength(8);
    expect(drawn.every((v) => v >= DEFAULT_EPS && v <= 1)).toBe(true);
    x0.dispose();
  });
});
