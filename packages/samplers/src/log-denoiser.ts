/**
 * The denoiser view of a Hyvärinen score in log space, shared by the few-step samplers: the
 * state u = log x − m(t) of a multiplicative SDE with a Gaussian log kernel is u₀ + S z
 * (guide: M14), a variance-exploding diffusion in the noise level S.
 * @module
 */
import {
  type LogGaussianKernel,
  requireLogGaussianKernel,
  type ScoreFn,
  type SDE,
} from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import type { ChainSpace } from './chain.ts';
import { LOG_STATE_BOUNDS } from './space.ts';

/**
 * A score seen as a log-space denoiser, with the maps between x and the drift-free log state u:
 * a {@link ChainSpace} whose grid points are noise levels.
 */
export interface LogDenoiser extends ChainSpace {
  /** The SDE's log-space kernel. */
  readonly kernel: LogGaussianKernel;
  /** E[u₀ | u at level S] = u + S² (s_H(x, t) + 1), x = e^{u + m(t)}, t = t(S) (guide: M15, M4). */
  denoise(u: tf.Tensor, level: number): tf.Tensor;
  /** u = log x − m(T) for a start x at t = T. */
  enter(x: tf.Tensor): tf.Tensor;
  /** x = e^{u + m(t(S))} at level S (S = 0: t = 0), positive by construction. */
  leave(u: tf.Tensor, level: number): tf.Tensor;
  /** The time t(S) of a noise level (`kernel.timeAt`): what a chain over levels reports to `onStep`. */
  timeAt(level: number): number;
}

/**
 * The {@link LogDenoiser} of `score` under `sde`; throws where `sde` has no log-space Gaussian
 * kernel, with `name` (the sampler's; default `'logDenoiser'`) in front of the message.
 */
export function logDenoiser(score: ScoreFn, sde: SDE, name = 'logDenoiser'): LogDenoiser {
  const kernel = requireLogGaussianKernel(sde, name);
  const toX = (u: tf.Tensor, t: number) =>
    tf.tidy(() =>
      tf.exp(
        tf.clipByValue(tf.add(u, kernel.shift(t)), LOG_STATE_BOUNDS.min, LOG_STATE_BOUNDS.max),
      ),
    );
  return {
    kernel,
    denoise: (u, level) =>
      tf.tidy(() => {
        const t = kernel.timeAt(level);
        const sH = score(toX(u, t), t);
        return tf.add(u, tf.mul(level * level, tf.add(sH, 1)));
      }),
    enter: (x) => tf.tidy(() => tf.sub(tf.log(x), kernel.shift(kernel.T))),
    leave: (u, level) => toX(u, kernel.timeAt(level)),
    timeAt: (level) => kernel.timeAt(level),
  };
}
