import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { PositiveDiffusionSDE } from './generic.ts';
import { besselRatio, logBesselI, logGamma } from './special.ts';
import { checkTime } from './time.ts';
import type { MarginalSample, Process, ScoreFn, SDEConfig, Time } from './types.ts';

/** Options (and JSON form) of the CIR SDE. */
export interface CIROptions {
  /** Mean-reversion rate κ > 0. */
  kappa: number;
  /** Long-run mean θ > 0. */
  theta: number;
  /** Volatility σ > 0. */
  sigma: number;
  /** Final time; default 1. */
  T?: number;
}

/** JSON form of a CIR SDE. */
export interface CIRConfig extends SDEConfig, CIROptions {
  readonly family: 'cir';
}

function perElementTimes(t: Time, batch: number, elementsPerExample: number): Float64Array {
  const out = new Float64Array(batch * elementsPerExample);
  for (let b = 0; b < batch; b++) {
    const tb = typeof t === 'number' ? t : t[b]!;
    out.fill(tb, b * elementsPerExample, (b + 1) * elementsPerExample);
  }
  return out;
}

/**
 * The Cox–Ingersoll–Ross process dX = κ(θ − X) dt + σ √X dW, a positive-valued family beside GBM.
 * Its transition is exact: X_t | X₀ = c · χ'²(d, λ) with c = σ²(1 − e^{−κt})/(4κ), d = 4κθ/σ²,
 * λ = X₀ e^{−κt}/c; its stationary law Gamma(2κθ/σ², rate 2κ/σ²) is the prior. Like GBM it is
 * driven by the Hyvärinen score x ∘ ∇log p, and it samples in log space through the generic Itô
 * rewrite of its reverse SDE ({@link PositiveDiffusionSDE}). It stays positive when the Feller
 * condition 2κθ ≥ σ² holds.
 */
export class CIR extends PositiveDiffusionSDE {
  readonly family = 'cir';
  readonly kind = 'positive';
  readonly kappa: number;
  readonly theta: number;
  readonly sigma: number;
  readonly T: number;

