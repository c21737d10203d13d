import { type Rng, randomNormal } from '@dale/core';
import type { Process, SDE, Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { ProgressReporter } from './progress.ts';
import type { SamplingSpace } from './space.ts';
import { initialSample } from './start.ts';
import type { SamplerOptions } from './types.ts';

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

/** One update of a Markov chain sampler: score time, step size, noise factor a and the time it reaches. */
export interface ChainStep {
  /** The time the drift (score) is evaluated at. */
  readonly t: number;
  /** The step δ > 0. */
  readonly delta: number;
  /** The noise factor a (0: a noise-free Tweedie step). */
  readonly noiseScale: number;
  /** The time reported to `onStep` after this update. */
  readonly reached: number;
}

/**
 * The steps of a sampler on a decreasing grid: step k evaluates at t_k with δ = t_k − t_{k+1}
 * and reaches t_{k+1}; with `denoiseLast` the last step is noise-free.
 */
export function gridSteps(times: Float64Array, denoiseLast = false): ChainStep[] {
  const steps: ChainStep[] = [];
  for (let k = 0; k + 1 < times.length; k++) {
    steps.push({
      t: times[k]!,
      delta: times[k]! - times[k + 1]!,
      noiseScale: denoiseLast && k + 2 === times.length ? 0 : 1,
      reached: times[k + 1]!,
    });
  }
  return steps;
}

/**
 * Run Euler–Maruyama updates of `space.reverse` along `steps` from the ambient start `x`
 * (consumed), drawing one normal tensor per noisy step from `rng`; returns the ambient result.
 */
export async function runChain(
  space: SamplingSpace,
  steps: readonly ChainStep[],
  x: tf.Tensor,
  rng: Rng,
  progress: ProgressReporter,
): Promise<tf.Tensor> {
  let state: tf.Tensor;
  try {
    state = space.enter(x);
  } finally {
    x.dispose();
  }
  try {
    for (const step of steps) {
      const current = state;
      const next = tf.tidy(() => {
        const z = step.noiseScale === 0 ? undefined : randomNormal(rng, current.shape);
        return space.keep(
          eulerMaruyamaStep(space.reverse, current, step.t, step.delta, z, step.noiseScale),
        );
      });
      current.dispose();
      state = next;
      await progress.step(step.reached, 1, () => space.leave(next));
    }
    return space.leave(state);
  } finally {
    state.dispose();
  }
}

/**
 * The body of every chain sampler: the start (a prior draw, or `options.init`), then `steps` of
 * `space`'s reverse process with progress reported to `options.onStep`.
 */
export async function sampleChain(
  space: SamplingSpace,
  sde: SDE,
  steps: readonly ChainStep[],
  options: SamplerOptions,
  where: string,
): Promise<tf.Tensor> {
  const progress = new ProgressReporter(options, steps.length, where);
  const start = initialSample(sde, options, where);
  return runChain(space, steps, start, options.rng, progress);
}
