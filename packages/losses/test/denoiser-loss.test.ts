import { geometricSchedule, Rng } from '@dale/core';
import { GBM, gbm, logGaussianKernel } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denoiserWeighting, mdsmLoss, sampleTimes } from '../src/index.ts';
import { meanAndSE, onCpu, value, Z } from './helpers.ts';

beforeAll(onCpu);

const wide = new GBM({
  schedule: geometricSchedule({ sigmaMin: 0.002, sigmaMax: 7.6, mu: { sigmaSquaredRatio: 0.5 } }),
});
const kernel = logGaussianKernel(wide)!;
const levels = { mean: Math.log(0.6 * 0.22), std: 1.2 };

describe("'log-normal' noise-level sampling (guide: M18)", () => {
  it('draws ln S(t) ~ N(P_mean, P_std²) inside the horizon', () => {
    const t = sampleTimes(20_000, Rng.fromSeed(1), {
      T: 1,
      timeSampling: 'log-normal',
      noiseLevels: levels,
      kernel,
    });
    const logS = Float64Array.from(t, (s) => Math.log(kernel.noiseLevel(s)));
    const { mean, se } = meanAndSE(logS);
    expect(Math.abs(mean - levels.mean)).toBeLessThan(Z * se);
    const sd = Math.sqrt(logS.reduce((a, v) => a + (v - mean) ** 2, 0) / (logS.length - 1));
    // SE of a normal sample s.d. is σ/√(2n).
    expect(Math.abs(sd - levels.std)).toBeLessThan((Z * levels.std) / Math.sqrt(2 * logS.length));
    expect(t.every((s) => s > 0 && s <= 1)).toBe(true);
  });

  it('needs the kernel and a valid distribution', () => {
    const rng = Rng.fromSeed(0);
    expect(() =>
      sampleTimes(2, rng, { T: 1, timeSampling: 'log-normal', noiseLevels: levels }),
    ).toThrow(/kernel/);
    expect(() =>
      sampleTimes(2, rng, {
        T: 1,
        timeSampling: 'log-normal',
        kernel,
        noiseLevels: { mean: 0, std: 0 },
      }),
    ).toThrow(/std/);
  });
});

describe('the denoiser weighting makes M-DSM the EDM loss (guide: M16, M18)', () => {
  it('λ = w(S) S⁴: M-DSM of the denoiser score equals w(S) ‖D − log x₀‖² per example', () => {
    const sigmaData = 0.22;
    const rng = Rng.fromSeed(7);
    const x0 = tf.tensor(
      Float32Array.from({ length: 6 * 5 }, () => 1 + rng.uniform()),
      [6, 5],
    );
    // A fixed, imperfect denoiser D(y) = 0.9 y + 0.05, turned into a score with M16.
    const denoise = (x: tf.Tensor) => tf.add(tf.mul(0.9, tf.log(x)), 0.05);
    const score = (x: tf.Tensor, t: number | ArrayLike<number>) =>
      tf.tidy(() => {
        const S2 = tf.tensor(
          Array.from(t as ArrayLike<number>, (s) => kernel.noiseLevel(s) ** 2),
          [6, 1],
        );
        return tf.sub(tf.div(tf.sub(denoise(x), tf.log(x)), S2), 1);
      });
    const options = {
      sde: wide,
      weighting: denoiserWeighting(sigmaData),
      timeSampling: 'log-normal' as const,
      noiseLevels: levels,
      reduction: 'none' as const,
    };
    const got = tf.tidy(() => mdsmLoss(score, x0, { ...options, rng: Rng.fromSeed(3) }).dataSync());
    // The same draws (common random numbers): times, then x_t.
    const replay = Rng.fromSeed(3);
    const t = sampleTimes(6, replay, {
      T: 1,
      timeSampling: 'log-normal',
      noiseLevels: levels,
      kernel,
    });
    const { xt, noise } = wide.sampleMarginal(x0, t, replay);
    const err = tf.tidy(() => tf.sum(tf.squaredDifference(denoise(xt), tf.log(x0)), 1).dataSync());
    for (let b = 0; b < 6; b++) {
      const S = kernel.noiseLevel(t[b]!);
      const w = (S * S + sigmaData ** 2) / (S * sigmaData) ** 2;
      expect(got[b]! / (w * err[b]!)).toBeCloseTo(1, 3);
    }
    tf.dispose([x0, xt, noise!]);
  });

  it('is zero for a perfect denoiser at every level and rejects σ_d ≤ 0', () => {
    expect(() => denoiserWeighting(0)).toThrow(/sigmaData/);
    const x0 = tf.fill([2, 3], 1.5);
    const perfect = (x: tf.Tensor, t: number | ArrayLike<number>) =>
      tf.tidy(() => {
        const S2 =
          (t as number) === undefined ? 1 : gbm().schedule.sigmaSquaredIntegral(t as number);
        return tf.sub(tf.div(tf.sub(tf.log(x0), tf.log(x)), S2), 1);
      });
    const loss = value(
      mdsmLoss(perfect, x0, {
        sde: gbm(),
        rng: Rng.fromSeed(1),
        t: 0.5,
        weighting: denoiserWeighting(0.2),
      }),
    );
    expect(loss).toBeLessThan(1e-8);
    x0.dispose();
  });
});
