import { isPositiveSDE, type ScoreFn, type SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import { type ChainSpace, runChain } from './chain.ts';
import { requireEndTime } from './grid.ts';
import {
  DEFAULT_ODE_STEPS,
  equalSteps,
  FIXED_STEP_EVALUATIONS,
  fixedStep,
  integrate,
  ODE_METHODS,
  type OdeOptions,
  type OdeReport,
  rk45Stepper,
  type Velocity,
} from './ode.ts';
import { ambientSpace, logSpace, type SamplingSpace } from './space.ts';
import type { SamplerOptions } from './types.ts';
import { named, requireInteger, requireOneOf, samplerError } from './validate.ts';

const NAME = 'probabilityFlowSampler';

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

function flowSpace(score: ScoreFn, sde: SDE): SamplingSpace {
  return isPositiveSDE(sde) ? logSpace(score, sde) : ambientSpace(score, sde);
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
  return named('solveProbabilityFlow', () => solve(score, sde, x, options, report));
}

async function solve(
  score: ScoreFn,
  sde: SDE,
  x: tf.Tensor,
  options: ProbabilityFlowSolveOptions,
  report: OdeReport | undefined,
): Promise<ProbabilityFlowSolution> {
  for (const field of ['from', 'to'] as const) {
    const t = options[field];
    if (!(typeof t === 'number' && t >= 0 && t <= sde.T)) {
      throw samplerError(`${field} must be a time in [0, ${sde.T}], got ${t}`);
    }
  }
  const space = flowSpace(score, sde);
  const start = space.enter(x);
  try {
    const solution = await integrate(
      (y, t) => space.velocity(y, t),
      start,
      options.from,
      options.to,
      options,
      report,
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
  /** The end time ε ≥ 0 of the integration from T; default 1e-3 (as the grid samplers'). */
  eps?: number;
}

/**
 * Sample by integrating the probability-flow ODE (guide: M10 for positive SDEs, in log space)
 * from T down to ε with Euler, Heun or adaptive RK45; the only randomness is the start.
 * `onStep` reports every accepted step with the number of score evaluations so far
 * (`info.nfe`); for RK45, `info.total` is undefined. It is one {@link runChain}: a grid of equal
 * steps for Euler and Heun, an adaptive chain for RK45 (carrying its last stage).
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
  return named(NAME, () => sampleFlow(score, sde, options));
}

function sampleFlow(score: ScoreFn, sde: SDE, options: ProbabilityFlowOptions): Promise<tf.Tensor> {
  const eps = requireEndTime(sde, options.eps);
  const method = requireOneOf('method', options.method ?? 'rk45', ODE_METHODS);
  const flow = flowSpace(score, sde);
  const velocity: Velocity = (y, t) => flow.velocity(y, t);
  // The ODE's state is not clipped (no `keep`): the flow stays where the solver takes it.
  const space: ChainSpace = { enter: (x) => flow.enter(x), leave: (y) => flow.leave(y) };
  if (method === 'rk45') {
    const rk45 = rk45Stepper(velocity, sde.T, eps, options);
    return runChain(score, sde, options, {
      name: NAME,
      space,
      span: { from: sde.T, to: eps },
      step: (y, t, _to, { carry: [k1] }) => {
        const next = rk45.advance(y, t, k1);
        return { x: next.y, carry: [next.k], reached: next.t, evaluations: next.evaluations };
      },
    });
  }
  const steps = requireInteger('steps', options.steps ?? DEFAULT_ODE_STEPS, 1);
  return runChain(score, sde, options, {
    name: NAME,
    space,
    times: equalSteps(sde.T, eps, steps),
    evaluations: FIXED_STEP_EVALUATIONS[method],
    step: (y, t, tNext) => fixedStep(method, velocity, y, t, tNext),
  });
}
