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
import { named, requireInteger } from './validate.ts';

const NAME = 'dpmSolverSampler';

/** The noise levels N of DPM-Solver++(2M) when `steps` is not given: 20. */
export const DEFAULT_DPM_SOLVER_STEPS = 20;

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
  return named(NAME, () => dpmSolver(score, sde, options));
}

function dpmSolver(score: ScoreFn, sde: SDE, options: FewStepOptions): Promise<tf.Tensor> {
  const denoiser = logDenoiser(score, sde, NAME);
  const { kernel, denoise } = denoiser;
  const steps = requireInteger('steps', options.steps ?? DEFAULT_DPM_SOLVER_STEPS, 1);
  const levels = karrasNoiseLevels(steps, {
    max: kernel.noiseLevel(kernel.T),
    min: options.sMin,
    rho: options.rho,
  });
  return runChain(score, sde, options, {
    name: NAME,
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
