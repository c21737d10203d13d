import type { NoiseSchedule, Rng } from '@dale/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A time: one number for the whole batch, or one number per batch element (the first axis).
 * Times are plain numbers rather than tensors so that schedules and analytic scores never force
 * a device synchronisation.
 */
export type Time = number | ArrayLike<number>;

/**
 * A score function. For multiplicative and positive SDEs it returns the **Hyvärinen score**
 * s_H(x, t) = x ∘ ∇ₓ log p_t(x) (guide: M5); for additive SDEs the Stein score ∇ₓ log p_t(x).
 * {@link SDE.scoreKind} says which one an SDE expects.
 */
export type ScoreFn = (x: tf.Tensor, t: Time) => tf.Tensor;

/** Which score an SDE's reverse process consumes. */
export type ScoreKind = 'hyvarinen' | 'stein';

/** A process written as dX = drift dt + diffusion ∘ dW (forward or reverse in time). */
export interface Process {
  drift(x: tf.Tensor, t: Time): tf.Tensor;
  /** The elementwise diffusion coefficient g(x, t) (a diagonal diffusion matrix). */
  diffusion(x: tf.Tensor, t: Time): tf.Tensor;
}

/** A draw from the forward marginal p(x_t | x_0). */
export interface MarginalSample {
  /** x_t, same shape as x_0. */
  readonly xt: tf.Tensor;
  /** The standard normal noise Z that produced x_t, for families whose kernel is Gaussian in some coordinates; absent otherwise (CIR). */
  readonly noise?: tf.Tensor;
}

/**
 * The transition kernel of a family whose kernel is Gaussian in some coordinates, z = x
 * (`'ambient'`) or z = log x (`'log'`):
 *
 *   z_t = a(t) z₀ + b(t) + √v(t) ε, ε ~ N(0, I).
 *
 * GBM: log coordinates, a ≡ 1, b = m(t) = M(t) − S²(t)/2, v = S²(t) (guide: M2, M14). VE/VP:
 * ambient, a = e^{M(t)}, b = 0. What losses and models need from an SDE is read from here: the
 * named loss weightings (v), the `'noise'` parameterisation (√v), the predictor–corrector step
 * rule (a) and, for log kernels with a ≡ 1, the few-step samplers and the preconditioned
 * denoiser (`logGaussianKernel`).
 */
export interface GaussianKernel {
  /** The coordinates z in which the kernel is Gaussian: x itself, or log x. */
  readonly coordinates: 'ambient' | 'log';
  /** v(t) ≥ 0, the kernel's variance in those coordinates (v(0) = 0). */
  variance(t: number): number;
  /** ln a(t), the log of the factor on z₀ in the kernel's mean; absent: a ≡ 1. */
  logMeanScale?(t: number): number;
  /** b(t), the shift of the kernel's mean; absent: b ≡ 0. */
  meanShift?(t: number): number;
}

/** JSON form of an SDE, stored in checkpoints; rebuild with `sdeFromConfig`. */
export interface SDEConfig {
  readonly family: string;
  readonly [key: string]: unknown;
}

/**
 * A forward SDE dX = f(X, t) dt + g(X, t) dW on [0, T], with what training and sampling need.
 * Reverse-time processes are written in forward notation: a sampler stepping from t to t − δ
 * applies x ← x − δ · drift + √δ · diffusion ∘ z.
 */
export interface SDE {
  /** Family name, e.g. `'gbm'`, `'ve'`, `'vp'`, `'cir'`. */
  readonly family: string;
  /** `'multiplicative'` (GBM-like, log-space additive), `'positive'` (positive-valued) or `'additive'`. */
  readonly kind: 'multiplicative' | 'positive' | 'additive';
  /** Which score {@link ScoreFn} must return for this SDE. */
  readonly scoreKind: ScoreKind;
  /** Final time. */
  readonly T: number;
  /** The coefficient schedule, where the family has one. */
  readonly schedule?: NoiseSchedule;
  /**
   * The transition kernel, for families whose kernel is Gaussian in ambient or log coordinates
   * (GBM, VE, VP; not CIR). Declaring it gives a family the named loss weightings, the `'noise'`
   * parameterisation and the predictor–corrector step rule.
   */
  readonly kernel?: GaussianKernel;

  /** Forward drift f(x, t). */
  drift(x: tf.Tensor, t: Time): tf.Tensor;
  /** Forward elementwise diffusion g(x, t). */
  diffusion(x: tf.Tensor, t: Time): tf.Tensor;
  /** Draw x_t ~ p(x_t | x_0). */
  sampleMarginal(x0: tf.Tensor, t: Time, rng: Rng): MarginalSample;
  /** The score of the transition kernel p(x_t | x_0) at x_t, of kind {@link scoreKind}. */
  conditionalScore(xt: tf.Tensor, x0: tf.Tensor, t: Time): tf.Tensor;
  /** Draw from the prior p_T used to start sampling. */
  priorSample(shape: readonly number[], rng: Rng): tf.Tensor;
  /** log p_T(x) summed over all but the first axis: one value per batch element. */
  priorLogProb(x: tf.Tensor): tf.Tensor1D;
  /** The reverse-time SDE (Anderson 1982) driven by `score`. */
  reverse(score: ScoreFn): Process;
  /** The probability-flow ODE velocity dx/dt driven by `score` (same marginals as the SDE). */
  probabilityFlow(score: ScoreFn): (x: tf.Tensor, t: Time) => tf.Tensor;
  /** JSON form for checkpoints. */
  toJSON(): SDEConfig;
}

/**
 * A positive-valued SDE that can also be simulated in log space, Y = log X, where samplers
 * stay positive by construction (the Dale–Langevin sampler; guide: M3, M7', M8).
 */
export interface PositiveSDE extends SDE {
  readonly kind: 'multiplicative' | 'positive';
  readonly scoreKind: 'hyvarinen';
  /** The reverse-time SDE in log space, driven by the Hyvärinen score evaluated at x = eʸ. */
  reverseLatent(score: ScoreFn): Process;
  /** The probability-flow velocity dy/dt in log space. */
  probabilityFlowLatent(score: ScoreFn): (y: tf.Tensor, t: Time) => tf.Tensor;
}

/** True when `sde` is positive-valued and has a log-space form. */
export function isPositiveSDE(sde: SDE): sde is PositiveSDE {
  return (sde.kind === 'multiplicative' || sde.kind === 'positive') && 'reverseLatent' in sde;
}
