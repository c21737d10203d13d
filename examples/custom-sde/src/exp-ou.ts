/**
 * A user-defined positive SDE family: the exponential Ornstein–Uhlenbeck process.
 *
 * Its logarithm Y = log X is an Ornstein–Uhlenbeck process, dY = θ(m − Y) dt + σ dW, so by Itô's
 * formula X = e^Y follows
 *
 *   dX = X [θ(m − log X) + σ²/2] dt + σ X dW.
 *
 * Like GBM it is multiplicative (noise proportional to X, additive in log space) and stays
 * positive; unlike GBM it mean-reverts, so its stationary law — log-normal, log X ~ N(m, σ²/(2θ))
 * — is a natural prior. Its transition kernel is Gaussian in log space:
 *
 *   log X_t | X₀ ~ N(m + (log X₀ − m) e^{−θt}, v(t)),  v(t) = σ²(1 − e^{−2θt})/(2θ),
 *
 * so M-DSM has an exact target (its Hyvärinen score, −1 − (log x_t − mean)/v) and exact draws.
 * Nothing here is built into dale: it extends `PositiveDiffusionSDE` of `@dale/sde`
 * (docs/adding-an-sde-family.md), which derives the reverse-time SDE and the probability-flow
 * ODE, in x and in log x, from the drift and diffusion below — no reverse process is written by
 * hand — and {@link registerExpOU} makes `sdeFromConfig` know it.
 */
import { DaleError, type Rng } from '@dale/core';
import {
  coefficient,
  type GaussianKernel,
  type LogNormalPrior,
  logNormalLogProb,
  type MarginalSample,
  PositiveDiffusionSDE,
  registerSDEFamily,
  type SDEConfig,
  sampleLogNormal,
  type Time,
  toLatent,
} from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/** The family's name in the SDE registry and in checkpoints. */
export const EXP_OU_FAMILY = 'exp-ou';

/** Options (and JSON form, with `family`) of the exponential OU SDE. */
export interface ExpOUOptions {
  /** Mean-reversion rate θ > 0 of log X. */
  readonly rate: number;
  /** Long-run mean m of log X. */
  readonly logMean: number;
  /** Volatility σ > 0 (of log X, and relative volatility of X). */
  readonly sigma: number;
  /** Final time T > 0; default 1. */
  readonly T?: number;
}

/** JSON form of an {@link ExpOU}, as `toJSON()` writes it into checkpoints. */
export interface ExpOUConfig extends SDEConfig, ExpOUOptions {
  readonly family: typeof EXP_OU_FAMILY;
}

/** The exponential Ornstein–Uhlenbeck SDE dX = X[θ(m − log X) + σ²/2] dt + σX dW. */
export class ExpOU extends PositiveDiffusionSDE {
  readonly family = EXP_OU_FAMILY;
  readonly kind = 'multiplicative';
  /**
   * Gaussian in log x: log X_t = e^{−θt} log X₀ + m(1 − e^{−θt}) + √v(t) Z. Declaring it gives
   * the family the named loss weightings, the `'noise'` parameterisation and the
   * predictor–corrector step rule of dale.
   */
  override readonly kernel: GaussianKernel = {
    coordinates: 'log',
    variance: (t) => this.logVariance(t),
    logMeanScale: (t) => -this.rate * t,
    meanShift: (t) => -this.logMean * Math.expm1(-this.rate * t),
  };
  readonly rate: number;
  readonly logMean: number;
  readonly sigma: number;
  readonly T: number;