  constructor(options: CIROptions) {
    super();
    const { kappa, theta, sigma, T = 1 } = options;
    for (const [name, value] of Object.entries({ kappa, theta, sigma, T })) {
      if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
        throw new DaleError(
          'invalid-sde',
          `CIR: ${name} must be a finite number > 0, got ${value}`,
        );
      }
    }
    this.kappa = kappa;
    this.theta = theta;
    this.sigma = sigma;
    this.T = T;
  }

  /** Degrees of freedom d = 4κθ/σ² of the non-central chi-square kernel. */
  get degreesOfFreedom(): number {
    return (4 * this.kappa * this.theta) / (this.sigma * this.sigma);
  }

  /** The kernel's scale c(t) = σ²(1 − e^{−κt})/(4κ). */
  scale(t: number): number {
    return (this.sigma * this.sigma * -Math.expm1(-this.kappa * t)) / (4 * this.kappa);
  }

  /** E[X_t | X₀] = θ + (x₀ − θ) e^{−κt}. */
  conditionalMean(x0: number, t: number): number {
    return this.theta + (x0 - this.theta) * Math.exp(-this.kappa * t);
  }

  /** Var[X_t | X₀] = x₀ σ² e^{−κt}(1 − e^{−κt})/κ + θσ²(1 − e^{−κt})²/(2κ). */
  conditionalVariance(x0: number, t: number): number {
    const e = Math.exp(-this.kappa * t);
    const s2 = this.sigma * this.sigma;
    return (
      (x0 * s2 * e * (1 - e)) / this.kappa + (this.theta * s2 * (1 - e) ** 2) / (2 * this.kappa)
    );
  }

  drift(x: tf.Tensor, _t: Time): tf.Tensor {
    return tf.tidy(() => tf.mul(this.kappa, tf.sub(this.theta, x)));
  }

  diffusion(x: tf.Tensor, _t: Time): tf.Tensor {
    return tf.tidy(() => tf.mul(this.sigma, tf.sqrt(tf.relu(x))));
  }

  #checkData(x0: Float32Array | Int32Array | Uint8Array, what: string): void {
    for (let i = 0; i < x0.length; i++) {
      if (!(x0[i]! > 0)) {
        throw new DaleError(
          'non-positive-data',
          `${what}: CIR needs strictly positive data, got ${x0[i]} at index ${i}. Map the data to positive values first with a positivity transform from @dale/data.`,
        );
      }
    }
  }

  /** An exact draw: Poisson mixture of Gamma variables, c · 2 Gamma((d + 2N)/2), N ~ Poisson(λ/2). */
  sampleMarginal(x0: tf.Tensor, t: Time, rng: Rng): MarginalSample {
    checkTime(t, this.T, 'CIR.sampleMarginal');
    const values = x0.dataSync();
    this.#checkData(values, 'CIR.sampleMarginal');
    const times = perElementTimes(
      t,
      x0.rank ? x0.shape[0]! : 1,
      x0.rank ? x0.size / x0.shape[0]! : 1,
    );
    const d = this.degreesOfFreedom;
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const ti = times[i]!;
      if (ti === 0) {
        out[i] = values[i]!;
        continue;
      }
      const c = this.scale(ti);
      const lambda = (values[i]! * Math.exp(-this.kappa * ti)) / c;
      const n = rng.poisson(lambda / 2);
      out[i] = c * 2 * rng.gamma(d / 2 + n);
    }
    return { xt: tf.tensor(out, x0.shape, 'float32') };
  }

  /** log p(x_t | x₀) of the exact kernel, elementwise (double precision, on the CPU). */
  conditionalLogDensity(xt: number, x0: number, t: number): number {
    const c = this.scale(t);
    const lambda = (x0 * Math.exp(-this.kappa * t)) / c;
    const y = xt / c;
    const nu = this.degreesOfFreedom / 2 - 1;
    return (
      -Math.log(c) -
      Math.LN2 -
      (y + lambda) / 2 +
      (nu / 2) * Math.log(y / lambda) +
      logBesselI(nu, Math.sqrt(lambda * y))
    );
  }

  /**
   * The Hyvärinen score of the kernel, x ∘ ∂ₓ log p(x | x₀) = ν − y/2 + (z/2) I_{ν+1}(z)/I_ν(z),
   * with y = x/c, z = √(λy), ν = d/2 − 1 (differentiating the non-central chi-square density).
   */
  conditionalScore(xt: tf.Tensor, x0: tf.Tensor, t: Time): tf.Tensor {
    const xs = xt.dataSync();
    const x0s = x0.dataSync();
    const times = perElementTimes(
      t,
      xt.rank ? xt.shape[0]! : 1,
      xt.rank ? xt.size / xt.shape[0]! : 1,
    );
    const nu = this.degreesOfFreedom / 2 - 1;
    const out = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const c = this.scale(times[i]!);
      const lambda = (x0s[i]! * Math.exp(-this.kappa * times[i]!)) / c;
      const y = xs[i]! / c;
      const z = Math.sqrt(lambda * y);
      out[i] = nu - y / 2 + (z / 2) * besselRatio(nu, z);
    }
    return tf.tensor(out, xt.shape, 'float32');
  }

  /** Shape α = 2κθ/σ² and rate β = 2κ/σ² of the stationary Gamma law. */
  get stationary(): { shape: number; rate: number } {
    const s2 = this.sigma * this.sigma;
    return { shape: (2 * this.kappa * this.theta) / s2, rate: (2 * this.kappa) / s2 };
  }

  /** A draw from the stationary Gamma law (the prior). */
  priorSample(shape: readonly number[], rng: Rng): tf.Tensor {
    const { shape: alpha, rate } = this.stationary;
    const n = shape.reduce((a, b) => a * b, 1);
    const out = Float32Array.from({ length: n }, () => rng.gamma(alpha) / rate);
    return tf.tensor(out, [...shape], 'float32');
  }

  priorLogProb(x: tf.Tensor): tf.Tensor1D {
    const { shape: alpha, rate } = this.stationary;
    return tf.tidy(() => {
      const constant = alpha * Math.log(rate) - logGamma(alpha);
      const perElement = tf.add(tf.sub(tf.mul(alpha - 1, tf.log(x)), tf.mul(rate, x)), constant);
      const axes = [...Array(x.rank).keys()].slice(1);
      return (axes.length ? tf.sum(perElement, axes) : perElement) as tf.Tensor1D;
    });
  }

  /** Reverse drift κ(θ − x) − σ² − σ² s_H (from f − ∂ₓg² − g² ∇log p with g² = σ²x), diffusion σ√x. */
  override reverse(score: ScoreFn): Process {
    const s2 = this.sigma * this.sigma;
    return {
      drift: (x, t) => tf.tidy(() => tf.sub(tf.sub(this.drift(x, t), s2), tf.mul(s2, score(x, t)))),
      diffusion: (x, t) => this.diffusion(x, t),
    };
  }

  /** Probability-flow velocity κ(θ − x) − σ²/2 − (σ²/2) s_H. */
  override probabilityFlow(score: ScoreFn): (x: tf.Tensor, t: Time) => tf.Tensor {
    const s2 = this.sigma * this.sigma;
    return (x, t) =>
      tf.tidy(() => tf.sub(tf.sub(this.drift(x, t), s2 / 2), tf.mul(s2 / 2, score(x, t))));
  }

  toJSON(): CIRConfig {
    return { family: 'cir', kappa: this.kappa, theta: this.theta, sigma: this.sigma, T: this.T };
  }

  /** Rebuild from {@link CIR.toJSON}. */
  static fromConfig(config: CIRConfig): CIR {
    return new CIR(config);
  }
}

/** The CIR SDE dX = κ(θ − X) dt + σ √X dW. */
export function cirSDE(options: CIROptions): CIR {
  return new CIR(options);
}
