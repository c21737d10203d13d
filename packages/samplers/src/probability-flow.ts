import { DaleError } from '@dale/core';
import { isPositiveSDE, type ScoreFn, type SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import { integrateODE, type OdeOptions, type OdeReport } from './ode.ts';
import { ProgressReporter } from './progress.ts';
import { ambientSpace, logSpace, type SamplingSpace } from './space.ts';
import { initialSample } from './start.ts';
import type { SamplerOptions } from './types.ts';
import { requireNonNegative } from './validate.ts';

/** The result of {@link solveProbabilityFlow}. */
export interface ProbabilityFlowSolution {
  /** The state at the end time, in ambient coordinates (owned by the caller). */
  readonly x: tf.Tensor;
  /** Score evaluations. */
  readonly nfe: number;
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected RK45 steps. */
  readonly rejected: number;
}

/** Options of {@link solveProbabilityFlow}: the time interval and the ODE solver. */
export interface ProbabilityFlowSolveOptions extends OdeOptions {
  /** The time of the given state. */
  from: number;
  /** The time to integrate to (smaller: towards the data; larger: towards the prior). */
  to: number;
}

function flowSpace(score: ScoreFn, sde: SDE, where: string): SamplingSpace {
  return isPositiveSDE(sde) ? logSpace(score, sde, where) : ambientSpace(score, sde);
}

/**
 * Integrate the probability-flow ODE of `sde` from time `from` to time `to`, in either
 * direction, starting at `x` (ambient coordinates, not disposed). Positive SDEs integrate in
 * log space, dy/dt = (μ − σ²/2) − (σ²/2)(s_H + 1) for GBM (guide: M10,
 * `sde.probabilityFlowLatent`); additive SDEs in ambient space (`sde.probabilityFlow`).
 * Deterministic: the same start gives the same end, and integrating forward then backward
 * returns the start up to the solver's error.
 *
 * @example
 * ```ts
 * const { x: latent, nfe } = await solveProbabilityFlow(score, sde, x0, { from: 1e-3, to: sde.T, rtol: 1e-6, atol: 1e-6 });
 * ```
 */
export async function solveProbabilityFlow(
  score: ScoreFn,
  sde: SDE,
  x: tf.Tensor,
  options: ProbabilityFlowSolveOptions,
  report?: OdeReport,
): Promise<ProbabilityFlowSolution> {
  const where = 'solveProbabilityFlow';
  for (const name of ['from', 'to'] as const) {
    const t = options[name];
    if (!(typeof t === 'number' && t >= 0 && t <= sde.T)) {
      throw new DaleError(
        'invalid-sampler-options',
        `${where}: ${name} must be a time in [0, ${sde.T}], got ${t}`,
      );
    }
  }
  const space = flowSpace(score, sde, where);
  const start = space.enter(x);
  try {
    const solution = await integrateODE(
      (y, t) => space.velocity(y, t),
      start,
      options.from,
      options.to,
      options,
      report,
      where,
    );
    const out = space.leave(solution.y);
    solution.y.dispose();
    return { x: out, nfe: solution.nfe, steps: solution.steps, rejected: solution.rejected };
  } finally {
    start.dispose();
  }
}

/** Options of {@link probabilityFlowSampler}. */
export interface ProbabilityFlowOptions extends SamplerOptions, OdeOptions {
  /** The end time ε ≥ 0 of the integration from T; default 1e-3. */
  eps?: number;
}

/**
 * Sample by integrating the probability-flow ODE (guide: M10 for positive SDEs, in log space)
 * from T down to ε with Euler, Heun or adaptive RK45; the only randomness is the start.
 * `onStep` reports every accepted step with the number of score evaluations so far
 * (`info.nfe`); for RK45, `info.total` is undefined.
 *
 * @example
 * ```ts
 * const x = await probabilityFlowSampler(score, gbm(), { shape: [1000, 2], rng, method: 'rk45', rtol: 1e-4 });
 * ```
 */
export async function probabilityFlowSampler(
  score: ScoreFn,
  sde: SDE,
  options: ProbabilityFlowOptions,
): Promise<tf.Tensor> {
  const where = 'probabilityFlowSampler';
  const eps = requireNonNegative(where, 'eps', options.eps ?? 1e-3);
  if (!(eps < sde.T)) {
    throw new DaleError(
      'invalid-sampler-options',
      `${where}: eps must be smaller than the SDE's final time T = ${sde.T}, got ${eps}`,
    );
  }
  const method = options.method ?? 'rk45';
  const space = flowSpace(score, sde, where);
  const progress = new ProgressReporter(
    options,
    method === 'rk45' ? undefined : (options.steps ?? 100),
    where,
  );
  const start = initialSample(sde, options, where);
  try {
    const { x } = await solveProbabilityFlow(
      score,
      sde,
      start,
      { ...options, from: sde.T, to: eps },
      (t, evaluations, y) => progress.step(t, evaluations, () => space.leave(y)),
    );
    return x;
  } finally {
    start.dispose();
  }
}