  constructor(options: ExpOUOptions) {
    super();
    const { rate, logMean, sigma, T = 1 } = options;
    for (const [name, value] of Object.entries({ rate, sigma, T })) {
      if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
        throw new DaleError(
          'invalid-sde',
          `ExpOU: ${name} must be a finite number > 0, got ${value}`,
        );
      }
    }
    if (!(typeof logMean === 'number' && Number.isFinite(logMean))) {
      throw new DaleError('invalid-sde', `ExpOU: logMean must be a finite number, got ${logMean}`);
    }
    this.rate = rate;
    this.logMean = logMean;
    this.sigma = sigma;
    this.T = T;
  }

  /** e^{−θt}: how much of log X₀'s distance to m survives to time t. */
  decay(t: number): number {
    return Math.exp(-this.rate * t);
  }

  /** E[log X_t | X₀ = x₀] = m + (log x₀ − m) e^{−θt}. */
  logMeanAt(x0: number, t: number): number {
    return this.logMean + (Math.log(x0) - this.logMean) * this.decay(t);
  }

  /** v(t) = Var[log X_t | X₀] = σ²(1 − e^{−2θt})/(2θ). */
  logVariance(t: number): number {
    return (this.sigma * this.sigma * -Math.expm1(-2 * this.rate * t)) / (2 * this.rate);
  }

  /** The stationary law, log X ~ N(m, σ²/(2θ)): the prior sampling starts from. */
  get prior(): LogNormalPrior {
    return { m: this.logMean, s: this.sigma / Math.sqrt(2 * this.rate) };
  }

  /** f(x) = x [θ(m − log x) + σ²/2]. */
  drift(x: tf.Tensor, _t: Time): tf.Tensor {
    return tf.tidy(() => tf.mul(x, this.#logDrift(toLatent(x), this.sigma ** 2 / 2)));
  }

  /** g(x) = σ x. */
  diffusion(x: tf.Tensor, _t: Time): tf.Tensor {
    return tf.tidy(() => tf.mul(this.sigma, x));
  }

  /** θ(m − y) + c. */
  #logDrift(y: tf.Tensor, c: number): tf.Tensor {
    return tf.add(tf.mul(this.rate, tf.sub(this.logMean, y)), c);
  }

  /** The kernel's log-space mean and standard deviation at x₀, as tensors that broadcast. */
  #kernel(x0: tf.Tensor, t: Time): { mean: tf.Tensor; std: tf.Tensor } {
    const a = coefficient(t, x0, (s) => this.decay(s));
    const mean = tf.add(this.logMean, tf.mul(a, tf.sub(toLatent(x0), this.logMean)));
    const std = coefficient(t, x0, (s) => Math.sqrt(this.logVariance(s)));
    return { mean, std };
  }

  #check(x0: tf.Tensor, t: Time, what: string): void {
    const times = typeof t === 'number' ? [t] : Array.from(t);
    const bad = times.find((s) => !(Number.isFinite(s) && s >= 0 && s <= this.T));
    if (bad !== undefined) {
      throw new DaleError('invalid-time', `${what}: time must lie in [0, ${this.T}], got ${bad}`);
    }
    const min = tf.tidy(() => tf.min(x0).dataSync()[0]!);
    if (!(min > 0)) {
      throw new DaleError(
        'non-positive-data',
        `${what}: the exponential OU SDE needs strictly positive data, but the smallest value is ${min}`,
      );
    }
  }

  /** An exact draw: log x_t = m + (log x₀ − m) e^{−θt} + √v(t) Z; returns Z as `noise`. */
  sampleMarginal(x0: tf.Tensor, t: Time, rng: Rng): MarginalSample {
    this.#check(x0, t, 'ExpOU.sampleMarginal');
    const noise = tf.tensor(rng.fillNormal(new Float32Array(x0.size)), x0.shape, 'float32');
    const xt = tf.tidy(() => {
      const { mean, std } = this.#kernel(x0, t);
      return tf.exp(tf.add(mean, tf.mul(std, noise)));
    });
    return { xt, noise };
  }

  /** log p(x_t | x₀) of the kernel, for one element (double precision): log N(log x_t; mean, v) − log x_t. */
  conditionalLogDensity(xt: number, x0: number, t: number): number {
    const v = this.logVariance(t);
    const y = Math.log(xt);
    const r = y - this.logMeanAt(x0, t);
    return -0.5 * Math.log(2 * Math.PI * v) - (r * r) / (2 * v) - y;
  }

  /** The kernel's Hyvärinen score x_t ∘ ∂ log p(x_t | x₀) = −1 − (log x_t − mean)/v(t). */
  conditionalScore(xt: tf.Tensor, x0: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() => {
      const { mean, std } = this.#kernel(x0, t);
      return tf.sub(-1, tf.div(tf.sub(toLatent(xt), mean), tf.square(std)));
    });
  }

  /** A draw from the stationary log-normal law. */
  priorSample(shape: readonly number[], rng: Rng): tf.Tensor {
    return sampleLogNormal(this.prior, shape, rng);
  }

  /** Log-density of the stationary law, one value per batch element. */
  priorLogProb(x: tf.Tensor): tf.Tensor1D {
    return logNormalLogProb(this.prior, x);
  }

  toJSON(): ExpOUConfig {
    return {
      family: EXP_OU_FAMILY,
      rate: this.rate,
      logMean: this.logMean,
      sigma: this.sigma,
      T: this.T,
    };
  }

  /** Rebuild from {@link ExpOU.toJSON}. */
  static fromConfig(config: ExpOUConfig): ExpOU {
    return new ExpOU(config);
  }
}

/**
 * Register the family, so that `sdeFromConfig({ family: 'exp-ou', … })` — and so checkpoints
 * written by `train()` — rebuild it. Returns the function that unregisters it.
 */
export function registerExpOU(): () => void {
  return registerSDEFamily(EXP_OU_FAMILY, (config) => ExpOU.fromConfig(config as ExpOUConfig));
}
