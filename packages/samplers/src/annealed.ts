import { discreteTimes } from '@dale/core';
import type { ScoreFn, SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import { type ChainStep, runChain } from './chain.ts';
import { eulerMaruyamaUpdate } from './euler-maruyama.ts';
import { requireMultiplicative } from './multiplicative.ts';
import type { SamplerOptions } from './types.ts';
import { named, requireInteger, requireNonNegative, requirePositive } from './validate.ts';

/** The levels N of the annealed samplers when `steps` is not given: 1000, as in the reference. */
export const DEFAULT_ANNEALED_STEPS = 1000;

/** The loop constants of the reference implementation's annealed samplers (guide: section 7). */
export interface AnnealedSchedule {
  /** The number N of discrete levels t_k = kT/N, k = N−1 … 0; default {@link DEFAULT_ANNEALED_STEPS}. */
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
 * raised to `timeFloor` when one is set). `name` goes in front of the messages of its errors
 * (default `'annealedSteps'`).
 */
export function annealedSteps(
  schedule: AnnealedSchedule,
  T: number,
  name = 'annealedSteps',
): ChainStep[] {
  return named(name, () => scheduleSteps(schedule, T));
}

function scheduleSteps(schedule: AnnealedSchedule, T: number): ChainStep[] {
  const N = requireInteger('steps', schedule.steps ?? DEFAULT_ANNEALED_STEPS, 1);
  const delta = requirePositive('delta', schedule.delta);
  const L = requireInteger('innerSteps', schedule.innerSteps ?? 1, 1);
  const anneal = requirePositive('annealFactor', schedule.annealFactor ?? 1);
  const tweedie = requireInteger('tweedieSteps', schedule.tweedieSteps ?? 0, 0);
  const floor = requireNonNegative('timeFloor', schedule.timeFloor ?? 0);
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
  multiplicative = false,
): Promise<tf.Tensor> {
  return named(name, () => {
    if (multiplicative) requireMultiplicative(sde);
    const steps = scheduleSteps(options, sde.T);
    return runChain(score, sde, options, { name, space, steps, step: eulerMaruyamaUpdate });
  });
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
  return sampleAnnealed('ambient', score, sde, options, 'annealedSignAgnosticSampler', true);
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
