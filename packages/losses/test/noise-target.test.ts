// The M-DSM target from the kept forward noise (issue 18: no logarithms of x_t and x₀ per step)
// against each family's own conditionalScore, and the loss never needing conditionalScore.
import { geometricSchedule, Rng } from '@dale/core';
import { cirSDE, GBM, gbm, type SDE, veSDE, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mdsmLoss } from '../src/index.ts';
import { conditionalScoreFromNoise } from '../src/noise-target.ts';
import { onCpu, take } from './helpers.ts';

onCpu();

const wide = new GBM({
  schedule: geometricSchedule({ sigmaMin: 0.002, sigmaMax: 7.6, mu: { sigmaSquaredRatio: 0.5 } }),
});
const families: [string, SDE][] = [
  ['gbm (paper)', gbm()],
  ['gbm (wide horizon)', wide],
  ['ve', veSDE()],
  ['vp', vpSDE()],
];

describe('conditionalScoreFromNoise', () => {
  it.each(families)('%s: equals conditionalScore(x_t, x₀, t) at per-example times', (_, sde) => {
    const rng = Rng.fromSeed(3);
    const x0 = tf.tensor(
      Float32Array.from({ length: 6 * 5 }, () => 1 + rng.uniform()),
      [6, 5],
    );
    const t = Float64Array.from([0.05, 0.2, 0.4, 0.6, 0.8, 1].map((s) => s * sde.T));
    const { xt, noise } = sde.sampleMarginal(x0, t, rng);
    const fromNoise = take(conditionalScoreFromNoise(sde, noise!, t)!);
    const fromLogs = take(sde.conditionalScore(xt, x0, t));
    for (let i = 0; i < fromLogs.length; i++) {
      expect(Math.abs(fromNoise[i]! - fromLogs[i]!)).toBeLessThan(
        1e-3 * (1 + Math.abs(fromLogs[i]!)),
      );
    }
    tf.dispose([x0, xt, noise!]);
  });

  it('is undefined where the family declares no Gaussian kernel (CIR)', () => {
    const sde = cirSDE({ kappa: 1.5, theta: 1.2, sigma: 0.9 });
    const noise = tf.zeros([2, 2]);
    expect(sde.kernel).toBeUndefined();
    expect(conditionalScoreFromNoise(sde, noise, 0.5)).toBeUndefined();
    noise.dispose();
  });

  it('mdsmLoss reads the target from the noise: it never calls conditionalScore for GBM', () => {
    const sde = gbm();
    const guarded = gbm();
    guarded.conditionalScore = () => {
      throw new Error('conditionalScore was called');
    };
    const x0 = tf.fill([4, 3], 1.5);
    const score = (x: tf.Tensor) => tf.zerosLike(x);
    const a = take(mdsmLoss(score, x0, { sde: guarded, rng: Rng.fromSeed(1) }));
    const b = take(mdsmLoss(score, x0, { sde, rng: Rng.fromSeed(1) }));
    expect(a[0]).toBeCloseTo(b[0]!, 4);
    x0.dispose();
  });
});
