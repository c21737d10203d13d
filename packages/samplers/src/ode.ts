/**
 * Generic ODE integrators for tensors: explicit Euler, Heun (explicit trapezoidal) and the
 * adaptive Dormand–Prince 5(4) pair (RK45, the solver of scipy's `solve_ivp` default), forward
 * or backward in time.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { named, requireInteger, requireOneOf, requirePositive, samplerError } from './validate.ts';

/** dy/dt = f(y, t) with a scalar time. */
export type Velocity = (y: tf.Tensor, t: number) => tf.Tensor;

/** The ODE methods. */
export type OdeMethod = 'euler' | 'heun' | 'rk45';

/** The ODE methods, in the order error messages list them. */
export const ODE_METHODS: readonly OdeMethod[] = ['euler', 'heun', 'rk45'];

/** The steps of the fixed-step ODE methods (and of the probability-flow sampler) when none are given: 100. */
export const DEFAULT_ODE_STEPS = 100;

/** Options of {@link integrateODE}. */
export interface OdeOptions {
  /** `'euler'` (order 1), `'heun'` (order 2) or `'rk45'` (adaptive Dormand–Prince, order 5); default `'rk45'`. */
  method?: OdeMethod;
  /** Number of equal steps of the fixed-step methods; default {@link DEFAULT_ODE_STEPS}. */
  steps?: number;
  /** Relative tolerance of RK45; default 1e-5. */
  rtol?: number;
  /** Absolute tolerance of RK45; default 1e-5. */
  atol?: number;
  /** The most RK45 step attempts (accepted and rejected) before giving up with an error; default 10000. */
  maxSteps?: number;
}

/** The end state of an integration and what it cost. */
export interface OdeSolution {
  /** The state at the end time (owned by the caller). */
  readonly y: tf.Tensor;
  /** Velocity (score) evaluations. */
  readonly nfe: number;
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected RK45 steps (0 for the fixed-step methods). */
  readonly rejected: number;
}

/** Called after every accepted step with the time reached, the evaluations it took and the state (valid during the call). */
export type OdeReport = (t: number, evaluations: number, y: tf.Tensor) => Promise<void>;

// Dormand–Prince 5(4) tableau (Dormand & Prince 1980); the last row of A is the 5th-order solution.
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
// 5th-order minus embedded 4th-order weights: the local error estimate is h Σ E_i k_i.
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/** y + h Σ_j w_j k_j, skipping zero weights. */
function combine(
  y: tf.Tensor,
  h: number,
  weights: readonly number[],
  k: readonly tf.Tensor[],
): tf.Tensor {
  const terms = weights.flatMap((w, j) => (w === 0 ? [] : [tf.mul(h * w, k[j]!)]));
  return terms.length ? tf.add(y, tf.addN(terms)) : tf.clone(y);
}

function rms(v: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.mean(tf.square(v)).dataSync()[0]!));
}

/** The `steps + 1` times of `steps` equal steps from t0 to t1, the last exactly t1. */
export function equalSteps(t0: number, t1: number, steps: number): Float64Array {
  const times = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) times[i] = i === steps ? t1 : t0 + ((t1 - t0) * i) / steps;
  return times;
}

/** Velocity evaluations of one step of a fixed-step method. */
export const FIXED_STEP_EVALUATIONS = { euler: 1, heun: 2 } as const;

/**
 * One step of a fixed-step method from t to tNext: Euler, y + h f(y, t), or Heun (explicit
 * trapezoidal), y + (h/2)(k₁ + f(y + h k₁, tNext)), with h = tNext − t. Intermediate tensors are
 * not disposed: call it inside `tf.tidy`.
 */
export function fixedStep(
  method: 'euler' | 'heun',
  f: Velocity,
  y: tf.Tensor,
  t: number,
  tNext: number,
): tf.Tensor {
  const h = tNext - t;
  const k1 = f(y, t);
  if (method === 'euler') return tf.add(y, tf.mul(h, k1));
  const k2 = f(tf.add(y, tf.mul(h, k1)), tNext);
  return tf.add(y, tf.mul(h / 2, tf.add(k1, k2)));
}

