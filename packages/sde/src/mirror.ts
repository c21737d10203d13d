/**
 * The Lamperti transform Y = log X, which is also the gradient of the negative-entropy mirror
 * map φ(x) = Σ xᵢ log xᵢ − xᵢ (guide: M3–M4). Mirrored Langevin dynamics with this φ — Langevin
 * in Y, mapped back by exp — is the Dale–Langevin sampler.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Process, Time } from './types.ts';

/** A mirror map φ with its gradient ∇φ (to the latent space) and the inverse gradient ∇φ* (back). */
export interface MirrorMap {
  readonly name: string;
  /** φ(x), elementwise (sum over elements for the scalar potential). */
  phi(x: tf.Tensor): tf.Tensor;
  /** ∇φ(x): ambient → latent. */
  gradPhi(x: tf.Tensor): tf.Tensor;
  /** ∇φ*(y) = (∇φ)⁻¹(y): latent → ambient. */
  gradPhiConjugate(y: tf.Tensor): tf.Tensor;
}

/** φ(x) = x log x − x on x > 0; ∇φ = log, ∇φ* = exp. */
export const negativeEntropy: MirrorMap = {
  name: 'negative-entropy',
  phi: (x) => tf.tidy(() => tf.sub(tf.mul(x, tf.log(x)), x)),
  gradPhi: (x) => tf.log(x),
  gradPhiConjugate: (y) => tf.exp(y),
};

/** Y = log X: ambient (positive) → log space. */
export function toLatent(x: tf.Tensor): tf.Tensor {
  return negativeEntropy.gradPhi(x);
}

/** X = exp Y: log space → ambient. */
export function fromLatent(y: tf.Tensor): tf.Tensor {
  return negativeEntropy.gradPhiConjugate(y);
}

/**
 * The score of Y = log X in log space from the Hyvärinen score of X (guide: M4):
 * ∇_y log q(y) = x ∘ ∇ₓ log p(x) + 1.
 */
export function latentScoreFromHyvarinen(hyvarinenScore: tf.Tensor): tf.Tensor {
  return tf.add(hyvarinenScore, 1);
}

/**
 * Rewrite any ambient positive-valued reverse-time process in log space by Itô's formula.
 *
 * A reverse process dX = −b dτ + g dW in reverse time τ becomes, for Y = log X,
 * dY = −(b/x + ½ (g/x)²) dτ + (g/x) dW; in forward notation its drift is b/x + ½(g/x)² and its
 * diffusion g/x. For GBM this reproduces the closed form M7' from M7.
 */
export function logSpaceReverse(ambient: Process): Process {
  return {
    drift: (y, t) =>
      tf.tidy(() => {
        const x = tf.exp(y);
        const gOverX = tf.div(ambient.diffusion(x, t), x);
        return tf.add(tf.div(ambient.drift(x, t), x), tf.mul(0.5, tf.square(gOverX)));
      }),
    diffusion: (y, t) =>
      tf.tidy(() => {
        const x = tf.exp(y);
        return tf.div(ambient.diffusion(x, t), x);
      }),
  };
}

/**
 * Rewrite an ambient ODE velocity dx/dt = v(x, t) in log space: dy/dt = v(x, t)/x (no Itô term
 * for an ODE).
 */
export function logSpaceVelocity(
  velocity: (x: tf.Tensor, t: Time) => tf.Tensor,
): (y: tf.Tensor, t: Time) => tf.Tensor {
  return (y, t) =>
    tf.tidy(() => {
      const x = tf.exp(y);
      return tf.div(velocity(x, t), x);
    });
}
