/**
 * Non-negative score matching (guide: M13) and the weighted divergence behind it.
 *
 * Integration by parts gives, for every Stein-score model ψ (p xᵢ² vanishes at 0 and ∞ for a
 * log-normal mixture),
 *   J₊(ψ) − ½ E‖x∘ψ − x∘∇log p‖² = −½ E‖x∘∇log p‖² = −½ E‖s_H‖²,
 * a constant we know. Per example the difference is iid over the batch, so its sample mean must
 * be within Z = 5 standard errors of the constant (see helpers.ts); pairs of models evaluated on
 * the same x (common random numbers) must agree within 5 SE of their paired difference.
 */
import { Rng } from '@dale/core';
import type { LogNormalMixture } from '@dale/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  nonnegativeScoreMatchingLoss,
  type SteinScoreModel,
  weightedDivergence,
} from '../src/index.ts';
import { LOGNORMAL_1D, LOGNORMAL_2D, meanAndSE, minus, onCpu, take, value, Z } from './helpers.ts';

beforeAll(onCpu);

/** ψ(x) = (log x · M + b) / x: a Stein-score model whose coordinates interact through M. */
function logLinear(M: number[][], b: number[]): SteinScoreModel {
  return (x) => tf.tidy(() => tf.div(tf.add(tf.matMul(tf.log(x), tf.tensor2d(M)), b), x));
}

describe('weightedDivergence', () => {
  const x = LOGNORMAL_2D.sample(64, Rng.fromSeed(1));
  const M = [
    [0.7, -0.4],
    [0.5, 1.3],
  ];
  const b = [0.2, -0.1];

  it("'exact' equals the closed form Σᵢ xᵢ² ∂ᵢψᵢ = Σᵢ (Mᵢᵢ − uᵢ) for ψ = u/x, u = log x · M + b", () => {
    const got = take(weightedDivergence(logLinear(M, b), x, tf.square(x), { divergence: 'exact' }));
    const xs = take(x.clone());
    for (let n = 0; n < 64; n++) {
      const [l0, l1] = [Math.log(xs[2 * n]!), Math.log(xs[2 * n + 1]!)];
      const u = [l0 * M[0]![0]! + l1 * M[1]![0]! + b[0]!, l0 * M[0]![1]! + l1 * M[1]![1]! + b[1]!];
      expect(got[n]).toBeCloseTo(M[0]![0]! - u[0]! + M[1]![1]! - u[1]!, 4);
    }
  });

  it("'exact' matches central finite differences of a nonlinear field in 3-D (w = 1)", () => {
    const W = tf.tensor2d([
      [0.9, -0.5, 0.3],
      [0.4, 0.8, -0.7],
      [-0.2, 0.6, 1.1],
    ]);
    const f = (z: tf.Tensor) => tf.tidy(() => tf.tanh(tf.matMul(z, W)));
    const z = tf.tensor2d([0.3, -0.2, 0.5, 1.1, 0.4, -0.6], [2, 3]);
    const got = take(weightedDivergence(f, z, null));
    const h = 1e-2;
    const zs = take(z.clone());
    for (let n = 0; n < 2; n++) {
      let fd = 0;
      for (let i = 0; i < 3; i++) {
        const shifted = (d: number) => {
          const v = zs.slice(3 * n, 3 * n + 3);
          v[i]! += d;
          return take(f(tf.tensor2d(Float32Array.from(v), [1, 3])))[i]!;
        };
        fd += (shifted(h) - shifted(-h)) / (2 * h);
      }
      // Central-difference truncation h²/6 · |f'''| < 1e-4 here; float32 rounding ~ 1e-5.
      expect(Math.abs(got[n]! - fd)).toBeLessThan(5e-4);
    }
    tf.dispose([W, z]);
  });

  it(`'hutchinson' is unbiased: the mean of single-probe estimates is the exact value (±${Z} SE)`, () => {
    const psi = logLinear(M, b);
    const one = tf.tile(x.slice([5, 0], [1, 2]), [4000, 1]); // one example, 4000 independent probes
    const estimates = take(
      weightedDivergence(psi, one, tf.square(one), {
        divergence: 'hutchinson',
        rng: Rng.fromSeed(2),
      }),
    );
    const exact = take(
      weightedDivergence(psi, one.slice([0, 0], [1, 2]), tf.square(x.slice([5, 0], [1, 2]))),
    )[0]!;
    const { mean, se } = meanAndSE(estimates);
    expect(se).toBeGreaterThan(0); // the off-diagonal Jacobian makes single probes noisy
    expect(Math.abs(mean - exact)).toBeLessThan(Z * se);
    // Averaging K probes divides the variance by K.
    const averaged = take(
      weightedDivergence(psi, one, tf.square(one), {
        divergence: 'hutchinson',
        rng: Rng.fromSeed(3),
        probes: 16,
      }),
    );
    const ratio = meanAndSE(averaged).se / se;
    expect(ratio).toBeGreaterThan(0.2);
    expect(ratio).toBeLessThan(0.3); // 1/√16 = 0.25
    one.dispose();
  });

  it("'hutchinson' is exact when the Jacobian is diagonal (vᵢ² = 1)", () => {
    const elementwise: SteinScoreModel = (z) => tf.tidy(() => tf.div(tf.sub(0.3, tf.log(z)), z));
    const exact = take(weightedDivergence(elementwise, x, tf.square(x), { divergence: 'exact' }));
    const hutch = take(
      weightedDivergence(elementwise, x, tf.square(x), {
        divergence: 'hutchinson',
        rng: Rng.fromSeed(4),
      }),
    );
    for (let n = 0; n < 64; n++) expect(hutch[n]).toBeCloseTo(exact[n]!, 4);
  });
});