/**
 * Integrate dy/dt = f(y, t) from t0 to t1 (either direction) starting at `y0` (not disposed).
 * Every step runs in `tf.tidy`. RK45 controls the error per step,
 * ‖err / (atol + rtol · max(|y|, |y_new|))‖_rms ≤ 1, with the standard step-size rule
 * (safety 0.9, growth between 0.2× and 10×) and Hairer's initial-step heuristic. `name` goes
 * in front of the messages of its errors (default `'integrateODE'`).
 */
export async function integrateODE(
  f: Velocity,
  y0: tf.Tensor,
  t0: number,
  t1: number,
  options: OdeOptions = {},
  report?: OdeReport,
  name = 'integrateODE',
): Promise<OdeSolution> {
  return named(name, () => integrate(f, y0, t0, t1, options, report));
}

/** {@link integrateODE} without a name on its errors (the caller's goes there). */
export async function integrate(
  f: Velocity,
  y0: tf.Tensor,
  t0: number,
  t1: number,
  options: OdeOptions,
  report: OdeReport | undefined,
): Promise<OdeSolution> {
  const method = requireOneOf('method', options.method ?? 'rk45', ODE_METHODS);
  if (!(Number.isFinite(t0) && Number.isFinite(t1) && t0 !== t1)) {
    throw samplerError(`the start and end times must be finite and different, got ${t0} and ${t1}`);
  }
  if (method === 'rk45') return dormandPrince(f, y0, t0, t1, options, report);
  const steps = requireInteger('steps', options.steps ?? DEFAULT_ODE_STEPS, 1);
  const times = equalSteps(t0, t1, steps);
  let y = tf.clone(y0);
  let nfe = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const current = y;
      const tNext = times[i + 1]!;
      const next = tf.tidy(() => fixedStep(method, f, current, times[i]!, tNext));
      const evaluations = FIXED_STEP_EVALUATIONS[method];
      nfe += evaluations;
      current.dispose();
      y = next;
      if (report) await report(tNext, evaluations, next);
    }
  } catch (error) {
    y.dispose();
    throw error;
  }
  return { y, nfe, steps, rejected: 0 };
}

/** An accepted RK45 step: the new state, its first stage for the next step (FSAL), the time reached and the evaluations since the last accepted step. */
export interface Rk45Step {
  readonly y: tf.Tensor;
  readonly k: tf.Tensor;
  readonly t: number;
  readonly evaluations: number;
}

/**
 * The Dormand–Prince 5(4) step controller of an integration from t0 to t1: `advance` makes one
 * accepted step (after any rejected attempts) and keeps the step size, the counts and the limit
 * `maxSteps` across steps. Nothing it is given is disposed; rejected attempts are.
 */
export interface Rk45Stepper {
  /**
   * One accepted step from `y` at time `t` whose first stage is `k1` (`undefined` on the first
   * step: it is then evaluated, with Hairer's initial step, 2 more evaluations).
   */
  advance(y: tf.Tensor, t: number, k1: tf.Tensor | undefined): Rk45Step;
  /** Accepted steps so far. */
  readonly accepted: number;
  /** Rejected attempts so far. */
  readonly rejected: number;
}

