import { Rng, useBackend } from '@dale/core';
import { gbm } from '@dale/sde';
import { readmeSnippet } from '@dale/testing/readme-snippet';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createEma,
  createMlp,
  disposeParams,
  flattenParams,
  parameterCount,
  scoreFnFromModel,
} from '../src/index.ts';

describe('README', () => {
  it('runs the snippet (the same lines as README.md)', async () => {
    // README:start
    await useBackend('cpu');
    const sde = gbm(); // σ = 0.8, μ = σ²/2 = 0.32, T = 1: the reference forward process (M1)
    const model = createMlp({ inputDim: 2, hidden: [64, 64], predicts: 'noise' }, Rng.fromSeed(0));
    const ema = createEma(model.params, 0.999);
    const weights = flattenParams(model.params).map(([, variable]) => variable);

    // A few denoising steps on positive data: x_t from the exact kernel (M2), target Z.
    const x0 = tf.tensor([
      [1.2, 1.8],
      [1.5, 1.1],
      [1.9, 1.4],
      [1.1, 1.6],
    ]);
    const rng = Rng.fromSeed(1);
    const optimizer = tf.train.adam(1e-3);
    for (let step = 0; step < 5; step++) {
      const t = Array.from({ length: 4 }, () => 0.01 + 0.99 * rng.uniform());
      const { xt, noise } = sde.sampleMarginal(x0, t, rng);
      optimizer.minimize(
        () => tf.mean(tf.square(tf.sub(model.apply(model.params, xt, t), noise!))),
        false,
        weights,
      );
      ema.update(model.params);
      tf.dispose([xt, noise!]);
    }

    // The Hyvärinen score s_H = −1 − ε̂/S(t) (M6), from the EMA weights, for any sampler.
    const score = scoreFnFromModel(model, sde, { params: ema.params });
    const s = score(tf.tensor([[1.3, 1.7]]), 0.5); // shape [1, 2]
    // README:end

    expect(parameterCount(model.params)).toBe(
      64 * 64 + 64 + (2 + 64) * 64 + 64 + (64 + 64) * 64 + 64 + 64 * 2 + 2,
    );
    expect(ema.updates).toBe(5);
    expect(s.shape).toEqual([1, 2]);
    expect(s.dataSync().every(Number.isFinite)).toBe(true);
    const { shown, tested } = readmeSnippet(import.meta.url);
    expect(shown).toEqual(tested); // the README shows exactly these lines
    tf.dispose([x0, s]);
    optimizer.dispose();
    ema.dispose();
    disposeParams(model.params);
  });
});
