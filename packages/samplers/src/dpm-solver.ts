/**
 * DPM-Solver++(2M) (Lu et al. 2022) in log space: a second-order multistep exponential
 * integrator of the probability-flow ODE in λ = −ln S, on u = log x − m(t) (guide: M14, M20).
 * @module
 */
import type { ScoreFn, SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { runChain } from './chain.ts';
import type { FewStepOptions } from './heun.ts';
import { logDenoiser } from './log-denoiser.ts';
import { karrasNoiseLevels } from './noise-levels.ts';
import { requireInteger } from './validate.ts';

/**
 * DPM-Solver++(2M) over ρ-spaced levels: one score evaluation per level (N levels: N
 * evaluations). With h = ln(S_i / S_{i+1}) and D_i the denoised state at S_i,
 * u ← (S_{i+1}/S_i) u + (1 − e^{−h}) D̂, where D̂ = D_i on the first and last step and
 * (1 + 1/(2r)) D_i − 1/(2r) D_{i−1}, r = h_{i−1}/h, in between (guide: M20). Deterministic
 * after the start.
 *
 * @example
 * ```ts
 * const x = await dpmSolverSampler(score, sde, { shape: [64, 28, 28, 1], rng, steps: 12 });
 * ```
 */
export async function dpmSolverSampler(
  score: ScoreFn,
  sde: SDE,
  options: FewStepOptions,
): Promise<tf.Tensor> {
  const where = 'dpmSolverSampler';
  const denoiser = logDenoiser(score, sde, where);
  const { kernel, denoise } = denoiser;
  const steps = requireInteger(where, 'steps', options.steps ?? 20, 1);
  const levels = karrasNoiseLevels(steps, {
    max: kernel.noiseLevel(kernel.T),
    min: options.sMin,
    rho: options.rho,
  });
  return runChain(score, sde, options, {
    name: where,
    space: denoiser,
    times: levels,
    step: (u, level, next, { index, carry: [previous] }) => {
      const denoised = denoise(u, level);
      if (next === 0) return denoised;
      const h = Math.log(level / next);
      let target = denoised;
      if (previous) {
        const r = Math.log(levels[index - 1]! / level) / h;
        target = tf.sub(tf.mul(1 + 1 / (2 * r), denoised), tf.mul(1 / (2 * r), previous));
      }
      const x = tf.add(tf.mul(next / level, u), tf.mul(-Math.expm1(-h), target));
      return { x, carry: [denoised] };
    },
  });
}
