import type { ScoreFn, SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import { gridSteps, runChain } from './chain.ts';
import { eulerMaruyamaUpdate } from './euler-maruyama.ts';
import { type GridOptions, resolveGrid } from './grid.ts';
import type { SamplerOptions } from './types.ts';
import { named, samplerError } from './validate.ts';

/** Options of the samplers that walk a time grid from T to ε: {@link SamplerOptions} plus {@link GridOptions}. */
export interface GridSamplerOptions extends SamplerOptions, GridOptions {}

/**
 * Euler–Maruyama along the grid of `options`, in ambient or log coordinates; `multiplicative`:
 * the SDE must be driven by the Hyvärinen score.
 */
function sampleOnGrid(
  space: 'ambient' | 'log',
  score: ScoreFn,
  sde: SDE,
  options: GridSamplerOptions,
  name: string,
  multiplicative = false,
): Promise<tf.Tensor> {
  return named(name, () => {
    if (multiplicative) requireMultiplicative(sde);
    const steps = gridSteps(resolveGrid(sde, options), options.denoiseLast);
    return runChain(score, sde, options, { name, space, steps, step: eulerMaruyamaUpdate });
  });
}

/**
 * Euler–Maruyama on the reverse-time SDE `sde.reverse(score)` in ambient coordinates, for any
 * SDE (additive VE/VP with the Stein score, multiplicative with the Hyvärinen score), on any
 * decreasing time grid from T to ε.
 *
 * @example
 * ```ts
 * const sde = vpSDE();
 * const x = await eulerMaruyamaSampler(score, sde, { shape: [1000, 2], rng: Rng.fromSeed(0), steps: 500 });
 * ```
 */
export async function eulerMaruyamaSampler(
  score: ScoreFn,
  sde: SDE,
  options: GridSamplerOptions,
): Promise<tf.Tensor> {
  return sampleOnGrid('ambient', score, sde, options, 'eulerMaruyamaSampler');
}

/**
 * The sign-agnostic multiplicative sampler: Euler–Maruyama on the ambient reverse SDE (guide:
 * M7). For GBM each step is exactly M8a with a = 1,
 * x ← x ∘ [1 + 2δσ² − δμ + δσ² s_H(x, t) + √δ σ z].
 * Nothing keeps x positive: large steps can produce non-positive values (use
 * {@link daleLangevinSampler} for a sign-preserving sampler). Needs a multiplicative or positive SDE.
 */
export async function signAgnosticSampler(
  score: ScoreFn,
  sde: SDE,
  options: GridSamplerOptions,
): Promise<tf.Tensor> {
  return sampleOnGrid('ambient', score, sde, options, 'signAgnosticSampler', true);
}

/**
 * The Dale–Langevin sampler: Euler–Maruyama on the log-space reverse SDE
 * `sde.reverseLatent(score)` (guide: M7'), mapped back by exp. For GBM each step is exactly M8
 * with a = 1, x ← x ∘ exp(δσ² s_H(x, t) − δ(μ − 3σ²/2) + √δ σ z): samples stay positive
 * whatever the step size. Needs a positive SDE (GBM, CIR).
 *
 * @example
 * ```ts
 * const sde = gbm();
 * const x = await daleLangevinSampler(score, sde, { shape: [64, 28, 28, 1], rng: Rng.fromSeed(0) });
 * ```
 */
export async function daleLangevinSampler(
  score: ScoreFn,
  sde: SDE,
  options: GridSamplerOptions,
): Promise<tf.Tensor> {
  return sampleOnGrid('log', score, sde, options, 'daleLangevinSampler');
}

/** Throw unless `sde` is multiplicative or positive (driven by the Hyvärinen score). */
export function requireMultiplicative(sde: SDE): void {
  if (sde.kind === 'additive') {
    throw samplerError(
      `needs a multiplicative or positive SDE (driven by the Hyvärinen score), got the additive family '${sde.family}'; use eulerMaruyamaSampler or predictorCorrectorSampler for additive SDEs`,
      'unsupported-sde',
    );
  }
}