/** Stein-score models ψ to compare, around the exact score of `law`. */
function models(law: LogNormalMixture): Record<string, SteinScoreModel> {
  const d = law.dim;
  const M = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => (i === j ? -1.2 : 0.3)),
  );
  const W = M.map((row) => row.map((v) => -0.5 * v));
  return {
    'exact Stein score': (x) => law.steinScore(x),
    '0.5 × exact': (x) => tf.tidy(() => tf.mul(0.5, law.steinScore(x))),
    'log-linear, coupled': logLinear(M, new Array(d).fill(0.2)),
    'exact + 2 tanh(x W), coupled': (x) =>
      tf.tidy(() => tf.add(law.steinScore(x), tf.mul(2, tf.tanh(tf.matMul(x, tf.tensor2d(W)))))),
  };
}

const laws: Record<string, [LogNormalMixture, number]> = {
  '1-D log-normal mixture': [LOGNORMAL_1D, 8000],
  '2-D log-normal mixture': [LOGNORMAL_2D, 8000],
};

for (const [name, [law, n]] of Object.entries(laws)) {
  describe(`non-negative score matching J₊ on a ${name}`, () => {
    let x: tf.Tensor;
    let halfNormSH: Float64Array; // ½‖s_H‖² per example
    let sH: tf.Tensor;
    beforeAll(() => {
      x = law.sample(n, Rng.fromSeed(30));
      sH = law.hyvarinenScore(x);
      halfNormSH = take(tf.mul(0.5, tf.sum(tf.square(sH), 1)));
      return () => tf.dispose([x, sH]);
    });

    /** J₊ − ½‖x∘ψ − s_H‖² per example. */
    const residual = (
      psi: SteinScoreModel,
      options: Parameters<typeof nonnegativeScoreMatchingLoss>[2],
    ) => {
      const j = take(nonnegativeScoreMatchingLoss(psi, x, { ...options, reduction: 'none' }));
      const gap = take(
        tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(tf.mul(x, psi(x)), sH)), 1))),
      );
      return { j, gap, r: minus(j, gap) };
    };

    for (const divergence of ['exact', 'hutchinson'] as const) {
      it(`${divergence}: J₊ − ½E‖x∘ψ − x∘∇log p‖² = −½E‖s_H‖² for every ψ (±${Z} SE)`, () => {
        // Four probes per example: the Hutchinson estimate is unbiased for any number.
        const options = { divergence, rng: Rng.fromSeed(31), probes: 4 };
        const results = Object.entries(models(law)).map(
          ([label, psi]) => [label, residual(psi, options)] as const,
        );
        const base = results[0]![1];
        for (const [label, { r, gap }] of results) {
          // Against the known constant.
          const offset = meanAndSE(Float64Array.from(r, (v, i) => v + halfNormSH[i]!));
          expect(Math.abs(offset.mean), label).toBeLessThan(Z * offset.se);
          if (label === results[0]![0]) continue;
          // Against the exact score's value, paired (same x).
          const paired = meanAndSE(minus(r, base.r));
          expect(Math.abs(paired.mean), label).toBeLessThan(Z * paired.se);
          // Power (exact divergence): the models' losses differ by more than twice the tolerance.
          if (divergence === 'exact') {
            expect(meanAndSE(gap).mean, label).toBeGreaterThan(2 * Z * paired.se);
          }
        }
      });
    }
  });
}

