import type { Rng } from '@dale/core';
import type { GBM, ScoreFn } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianMixture, type MixtureComponent, perTime } from './gaussian-mixture.ts';

/**
 * A mixture of log-normal distributions in d dimensions: log X ~ Σ_k w_k N(m_k, diag(s_k²)),
 * components given in log space.
 *
 * It is the ground truth for multiplicative diffusion: under GBM its marginal at every t is
 * again such a mixture (log X_t = log X₀ + M − S²/2 + S Z, guide: M2), so the exact Hyvärinen
 * score x ∘ ∇ log p_t(x) is known in closed form at every t ({@link LogNormalMixture.scoreFn}).
 *
 * @example
 * ```ts
 * const target = new LogNormalMixture([
 *   { weight: 0.5, mean: [0, 0.5], std: [0.2, 0.2] },
 *   { weight: 0.5, mean: [1, -0.5], std: [0.3, 0.1] },
 * ]);
 * const x = target.sample(10_000, Rng.fromSeed(0)); // [10000, 2], all positive
 * const score = target.scoreFn(gbm());              // exact s_H(x, t), e.g. for sampler tests
 * ```
 */
export class LogNormalMixture {
  /** The Gaussian mixture followed by log X. */
  readonly latent: GaussianMixture;
  readonly dim: number;

  constructor(components: readonly MixtureComponent[] | GaussianMixture) {
    this.latent =
      components instanceof GaussianMixture ? components : new GaussianMixture(components);
    this.dim = this.latent.dim;
  }

  /** The components, in log space. */
  get components(): readonly MixtureComponent[] {
    return this.latent.components;
  }

  /** Exact draws, shape [n, d], all positive. */
  sample(n: number, rng: Rng): tf.Tensor2D {
    const values = this.latent.sampleValues(n, rng);
    for (let i = 0; i < values.length; i++) values[i] = Math.exp(values[i]!);
    return tf.tensor2d(values, [n, this.dim]);
  }

  /** The exact law of X_t when X₀ follows this mixture and X evolves by `sde` (guide: M2). */
  noised(sde: GBM, t: number): LogNormalMixture {
    return new LogNormalMixture(
      this.latent.transformed(1, sde.schedule.sigmaSquaredIntegral(t), sde.logMeanShift(t)),
    );
  }

  /** Per-example log-density of x (includes the Jacobian −Σ log x), shape [n]. */
  logProb(x: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const y = tf.log(x);
      return tf.sub(this.latent.logProb(y), tf.sum(y, 1)) as tf.Tensor1D;
    });
  }

  /**
   * The Hyvärinen score x ∘ ∇ₓ log p(x) = ∇_y log q(y) − 1 at y = log x (guide: M4–M5),
   * shape [n, d].
   */
  hyvarinenScore(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.sub(this.latent.steinScore(tf.log(x)), 1) as tf.Tensor2D);
  }

  /** The Stein score ∇ₓ log p(x) = s_H / x, shape [n, d]. */
  steinScore(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.div(this.hyvarinenScore(x), x) as tf.Tensor2D);
  }

  /** The exact Hyvärinen score of the noised law p_t under `sde`, for every t (one per row allowed). */
  scoreFn(sde: GBM): ScoreFn {
    return perTime(
      (t) => this.noised(sde, t),
      (law, x) => law.hyvarinenScore(x),
    );
  }

  /** CDF of dimension `dim` at x (0 for x ≤ 0). */
  marginalCdf(dim: number, x: number): number {
    return x > 0 ? this.latent.marginalCdf(dim, Math.log(x)) : 0;
  }

  /** E[X_dim] = Σ_k w_k exp(m_k + s_k²/2). */
  mean(dim: number): number {
    return this.components.reduce(
      (p, c) => p + c.weight * Math.exp(c.mean[dim]! + c.std[dim]! ** 2 / 2),
      0,
    );
  }

  /** Var[X_dim], from E[X²] = Σ_k w_k exp(2m_k + 2s_k²). */
  variance(dim: number): number {
    const second = this.components.reduce(
      (p, c) => p + c.weight * Math.exp(2 * c.mean[dim]! + 2 * c.std[dim]! ** 2),
      0,
    );
    return second - this.mean(dim) ** 2;
  }

  toJSON(): { kind: 'lognormal-mixture'; components: MixtureComponent[] } {
    return { kind: 'lognormal-mixture', components: this.components.map((c) => ({ ...c })) };
  }
}