/** The RK45 controller of an integration from t0 to t1 (options checked here). */
export function rk45Stepper(f: Velocity, t0: number, t1: number, options: OdeOptions): Rk45Stepper {
  const rtol = requirePositive('rtol', options.rtol ?? 1e-5);
  const atol = requirePositive('atol', options.atol ?? 1e-5);
  const maxSteps = requireInteger('maxSteps', options.maxSteps ?? 10_000, 1);
  const direction = Math.sign(t1 - t0);
  const span = Math.abs(t1 - t0);
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  const at = (t: number) => Math.min(hi, Math.max(lo, t));

  let h = 0;
  let nfe = 0;
  let reported = 0;
  let accepted = 0;
  let rejected = 0;
  let lastRejected = false;

  /** f at the start and the first step size, from the scales of y and f. */
  function begin(start: tf.Tensor): tf.Tensor {
    const k0 = f(start, t0);
    // Hairer, Nørsett & Wanner, "Solving ODEs I", II.4: a first step from the scales of y and f.
    h = tf.tidy(() => {
      const scale = tf.add(atol, tf.mul(rtol, tf.abs(start)));
      const d0 = rms(tf.div(start, scale));
      const d1 = rms(tf.div(k0, scale));
      const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
      const k = f(tf.add(start, tf.mul(direction * h0, k0)), at(t0 + direction * h0));
      const d2 = rms(tf.div(tf.sub(k, k0), scale)) / h0;
      const dMax = Math.max(d1, d2);
      const h1 = dMax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dMax) ** (1 / 5);
      return Math.min(100 * h0, h1, span);
    });
    nfe += 2;
    return k0;
  }

  function advance(current: tf.Tensor, t: number, k1: tf.Tensor | undefined): Rk45Step {
    const first = k1 ?? begin(current);
    try {
      for (;;) {
        if (accepted + rejected >= maxSteps) {
          throw samplerError(
            `RK45 reached maxSteps = ${maxSteps} at t = ${t} (integrating to ${t1}) after ${nfe} evaluations; loosen rtol/atol or raise maxSteps`,
            'ode-max-steps',
          );
        }
        const last = h >= Math.abs(t1 - t);
        const step = last ? t1 - t : direction * h;
        if (!(Math.abs(step) > 1e-12 * Math.max(1, Math.abs(t)))) {
          throw samplerError(
            `RK45 step size underflow at t = ${t} (step ${step}); the velocity may be infinite or NaN there`,
            'ode-step-too-small',
          );
        }
        const { yNew, kLast, error } = tf.tidy(() => {
          const k: tf.Tensor[] = [first];
          let stage = current;
          for (let i = 1; i < 7; i++) {
            stage = combine(current, step, A[i]!, k);
            k.push(f(stage, last && i >= 5 ? t1 : at(t + C[i]! * step)));
          }
          const errorVector = tf.mul(
            step,
            tf.addN(E.flatMap((e, i) => (e === 0 ? [] : [tf.mul(e, k[i]!)]))),
          );
          const scale = tf.add(atol, tf.mul(rtol, tf.maximum(tf.abs(current), tf.abs(stage))));
          const norm = tf.sqrt(tf.mean(tf.square(tf.div(errorVector, scale))));
          return { yNew: stage, kLast: k[6]!, error: norm };
        });
        nfe += 6;
        const err = error.dataSync()[0]!;
        error.dispose();
        const factor = Number.isFinite(err) ? (err === 0 ? 10 : 0.9 * err ** (-1 / 5)) : 0.2;
        if (err <= 1) {
          accepted += 1;
          h = Math.abs(step) * Math.min(lastRejected ? 1 : 10, Math.max(0.2, factor));
          lastRejected = false;
          const evaluations = nfe - reported;
          reported = nfe;
          return { y: yNew, k: kLast, t: last ? t1 : t + step, evaluations };
        }
        yNew.dispose();
        kLast.dispose();
        rejected += 1;
        h = Math.abs(step) * Math.max(0.2, Math.min(1, factor));
        lastRejected = true;
      }
    } finally {
      if (first !== k1) first.dispose();
    }
  }

  return {
    advance,
    get accepted() {
      return accepted;
    },
    get rejected() {
      return rejected;
    },
  };
}

async function dormandPrince(
  f: Velocity,
  y0: tf.Tensor,
  t0: number,
  t1: number,
  options: OdeOptions,
  report: OdeReport | undefined,
): Promise<OdeSolution> {
  const stepper = rk45Stepper(f, t0, t1, options);
  let y = tf.clone(y0);
  let k1: tf.Tensor | undefined;
  let nfe = 0;
  let t = t0;
  try {
    while (t !== t1) {
      const next = stepper.advance(y, t, k1);
      y.dispose();
      k1?.dispose();
      ({ y, k: k1, t } = next);
      nfe += next.evaluations;
      if (report) await report(t, next.evaluations, y);
    }
  } catch (error) {
    y.dispose();
    k1?.dispose();
    throw error;
  }
  k1?.dispose();
  return { y, nfe, steps: stepper.accepted, rejected: stepper.rejected };
}
