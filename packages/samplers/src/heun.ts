/**
 * Heun's method on the log-space probability-flow ODE, with optional churn: Karras et al.'s
 * (2022) deterministic and stochastic samplers carried to multiplicative diffusion through
 * u = log x − m(t) (guide: M14, M19). Samples are positive by construction.
 * @module
 */
import { randomNormal } from '@dale/core';
import type { ScoreFn, SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { runChain } from './chain.ts';
import { logDenoiser } from './log-denoiser.ts';
import { karrasNoiseLevels } from './noise-levels.ts';
import type { SamplerOptions } from './types.ts';
import { named, requireInteger, requireNonNegative, requirePositive } from './validate.ts';

const NAME = 'heunSampler';

/** The noise levels N of Heun and EDM when `steps` is not given: 18 (35 score evaluations). */
export const DEFAULT_HEUN_STEPS = 18;

/** Options of the few-step log-space samplers (Heun, EDM, DPM-Solver++(2M)). */
export interface FewStepOptions extends SamplerOptions {
  /**
   * Number N of positive noise levels, from S(T) down to `sMin`, then 0; default
   * {@link DEFAULT_HEUN_STEPS} (Heun, EDM), {@link DEFAULT_DPM_SOLVER_STEPS} (DPM-Solver++(2M)).
   */
  steps?: number;
  /** Smallest positive noise level S_min; default 0.002. */
  sMin?: number;
  /** Spacing exponent ρ of the levels; default 7. */
  rho?: number;
}

/** Options of {@link heunSampler} and {@link edmSampler}. */
export interface HeunOptions extends FewStepOptions {
  /**
   * S_churn ≥ 0: at each level S_i in [churnMin, churnMax], raise the noise to Ŝ = S_i (1 + γ),
   * γ = min(S_churn / N, √2 − 1), with fresh noise before the step. 0 (Heun's default) is the
   * deterministic probability-flow ODE.
   */
  churn?: number;
  /** Smallest level that gets churn; default 0.01. */
  churnMin?: number;
  /** Largest level that gets churn; default S(T). */
  churnMax?: number;
  /** S_noise: factor on the injected noise's standard deviation; default 1 (1.003 in EDM). */
  noiseInflation?: number;
}

/**
 * Heun (2nd order) on du/dS = (u − D(u, S))/S over ρ-spaced levels (guide: M19), with EDM's churn
 * when `churn` > 0; the step to S = 0 is an Euler step, so N levels take 2N − 1 score
 * evaluations (N = 18: 35). Draws the start, then one normal tensor per churned step.
 *
 * @example
 * ```ts
 * const x = await heunSampler(score, sde, { shape: [64, 28, 28, 1], rng, steps: 18 });
 * ```
 */
export async function heunSampler(
  score: ScoreFn,
  sde: SDE,
  options: HeunOptions,
): Promise<tf.Tensor> {
  return named(NAME, () => heun(score, sde, options));
}

function heun(score: ScoreFn, sde: SDE, options: HeunOptions): Promise<tf.Tensor> {
  const denoiser = logDenoiser(score, sde, NAME);
  const { kernel, denoise } = denoiser;
  const steps = requireInteger('steps', options.steps ?? DEFAULT_HEUN_STEPS, 1);
  const top = kernel.noiseLevel(kernel.T);
  const levels = karrasNoiseLevels(steps, { max: top, min: options.sMin, rho: options.rho });
  const churn = requireNonNegative('churn', options.churn ?? 0);
  const churnMin = requireNonNegative('churnMin', options.churnMin ?? 0.01);
  const churnMax = requireNonNegative('churnMax', options.churnMax ?? top);
  const inflation = requirePositive('noiseInflation', options.noiseInflation ?? 1);
  return runChain(score, sde, options, {
    name: NAME,
    space: denoiser,
    times: levels,
    evaluations: (step) => (step.reached === 0 ? 1 : 2),
    step: (u, level, next, { rng }) => {
      const gamma =
        churn > 0 && level >= churnMin && level <= churnMax
          ? Math.min(churn / steps, Math.SQRT2 - 1)
          : 0;
      // Ŝ stays within the horizon: the score is only defined up to S(T).
      const raised = Math.min(top, level * (1 + gamma));
      const uHat =
        raised > level
          ? tf.add(
              u,
              tf.mul(
                inflation * Math.sqrt(raised * raised - level * level),
                randomNormal(rng, u.shape),
              ),
            )
          : u;
      const slope = tf.div(tf.sub(uHat, denoise(uHat, raised)), raised);
      const euler = tf.add(uHat, tf.mul(next - raised, slope));
      if (next === 0) return euler;
      const slopeNext = tf.div(tf.sub(euler, denoise(euler, next)), next);
      return tf.add(uHat, tf.mul((next - raised) / 2, tf.add(slope, slopeNext)));
    },
  });
}

/**
 * The stochastic EDM sampler: {@link heunSampler} with churn (default S_churn = 10), i.e. each
 * step first moves the chain up to Ŝ with a Dale–Langevin-like noise injection, then takes a
 * Heun step down. Same evaluations as Heun: 2N − 1.
 */
export function edmSampler(score: ScoreFn, sde: SDE, options: HeunOptions): Promise<tf.Tensor> {
  return heunSampler(score, sde, { ...options, churn: options.churn ?? 10 });
}
