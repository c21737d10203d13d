import {
  fromLatent,
  isPositiveSDE,
  latentScoreFromHyvarinen,
  type Process,
  type ScoreFn,
  type SDE,
  type Time,
  toLatent,
} from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { named, samplerError } from './validate.ts';

/**
 * Bounds on the log-space state: e^{−87} and e^{88} are the float32 range, so a Dale–Langevin
 * chain stays strictly positive and finite in floating point too, however large its steps.
 */
export const LOG_STATE_BOUNDS = { min: -87, max: 88 } as const;

/**
 * The coordinates a sampler runs in: ambient x, or log space y = log x for positive SDEs
 * (guide: M3). Every method returns a new tensor the caller owns.
 */
export interface SamplingSpace {
  /** `'ambient'` (x itself) or `'log'` (y = log x). */
  readonly name: 'ambient' | 'log';
  /** The reverse-time SDE of the state (guide: M7 in ambient space, M7' in log space). */
  readonly reverse: Process;
  /** The probability-flow velocity of the state (guide: M10 in log space). */
  velocity(state: tf.Tensor, t: Time): tf.Tensor;
  /** ∇ log of the state's own density at time t (Langevin correctors): the Stein score, or s_H + 1 in log space (guide: M4). */
  stateScore(state: tf.Tensor, t: Time): tf.Tensor;
  /** Ambient x → state. */
  enter(x: tf.Tensor): tf.Tensor;
  /** State → ambient x. */
  leave(state: tf.Tensor): tf.Tensor;
  /** The state after an update, kept where it is representable (the log state is clipped to {@link LOG_STATE_BOUNDS}). */
  keep(state: tf.Tensor): tf.Tensor;
}

/**
 * Sample in ambient coordinates: `sde.reverse(score)`; for multiplicative SDEs this is the
 * sign-agnostic setting (guide: M7, M8a), for additive ones the usual reverse SDE.
 */
export function ambientSpace(score: ScoreFn, sde: SDE): SamplingSpace {
  return {
    name: 'ambient',
    reverse: sde.reverse(score),
    velocity: sde.probabilityFlow(score),
    stateScore: (x, t) =>
      sde.scoreKind === 'stein' ? score(x, t) : tf.tidy(() => tf.div(score(x, t), x)),
    enter: (x) => tf.clone(x),
    leave: (x) => tf.clone(x),
    keep: (x) => tf.clone(x),
  };
}

/**
 * Sample in log space y = log x: `sde.reverseLatent(score)`, mapped back by exp, so samples are
 * positive by construction (guide: M7', M8; the mirror map of M3). Needs a positive SDE; `name`
 * (a custom sampler's) goes in front of the message when it is not.
 */
export function logSpace(score: ScoreFn, sde: SDE, name?: string): SamplingSpace {
  if (!isPositiveSDE(sde)) {
    return named(name, () => {
      throw samplerError(
        `needs a positive SDE with a log-space form (GBM, CIR), got family '${sde.family}' (kind '${sde.kind}'); use an ambient-space sampler such as eulerMaruyamaSampler for additive SDEs`,
        'unsupported-sde',
      );
    });
  }
  return {
    name: 'log',
    reverse: sde.reverseLatent(score),
    velocity: sde.probabilityFlowLatent(score),
    stateScore: (y, t) => tf.tidy(() => latentScoreFromHyvarinen(score(fromLatent(y), t))),
    enter: (x) => toLatent(x),
    leave: (y) => fromLatent(y),
    keep: (y) => tf.clipByValue(y, LOG_STATE_BOUNDS.min, LOG_STATE_BOUNDS.max),
  };
}
