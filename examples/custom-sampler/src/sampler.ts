/**
 * A user-written sampler: the stochastic Heun method (improved Euler) on the log-space reverse
 * SDE of a positive SDE (guide: M7'). Each step makes an Euler–Maruyama trial step (the
 * Dale–Langevin update M8), evaluates the drift again at its end, and redoes the step with the
 * average of the two drifts and the same noise. In log space the GBM noise is additive (σ does
 * not depend on y), where this scheme is second order in the drift; samples stay positive
 * because the state is y = log x.
 *
 * It is a plain function of the `Sampler` type, built from the same pieces as the built-in
 * samplers: `resolveGrid` (the time grid options), `initialSample` (prior, `init` or `initFrom`)
 * and `ProgressReporter` (`onStep`, snapshots, yielding to the event loop).
 */
import { DaleError, randomNormal } from '@dale/core';
import {
  type GridSamplerOptions,
  initialSample,
  ProgressReporter,
  resolveGrid,
  type Sampler,
} from '@dale/samplers';
import { fromLatent, isPositiveSDE, toLatent } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/** Stochastic Heun in log space: two score evaluations per step. */
export const logHeunSampler: Sampler<GridSamplerOptions> = async (score, sde, options) => {
  const where = 'logHeunSampler';
  if (!isPositiveSDE(sde)) {
    throw new DaleError(
      'unsupported-sde',
      `${where}: needs a positive SDE with a log-space form (GBM, CIR), got '${sde.family}'`,
    );
  }
  const times = resolveGrid(sde, options, where);
  const reverse = sde.reverseLatent(score);
  const progress = new ProgressReporter(options, times.length - 1, where);
  const start = initialSample(sde, options, where);
  let y = toLatent(start);
  start.dispose();
  try {
    for (let k = 0; k + 1 < times.length; k++) {
      const t = times[k]!;
      const s = times[k + 1]!;
      const delta = t - s;
      const current = y;
      const next = tf.tidy(() => {
        const z = randomNormal(options.rng, current.shape);
        const noise = tf.mul(Math.sqrt(delta), tf.mul(reverse.diffusion(current, t), z));
        const driftHere = reverse.drift(current, t);
        const trial = tf.add(tf.sub(current, tf.mul(delta, driftHere)), noise);
        const driftThere = reverse.drift(trial, s);
        return tf.add(tf.sub(current, tf.mul(delta / 2, tf.add(driftHere, driftThere))), noise);
      });
      current.dispose();
      y = next;
      await progress.step(s, 2, () => fromLatent(next));
    }
    return fromLatent(y);
  } finally {
    y.dispose();
  }
};
