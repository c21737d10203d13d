/**
 * Reverse-time SDEs and probability-flow ODEs derived once, from the forward drift, the
 * diffusion and the derivative of g² (Anderson 1982; score_sde's base-class pattern), in ambient
 * coordinates and, through the Lamperti transform, in log space (guide: M7, M7', M10).
 * @module
 */
import type { Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { logSpaceReverse, logSpaceVelocity } from './mirror.ts';
import type {
  GaussianKernel,
  MarginalSample,
  PositiveSDE,
  Process,
  ScoreFn,
  ScoreKind,
  SDE,
  SDEConfig,
  Time,
} from './types.ts';

/**
 * What the reverse processes of an SDE are derived from: its forward coefficients, the kind of
 * score it is driven by and, optionally, the closed form of ∂ₓ g².
 */
export interface DiffusionParts {
  /** Which score drives the reverse processes: Stein ∇log p, or Hyvärinen x ∘ ∇log p. */
  readonly scoreKind: ScoreKind;
  /** Forward drift f(x, t). */
  drift(x: tf.Tensor, t: Time): tf.Tensor;
  /** Forward elementwise diffusion g(x, t), whose i-th entry depends on xᵢ only. */
  diffusion(x: tf.Tensor, t: Time): tf.Tensor;
  /**
   * ∂g²/∂xᵢ elementwise: the divergence ∇·(G Gᵀ) of the diagonal diffusion G = diag(g). Without
   * it, {@link diffusionSquaredDerivative} differentiates `diffusion` automatically.
   */
  diffusionSquaredDerivative?(x: tf.Tensor, t: Time): tf.Tensor;
}

/**
 * ∂g²/∂xᵢ at x: `parts.diffusionSquaredDerivative` where it is given, else the gradient of
 * Σᵢ g_i(x, t)² by automatic differentiation (exact for a diffusion whose i-th entry depends on
 * xᵢ only, as the {@link SDE} interface requires).
 */
export function diffusionSquaredDerivative(
  parts: DiffusionParts,
  x: tf.Tensor,
  t: Time,
): tf.Tensor {
  if (parts.diffusionSquaredDerivative) return parts.diffusionSquaredDerivative(x, t);
  return tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.square(parts.diffusion(v, t))))(x));
}

/** g² ∇log p from the score: g² s for a Stein score, g² s_H / x for a Hyvärinen one. */
function scoreTerm(parts: DiffusionParts, score: ScoreFn, x: tf.Tensor, t: Time): tf.Tensor {
  const g2 = tf.square(parts.diffusion(x, t));
  const s = score(x, t);
  return parts.scoreKind === 'stein' ? tf.mul(g2, s) : tf.div(tf.mul(g2, s), x);
}

/**
 * The reverse-time SDE of a forward SDE, in forward notation (Anderson 1982):
 * drift f − ∂ₓg² − g² ∇log p, diffusion g, with ∇log p = s_H / x for a Hyvärinen score.
 * For GBM this is M7.
 */
export function reverseSDE(parts: DiffusionParts, score: ScoreFn): Process {
  return {
    drift: (x, t) =>
      tf.tidy(() =>
        tf.sub(
          tf.sub(parts.drift(x, t), diffusionSquaredDerivative(parts, x, t)),
          scoreTerm(parts, score, x, t),
        ),
      ),
    diffusion: (x, t) => parts.diffusion(x, t),
  };
}

/**
 * The probability-flow ODE velocity of a forward SDE, whose solutions have the SDE's marginals:
 * f − ½∂ₓg² − ½g² ∇log p.
 */
export function probabilityFlowODE(
  parts: DiffusionParts,
  score: ScoreFn,
): (x: tf.Tensor, t: Time) => tf.Tensor {
  return (x, t) =>
    tf.tidy(() =>
      tf.sub(
        parts.drift(x, t),
        tf.mul(0.5, tf.add(diffusionSquaredDerivative(parts, x, t), scoreTerm(parts, score, x, t))),
      ),
    );
}

/**
 * A base class for SDE families: `reverse` and `probabilityFlow` are derived from `drift`,
 * `diffusion` and ∂ₓg² ({@link reverseSDE}, {@link probabilityFlowODE}); a family with closed
 * forms overrides them (GBM, VE/VP and CIR do, and their tests check them against this
 * derivation). Override `diffusionSquaredDerivative` to replace automatic differentiation.
 */
export abstract class DiffusionSDE implements SDE {
  abstract readonly family: string;
  abstract readonly kind: SDE['kind'];
  abstract readonly scoreKind: ScoreKind;
  abstract readonly T: number;
  /** The family's Gaussian kernel, where it has one (see {@link SDE.kernel}). */
  readonly kernel?: GaussianKernel;
  abstract drift(x: tf.Tensor, t: Time): tf.Tensor;
  abstract diffusion(x: tf.Tensor, t: Time): tf.Tensor;
  abstract sampleMarginal(x0: tf.Tensor, t: Time, rng: Rng): MarginalSample;
  abstract conditionalScore(xt: tf.Tensor, x0: tf.Tensor, t: Time): tf.Tensor;
  abstract priorSample(shape: readonly number[], rng: Rng): tf.Tensor;
  abstract priorLogProb(x: tf.Tensor): tf.Tensor1D;
  abstract toJSON(): SDEConfig;

  /** The reverse-time SDE, derived by {@link reverseSDE}. */
  reverse(score: ScoreFn): Process {
    return reverseSDE(this, score);
  }

  /** The probability-flow velocity, derived by {@link probabilityFlowODE}. */
  probabilityFlow(score: ScoreFn): (x: tf.Tensor, t: Time) => tf.Tensor {
    return probabilityFlowODE(this, score);
  }
}

/**
 * A base class for positive families driven by the Hyvärinen score: {@link DiffusionSDE} plus the
 * log-space forms, derived from the ambient ones by Itô's formula ({@link logSpaceReverse},
 * {@link logSpaceVelocity}), so log-space samplers (Dale–Langevin, predictor–corrector) work for
 * the family unchanged.
 */
export abstract class PositiveDiffusionSDE extends DiffusionSDE implements PositiveSDE {
  abstract override readonly kind: PositiveSDE['kind'];
  readonly scoreKind = 'hyvarinen' as const;

  /** The reverse-time SDE of y = log x: the Itô rewrite of {@link DiffusionSDE.reverse}. */
  reverseLatent(score: ScoreFn): Process {
    return logSpaceReverse(this.reverse(score));
  }

  /** The probability-flow velocity of y = log x: the rewrite of {@link DiffusionSDE.probabilityFlow}. */
  probabilityFlowLatent(score: ScoreFn): (y: tf.Tensor, t: Time) => tf.Tensor {
    return logSpaceVelocity(this.probabilityFlow(score));
  }
}
