import {
  constantSchedule,
  DaleError,
  type NoiseSchedule,
  type Rng,
  type ScheduleConfig,
  scheduleFromConfig,
  synchronousReadsAvailable,
} from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { PositiveDiffusionSDE } from './generic.ts';
import {
  checkPrior,
  type LogNormalPrior,
  logNormalLogProb,
  sampleLogNormal,
} from './lognormal-prior.ts';
import { fromLatent } from './mirror.ts';
import { checkTime, coefficient } from './time.ts';
import type { GaussianKernel, MarginalSample, Process, ScoreFn, SDEConfig, Time } from './types.ts';

/** Options of {@link gbm}. */
export interface GBMOptions {
  /** Constant diffusion σ (ignored when `schedule` is given); default 0.8, the reference value. */
  sigma?: number;
  /** Constant drift μ (ignored when `schedule` is given); default σ²/2 (zero drift in log space). */
  mu?: number;
  /** Final time T; default 1. */
  T?: number;
  /** Time-dependent coefficients instead of constant ones. */
  schedule?: NoiseSchedule;
  /**
   * The prior at t = T. Default: the marginal of data at x₀ = 1, log X_T ~ N(M(T) − S²(T)/2, S²(T)).
   * Use {@link REFERENCE_PRIORS} or `fitLogNormalPrior` for the fitted per-channel priors.
   */
  prior?: LogNormalPrior;
  /**
   * Check, on every call, that data given to `sampleMarginal` is strictly positive (one
   * synchronous read of the batch); default false, so that nothing is read back on the hot path.
   * `train()` of `@dale/train` checks its dataset once instead; turn this on to debug a loss of
   * your own. Skipped where the backend cannot read synchronously (`synchronousReadsAvailable()`
   * of `@dale/core` is false: WebGPU in Node). Data that is not positive otherwise shows as a
   * non-finite loss.
   */
  checkPositive?: boolean;
}

/** JSON form of a GBM. */
export interface GBMConfig extends SDEConfig {
  readonly family: 'gbm';
  readonly schedule: ScheduleConfig;
  readonly prior: LogNormalPrior;
}

/**
 * Geometric Brownian motion dX = μ(t) X dt + σ(t) X dW (guide: M1), the forward process of
 * multiplicative diffusion. Its marginals are log-normal (M2) and X stays positive.
 *
 * @example
 * ```ts
 * const sde = gbm(); // σ = 0.8, μ = 0.32, T = 1: the reference setting
 * const { xt, noise } = sde.sampleMarginal(x0, 0.5, Rng.fromSeed(0));
 * ```
 */
export class GBM extends PositiveDiffusionSDE {
  readonly family = 'gbm';
  readonly kind = 'multiplicative';
  readonly schedule: NoiseSchedule;
  /** Gaussian in log x: log X_t = log X₀ + m(t) + S(t) Z, v = S²(t) (guide: M2, M14). */
  override readonly kernel: GaussianKernel = {
    coordinates: 'log',
    variance: (t) => this.schedule.sigmaSquaredIntegral(t),
    meanShift: (t) => this.logMeanShift(t),
  };
  readonly prior: LogNormalPrior;
  readonly T: number;
  readonly #checkPositive: boolean;

  constructor(options: GBMOptions = {}) {
    super();
    const sigma = options.sigma ?? 0.8;
    this.schedule =
      options.schedule ??
      constantSchedule({ sigma, mu: options.mu ?? (sigma * sigma) / 2, T: options.T ?? 1 });
    this.T = this.schedule.T;
    const S2 = this.schedule.sigmaSquaredIntegral(this.T);
    this.prior = options.prior ?? {
      m: this.schedule.muIntegral(this.T) - S2 / 2,
      s: Math.sqrt(S2),
    };
    checkPrior(this.prior);
    this.#checkPositive = options.checkPositive ?? false;
  }

