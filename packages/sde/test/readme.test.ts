import { Rng, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gbm, REFERENCE_PRIORS } from '../src/index.ts';

// Mirrors the snippet in README.md: if this breaks, update the README too.
describe('README example', () => {
  it('runs', async () => {
    await useBackend('cpu');
    const sde = gbm({ prior: REFERENCE_PRIORS.mnist });
    const x0 = tf.tensor([[1.2, 1.9, 1.0]]);
    const { xt, noise } = sde.sampleMarginal(x0, 0.5, Rng.fromSeed(0));
    const target = sde.conditionalScore(xt, x0, 0.5);
    const reverse = sde.reverseLatent((x) => tf.neg(tf.onesLike(x)));
    const drift = reverse.drift(tf.log(xt), 0.5);
    const z = noise!.dataSync();
    const s = target.dataSync();
    z.forEach((zi, i) => expect(s[i]).toBeCloseTo(-1 - zi / Math.sqrt(0.32), 4));
    // With s_H = −1 the latent drift is μ − σ²/2 = 0.
    for (const v of drift.dataSync()) expect(v).toBeCloseTo(0, 6);
  });
});
