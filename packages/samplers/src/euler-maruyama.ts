import { randomNormal } from '@dale/core';
import type { Process, Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import type { StepFn } from './chain.ts';

/**
 * One Euler–Maruyama step of a reverse-time process from t to t − δ, in forward notation:
 * x ← x − δ · drift(x, t) + a √δ · diffusion(x, t) ∘ z. Without `z` (or with a = 0) it is the
 * noise-free ("Tweedie") step. For `gbm().reverse(score)` this is exactly M8a, for
 * `gbm().reverseLatent(score)` exactly M8 in y = log x.
 *
 * @param process the reverse-time process (`sde.reverse(score)` or `sde.reverseLatent(score)`)
 * @param x the state at time t
 * @param t the time the drift and diffusion are evaluated at
 * @param delta the step δ > 0
 * @param z standard normal noise of x's shape, or undefined for a noise-free step
 * @param noiseScale the annealing factor a multiplying the noise; default 1
 */
export function eulerMaruyamaStep(
  process: Process,
  x: tf.Tensor,
  t: Time,
  delta: number,
  z?: tf.Tensor,
  noiseScale = 1,
): tf.Tensor {
  return tf.tidy(() => {
    const drifted = tf.sub(x, tf.mul(delta, process.drift(x, t)));
    if (!z || noiseScale === 0) return drifted;
    const scale = noiseScale * Math.sqrt(delta);
    return tf.add(drifted, tf.mul(scale, tf.mul(process.diffusion(x, t), z)));
  });
}

/**
 * The Euler–Maruyama update as a chain step ({@link runChain}): {@link eulerMaruyamaStep} of the
 * chain's reverse process over the step's δ with its noise factor a, drawing one normal tensor
 * from the stream unless a = 0. Every Euler–Maruyama sampler, annealed or not, is this step on
 * its own grid.
 */
export const eulerMaruyamaUpdate: StepFn = (x, t, _tNext, { space, rng, step }) => {
  const z = step.noiseScale === 0 ? undefined : randomNormal(rng, x.shape);
  return eulerMaruyamaStep(space.reverse, x, t, step.delta, z, step.noiseScale);
};