  #sigma2(t: Time, x: tf.Tensor): tf.Tensor {
    return coefficient(t, x, (s) => this.schedule.sigmaSquared(s));
  }

  #mu(t: Time, x: tf.Tensor): tf.Tensor {
    return coefficient(t, x, (s) => this.schedule.mu(s));
  }

  /** Mean of log X_t − log X_0: M(t) − S²(t)/2 (guide: M2). */
  logMeanShift(t: number): number {
    return this.schedule.muIntegral(t) - this.schedule.sigmaSquaredIntegral(t) / 2;
  }

  /** f(x, t) = μ(t) x. */
  drift(x: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() => tf.mul(this.#mu(t, x), x));
  }

  /** g(x, t) = σ(t) x. */
  diffusion(x: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() =>
      tf.mul(
        coefficient(t, x, (s) => this.schedule.sigma(s)),
        x,
      ),
    );
  }

  /** Throw a clear error unless every element of `x` is strictly positive. */
  assertPositive(x: tf.Tensor, what: string): void {
    const min = tf.tidy(() => tf.min(x).dataSync()[0]!);
    if (!(min > 0)) {
      throw new DaleError(
        'non-positive-data',
        `${what}: GBM needs strictly positive data, but the smallest value is ${min}. ` +
          'Map the data to positive values first with a positivity transform from @dale/data ' +
          '(the reference maps pixels x ∈ [0, 1] to x + 1), and map samples back with its inverse.',
      );
    }
  }

  /** x_t = x₀ ∘ exp(M(t) − S²(t)/2 + S(t) Z) (guide: M2); returns Z as `noise`. */
  sampleMarginal(x0: tf.Tensor, t: Time, rng: Rng): MarginalSample {
    checkTime(t, this.T, 'GBM.sampleMarginal');
    // The check reads the data synchronously; where the backend cannot (WebGPU in Node), it is
    // skipped, and data that is not positive shows as a non-finite loss instead.
    if (this.#checkPositive && synchronousReadsAvailable()) {
      this.assertPositive(x0, 'GBM.sampleMarginal');
    }
    const noise = tf.tensor(rng.fillNormal(new Float32Array(x0.size)), x0.shape, 'float32');
    const xt = tf.tidy(() => {
      const shift = coefficient(t, x0, (s) => this.logMeanShift(s));
      const S = coefficient(t, x0, (s) => Math.sqrt(this.schedule.sigmaSquaredIntegral(s)));
      return tf.mul(x0, tf.exp(tf.add(shift, tf.mul(S, noise))));
    });
    return { xt, noise };
  }

  /**
   * The Hyvärinen score of the kernel (guide: M6):
   * x_t ∘ ∇ log p(x_t | x₀) = −1 − (log x_t − log x₀ − M(t) + S²(t)/2) / S²(t).
   */
  conditionalScore(xt: tf.Tensor, x0: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() => {
      const shift = coefficient(t, xt, (s) => this.logMeanShift(s));
      const S2 = coefficient(t, xt, (s) => this.schedule.sigmaSquaredIntegral(s));
      const residual = tf.sub(tf.sub(tf.log(xt), tf.log(x0)), shift);
      return tf.sub(-1, tf.div(residual, S2));
    });
  }

  /** x_T = exp(m + s z) with the configured prior. */
  priorSample(shape: readonly number[], rng: Rng): tf.Tensor {
    return sampleLogNormal(this.prior, shape, rng);
  }

  /** Log-density of the log-normal prior, one value per batch element. */
  priorLogProb(x: tf.Tensor): tf.Tensor1D {
    return logNormalLogProb(this.prior, x);
  }

  /**
   * The reverse-time SDE in ambient space (guide: M7): drift μx − 2σ²x − σ² x ∘ s_H, diffusion σx.
   * Stepping it backward with Euler–Maruyama is the sign-agnostic sampler (M8a). The closed form of
   * the generic derivation (`reverseSDE`), which it equals.
   */
  override reverse(score: ScoreFn): Process {
    return {
      drift: (x, t) =>
        tf.tidy(() => {
          const sigma2 = this.#sigma2(t, x);
          const rate = tf.sub(
            tf.sub(this.#mu(t, x), tf.mul(2, sigma2)),
            tf.mul(sigma2, score(x, t)),
          );
          return tf.mul(rate, x);
        }),
      diffusion: (x, t) => this.diffusion(x, t),
    };
  }

  /**
   * The reverse-time SDE in log space (guide: M7'): drift (μ − σ²/2) − σ²(s_H + 1), diffusion σ.
   * Stepping it backward is the Dale–Langevin sampler (M8).
   */
  override reverseLatent(score: ScoreFn): Process {
    return {
      drift: (y, t) =>
        tf.tidy(() => {
          const sigma2 = this.#sigma2(t, y);
          const sH = score(fromLatent(y), t);
          return tf.sub(tf.sub(this.#mu(t, y), tf.mul(0.5, sigma2)), tf.mul(sigma2, tf.add(sH, 1)));
        }),
      diffusion: (y, t) =>
        tf.tidy(() =>
          tf.mul(
            coefficient(t, y, (s) => this.schedule.sigma(s)),
            tf.onesLike(y),
          ),
        ),
    };
  }

  /** Probability-flow velocity in ambient space: μx − σ²x − ½σ² x ∘ s_H. */
  override probabilityFlow(score: ScoreFn): (x: tf.Tensor, t: Time) => tf.Tensor {
    return (x, t) =>
      tf.tidy(() => {
        const sigma2 = this.#sigma2(t, x);
        const rate = tf.sub(
          tf.sub(this.#mu(t, x), sigma2),
          tf.mul(tf.mul(0.5, sigma2), score(x, t)),
        );
        return tf.mul(rate, x);
      });
  }

  /** Probability-flow velocity in log space (guide: M10): (μ − σ²/2) − (σ²/2)(s_H + 1). */
  override probabilityFlowLatent(score: ScoreFn): (y: tf.Tensor, t: Time) => tf.Tensor {
    return (y, t) =>
      tf.tidy(() => {
        const sigma2 = this.#sigma2(t, y);
        const sH = score(fromLatent(y), t);
        return tf.sub(
          tf.sub(this.#mu(t, y), tf.mul(0.5, sigma2)),
          tf.mul(tf.mul(0.5, sigma2), tf.add(sH, 1)),
        );
      });
  }

  /**
   * The log-domain Tweedie estimate (guide: M9, for any schedule):
   * E[log X₀ | X_t = x] = log x − M(t) + 3S²(t)/2 + S²(t) · s_H(x, t).
   */
  tweedieLogMean(x: tf.Tensor, t: Time, hyvarinenScore: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const M = coefficient(t, x, (s) => this.schedule.muIntegral(s));
      const S2 = coefficient(t, x, (s) => this.schedule.sigmaSquaredIntegral(s));
      return tf.add(tf.add(tf.sub(tf.log(x), M), tf.mul(1.5, S2)), tf.mul(S2, hyvarinenScore));
    });
  }

  toJSON(): GBMConfig {
    return { family: 'gbm', schedule: this.schedule.toJSON(), prior: this.prior };
  }

  /** Rebuild from {@link GBM.toJSON}. */
  static fromConfig(config: GBMConfig): GBM {
    return new GBM({ schedule: scheduleFromConfig(config.schedule), prior: config.prior });
  }
}

/** A GBM with the reference defaults (σ = 0.8, μ = σ²/2, T = 1) unless overridden. */
export function gbm(options: GBMOptions = {}): GBM {
  return new GBM(options);
}
