import { DaleError, Rng } from '@dale/core';
import { LogNormalMixture } from '@dale/data';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { probabilityFlowSampler, solveProbabilityFlow } from '../src/index.ts';
import { fastLogNormalScore } from './exact-score.ts';
import { expectMatches, logNormalTarget, N_SAMPLES, onCpu, take } from './helpers.ts';

beforeAll(onCpu);

const sde = gbm();
const eps = 1e-3;

/**
 * For one log-normal component, log X₀ ~ N(m, s²), the probability-flow ODE (guide: M10) moves
 * each point along its quantile: with a(t) = m + M(t) − S²(t)/2 and v(t) = s² + S²(t),
 * (y_t − a(t))/√v(t) is constant, since dy/dt = a'(t) + (σ²/2)(y − a)/v and v' = σ².
 */
const single = new LogNormalMixture([{ weight: 1, mean: [0.2, -0.1], std: [0.3, 0.25] }]);
function exactFlow(x: Float64Array, from: number, to: number): Float64Array {
  const c = single.components[0]!;
  return x.map((value, i) => {
    const j = i % 2;
    const a = (t: number) => c.mean[j]! + sde.logMeanShift(t);
    const v = (t: number) => c.std[j]! ** 2 + sde.schedule.sigmaSquaredIntegral(t);
    return Math.exp(a(to) + (Math.log(value) - a(from)) * Math.sqrt(v(to) / v(from)));
  });
}
const maxRelativeError = (got: Float64Array, want: Float64Array) =>
  got.reduce((m, g, i) => Math.max(m, Math.abs(g / want[i]! - 1)), 0);
const meanAbsoluteError = (got: Float64Array, want: Float64Array) =>
  got.reduce((m, g, i) => m + Math.abs(g - want[i]!), 0) / got.length;

describe('probability-flow ODE in log space (M10)', () => {
  const score = fastLogNormalScore(single, sde);

  it('RK45 matches the closed-form transport of a log-normal in both directions', async () => {
    const x = single.noised(sde, sde.T).sample(2000, Rng.fromSeed(1));
    const start = Float64Array.from(x.dataSync());
    const tight = { rtol: 1e-6, atol: 1e-6 };
    const down = await solveProbabilityFlow(score, sde, x, { from: sde.T, to: eps, ...tight });
    const downValues = take(down.x);
    // Measured 1.3e-6 (float32 states, tolerances 1e-6).
    expect(maxRelativeError(downValues, exactFlow(start, sde.T, eps))).toBeLessThan(2e-5);
    expect(down.nfe).toBe(2 + 6 * (down.steps + down.rejected));
    const back = tf.tensor2d(Float32Array.from(downValues), [2000, 2]);
    const up = await solveProbabilityFlow(score, sde, back, { from: eps, to: sde.T, ...tight });
    expect(maxRelativeError(take(up.x), start)).toBeLessThan(2e-5);
    tf.dispose([x, back]);
  });

  it('Euler converges at first order and Heun at second order (error ratio when halving the step)', async () => {
    const x = single.noised(sde, sde.T).sample(500, Rng.fromSeed(2));
    const want = exactFlow(Float64Array.from(x.dataSync()), sde.T, 0.05);
    const errors = { euler: [] as number[], heun: [] as number[] };
    for (const method of ['euler', 'heun'] as const) {
      for (const steps of [10, 20, 40]) {
        const solution = await solveProbabilityFlow(score, sde, x, {
          from: sde.T,
          to: 0.05,
          method,
          steps,
        });
        expect(solution.nfe).toBe(method === 'euler' ? steps : 2 * steps);
        errors[method].push(meanAbsoluteError(take(solution.x), want));
      }
    }
    // Measured ratios: Euler 2.01, 2.01; Heun 4.18, 4.12.
    for (const k of [1, 2]) {
      const eulerRatio = errors.euler[k - 1]! / errors.euler[k]!;
      const heunRatio = errors.heun[k - 1]! / errors.heun[k]!;
      expect(eulerRatio).toBeGreaterThan(1.7);
      expect(eulerRatio).toBeLessThan(2.3);
      expect(heunRatio).toBeGreaterThan(3.4);
      expect(heunRatio).toBeLessThan(4.6);
    }
    x.dispose();
  });

  it('integrates forward then backward back to the start (a 2-D mixture, RK45 with tight tolerances)', async () => {
    const target = logNormalTarget();
    const mixtureScore = fastLogNormalScore(target, sde);
    const x = target.noised(sde, eps).sample(2000, Rng.fromSeed(3));
    const tight = { rtol: 1e-6, atol: 1e-6 };
    const up = await solveProbabilityFlow(mixtureScore, sde, x, { from: eps, to: sde.T, ...tight });
    const down = await solveProbabilityFlow(mixtureScore, sde, up.x, {
      from: sde.T,
      to: eps,
      ...tight,
    });
    // Measured 2.5e-6.
    expect(maxRelativeError(take(down.x), Float64Array.from(x.dataSync()))).toBeLessThan(2e-5);
    tf.dispose([x, up.x]);
  });

  it('is deterministic: the same start gives the same samples, whatever the rng', async () => {
    const options = { rtol: 1e-4, atol: 1e-4 };
    const shape = [300, 2];
    const a = take(
      await probabilityFlowSampler(score, sde, { ...options, shape, rng: Rng.fromSeed(4) }),
    );
    const b = take(
      await probabilityFlowSampler(score, sde, { ...options, shape, rng: Rng.fromSeed(4) }),
    );
    expect(b).toEqual(a);
    // The prior draw is the only use of the rng: the same start with another rng gives the same result.
    const init = sde.priorSample(shape, Rng.fromSeed(4));
    const c = take(
      await probabilityFlowSampler(score, sde, { ...options, init, rng: Rng.fromSeed(77) }),
    );
    expect(c).toEqual(a);
    init.dispose();
  });

  it('reproduces a log-normal mixture from exact draws of p_T (RK45, 10k samples)', async () => {
    const target = logNormalTarget();
    const init = target.noised(sde, sde.T).sample(N_SAMPLES, Rng.fromSeed(5));
    let nfe = 0;
    const x = await probabilityFlowSampler(fastLogNormalScore(target, sde), sde, {
      init,
      rng: Rng.fromSeed(6),
      eps,
      rtol: 1e-4,
      atol: 1e-4,
      onStep: (info) => {
        expect(info.total).toBeUndefined();
        nfe = info.nfe;
      },
    });
    init.dispose();
    expect(nfe).toBeGreaterThan(10);
    // The ODE error at rtol 1e-4 is far below the KS noise; same slack as the SDE samplers.
    expectMatches(x, target.noised(sde, eps), 0.01);
  });

  it('gives up with a clear error after maxSteps', async () => {
    const x = single.sample(10, Rng.fromSeed(7));
    const before = tf.memory().numTensors;
    await expect(
      solveProbabilityFlow(score, sde, x, {
        from: sde.T,
        to: eps,
        rtol: 1e-7,
        atol: 1e-7,
        maxSteps: 3,
      }),
    ).rejects.toThrow(/RK45 reached maxSteps = 3 at t = .* loosen rtol\/atol or raise maxSteps/);
    await expect(
      solveProbabilityFlow(score, sde, x, { from: sde.T, to: eps, maxSteps: 3 }),
    ).rejects.toBeInstanceOf(DaleError);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
