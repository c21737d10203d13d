/**
 * A user-written sampler: the stochastic Heun method (improved Euler) on the log-space reverse
 * SDE of a positive SDE (guide: M7'). Each step makes an Euler–Maruyama trial step (the
 * Dale–Langevin update M8), evaluates the drift again at its end, and redoes the step with the
 * average of the two drifts and the same noise. In log space the GBM noise is additive (σ does
 * not depend on y), where this scheme is second order in the drift; samples stay positive
 * because the state is y = log x.
 *
 * The sampler is its update: `runChain` of `@dale/samplers` does the rest, as for the built-in
 * samplers (the start from the prior, `init` or `initFrom`; the grid; `onStep` and snapshots;
 * disposal; yielding to the event loop). `space: 'log'` runs the chain in y = log x, where
 * `space.reverse` is the reverse SDE `sde.reverseLatent(score)`.
 */
import { randomNormal } from '@dale/core';
import { type GridSamplerOptions, resolveGrid, runChain, type Sampler } from '@dale/samplers';
import * as tf from '@tensorflow/tfjs-core';

/** Stochastic Heun in log space: two score evaluations per step. */
export const logHeunSampler: Sampler<GridSamplerOptions> = (score, sde, options) =>
  runChain(score, sde, options, {
    name: 'logHeunSampler',
    space: 'log',
    times: resolveGrid(sde, options, 'logHeunSampler'),
    evaluations: 2,
    step: (y, t, s, { space: { reverse }, rng }) => {
      const z = randomNormal(rng, y.shape);
      const noise = tf.mul(Math.sqrt(t - s), tf.mul(reverse.diffusion(y, t), z));
      const driftHere = reverse.drift(y, t);
      const trial = tf.add(tf.sub(y, tf.mul(t - s, driftHere)), noise);
      const driftThere = reverse.drift(trial, s);
      return tf.add(tf.sub(y, tf.mul((t - s) / 2, tf.add(driftHere, driftThere))), noise);
    },
  });