describe('non-negative score matching: reductions and input checks', () => {
  const psi = logLinear([[0.5]], [0.1]);
  it("'mean' divides by the elements per example; default averages per-example sums", () => {
    const x = tf.reshape(LOGNORMAL_1D.sample(24, Rng.fromSeed(5)), [6, 2, 2]);
    const psi4: SteinScoreModel = (z) =>
      tf.tidy(() => tf.div(tf.sub(0.1, tf.mul(0.5, tf.log(z))), z));
    const sum = value(nonnegativeScoreMatchingLoss(psi4, x));
    expect(
      value(nonnegativeScoreMatchingLoss(psi4, x, { reduction: 'mean' })) / (sum / 4),
    ).toBeCloseTo(1, 6);
    const each = take(nonnegativeScoreMatchingLoss(psi4, x, { reduction: 'none' }));
    expect(each).toHaveLength(6);
    expect(each.reduce((a, v) => a + v, 0) / 6 / sum).toBeCloseTo(1, 6);
    x.dispose();
  });

  it('rejects negative data, wrong shapes and incomplete options, naming the field', () => {
    const x = tf.tensor2d([[0.5], [0]]);
    expect(() => value(nonnegativeScoreMatchingLoss(psi, tf.tensor2d([[0.5], [-0.1]])))).toThrow(
      /non-negative .* smallest value is -0.1/,
    );
    expect(() => nonnegativeScoreMatchingLoss((z) => tf.sum(z, 1), x)).toThrow(
      /psi must return a tensor of the input's shape \[2, 1\], got \[2\]/,
    );
    expect(() => nonnegativeScoreMatchingLoss(psi, x, { divergence: 'hutchinson' })).toThrow(
      /needs options.rng/,
    );
    expect(() =>
      nonnegativeScoreMatchingLoss(psi, x, {
        divergence: 'hutchinson',
        rng: Rng.fromSeed(0),
        probes: 0,
      }),
    ).toThrow(/probes must be an integer >= 1, got 0/);
    // biome-ignore lint/suspicious/noExplicitAny: an invalid name on purpose
    expect(() => nonnegativeScoreMatchingLoss(psi, x, { divergence: 'sliced' as any })).toThrow(
      /divergence must be 'exact' or 'hutchinson', got "sliced"/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: an invalid name on purpose
    expect(() => nonnegativeScoreMatchingLoss(psi, x, { reduction: 'sum' as any })).toThrow(
      /reduction must be one of 'sum-over-pixels', 'mean', 'none', got "sum"/,
    );
    x.dispose();
  });
});
