import { DaleError, type Rng } from '@dale/core';
import type { AdditiveSDE, ScoreFn, Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/** One component of a diagonal Gaussian mixture: N(mean, diag(std²)). */
export interface MixtureComponent {
  /** Mixture weight (weights are normalised to sum to 1). */
  readonly weight: number;
  /** Mean, one value per dimension. */
  readonly mean: readonly number[];
  /** Standard deviation (> 0), one value per dimension. */
  readonly std: readonly number[];
}

/** Standard normal CDF Φ(z), absolute error below 1.5e-7. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = [
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
    1.48851587, -0.82215223, 0.17087277,
  ];
  let acc = 0;
  for (let i = poly.length - 1; i >= 1; i--) acc = t * (poly[i]! + acc);
  const r = t * Math.exp(-z * z + poly[0]! + acc);
  return x >= 0 ? r : 2 - r;
}

function normalise(components: readonly MixtureComponent[]): MixtureComponent[] {
  if (components.length === 0)
    throw new DaleError('invalid-mixture', 'a mixture needs at least one component');
  const dim = components[0]!.mean.length;
  let total = 0;
  for (const [k, c] of components.entries()) {
    if (dim === 0 || c.mean.length !== dim || c.std.length !== dim) {
      throw new DaleError(
        'invalid-mixture',
        `component ${k}: mean and std need the same non-zero length (${dim})`,
      );
    }
    if (!(c.weight > 0))
      throw new DaleError('invalid-mixture', `component ${k}: weight must be > 0, got ${c.weight}`);
    if (c.std.some((s) => !(s > 0 && Number.isFinite(s)))) {
      throw new DaleError(
        'invalid-mixture',
        `component ${k}: std must be finite and > 0, got [${c.std}]`,
      );
    }
    if (c.mean.some((m) => !Number.isFinite(m)))
      throw new DaleError('invalid-mixture', `component ${k}: mean must be finite`);
    total += c.weight;
  }
  return components.map((c) => ({ weight: c.weight / total, mean: [...c.mean], std: [...c.std] }));
}

/**
 * A mixture of diagonal Gaussians in d dimensions with exact sampling, log-density, score and
 * CDF. Under a linear additive SDE (VE, VP) its marginal at every t is again such a mixture,
 * so it is the ground truth for the additive samplers ({@link GaussianMixture.scoreFn}).
 */
export class GaussianMixture {
  readonly components: readonly MixtureComponent[];
  readonly dim: number;

  constructor(components: readonly MixtureComponent[]) {
    this.components = normalise(components);
    this.dim = this.components[0]!.mean.length;
  }

  /** Exact draws, shape [n, d]. */
  sample(n: number, rng: Rng): tf.Tensor2D {
    return tf.tensor2d(this.sampleValues(n, rng), [n, this.dim]);
  }

  /** Exact draws as a flat row-major Float32Array of n × d values. */
  sampleValues(n: number, rng: Rng): Float32Array {
    const out = new Float32Array(n * this.dim);
    const cumulative: number[] = [];
    let total = 0;
    for (const c of this.components) {
      total += c.weight;
      cumulative.push(total);
    }
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      let k = cumulative.findIndex((c) => u < c);
      if (k < 0) k = this.components.length - 1;
      const c = this.components[k]!;
      for (let j = 0; j < this.dim; j++)
        out[i * this.dim + j] = c.mean[j]! + c.std[j]! * rng.normal();
    }
    return out;
  }

  /** Every component's mean scaled by `scale` and variance grown to scale² s² + `addedVariance`. */
  transformed(scale: number, addedVariance: number, shift = 0): GaussianMixture {
    return new GaussianMixture(
      this.components.map((c) => ({
        weight: c.weight,
        mean: c.mean.map((m) => scale * m + shift),
        std: c.std.map((s) => Math.sqrt(scale * scale * s * s + addedVariance)),
      })),
    );
  }

  /** The exact law of X_t when X₀ follows this mixture and X evolves by the additive `sde`. */
  noised(sde: AdditiveSDE, t: number): GaussianMixture {
    return this.transformed(sde.meanFactor(t), sde.variance(t));
  }

  /** log w_k + log N(x; m_k, diag s_k²) for each component k, shape [n, K]. */
  componentLogDensities(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const columns = this.components.map((c) => {
        const z = tf.div(tf.sub(x, tf.tensor1d([...c.mean])), tf.tensor1d([...c.std]));
        const constant =
          Math.log(c.weight) -
          c.std.reduce((a, v) => a + Math.log(v), 0) -
          0.5 * this.dim * Math.log(2 * Math.PI);
        return tf.add(tf.mul(-0.5, tf.sum(tf.square(z), 1)), constant);
      });
      return tf.stack(columns, 1) as tf.Tensor2D;
    });
  }

  /** Per-example log-density, shape [n]. */
  logProb(x: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => tf.logSumExp(this.componentLogDensities(x), 1) as tf.Tensor1D);
  }

  /** The Stein score ∇ log p(x) = −Σ_k r_k(x) (x − m_k)/s_k², shape [n, d]. */
  steinScore(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const responsibilities = tf.softmax(this.componentLogDensities(x)); // [n, K]
      const pulls = this.components.map((c, k) =>
        tf.mul(
          responsibilities.slice([0, k], [-1, 1]),
          tf.div(tf.sub(x, tf.tensor1d([...c.mean])), tf.tensor1d(c.std.map((s) => s * s))),
        ),
      );
      return tf.neg(tf.addN(pulls)) as tf.Tensor2D;
    });
  }

  /** The exact Stein score of the noised law under an additive SDE, for every time. */
  scoreFn(sde: AdditiveSDE): ScoreFn {
    return perTime(
      (t) => this.noised(sde, t),
      (law, x) => law.steinScore(x),
    );
  }

  /** CDF of dimension `dim` at x. */
  marginalCdf(dim: number, x: number): number {
    return this.components.reduce(
      (p, c) => p + c.weight * normalCdf((x - c.mean[dim]!) / c.std[dim]!),
      0,
    );
  }

  /** Mean of dimension `dim`. */
  mean(dim: number): number {
    return this.components.reduce((p, c) => p + c.weight * c.mean[dim]!, 0);
  }

  /** Variance of dimension `dim`. */
  variance(dim: number): number {
    const second = this.components.reduce(
      (p, c) => p + c.weight * (c.std[dim]! ** 2 + c.mean[dim]! ** 2),
      0,
    );
    return second - this.mean(dim) ** 2;
  }

  toJSON(): { kind: 'gaussian-mixture'; components: MixtureComponent[] } {
    return { kind: 'gaussian-mixture', components: this.components.map((c) => ({ ...c })) };
  }
}

/**
 * Build a score function (`ScoreFn` of @dale/sde) from a law that depends on t: scalar times evaluate once, per-example
 * times evaluate each row under its own law.
 */
export function perTime<L extends { dim: number }>(
  lawAt: (t: number) => L,
  score: (law: L, x: tf.Tensor) => tf.Tensor,
): ScoreFn {
  return (x: tf.Tensor, t: Time) =>
    tf.tidy(() => {
      if (typeof t === 'number') return score(lawAt(t), x);
      const rows = tf.unstack(x).map((row, b) => {
        const law = lawAt(t[b]!);
        return score(law, row.reshape([1, law.dim]));
      });
      return tf.concat(rows, 0);
    });
}
