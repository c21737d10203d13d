import { discreteTimes } from '@dale/core';
import type { ScoreFn, SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import { type ChainStep, runChain } from './chain.ts';
import { eulerMaruyamaUpdate } from './euler-maruyama.ts';
import { requireMultiplicative } from './multiplicative.ts';
import type { SamplerOptions } from './types.ts';
import { requireInteger, requireNonNegative, requirePositive } from './validate.ts';

/** The loop constants of the reference implementation's annealed samplers (guide: section 7). */
export interface AnnealedSchedule {
  /** The number N of discrete levels t_k = kT/N, k = N−1 … 0; default 1000. */
  steps?: number;
  /** The constant step δ > 0 of every update. */
  delta: number;
  /** The number L ≥ 1 of updates at each level; default 1. */
  innerSteps?: number;
  /** The noise factor a starts at 1 and is multiplied by this after each level; default 1 (no annealing). */
  annealFactor?: number;
  /** Noise-free ("Tweedie") updates at t = 0 after the last level; default 0 (the CIFAR-10 preset uses 25). */
  tweedieSteps?: number;
  /**
   * The score is evaluated at max(t_k, timeFloor); default 0 (the reference loop, whose last level
   * and Tweedie steps are at t = 0). A noise-predicting model has no score at t = 0 (guide: M6
   * divides by S(t)); give such a model a floor of T/N, its last trained level.
   */
  timeFloor?: number;
}

/** Options of {@link annealedSignAgnosticSampler} and {@link annealedDaleLangevinSampler}. */
export interface AnnealedSamplerOptions extends SamplerOptions, AnnealedSchedule {}

/**
 * The updates of the reference loop: for k = N−1 … 0 (t = kT/N, `discreteTimes` of @dale/core),
 * L updates at t_k with the constant δ and the current a; a starts at 1 and is multiplied by
 * the anneal factor after each level; then `tweedieSteps` noise-free updates at t = 0 (every time
 * raised to `timeFloor` when one is set).
 */
export function annealedSteps(
  schedule: AnnealedSchedule,
  T: number,
  where = 'annealedSteps',
): ChainStep[] {
  const N = requireInteger(where, 'steps', schedule.steps ?? 1000, 1);
  const delta = requirePositive(where, 'delta', schedule.delta);
  const L = requireInteger(where, 'innerSteps', schedule.innerSteps ?? 1, 1);
  const anneal = requirePositive(where, 'annealFactor', schedule.annealFactor ?? 1);
  const tweedie = requireInteger(where, 'tweedieSteps', schedule.tweedieSteps ?? 0, 0);
  const floor = requireNonNegative(where, 'timeFloor', schedule.timeFloor ?? 0);
  const steps: ChainStep[] = [];
  let a = 1;
  for (const level of discreteTimes(N, T)) {
    const t = Math.max(level, floor);
    for (let j = 0; j < L; j++) steps.push({ t, delta, noiseScale: a, reached: t });
    a *= anneal;
  }
  for (let j = 0; j < tweedie; j++) steps.push({ t: floor, delta, noiseScale: 0, reached: floor });
  return steps;
}

function sampleAnnealed(
  space: 'ambient' | 'log',
  score: ScoreFn,
  sde: SDE,
  options: AnnealedSamplerOptions,
  name: string,
): Promise<tf.Tensor> {
  const steps = annealedSteps(options, sde.T, name);
  return runChain(score, sde, options, { name, space, steps, step: eulerMaruyamaUpdate });
}

/**
 * The annealed sign-agnostic sampler of the reference implementation: the {@link annealedSteps}
 * loop with the update M8a, x ← x ∘ [1 + 2δσ² − δμ + δσ² s_H + a√δ σ z] for GBM (Euler–Maruyama
 * on `sde.reverse(score)` in general), and noise-free M8a steps at the end.
 *
 * @example
 * ```ts
 * const sde = gbm({ prior: REFERENCE_PRIORS.mnist });
 * const preset = referencePreset('mnist', 'sign-agnostic');
 * const x = await annealedSignAgnosticSampler(score, sde, { ...preset, shape: [16, 28, 28, 1], rng });
 * ```
 */
export async function annealedSignAgnosticSampler(
  score: ScoreFn,
  sde: SDE,
  options: AnnealedSamplerOptions,
): Promise<tf.Tensor> {
  const where = 'annealedSignAgnosticSampler';
  requireMultiplicative(sde, where);
  return sampleAnnealed('ambient', score, sde, options, where);
}

/**
 * The annealed Dale–Langevin sampler of the reference implementation: the
 * {@link annealedSteps} loop with the update M8, x ← x ∘ exp(δσ² s_H − δ(μ − 3σ²/2) + a√δ σ z)
 * for GBM (Euler–Maruyama on `sde.reverseLatent(score)` in general), and noise-free M8 steps at
 * the end. Samples stay positive.
 */
export async function annealedDaleLangevinSampler(
  score: ScoreFn,
  sde: SDE,
  options: AnnealedSamplerOptions,
): Promise<tf.Tensor> {
  return sampleAnnealed('log', score, sde, options, 'annealedDaleLangevinSampler');
}
