import {
  DaleError,
  geometricSchedule,
  linearSchedule,
  type NoiseSchedule,
  type Rng,
  type ScheduleConfig,
  scheduleFromConfig,
} from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { DiffusionSDE } from './generic.ts';
import { checkTime, coefficient } from './time.ts';
import type { GaussianKernel, MarginalSample, Process, ScoreFn, SDEConfig, Time } from './types.ts';

/** JSON form of an additive SDE. */
export interface AdditiveSDEConfig extends SDEConfig {
  readonly family: 've' | 'vp';
  readonly schedule: ScheduleConfig;
}

/**
 * A linear additive SDE dX = μ(t) X dt + σ(t) dW with μ = r σ² (r = 0: VE; r = −½: VP), the
 * baseline of Song et al. 2021. Its kernel is Gaussian: X_t | X₀ ~ N(X₀ e^{M(t)}, v(t) I) with
 * v(t) = (e^{2r S²(t)} − 1) / (2r) (v = S² when r = 0).
 */
export class AdditiveSDE extends DiffusionSDE {
  readonly family: 've' | 'vp';
  readonly kind = 'additive';
  readonly scoreKind = 'stein';
  readonly schedule: NoiseSchedule;
  readonly T: number;
  /** Gaussian in x: X_t = e^{M(t)} X₀ + √v(t) Z. */
  override readonly kernel: GaussianKernel = {
    coordinates: 'ambient',
    variance: (t) => this.variance(t),
    logMeanScale: (t) => this.schedule.muIntegral(t),
  };
  readonly #ratio: number;

  constructor(family: 've' | 'vp', schedule: NoiseSchedule) {
    super();
    const drift = schedule.toJSON().mu;
    const ratio =
      typeof drift === 'number' ? (drift === 0 ? 0 : Number.NaN) : drift.sigmaSquaredRatio;
    if (!Number.isFinite(ratio)) {
      throw new DaleError(
        'invalid-sde',
        `additive SDE: the drift must be 0 or proportional to σ² ({ sigmaSquaredRatio }), got ${JSON.stringify(drift)}`,
      );
    }
    this.family = family;
    this.schedule = schedule;
    this.T = schedule.T;
    this.#ratio = ratio;
  }

  /** The kernel's mean factor e^{M(t)}. */
  meanFactor(t: number): number {
    return Math.exp(this.schedule.muIntegral(t));
  }

  /** The kernel's variance v(t). */
  variance(t: number): number {
    const S2 = this.schedule.sigmaSquaredIntegral(t);
    const r = this.#ratio;
    return r === 0 ? S2 : Math.expm1(2 * r * S2) / (2 * r);
  }

  drift(x: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() =>
      tf.mul(
        coefficient(t, x, (s) => this.schedule.mu(s)),
        x,
      ),
    );
  }

  diffusion(x: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() =>
      tf.mul(
        coefficient(t, x, (s) => this.schedule.sigma(s)),
        tf.onesLike(x),
      ),
    );
  }

  /** x_t = e^{M} x₀ + √v Z; returns Z as `noise`. */
  sampleMarginal(x0: tf.Tensor, t: Time, rng: Rng): MarginalSample {
    checkTime(t, this.T, `${this.family.toUpperCase()}.sampleMarginal`);
    const noise = tf.tensor(rng.fillNormal(new Float32Array(x0.size)), x0.shape, 'float32');
    const xt = tf.tidy(() =>
      tf.add(
        tf.mul(
          coefficient(t, x0, (s) => this.meanFactor(s)),
          x0,
        ),
        tf.mul(
          coefficient(t, x0, (s) => Math.sqrt(this.variance(s))),
          noise,
        ),
      ),
    );
    return { xt, noise };
  }

  /** The Stein score of the Gaussian kernel: −(x_t − e^{M} x₀) / v. */
  conditionalScore(xt: tf.Tensor, x0: tf.Tensor, t: Time): tf.Tensor {
    return tf.tidy(() => {
      const residual = tf.sub(
        xt,
        tf.mul(
          coefficient(t, xt, (s) => this.meanFactor(s)),
          x0,
        ),
      );
      return tf.neg(
        tf.div(
          residual,
          coefficient(t, xt, (s) => this.variance(s)),
        ),
      );
    });
  }

  /** N(0, v(T) I): the kernel's spread at T for data near 0 (σ_max² for VE, ≈ 1 for VP). */
  priorSample(shape: readonly number[], rng: Rng): tf.Tensor {
    const std = Math.sqrt(this.variance(this.T));
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(rng.fillNormal(new Float32Array(n), 0, std), [...shape], 'float32');
  }

  priorLogProb(x: tf.Tensor): tf.Tensor1D {
    const v = this.variance(this.T);
    return tf.tidy(() => {
      const perElement = tf.add(tf.div(tf.square(x), -2 * v), -0.5 * Math.log(2 * Math.PI * v));
      const axes = [...Array(x.rank).keys()].slice(1);
      return (axes.length ? tf.sum(perElement, axes) : perElement) as tf.Tensor1D;
    });
  }

  /** Reverse drift μx − σ² ∇log p, diffusion σ: the closed form of the generic derivation. */
  override reverse(score: ScoreFn): Process {
    return {
      drift: (x, t) =>
        tf.tidy(() =>
          tf.sub(
            this.drift(x, t),
            tf.mul(
              coefficient(t, x, (s) => this.schedule.sigmaSquared(s)),
              score(x, t),
            ),
          ),
        ),
      diffusion: (x, t) => this.diffusion(x, t),
    };
  }

  /** Probability-flow velocity μx − ½σ² ∇log p. */
  override probabilityFlow(score: ScoreFn): (x: tf.Tensor, t: Time) => tf.Tensor {
    return (x, t) =>
      tf.tidy(() =>
        tf.sub(
          this.drift(x, t),
          tf.mul(
            coefficient(t, x, (s) => 0.5 * this.schedule.sigmaSquared(s)),
            score(x, t),
          ),
        ),
      );
  }

  toJSON(): AdditiveSDEConfig {
    return { family: this.family, schedule: this.schedule.toJSON() };
  }

  /** Rebuild from {@link AdditiveSDE.toJSON}. */
  static fromConfig(config: AdditiveSDEConfig): AdditiveSDE {
    return new AdditiveSDE(config.family, scheduleFromConfig(config.schedule));
  }
}

/** The variance-exploding SDE: zero drift, S²(t) = σ_min²((σ_max/σ_min)^{2t/T} − 1). */
export function veSDE(
  options: { sigmaMin?: number; sigmaMax?: number; T?: number } = {},
): AdditiveSDE {
  const { sigmaMin = 0.01, sigmaMax = 50, T = 1 } = options;
  return new AdditiveSDE('ve', geometricSchedule({ sigmaMin, sigmaMax, T }));
}

/** The variance-preserving SDE: dX = −½β(t) X dt + √β(t) dW with β linear from β_min to β_max. */
export function vpSDE(
  options: { betaMin?: number; betaMax?: number; T?: number } = {},
): AdditiveSDE {
  const { betaMin = 0.1, betaMax = 20, T = 1 } = options;
  return new AdditiveSDE(
    'vp',
    linearSchedule({
      sigmaSquaredStart: betaMin,
      sigmaSquaredEnd: betaMax,
      mu: { sigmaSquaredRatio: -0.5 },
      T,
    }),
  );
}
